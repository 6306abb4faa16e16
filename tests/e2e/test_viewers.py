"""Many viewers, safely: a dashboard-only SSH key against a real sshd, the browser dashboard in
headless Chromium, and viewers that cannot change anything.

The system packages (openssh-server, tmux, chromium) come from the Makefile's test setup; each
test skips, saying why, only where they cannot run.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from floorwatch.store.database import Store
from tests.helpers import FLOORWATCH, ROOT, free_port, listening, wait_for

ARTIFACTS = ROOT / "tests" / "artifacts"


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


# ----------------------------------------------------------------- SSH
@pytest.fixture
def sshd(tmp_path, live_floor):
    """Our own sshd on a loopback port: a host key, and a user key restricted to the dashboard."""
    for tool in ("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (make test installs openssh-server and tmux)")
    if os.geteuid() != 0:
        pytest.skip("a private sshd that logs in as this user needs root here")
    db, config = live_floor
    keys = {}
    for name in ("host", "user", "other"):
        path = tmp_path / f"{name}_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
        keys[name] = path
    command = f"{sys.executable} -m floorwatch dash --db {db} --config {config}"
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(
        f'command="{command}",restrict,pty {keys["user"].with_suffix(".pub").read_text()}'
    )
    port = free_port()
    user = os.environ.get("USER") or "root"
    config_file = tmp_path / "sshd_config"
    config_file.write_text(f"""
Port {port}
ListenAddress 127.0.0.1
HostKey {keys["host"]}
PidFile {tmp_path / "sshd.pid"}
AuthorizedKeysFile {authorized}
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowUsers {user}
LogLevel ERROR
""")
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    server = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-e", "-f", str(config_file)], stderr=subprocess.PIPE, text=True
    )
    time.sleep(0.5)
    if server.poll() is not None:
        pytest.skip(f"sshd cannot run here: {server.stderr.read().strip()[:200]}")
    client = [
        "ssh",
        "-p",
        str(port),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "BatchMode=yes",
    ]
    yield {"client": client, "keys": keys, "target": f"{user}@127.0.0.1", "db": db}
    server.terminate()
    server.wait(timeout=10)


def dashboards_running(db: Path) -> list[str]:
    found = subprocess.run(
        ["pgrep", "-f", f"floorwatch dash --db {db}"], capture_output=True, text=True
    ).stdout.split()
    return [pid for pid in found if pid != str(os.getpid())]


def test_a_dashboard_only_key_over_real_openssh(sshd, tmp_path):
    client, keys, target, db = sshd["client"], sshd["keys"], sshd["target"], sshd["db"]
    session = f"fw{os.getpid()}"
    ssh = " ".join([*client, "-t", "-i", str(keys["user"]), target])
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", ssh)
    try:
        # The floor comes up: queue names and agent states.
        wait_for(
            lambda: "Sales" in capture(session) and "on call" in capture(session),
            timeout=30,
            what="the floor over ssh",
        )
        screen = capture(session)
        assert "available" in screen and "Zoe" in screen and "Yann" in screen
        assert "SL 1h" not in screen  # 80 columns: the trend columns give way
        # A resize is followed. 140 columns, not more: from 160 the boards go side by side and
        # the queue board's half drops the trend columns again.
        tmux("resize-window", "-t", session, "-x", "140", "-y", "40")
        wait_for(lambda: "SL 1h" in capture(session), what="the resized floor")
        # The connection drops: nothing is left behind on the server.
        assert dashboards_running(db)
        tmux("kill-session", "-t", session)
        wait_for(lambda: not dashboards_running(db), timeout=15, what="the viewer to exit")
    finally:
        tmux("kill-session", "-t", session)


def test_the_key_gets_no_shell_no_command_and_no_forwarding(sshd):
    client, keys, target = sshd["client"], sshd["keys"], sshd["target"]
    # Asking for a command runs the dashboard instead, which without a terminal says so.
    result = subprocess.run(
        [*client, "-i", str(keys["user"]), target, "ls", "/"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "bin" not in result.stdout.split() and "etc" not in result.stdout.split()
    assert "needs a terminal" in result.stderr and result.returncode == 2
    # A wrong key is refused.
    refused = subprocess.run(
        [*client, "-i", str(keys["other"]), target, "true"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 255 and "Permission denied" in refused.stderr
    # Port forwarding is refused: nothing reaches the target through the tunnel.
    reached = []
    target_server = socket.socket()
    target_server.bind(("127.0.0.1", 0))
    target_server.listen()
    target_server.settimeout(3)
    local = free_port()
    tunnel = subprocess.Popen(
        [
            *client,
            "-i",
            str(keys["user"]),
            "-N",
            "-L",
            f"127.0.0.1:{local}:127.0.0.1:{target_server.getsockname()[1]}",
            target,
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.5)
        with socket.create_connection(("127.0.0.1", local), timeout=3) as through:
            through.sendall(b"hello")
            with contextlib.suppress(TimeoutError):
                reached.append(target_server.accept())
    except OSError:
        pass
    finally:
        tunnel.terminate()
        tunnel.wait(timeout=10)
        target_server.close()
    assert not reached


# ----------------------------------------------------------------- the browser
def test_serve_web_in_headless_chromium(live_floor, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (make test installs Debian's chromium)")
    aiohttp = pytest.importorskip("aiohttp")
    db, config = live_floor
    port, devtools = free_port(), free_port()
    server = subprocess.Popen(
        [*FLOORWATCH, "serve-web", "--db", str(db), "--config", str(config), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    browser = None
    try:
        wait_for(lambda: listening(port), what="serve-web to listen")
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
        wait_for(lambda: listening(devtools), what="chromium's devtools")
        received, screenshot = asyncio.run(_browse(aiohttp, devtools, f"http://127.0.0.1:{port}/"))
    finally:
        if browser is not None:
            browser.terminate()
            browser.wait(timeout=10)
        server.terminate()
        server.wait(timeout=10)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "serve_web.png").write_bytes(screenshot)
    text = received.decode("utf-8", "replace")
    assert "Sales" in text and "on call" in text and "Yann" in text
    assert screenshot.startswith(b"\x89PNG") and len(screenshot) > 20_000  # not a blank page


async def _browse(aiohttp, devtools: int, url: str) -> tuple[bytes, bytes]:
    """Drive Chromium over the DevTools protocol: open the page, collect what the terminal
    received over its websocket until the floor is in it, then take a screenshot."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{devtools}/json") as response:
            page = next(t for t in await response.json() if t["type"] == "page")
        async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            ids = iter(range(1, 10_000))

            async def send(method: str, **params) -> int:
                message_id = next(ids)
                await ws.send_json({"id": message_id, "method": method, "params": params})
                return message_id

            await send("Network.enable")
            await send("Page.enable")
            await send("Page.navigate", url=url)
            received = b""
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                try:
                    message = await ws.receive_json(timeout=1)
                except TimeoutError:
                    continue
                if message.get("method") == "Network.webSocketFrameReceived":
                    frame = message["params"]["response"]
                    data = frame["payloadData"]
                    received += base64.b64decode(data) if frame["opcode"] == 2 else data.encode()
                    if b"Sales" in received and b"Yann" in received:
                        break
            await asyncio.sleep(1.0)  # let the terminal paint what it received
            shot = await send("Page.captureScreenshot", format="png")
            while True:
                message = await ws.receive_json(timeout=20)
                if message.get("id") == shot:
                    return received, base64.b64decode(message["result"]["data"])


def test_serve_web_refuses_to_listen_beyond_loopback_without_saying_so(live_floor):
    db, _ = live_floor
    refused = subprocess.run(
        [*FLOORWATCH, "serve-web", "--db", str(db), "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "no authentication" in refused.stderr
    port = free_port()
    allowed = subprocess.Popen(
        [
            *FLOORWATCH,
            "serve-web",
            "--db",
            str(db),
            "--host",
            "0.0.0.0",
            "--port",
            str(port),
            "--allow-remote",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: listening(port), what="serve-web")
    finally:
        allowed.terminate()
        _, stderr = allowed.communicate(timeout=10)
    assert "WITHOUT AUTHENTICATION" in stderr and "reverse proxy" in stderr


# ----------------------------------------------------------------- read-only by construction
def test_a_viewer_cannot_write(live_floor):
    db, _ = live_floor
    before = db.read_bytes()
    with Store.open_readonly(db) as store:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store._conn.execute("DELETE FROM events")  # its own connection
        assert store.count("events") == 5
    assert db.read_bytes() == before


@pytest.mark.parametrize(
    "target, message",
    [
        ("missing.db", "no such database"),
        ("garbage.db", "not a SQLite database"),
        (".", "is a directory"),
    ],
)
def test_dash_on_a_database_it_cannot_read_exits_2(tmp_path, target, message):
    (tmp_path / "garbage.db").write_bytes(os.urandom(4096))
    path = tmp_path / target
    result = subprocess.run(
        [*FLOORWATCH, "dash", "--db", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_an_unreadable_database_is_refused(tmp_path, live_floor, monkeypatch):
    """As root every file is readable, so the permission check itself is exercised directly."""
    from floorwatch.store.database import StoreError

    db, _ = live_floor
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(StoreError, match="permission denied"):
        Store.open_readonly(db)


async def test_the_command_palette_offers_only_viewing_actions(live_floor):
    from floorwatch.app import FloorwatchApp
    from floorwatch.config import load
    from floorwatch.screens.palette import FloorCommands
    from floorwatch.snapshot.live import LiveFloor

    db, config_path = live_floor
    config = load(config_path)
    app = FloorwatchApp(LiveFloor(db, config, poll_s=0.02), config)
    async with app.run_test() as pilot:
        while app.update is None:
            await pilot.pause(0.05)
        system = [command.title for command in app.get_system_commands(app.screen)]
        assert sorted(system) == ["Keys", "Quit", "Theme"]
        ours = [name for name, _, _ in FloorCommands(app.screen)._commands()]
        allowed = (
            "Wallboard",
            "Freeze",
            "Keys",
            "Find",
            "Filter",
            "Show all",
            "Open agent",
            "Sort agents",
        )
        assert ours and all(name.startswith(allowed) for name in ours)


def test_no_color_is_honoured(live_floor):
    if not shutil.which("tmux"):
        pytest.skip("tmux is not installed (make test installs it)")
    db, config = live_floor
    session = f"nc{os.getpid()}"
    command = f"NO_COLOR=1 {sys.executable} -m floorwatch dash --db {db} --config {config}"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", command)
    try:
        wait_for(lambda: "Sales" in capture(session), what="the floor")
        time.sleep(0.5)
        with_codes = tmux("capture-pane", "-p", "-e", "-t", session)
        # Textual's answer to NO_COLOR is monochrome: shades of grey (and bold, reverse) only.
        hues = []
        for params in re.findall(r"\x1b\[([0-9;]*)m", with_codes):
            parts = [int(p) for p in params.split(";") if p]
            for index, value in enumerate(parts):
                if value in (38, 48) and index + 1 < len(parts):
                    if parts[index + 1] == 5 and index + 2 < len(parts):
                        shade = parts[index + 2]
                        if not (shade >= 232 or shade in (0, 7, 8, 15, 16, 231)):
                            hues.append(params)
                    elif parts[index + 1] == 2 and index + 4 < len(parts):
                        r, g, b = parts[index + 2 : index + 5]
                        if not r == g == b:
                            hues.append(params)
                elif 30 < value < 37 or 40 < value < 47 or 90 < value < 97:
                    hues.append(params)
        assert with_codes.count("\x1b[") > 10 and not hues, hues[:5]
        assert "● available" in capture(session) and "◆ on call" in capture(session)
    finally:
        tmux("kill-session", "-t", session)


def test_dash_without_a_terminal_says_so(live_floor):
    db, _ = live_floor
    result = subprocess.run(
        [*FLOORWATCH, "dash", "--db", str(db)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert result.returncode == 2 and "needs a terminal" in result.stderr
    json.dumps(result.returncode)


async def test_a_store_that_breaks_is_reported_not_fatal(tmp_path, live_floor):
    """A database the viewer cannot read (here: a table gone) is said on screen; the viewer
    keeps running and recovers when the store is readable again."""
    from floorwatch.app import FloorwatchApp
    from floorwatch.config import Config
    from floorwatch.snapshot.live import LiveFloor

    db, _ = live_floor
    broken = tmp_path / "broken.db"
    shutil.copy(db, broken)
    conn = sqlite3.connect(broken)
    conn.execute("DROP TABLE burnout_flags")
    conn.commit()
    conn.close()
    config = Config(timezone="UTC")
    app = FloorwatchApp(LiveFloor(broken, config, poll_s=0.02), config)
    async with app.run_test() as pilot:
        for _ in range(100):
            if app.problem:
                break
            await pilot.pause(0.05)
        assert "burnout_flags" in app.problem and app.update is None
        header = str(app.screen.query_one("#floor-header").render())
        assert "cannot read the floor" in header
        shutil.copy(db, broken)  # the store is back
        for _ in range(100):
            if app.update is not None:
                break
            await pilot.pause(0.1)
        assert app.update is not None and app.problem is None
