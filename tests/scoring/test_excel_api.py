"""Spreadsheets over the API: multipart imports with their limits, exports, facts sheets."""

import io
import zipfile
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from services.scoring.excel import importer, workbook
from services.scoring.system import IndicatorSystem
from tests.scoring.conftest import example

PROBLEM = "application/problem+json"
APPENDIX = Path(__file__).resolve().parents[2] / "examples" / "seed001" / "appendix.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def files(data: bytes, name: str = "appendix.xlsx") -> dict[str, Any]:
    return {"file": (name, data, XLSX if name.endswith(".xlsx") else "text/csv")}


def malformed() -> bytes:
    """The appendix with a weight that does not add up, text in a weight, a misplaced merge."""
    book = openpyxl.load_workbook(APPENDIX)
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet["F4"] = 3  # 立项程序规范性 2 -> 3: 项目立项 4 is no longer 2 + 2
    sheet["F10"] = "三分"  # 预算执行率
    sheet.merge_cells("G7:H7")  # 预算编制科学性: 指标解释 merged over 评分标准
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bomb(members: int, size: int) -> bytes:
    """A zip that unpacks to `members` × `size` bytes of zeros, starting like an XLSX."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index in range(members):
            archive.writestr(f"xl/part{index}.xml", b"\0" * size)
    return buffer.getvalue()


async def test_dry_run_shows_the_system_and_report_and_stores_nothing(
    scoring: httpx.AsyncClient,
) -> None:
    data = {"dry_run": "true", "grade_scale": "five_band"}
    response = await scoring.post("/imports/systems", files=files(APPENDIX.read_bytes()), data=data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored"] is None
    assert body["system"]["name"] == "2024年度安全生产监管经费项目绩效评价指标体系"
    assert body["report"]["judged"] == []
    assert body["report"]["indicators"][6] == {
        "code": "2.1.1",
        "name": "资金到位率",
        "cell": "Sheet1!H9",
        "kind": "rate",
        "form": "得分=比率×分值（rate）",
        "source": "standard",
        "reads": ["资金到位率"],
        "notes": [],
    }
    assert (await scoring.get("/systems")).json()["items"] == []


async def test_import_stores_a_system_that_exports_back_to_the_same(
    scoring: httpx.AsyncClient,
) -> None:
    response = await scoring.post("/imports/systems", files=files(APPENDIX.read_bytes()))
    assert response.status_code == 201, response.text
    body = response.json()
    key = body["stored"]["key"]
    exported = await scoring.get(f"/systems/{key}/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == XLSX
    again = importer.import_system(exported.content)
    assert again.system.model_dump(mode="json") == body["system"]
    csv = await scoring.get(f"/systems/{key}/export", params={"format": "csv"})
    assert csv.content.startswith(b"\xef\xbb\xbf")
    missing = await scoring.get("/systems/00000000-0000-0000-0000-000000000000/export")
    assert missing.status_code == 404


async def test_malformed_sheet_lists_each_cell_by_its_excel_address(
    scoring: httpx.AsyncClient,
) -> None:
    response = await scoring.post("/imports/systems", files=files(malformed()))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "/problems/invalid-sheet"
    assert problem["errors"] == [
        {"path": "Sheet1!G7:H7", "message": "合并单元格位置不对：它跨越了多列"},
        {"path": "Sheet1!F10", "message": "权重应为不小于0的数字，不是 '三分'"},
        {"path": "Sheet1!D3", "message": "项目立项：weight 4 is not the sum of its children's, 5"},
    ]


@pytest.mark.parametrize(
    ("limit", "value", "data"),
    [
        ("MAX_UNCOMPRESSED_BYTES", 1_000_000, bomb(1, 5_000_000)),
        ("MAX_MEMBERS", 500, bomb(501, 1)),
        ("MAX_UPLOAD_BYTES", 2_000, APPENDIX.read_bytes()),
    ],
)
async def test_zip_bombs_and_big_files_are_refused_with_413(
    scoring: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, data: bytes
) -> None:
    monkeypatch.setattr(workbook, limit, value)
    response = await scoring.post("/imports/systems", files=files(data))
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "/problems/file-too-large"


async def test_a_file_that_is_no_spreadsheet_gets_a_422_problem(scoring: httpx.AsyncClient) -> None:
    broken = await scoring.post("/imports/systems", files=files(b"PK\x03\x04 not really a zip"))
    assert (broken.status_code, broken.json()["type"]) == (422, "/problems/unreadable-file")
    text = await scoring.post("/imports/systems", files=files(b"a,b\n1,2\n", "table.csv"))
    assert (text.status_code, text.json()["type"]) == (422, "/problems/invalid-sheet")
    assert text.json()["errors"][0]["path"] == "CSV"
    none = await scoring.post("/imports/systems", data={"dry_run": "true"})
    assert none.status_code == 422


FACTS_CSV = (
    "项目名称,年度,实际到位资金,检查企业家次,不存在的数据项\n"
    "甲项目,2024,140,540,1\n"
    "乙项目,2024,130,3.5,\n"
    "丙项目,2025,98.5%,10,\n"
)


async def _imported_key(scoring: httpx.AsyncClient) -> str:
    response = await scoring.post("/imports/systems", files=files(APPENDIX.read_bytes()))
    key: str = response.json()["stored"]["key"]
    return key


async def test_facts_sheet_with_bad_cells_is_refused_whole(scoring: httpx.AsyncClient) -> None:
    key = await _imported_key(scoring)
    response = await scoring.post(
        "/imports/facts",
        files=files(FACTS_CSV.encode("utf-8-sig"), "facts.csv"),
        data={"system_key": key},
    )
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/invalid-facts"
    assert response.json()["errors"] == [
        {"path": "CSV!E1", "message": "未知的数据项“不存在的数据项”：指标体系中没有"},
        {"path": "CSV!D3", "message": "检查企业家次：a count must be a whole number ≥ 0（3.5）"},
    ]
    assert (await scoring.get("/projects")).json()["items"] == []


async def test_facts_sheet_keeps_the_good_rows_when_asked(scoring: httpx.AsyncClient) -> None:
    key = await _imported_key(scoring)
    response = await scoring.post(
        "/imports/facts",
        files=files(FACTS_CSV.encode("gb18030"), "facts.csv"),
        data={"system_key": key, "keep_good": "true"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert [(p["row"], p["name"]) for p in body["projects"]] == [(2, "甲项目"), (4, "丙项目")]
    assert [e["path"] for e in body["errors"]] == ["CSV!E1", "CSV!D3"]
    stored = {p["name"]: p["facts"] for p in (await scoring.get("/projects")).json()["items"]}
    assert stored == {
        "甲项目": {"实际到位资金": "140", "检查企业家次": "540"},
        "丙项目": {"实际到位资金": "0.985", "检查企业家次": "10"},
    }
    # A second sheet names the project by its id and merges its facts.
    book = openpyxl.Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["项目ID", "预算资金"])
    sheet.append([body["projects"][0]["id"], 140])
    buffer = io.BytesIO()
    book.save(buffer)
    update = await scoring.post("/imports/facts", files=files(buffer.getvalue()))
    assert (update.status_code, update.json()["updated"]) == (201, 1)
    project = await scoring.get(f"/projects/{body['projects'][0]['id']}")
    assert project.json()["facts"] == {
        "实际到位资金": "140",
        "检查企业家次": "540",
        "预算资金": "140",
    }


async def test_scored_exports_stateless_batch_and_stored(scoring: httpx.AsyncClient) -> None:
    request = {
        "system": example("seed001", "system"),
        "facts": example("seed001", "facts"),
        "judgements": example("seed001", "judgements"),
    }
    one = await scoring.post("/scores/export", json=request)
    assert one.status_code == 200, one.text
    imported = importer.import_system(one.content, with_judgements=True)
    assert imported.system == IndicatorSystem.model_validate(request["system"])
    batch = {
        "system": request["system"],
        "projects": [
            {"id": "甲", "facts": request["facts"], "judgements": request["judgements"]},
            {"id": "乙", "facts": request["facts"]},
        ],
    }
    summary = await scoring.post("/scores/batch/export", json=batch, params={"format": "csv"})
    assert summary.status_code == 200
    rows = summary.content.decode("utf-8-sig").splitlines()
    assert [row.split(",")[:3] for row in rows] == [
        ["项目", "等级", "总分"],
        ["甲", "良", "88"],
        ["乙", "（未完成）", "66"],
    ]
    bad = await scoring.post("/scores/batch/export", json={**batch, "projects": [{"id": "丙"}]})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"].startswith("body.projects[0].facts.")
