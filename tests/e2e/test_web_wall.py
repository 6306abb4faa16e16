"""`serve-web` for a wall TV (issue 19 item 8): font size, theme and start screen from the
command line, every asset from this server (no internet font), keys without a click."""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
import time
import urllib.request

import pytest

from floorwatch.config import Config
from floorwatch.modes.view import ViewerOptions
from floorwatch.modes.web import FOCUS_SCRIPT, dashboard_command
from tests.helpers import FLOORWATCH, free_port, stop_server, wait_for
from tests.helpers import listening as _listening

from .test_web import page

HALF_BLOCK = "▀".encode()


@pytest.fixture
def tv_server(live_floor):  # noqa: F811
    db, config = live_floor
    port = free_port()
    server = subprocess.Popen(
        [
            *FLOORWATCH,
            "serve-web",
            "--db",
            str(db),
            "--config",
            str(config),
            "--port",
            str(port),
            "--font-size",
            "30",
            "--theme",
            "textual-light",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: _listening(port), what="serve-web to listen")
        yield port
    finally:
        stop_server(server)


def test_the_dashboard_command_carries_the_tv_options():
    command = dashboard_command(
        "/x/floor.db", Config(), ViewerOptions(start="map", theme="textual-light")
    )
    assert command.endswith("dash --read-only --db /x/floor.db --start map --theme textual-light")
    assert "--wall" in dashboard_command("/x/floor.db", Config(), ViewerOptions(wall=True))


def test_the_page_has_its_font_size_a_local_font_and_takes_the_keys(tv_server):
    status, body = page(tv_server, f"127.0.0.1:{tv_server}")
    assert status.endswith("200 OK")
    assert "googleapis" not in body and "https://" not in body
    assert 'data-font-size="30"' in body
    assert FOCUS_SCRIPT in body
    font = f"http://127.0.0.1:{tv_server}/static/fonts/RobotoMono-VariableFont_wght.ttf"
    assert font.split(str(tv_server), 1)[1] in body
    with urllib.request.urlopen(font, timeout=20) as response:
        assert response.status == 200 and len(response.read()) > 10_000
    # A page may still ask for its own size.
    with socket_page(tv_server, "/?fontsize=12") as text:
        assert 'data-font-size="12"' in text


class socket_page:
    def __init__(self, port: int, path: str):
        self.url = f"http://127.0.0.1:{port}{path}"

    def __enter__(self) -> str:
        with urllib.request.urlopen(self.url, timeout=20) as response:
            return response.read().decode()

    def __exit__(self, *exc) -> None:
        return None


def test_a_tv_browser_takes_keys_without_a_click_and_loads_nothing_from_outside(
    tv_server, tmp_path
):
    """Headless Chromium opens the page and is sent `w` with no click: the wallboard comes
    (its big digits' half blocks arrive on the socket); every request stays on 127.0.0.1."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (make test installs Debian's chromium)")
    aiohttp = pytest.importorskip("aiohttp")
    devtools = free_port()
    browser = subprocess.Popen(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chrome'}",
            f"--remote-debugging-port={devtools}",
            "--window-size=1400,900",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _listening(devtools), what="chromium's devtools")
        requests, wall = asyncio.run(_press_w(aiohttp, devtools, f"http://127.0.0.1:{tv_server}/"))
    finally:
        browser.terminate()
        browser.wait(timeout=10)
    local = (f"http://127.0.0.1:{tv_server}/", f"ws://127.0.0.1:{tv_server}/")
    assert requests and all(url.startswith(local) for url in requests), requests
    assert wall, "the wallboard did not come after `w` without a click"


async def _press_w(aiohttp, devtools: int, url: str) -> tuple[list[str], bool]:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{devtools}/json") as response:
            target = next(t for t in await response.json() if t["type"] == "page")
        async with session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            ids = iter(range(1, 100_000))

            async def send(method: str, **params) -> None:
                await ws.send_json({"id": next(ids), "method": method, "params": params})

            await send("Network.enable")
            await send("Page.enable")
            await send("Page.navigate", url=url)
            requests: list[str] = []
            received = b""
            pressed = False
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    message = await ws.receive_json(timeout=1)
                except TimeoutError:
                    continue
                method, params = message.get("method"), message.get("params", {})
                if method == "Network.requestWillBeSent":
                    requests.append(params["request"]["url"])
                elif method == "Network.webSocketCreated":
                    requests.append(params["url"])
                elif method == "Network.webSocketFrameReceived":
                    frame = params["response"]
                    data = frame["payloadData"]
                    received += base64.b64decode(data) if frame["opcode"] == 2 else data.encode()
                    if not pressed and b"Yann" in received:  # the floor is up
                        assert HALF_BLOCK not in received  # (no big digit on the floor)
                        await asyncio.sleep(1.0)
                        for kind in ("keyDown", "keyUp"):
                            await send(
                                "Input.dispatchKeyEvent",
                                type=kind,
                                key="w",
                                text="w" if kind == "keyDown" else "",
                                code="KeyW",
                                windowsVirtualKeyCode=87,
                            )
                        pressed, received = True, b""
                    elif pressed and HALF_BLOCK in received:  # big digits: the wall
                        return requests, True
            return requests, False
