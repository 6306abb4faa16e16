"""What tests of every kind share: where the samples are, the real ingest, the real CLI as a
subprocess, and waiting for a condition (never for a time) in a process or in a pilot."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from floorwatch.app import FloorwatchApp
from floorwatch.config import Config, from_table, load
from floorwatch.control_protocol import ACTIONS, ControlReply, ControlRequest
from floorwatch.ingest.pipeline import Ingest
from floorwatch.modes.feeds import FeedSpec
from floorwatch.modes.ingest_only import IngestOptions, ingest_feeds
from floorwatch.snapshot.control_client import ControlClient
from floorwatch.snapshot.live import LiveFloor
from floorwatch.sources import open_source
from floorwatch.store.database import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
THREE_QUEUES = SAMPLES / "asterisk22_three_queues.queue_log"
FLOORWATCH = [sys.executable, "-m", "floorwatch"]
#: What the real Asterisk printed at the end of the three-queue run, and its queues' SL windows.
QUEUE_SHOW = SAMPLES / "asterisk22_three_queues.queue_show.txt"
PBX_WINDOWS = {"orders": 20, "returns": 30, "vip": 15}


def ingest_file(
    db: Path, feed: Path, config: Config | None = None, kind: str = "queue_log"
) -> Path:
    """Load `feed` into `db` through the real ingest (as `floorwatch ingest --once` does)."""
    config = config or Config(timezone="UTC")
    store = Store.open(db, config.derive_config())
    try:
        Ingest(store, [open_source(f"{kind}:{feed}", follow=False)]).run(threading.Event())
    finally:
        store.close()
    return db


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """`floorwatch ARGS` as a subprocess, its output as text (pass text=False for bytes)."""
    options = {"capture_output": True, "text": True, "timeout": 120, **kwargs}
    return subprocess.run([*FLOORWATCH, *args], **options)


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "it") -> None:
    """Poll `condition` until it is true; the timeout only bounds a test that would hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


async def until(
    pilot, condition: Callable[[], object], timeout: float = 10.0, what: str = "it"
) -> None:
    """`wait_for` inside an App.run_test(): lets the app run between two looks."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the dashboard did not get to {what} in time")
        await pilot.pause(0.02)


def stored_lines(db: Path) -> list[str]:
    """The events table as the lines they came from (ts|call|queue|agent|EVENT|fields)."""
    rows = (
        sqlite3.connect(db)
        .execute("SELECT ts, call_id, queue, agent, data FROM events ORDER BY id")
        .fetchall()
    )
    return [f"{int(ts)}|{c or 'NONE'}|{q or 'NONE'}|{a or 'NONE'}|{d}" for ts, c, q, a, d in rows]


def call_lines(count: int, start: int = 1795530000) -> list[str]:
    """`count` answered calls in one queue, a second apart, as queue_log lines."""
    lines = []
    for n in range(count):
        t = start + n
        lines += [
            f"{t}|c{n}|orders|NONE|ENTERQUEUE||555{n:04d}|1",
            f"{t + 2}|c{n}|orders|Agent{n % 7}|CONNECT|2|m{n}|1",
            f"{t + 30}|c{n}|orders|Agent{n % 7}|COMPLETEAGENT|2|28|1",
        ]
    return lines


def count_events(db: Path) -> int:
    """How many events a store holds, 0 while it does not exist yet or is being created."""
    try:
        return sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.Error:
        return 0


def children(pid: int) -> list[int]:
    """The pids of a process's children (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def stop_server(server: subprocess.Popen, grace_s: float = 30.0) -> None:
    """SIGTERM, then SIGKILL after `grace_s`: a server that ends its sessions first (serve-web
    waits for each browser's dashboard) can take many seconds on a loaded machine, and a
    fixture's teardown is not the place to time it."""
    server.terminate()
    try:
        server.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


# The dashboard on the sample day, for pilot tests in-process and against a separate ingest.
EXAMPLE_CONFIG = ROOT / "data" / "floorwatch.toml"
SAMPLE_END = 1795530910.0  # ten seconds after the sample's last line (2026-11-24 14:35:10 UTC)


def make_app(
    db: Path, clock: float = SAMPLE_END, config: Config | None = None, **options
) -> FloorwatchApp:
    """The real App on a live floor whose clock stands still at `clock` (the example config
    unless another is given)."""
    config = config or load(EXAMPLE_CONFIG)
    return FloorwatchApp(LiveFloor(db, config, clock=lambda: clock, poll_s=0.02), config, **options)


async def loaded(pilot) -> None:
    """Until the first snapshot has reached the screen."""
    await until(pilot, lambda: pilot.app.update is not None, what="its first snapshot")
    await pilot.pause(0.05)


def write_lines(path: Path, lines: list[str]) -> Path:
    """A feed file holding `lines`, each ended by a newline."""
    path.write_text("".join(line + "\n" for line in lines))
    return path


def append(path: Path, data: bytes) -> None:
    """What a PBX does to its log: add bytes at the end."""
    with path.open("ab") as out:
        out.write(data)


def long_line(size: int) -> bytes:
    """A queue_log-looking line of `size` bytes (its newline not counted)."""
    head = b"1795530000|x1|orders|NONE|ENTERQUEUE||"
    return head + b"9" * (size - len(head))


def rejects(db: Path) -> list[tuple]:
    """The rejects table: offset, raw text, reason and raw bytes, in the order they came."""
    return (
        sqlite3.connect(db)
        .execute('SELECT "offset", raw, reason, raw_bytes FROM rejects ORDER BY id')
        .fetchall()
    )


def floor_lines(now: int, agents: int) -> list[str]:
    """`agents` agents in queue sales, every third on a break, as queue_log lines."""
    lines = [f"{now - 600}|MANAGER|sales|Agent{n:02d}|ADDMEMBER|" for n in range(agents)]
    lines += [f"{now - 500 + n}|NONE|sales|Agent{n:02d}|PAUSE|Break" for n in range(0, agents, 3)]
    return lines


# A restarted ingest must leave the floor one uninterrupted run leaves.
DERIVED = (
    "calls",
    "agents",
    "agent_states",
    "pauses",
    "memberships",
    "misses",
    "pending_penalties",
)


def derived_rows(db: Path, tables=DERIVED) -> dict[str, list[tuple]]:
    """Every derived table, row by row in id order, without `seq` (which commit wrote a row
    differs between runs, and says nothing about the floor)."""
    conn = sqlite3.connect(db)
    result = {}
    for table in tables:
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
        names = [column[0] for column in cursor.description]
        keep = [i for i, name in enumerate(names) if name != "seq"]
        result[table] = [tuple(row[i] for i in keep) for row in cursor]
    conn.close()
    return result


def assert_same_floor(restarted: Path, whole: Path, tables=DERIVED) -> None:
    """The derived tables of two stores agree row by row."""
    got, expected = derived_rows(restarted, tables), derived_rows(whole, tables)
    for table in tables:
        assert len(got[table]) == len(expected[table]), table
        differing = [
            pair for pair in zip(got[table], expected[table], strict=True) if pair[0] != pair[1]
        ]
        assert not differing, (table, len(differing), differing[:3])


# Supervisor actions: `floorwatch ingest` with its control socket, in a thread of the test.
class RunningIngest:
    """`ingest_feeds` (what `floorwatch ingest` runs) in a thread, with [control] on and every
    action allowed unless `control` says otherwise."""

    def __init__(
        self,
        tmp: Path,
        specs: list[FeedSpec],
        control: dict | None = None,
        settings: dict | None = None,
    ):
        self.db = tmp / "floor.db"
        table: dict = {"timezone": "UTC", "control": {"enabled": True, "actions": list(ACTIONS)}}
        table["control"].update(control or {})
        table.update(settings or {})
        self.config: Config = from_table(table)
        self.socket = self.config.control_socket(self.db)
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(specs,), daemon=True)
        self.thread.start()
        wait_for(lambda: self.socket.exists() or self.errors, what="the control socket")
        assert not self.errors, self.errors

    def _run(self, specs: list[FeedSpec]) -> None:
        try:
            options = IngestOptions(follow=True, burnout=False)
            ingest_feeds(self.db, self.config, specs, options, self.stop)
        except BaseException as error:
            self.errors.append(error)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=15)

    def send(self, **request) -> ControlReply:
        return ControlClient(self.socket).send(ControlRequest(**request))

    def audit(self) -> list[dict]:
        """The actions table, a dict per row, in order."""
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        rows = [dict(row) for row in conn.execute("SELECT * FROM actions ORDER BY id")]
        conn.close()
        return rows


@contextlib.contextmanager
def private_sshd(tmp: Path, commands: dict[str, str]):
    """Our own sshd on a loopback port, one key per entry of `commands`, each forced to its
    command (`command=...,restrict,pty`). Yields (ssh client argv, {name: key path}, target).
    Skips, saying why, where sshd cannot run (not installed, not root)."""
    import pytest

    for tool in ("/usr/sbin/sshd", "ssh", "ssh-keygen", "tmux"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (make test installs openssh-server and tmux)")
    if os.geteuid() != 0:
        pytest.skip("a private sshd that logs in as this user needs root here")
    keys = {}
    for name in ("host", *commands):
        path = tmp / f"{name}_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
        keys[name] = path
    authorized = tmp / "authorized_keys"
    authorized.write_text(
        "".join(
            f'command="{command}",restrict,pty {keys[name].with_suffix(".pub").read_text()}'
            for name, command in commands.items()
        )
    )
    port = free_port()
    user = os.environ.get("USER") or "root"
    config_file = tmp / "sshd_config"
    config_file.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys['host']}\n"
        f"PidFile {tmp / 'sshd.pid'}\nAuthorizedKeysFile {authorized}\nStrictModes no\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        f"PermitRootLogin prohibit-password\nAllowUsers {user}\nLogLevel ERROR\n"
    )
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    server = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-e", "-f", str(config_file)], stderr=subprocess.PIPE, text=True
    )
    wait_for(lambda: listening(port) or server.poll() is not None, what="sshd")
    if server.poll() is not None:
        pytest.skip(f"sshd cannot run here: {server.stderr.read().strip()[:200]}")
    client = ["ssh", "-p", str(port), "-o", "StrictHostKeyChecking=no"]
    client += ["-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes"]
    try:
        yield client, keys, f"{user}@127.0.0.1"
    finally:
        server.terminate()
        server.wait(timeout=10)


def queue_show() -> dict[str, dict]:
    """`queue show` parsed: per queue C, A, SL, SL2, the window, and each member's calls."""
    queues: dict[str, dict] = {}
    current = None
    for line in QUEUE_SHOW.read_text().splitlines():
        head = re.match(
            r"(\w+) has .* C:(\d+), A:(\d+), SL:([\d.]+)%, SL2:([\d.]+)% within (\d+)s", line
        )
        if head:
            name, c, a, sl, sl2, window = head.groups()
            current = queues[name] = {
                "C": int(c),
                "A": int(a),
                "SL": sl,
                "SL2": sl2,
                "window": int(window),
                "taken": {},
            }
            continue
        member = re.match(r"\s+(\S+)(?: \((\S+)\))? .*has taken (\d+) calls", line)
        if member and current is not None:
            name, _, taken = member.groups()
            current["taken"][name] = int(taken)
    return queues


def weeks_of_lines(days: int, now: float, calls: int = 3) -> list[str]:
    """A floor of `days` days before today and today (UTC days): each day an agent joins
    queue `q`, takes `calls` calls, pauses once and leaves; plus one caller who entered the
    queue on the first day and is still waiting (an open call)."""
    today = int(now // 86400 * 86400)
    first = today - days * 86400
    lines = [f"{first + 8 * 3600}|stuck|q|NONE|ENTERQUEUE||5550999|1"]
    for day in range(days, -1, -1):
        base = today - day * 86400 + 9 * 3600
        agent = f"Agent{day % 3}"
        lines.append(f"{base}|MANAGER|q|{agent}|ADDMEMBER|")
        for n in range(calls):
            t = base + 60 + n * 100 // max(1, calls // 3)
            call = f"d{day}c{n}"
            lines += [
                f"{t}|{call}|q|NONE|ENTERQUEUE||555{n:04d}|1",
                f"{t + 2}|{call}|q|{agent}|CONNECT|2|m{call}|1",
                f"{t + 30}|{call}|q|{agent}|COMPLETEAGENT|2|28|1",
            ]
        lines += [
            f"{base + 1000}|NONE|q|{agent}|PAUSE|Break",
            f"{base + 1300}|NONE|q|{agent}|UNPAUSE|",
            f"{base + 3600}|MANAGER|q|{agent}|REMOVEMEMBER|",
        ]
    return sorted(lines, key=lambda line: int(line.split("|", 1)[0]))


def tiled_capture(copies: int, source: Path = THREE_QUEUES, start: int | None = None) -> list[str]:
    """The real capture repeated back to back `copies` times: each copy shifted in time by
    the capture's span (plus a minute) and its call ids made unique, so it is the shape a real
    PBX writes, at any length. `start`: the first copy's first second (default as recorded)."""
    lines = source.read_text().splitlines()
    first = int(lines[0].split("|", 1)[0])
    span = int(lines[-1].split("|", 1)[0]) - first + 60
    shift0 = 0 if start is None else start - first
    out = []
    for copy in range(copies):
        shift = shift0 + copy * span
        for line in lines:
            fields = line.split("|")
            fields[0] = str(int(fields[0]) + shift)
            if fields[1] not in ("NONE", "MANAGER") and copy:
                fields[1] = f"{fields[1]}-{copy}"
            out.append("|".join(fields))
    return out
