"""Results, review and exports over HTTP: seed 001's 98.72%, 100-point forms, CSV and XLSX."""

import csv
import io
import uuid
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.survey.conftest import SEED001_SHEETS, field, likert_sheet, points_sheet, problem


async def _batch(client: httpx.AsyncClient, token: str, sheets: list[dict[str, Any]]) -> None:
    response = await client.post(f"/s/{token}/sheets/batch", json={"sheets": sheets})
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == len(sheets), response.text


async def test_seed001_counts_give_98_72_percent_through_the_api(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001", target=52, groups=["市民"])
    await _batch(
        survey, made["public_token"], [likert_sheet(s, group="市民") for s in SEED001_SHEETS]
    )
    response = await survey.get(f"/surveys/{made['id']}/results")
    assert response.status_code == 200, response.text
    found = response.json()
    assert (found["survey_id"], found["n"], found["target"]) == (made["id"], 52, 52)
    assert (found["satisfaction"], found["satisfaction_percent"]) == ("0.9872", "98.72%")
    assert found["response_rate"] == "1.0000"
    assert [list(q["counts"].values()) for q in found["questions"]] == [
        [50, 2, 0, 0, 0],
        [49, 3, 0, 0, 0],
        [49, 3, 0, 0, 0],
    ]
    assert [q["n"] for q in found["questions"]] == [52, 52, 52]
    low, high = found["ci95"]
    assert float(low) < 0.9872 < float(high) <= 1
    assert found["cronbach_alpha"] is not None
    assert found["groups"] == {"市民": 52}


async def test_a_hundred_point_survey_reports_mean_median_and_distribution(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed002")
    sheets = [
        points_sheet([10] * 10),
        points_sheet([10] * 9 + [5]),
        points_sheet([9] * 10),
        points_sheet([10, 8, 10, 10, 10, 10, 10, 10, 3, 10]),
    ]
    await _batch(survey, made["public_token"], sheets)
    found = (await survey.get(f"/surveys/{made['id']}/results")).json()
    assert (found["method"], found["n"], found["mean"], found["median"]) == (
        "points",
        4,
        "94.00",
        "93.00",
    )
    assert (found["satisfaction"], found["satisfaction_percent"]) == ("0.9400", "94.00%")
    assert found["distribution"] == [
        {"total": "100", "count": 1},
        {"total": "95", "count": 1},
        {"total": "91", "count": 1},
        {"total": "90", "count": 1},
    ]
    item9 = found["questions"][8]
    assert item9["counts"] == {"机制健全": 2, "机制较健全": 1, "机制不健全": 1, "无机制": 0}
    assert item9["mean"] == "8.00"
    assert float(found["ci95"][0]) < 0.94 < float(found["ci95"][1])


async def test_reviewed_sheets_keep_their_state_and_rejected_ones_stop_counting(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed001")
    sheets = [
        likert_sheet(("非常满意",) * 3),
        likert_sheet(("非常不满意",) * 3),
        likert_sheet(("满意",) * 3),
    ]
    await _batch(survey, made["public_token"], sheets)
    base = f"/surveys/{made['id']}/sheets"
    rejected = await survey.put(
        f"{base}/{sheets[1]['id']}/review", json={"state": "rejected", "note": "同一IP重复填写"}
    )
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["review"], rejected.json()["note"]) == ("rejected", "同一IP重复填写")
    flagged = await survey.put(
        f"{base}/{sheets[2]['id']}/review", json={"state": "has_issues", "note": "字迹不清"}
    )
    assert flagged.json()["reviewed_at"] is not None
    found = (await survey.get(f"/surveys/{made['id']}/results")).json()
    assert (found["n"], found["rejected"], found["satisfaction"]) == (2, 1, "0.8750")
    assert found["questions"][0]["counts"]["非常不满意"] == 0
    kept = (await survey.get(base, params={"review": "rejected"})).json()
    assert (kept["total"], kept["items"][0]["id"]) == (1, sheets[1]["id"])
    one = await survey.get(f"{base}/{sheets[0]['id']}")
    assert one.json()["body"]["answers"] == {"1": "非常满意", "2": "非常满意", "3": "非常满意"}
    page = (await survey.get(base, params={"limit": 2, "offset": 2})).json()
    assert (page["total"], len(page["items"])) == (3, 1)
    restored = await survey.put(f"{base}/{sheets[1]['id']}/review", json={"state": "accepted"})
    assert restored.json()["note"] is None
    assert (await survey.get(f"/surveys/{made['id']}/results")).json()["n"] == 3


async def test_review_and_results_problems_are_404_and_422(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001")
    missing = uuid.uuid4()
    problem(await survey.get(f"/surveys/{missing}/results"), 404, "/problems/survey-not-found")
    problem(await survey.get(f"/surveys/{missing}/sheets"), 404, "/problems/survey-not-found")
    review = await survey.put(
        f"/surveys/{made['id']}/sheets/{missing}/review", json={"state": "rejected"}
    )
    problem(review, 404, "/problems/sheet-not-found")
    problem(
        await survey.get(f"/surveys/{made['id']}/sheets/{missing}"),
        404,
        "/problems/sheet-not-found",
    )
    sheet = likert_sheet(("满意",) * 3)
    await _batch(survey, made["public_token"], [sheet])
    wrong = await survey.put(
        f"/surveys/{made['id']}/sheets/{sheet['id']}/review", json={"state": "ok"}
    )
    problem(wrong, 422, "/problems/invalid-request")
    problem(
        await survey.get(f"/surveys/{made['id']}/exports/answers.pdf"),
        422,
        "/problems/invalid-request",
    )
    problem(await survey.get("/surveys/not-an-id/results"), 422, "/problems/invalid-request")
    listing = await survey.get(f"/surveys/{made['id']}/sheets", params={"review": "maybe"})
    problem(listing, 422, "/problems/invalid-request")
    problem(
        await survey.get(f"/surveys/{missing}/exports/answers.csv"),
        404,
        "/problems/survey-not-found",
    )


async def test_exports_are_csv_with_bom_and_xlsx(survey: httpx.AsyncClient) -> None:
    made = await field(survey, "seed001")
    sheets = [likert_sheet(s) for s in SEED001_SHEETS]
    await _batch(survey, made["public_token"], sheets)
    base = f"/surveys/{made['id']}/exports"
    table = await survey.get(f"{base}/distribution.csv")
    assert table.headers["content-type"] == "text/csv; charset=utf-8"
    assert table.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "题号",
        "事项",
        "非常满意",
        "满意",
        "一般",
        "不满意",
        "非常不满意",
        "回答数",
        "满意度",
    ]
    assert rows[1] == [
        "1",
        "安全生产监管及应急管理工作效率",
        "50",
        "2",
        "0",
        "0",
        "0",
        "52",
        "99.04%",
    ]
    assert rows[-1][-2:] == ["52", "98.72%"]
    raw = await survey.get(f"{base}/answers.csv")
    answers = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert len(answers) == 53
    assert answers[0][:4] == ["答卷编号", "提交时间", "填写时间", "审核"]
    assert {row[0] for row in answers[1:]} == {s["id"] for s in sheets}
    book = load_workbook(io.BytesIO((await survey.get(f"{base}/distribution.xlsx")).content))
    sheet = book.active
    assert sheet is not None
    assert [c.value for c in sheet[2]][2:8] == [50, 2, 0, 0, 0, 52]
    answers_book = load_workbook(io.BytesIO((await survey.get(f"{base}/answers.xlsx")).content))
    assert answers_book.active is not None
    assert answers_book.active.max_row == 53


async def test_a_hundred_point_distribution_export_lists_bands_and_means(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed002")
    await _batch(
        survey, made["public_token"], [points_sheet([10] * 9 + [4]), points_sheet([10] * 10)]
    )
    raw = await survey.get(f"/surveys/{made['id']}/exports/distribution.csv")
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert rows[0] == ["题号", "事项", "等级", "人数", "占比"]
    item10 = [row for row in rows if row[0] == "10"]
    assert [row[2:] for row in item10] == [
        ["是", "1", "50.00%"],
        ["一般", "1", "50.00%"],
        ["否", "0", "0.00%"],
        ["平均分", "7.00", "70.00%"],
    ]
    assert rows[-1] == ["", "合计", "平均分", "97.00", "97.00%"]
    answers = await survey.get(f"/surveys/{made['id']}/exports/answers.csv")
    table = list(csv.reader(io.StringIO(answers.content.decode("utf-8-sig"))))
    assert table[0][-1] == "合计"
    assert sorted(row[-1] for row in table[1:]) == ["100", "94"]
