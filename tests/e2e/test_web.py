"""`floorwatch serve-web`: only its own site may open the dashboard's web socket (a real
server, real handshakes on 127.0.0.1), and a browser wall whose session ends reconnects by
itself (headless Chromium)."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from floorwatch.modes.web import RECONNECT_SCRIPT
from tests.helpers import FLOORWATCH, free_port, listening, stop_server, wait_for


def handshake(
    port: int, host: str, origin: str | None, path: str = "/ws?width=80&height=24"
) -> str:
    """A web socket upgrade request, byte for byte; returns the response's status line."""
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode()


def page(port: int, host: str) -> tuple[str, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), body.decode(errors="replace")


@pytest.fixture
def serve_web(live_floor):  # noqa: F811
    db, config = live_floor
    port = free_port()
    server = subprocess.Popen(
        [*FLOORWATCH, "serve-web", "--db", str(db), "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: listening(port), what="serve-web to listen")
        yield port, server
    finally:
        stop_server(server)


def test_serve_web_refuses_other_sites(serve_web):
    port, _ = serve_web
    own = f"127.0.0.1:{port}"
    # A page of another site, and a DNS-rebinding page (its own name for this address).
    assert handshake(port, own, "http://evil.example").startswith("HTTP/1.1 403")
    assert handshake(port, own, f"http://evil.example:{port}").startswith("HTTP/1.1 403")
    assert handshake(port, own, "null").startswith("HTTP/1.1 403")
    assert handshake(port, own, f"https://127.0.0.1:{port}").startswith("HTTP/1.1 403")
    assert handshake(port, f"evil.example:{port}", f"http://evil.example:{port}").startswith(
        "HTTP/1.1 403"
    )
    assert handshake(port, f"evil.example:{port}", f"http://{own}").startswith("HTTP/1.1 403")
    assert handshake(port, f"127.0.0.1:{port + 1}", None).startswith("HTTP/1.1 403")
    assert page(port, f"evil.example:{port}")[0].startswith("HTTP/1.1 403")
    # The dashboard's own page, under any of the loopback names, and a client that is not a
    # browser page (no Origin).
    assert handshake(port, own, f"http://{own}").startswith("HTTP/1.1 101")
    assert handshake(port, f"localhost:{port}", f"http://localhost:{port}").startswith(
        "HTTP/1.1 101"
    )
    assert handshake(port, f"[::1]:{port}", f"http://[::1]:{port}").startswith("HTTP/1.1 101")
    assert handshake(port, own, None).startswith("HTTP/1.1 101")
    status, body = page(port, own)
    assert status.startswith("HTTP/1.1 200") and RECONNECT_SCRIPT.strip() in body


def test_serve_web_with_a_bad_public_url_says_so(live_floor):  # noqa: F811
    db, _ = live_floor
    result = subprocess.run(
        [*FLOORWATCH, "serve-web", "--db", str(db), "--public-url", "floor"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "--public-url 'floor'" in result.stderr


def test_a_browser_wall_reconnects_by_itself(serve_web, tmp_path):
    """Headless Chromium shows the wall; the session's dashboard process is killed (SIGKILL):
    the page reconnects without a click, a new session shows the floor again."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (make test installs Debian's chromium)")
    aiohttp = pytest.importorskip("aiohttp")
    port, server = serve_web
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
        wait_for(lambda: listening(devtools), what="chromium's devtools")
        sockets, floors = asyncio.run(
            _watch(aiohttp, devtools, f"http://127.0.0.1:{port}/", server.pid)
        )
    finally:
        browser.terminate()
        browser.wait(timeout=10)
    assert sockets >= 2 and floors >= 2, (sockets, floors)


def _sessions(server_pid: int) -> list[int]:
    """The dashboards serve-web runs (its children's children: a shell, then python)."""
    found = subprocess.run(
        ["pgrep", "-f", "floorwatch dash"], capture_output=True, text=True
    ).stdout.split()
    mine = []
    for pid in map(int, found):
        parent = pid
        for _ in range(3):
            try:
                stat = Path(f"/proc/{parent}/stat").read_text()
                parent = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                break
            if parent == server_pid:
                mine.append(pid)
                break
    return mine


async def _watch(aiohttp, devtools: int, url: str, server_pid: int) -> tuple[int, int]:
    """Open the page, wait for the floor, kill the session's dashboard, and count the web
    sockets opened and the times the floor arrived, until it has arrived again."""
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
            sockets: list[str] = []  # the terminal's web sockets, in order
            received: dict[str, bytes] = {}
            with_floor: list[str] = []  # the sockets the floor arrived on
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and len(with_floor) < 2:
                try:
                    message = await ws.receive_json(timeout=1)
                except TimeoutError:
                    continue
                method, params = message.get("method"), message.get("params", {})
                if method == "Network.webSocketCreated" and "/ws" in params.get("url", ""):
                    sockets.append(params["requestId"])
                    received[params["requestId"]] = b""
                elif method == "Network.webSocketFrameReceived":
                    request = params["requestId"]
                    if request not in received or request in with_floor:
                        continue
                    frame = params["response"]
                    data = frame["payloadData"]
                    received[request] += (
                        base64.b64decode(data) if frame["opcode"] == 2 else data.encode()
                    )
                    if b"Yann" in received[request]:
                        with_floor.append(request)
                        if len(with_floor) == 1:  # the floor is up: end its session
                            await asyncio.sleep(1.0)
                            sessions = _sessions(server_pid)
                            assert sessions, "no dashboard process found for the session"
                            for pid in sessions:
                                os.kill(pid, signal.SIGKILL)
            return len(sockets), len(with_floor)
