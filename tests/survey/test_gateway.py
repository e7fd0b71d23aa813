"""The survey service behind the gateway, all in one process: paths, links and repeats."""

import re

import httpx

from tests.survey.conftest import field, likert_sheet

API = "/api/v1/survey"


async def test_a_resubmitted_sheet_is_counted_once_through_the_gateway(
    gateway: httpx.AsyncClient,
) -> None:
    made = await field(gateway, "seed001", prefix=API)
    # The gateway passes on the host the caller used: the link works for respondents.
    assert made["link"] == f"http://test{API}/s/{made['public_token']}"
    sheet = likert_sheet(("非常满意", "满意", "满意"))
    url = f"{API}/s/{made['public_token']}/sheets"
    first = await gateway.post(url, json=sheet)
    assert first.status_code == 201, first.text
    second = await gateway.post(url, json=sheet)
    assert second.status_code == 200
    assert second.json() == first.json()
    results = (await gateway.get(f"{API}/surveys/{made['id']}/results")).json()
    assert (results["n"], results["satisfaction_percent"]) == (1, "83.33%")


async def test_the_page_behind_the_gateway_posts_to_the_public_path(
    gateway: httpx.AsyncClient,
) -> None:
    made = await field(gateway, "seed001", prefix=API)
    page = await gateway.get(f"{API}/s/{made['public_token']}")
    assert page.status_code == 200
    action = re.search(r'<form id="sheet" method="post" action="([^"]+)"', page.text)
    assert action is not None
    assert action.group(1) == f"{API}/s/{made['public_token']}/sheets"
    sheet_id = re.search(r'name="id" value="([0-9a-f-]{36})"', page.text)
    assert sheet_id is not None
    posted = await gateway.post(
        action.group(1),
        data={"id": sheet_id.group(1), "a:1": "满意", "a:2": "满意", "a:3": "满意"},
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert posted.status_code == 200
    assert "提交成功" in posted.text
    problem = await gateway.get(f"{API}/surveys/{made['id']}/sheets/{made['id']}")
    assert problem.json()["instance"].startswith(API)
