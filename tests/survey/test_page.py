"""The answer page for phones, in-process: its HTML, and the form post that needs no JavaScript."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from tests.survey.conftest import field

FORM = {"content-type": "application/x-www-form-urlencoded"}


async def test_the_page_shows_every_question_and_posts_to_the_public_path(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed002", groups=["企业", "职工"])
    token = made["public_token"]
    page = await survey.get(f"/s/{token}", headers={"x-forwarded-prefix": "/api/v1/survey"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    assert f'action="/api/v1/survey/s/{token}/sheets"' in html
    assert f'data-endpoint="/api/v1/survey/s/{token}/sheets"' in html
    assert "安全生产标准化建设专项资金满意度调查问卷" in html
    assert "可匿名填写" in html
    assert html.count('class="q"') == 10
    assert "机制健全 10 · 机制较健全 6–9 · 机制不健全 1–5 · 无机制 0 分" in html
    assert 'type="date" name="h:填写日期"' in html
    assert 'value="职工"' in html
    assert "<script>" in html
    direct = await survey.get(f"/s/{token}")
    assert f'action="/s/{token}/sheets"' in direct.text


async def test_unknown_closed_and_unopened_surveys_get_a_page_saying_so(
    survey: httpx.AsyncClient,
) -> None:
    missing = await survey.get("/s/no-such-token")
    assert missing.status_code == 404
    assert "找不到调查" in missing.text
    closed = await field(
        survey, "seed001", closes_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat()
    )
    page = await survey.get(f"/s/{closed['public_token']}")
    assert page.status_code == 200
    assert "调查已结束" in page.text
    assert "<form" not in page.text
    soon = await field(
        survey, "seed001", opens_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()
    )
    assert "调查尚未开始" in (await survey.get(f"/s/{soon['public_token']}")).text


async def test_the_form_posts_without_javascript_and_a_repost_counts_once(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed001")
    token = made["public_token"]
    html = (await survey.get(f"/s/{token}")).text
    match = re.search(r'name="id" value="([0-9a-f-]{36})"', html)
    assert match is not None
    sheet_id = match.group(1)
    fields = {"id": sheet_id, "a:1": "非常满意", "a:2": "满意", "a:3": "一般"}
    posted = await survey.post(f"/s/{token}/sheets", data=fields, headers=FORM)
    assert posted.status_code == 200, posted.text
    assert "提交成功" in posted.text
    again = await survey.post(f"/s/{token}/sheets", data=fields, headers=FORM)
    assert "提交成功" in again.text
    results = (await survey.get(f"/surveys/{made['id']}/results")).json()
    assert results["n"] == 1
    stored = (await survey.get(f"/surveys/{made['id']}/sheets/{sheet_id}")).json()
    assert stored["body"]["answers"] == {"1": "非常满意", "2": "满意", "3": "一般"}


async def test_a_posted_form_with_errors_comes_back_marked_and_filled_in(
    survey: httpx.AsyncClient,
) -> None:
    made = await field(survey, "seed002")
    token = made["public_token"]
    sheet_id = str(uuid.uuid4())
    fields = {"id": sheet_id, "a:1": "10", "a:2": "7", "h:企业": "石狮某公司", "h:填写日期": "六月"}
    posted = await survey.post(f"/s/{token}/sheets", data=fields, headers=FORM)
    assert posted.status_code == 422
    html = posted.text
    assert 'id="q-3" class="q bad"' in html
    assert 'id="q-1" class="q"' in html
    assert "此题为必答题。" in html
    assert "答案无效，请重新填写。" in html  # 填写日期 is not a date
    assert 'value="石狮某公司"' in html
    assert 'name="a:2" value="7" data-int="1" checked' in html
    assert f'name="id" value="{sheet_id}"' in html  # nothing stored: the same sheet may return
    assert (await survey.get(f"/surveys/{made['id']}/results")).json()["n"] == 0
    missing = await survey.post("/s/no-such-token/sheets", data=fields, headers=FORM)
    assert missing.status_code == 404
