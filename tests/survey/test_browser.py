"""The answer page in headless Chromium on a phone-sized screen, served through the gateway.

The gateway runs as a real uvicorn process (the browser needs an address); Chromium is Debian's
(`/usr/bin/chromium`, installed by scripts/ensure-system.sh from deploy/debian-packages.txt).
A sheet survives a network failure and a lost response, and is counted once.
"""

import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import Page, Route, async_playwright

from services.kit import testing
from tests.gateway.conftest import ADMIN_KEY
from tests.survey.conftest import field

pytestmark = pytest.mark.processes
ROOT = Path(__file__).parents[2]
API = "/api/v1/survey"
CHROMIUM = "/usr/bin/chromium"
INSTALLED = Path(CHROMIUM).exists()
# As on these machines' probe: no sandbox as root, and no background calls to closed networks.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


@pytest.fixture
def system(tmp_path: Path) -> Iterator[str]:
    """The gateway with its services in one uvicorn process, on SQLite files; its base URL."""
    port = testing.free_port()
    env = {
        **os.environ,
        **{
            f"{name}_DATABASE_URL": f"sqlite:///{tmp_path}/{name.lower()}.db"
            for name in ("SURVEY", "SCORING", "REPORT", "GATEWAY")
        },
        "GATEWAY_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        testing.uvicorn_command("gateway.main:app", port),
        env=env,
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    try:
        testing.wait_healthy(f"http://127.0.0.1:{port}/healthz", process, timeout_s=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        testing.stop(process)


@pytest.fixture
async def phone() -> AsyncIterator[Any]:
    """A headless Chromium browser context the size of a 360 px phone."""
    assert INSTALLED, "install Debian chromium: bash scripts/ensure-system.sh"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = await browser.new_context(**PHONE)
        context.set_default_timeout(20_000)
        yield context
        await browser.close()


async def _answer(page: Page, levels: tuple[str, str, str]) -> None:
    for number, level in enumerate(levels, start=1):
        await page.locator(f"#q-{number} input[value='{level}']").check()


async def _count(client: httpx.AsyncClient, survey_id: str) -> int:
    results = await client.get(f"{API}/surveys/{survey_id}/results")
    n: int = results.json()["n"]
    return n


async def test_the_phone_page_survives_a_network_failure_and_counts_once(
    system: str, phone: Any, tmp_path: Path
) -> None:
    headers = {"x-api-key": ADMIN_KEY}  # the page itself needs none
    async with httpx.AsyncClient(base_url=system, timeout=30, headers=headers) as client:
        made = await field(client, "seed001", prefix=API)
        url = f"{system}{API}/s/{made['public_token']}"
        page = await phone.new_page()
        await page.goto(url)
        await _answer(page, ("非常满意", "满意", "满意"))
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360
        shot = tmp_path / "form.png"
        await page.screenshot(path=str(shot), full_page=True)
        with Image.open(shot) as image:
            assert image.width == 720  # 360 CSS pixels at twice the density
            colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
            assert len(colours) > 50, "the screenshot is blank"
        await phone.set_offline(True)
        await page.locator("button[type=submit]").click()
        await page.locator("#status.offline").wait_for()
        assert "已保存在本手机上" in await page.locator("#status").inner_text()
        assert await _count(client, made["id"]) == 0
        await phone.set_offline(False)  # the page retries by itself
        await page.locator("#done").wait_for()
        assert "提交成功" in await page.locator("#done").inner_text()
        assert await _count(client, made["id"]) == 1

        second = await phone.new_page()
        await second.goto(url)
        await _answer(second, ("满意", "满意", "一般"))

        async def lose_the_answer(route: Route) -> None:
            await route.fetch()  # the server stores the sheet…
            await route.abort("connectionreset")  # …and the phone never hears back

        await second.route("**/sheets", lose_the_answer)
        await second.locator("button[type=submit]").click()
        await second.locator("#status.offline").wait_for()
        kept = await second.evaluate("JSON.stringify(localStorage)")
        assert "pending" in kept
        await second.unroute("**/sheets")
        await second.reload()  # the page finds the kept sheet and sends it again
        await second.locator("#done").wait_for()
        assert await _count(client, made["id"]) == 2
        listed = (await client.get(f"{API}/surveys/{made['id']}/sheets")).json()
        assert listed["total"] == 2
        assert await second.evaluate("localStorage.length") == 0
