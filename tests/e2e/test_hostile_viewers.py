"""Names from outside reach the terminal as text: no escape sequence, control character or bidi
override gets through, and no Rich or Textual markup in a name is ever interpreted. Checked in
a real tmux (OSC 52 must not reach its clipboard), in `snapshot` and `report` subprocesses, in
the pilot-driven dashboard, and by fuzzing the sanitiser and the snapshot tables."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from floorwatch.config import Config
from tests.helpers import FLOORWATCH, run
from tests.hostile_names import (
    CONTROL,
    EMOJI,
    FORMULA,
    LINK,
    OSC52,
    OSC52_SHOWN,
    QUEUE,
    REASON,
    REASON_SHOWN,
    SGR,
    make_hostile_store,
    visible_output_problems,
)


@pytest.fixture
def hostile(tmp_path) -> tuple[Path, Path, int]:
    now = int(time.time())
    db, config = make_hostile_store(tmp_path, now)
    return db, config, now


# ----------------------------------------------------------------- the command line
def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`floorwatch ARGS` as bytes, as a terminal would get them; it must succeed."""
    result = run(*args, text=False, env=dict(os.environ, **(env or {})))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result


def test_snapshot_shows_names_as_text(hostile):
    db, config, now = hostile
    for env in ({}, {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "200"}):
        output = run_cli(
            "snapshot", "--db", str(db), "--config", str(config), env=env
        ).stdout.decode()
        assert not visible_output_problems(output), repr(output)
        assert "\x1b]" not in output  # no OSC of any kind (clipboard, title, hyperlink)
        plain = SGR.sub("", output)
        for shown in (OSC52_SHOWN, LINK, QUEUE, REASON_SHOWN, EMOJI):
            assert shown in plain, (shown, plain)
    raw = json.loads(run_cli("snapshot", "--db", str(db), "--json").stdout)
    assert OSC52 in raw["agents"] and raw["agents"][LINK]["reason"] == REASON  # raw in JSON
    assert raw["queues"][QUEUE]["display_name"] == QUEUE


@pytest.mark.parametrize("by", ["queue", "agent"])
def test_report_table_shows_names_as_text(hostile, by):
    db, config, now = hostile
    day = datetime.fromtimestamp(now - 200, UTC).date().isoformat()
    output = run_cli(
        "report",
        "--db",
        str(db),
        "--config",
        str(config),
        "--date",
        day,
        "--by",
        by,
        "--format",
        "table",
        env={"FORCE_COLOR": "1", "TERM": "xterm-256color"},
    ).stdout.decode()
    assert not visible_output_problems(output), repr(output)
    assert "\x1b]" not in output
    plain = SGR.sub("", output)
    expected = [QUEUE] if by == "queue" else [OSC52_SHOWN, LINK, EMOJI]
    for shown in expected:
        assert shown in plain, (shown, plain)


def test_report_csv_is_text_and_no_formula(hostile):
    db, config, now = hostile
    day = datetime.fromtimestamp(now - 200, UTC).date().isoformat()
    output = run_cli(
        "report",
        "--db",
        str(db),
        "--config",
        str(config),
        "--date",
        day,
        "--by",
        "agent",
        "--format",
        "csv",
    ).stdout.decode()
    assert not CONTROL.findall(output.replace("\n", "").replace("\r", "")), repr(output)
    rows = list(csv.DictReader(io.StringIO(output)))
    agents = {row["Agent"] for row in rows}  # CSV headers are for people (reports/output.py)
    assert OSC52_SHOWN in agents and LINK in agents and EMOJI in agents
    assert "'" + FORMULA in agents and FORMULA not in agents  # not a formula in a spreadsheet
    numbers = [row["Calls"] for row in rows if row["Agent"] == OSC52_SHOWN]
    assert numbers and all(value.lstrip("-").replace(".", "").isdigit() for value in numbers)
    raw = json.loads(
        run_cli(
            "report", "--db", str(db), "--date", day, "--by", "agent", "--format", "json"
        ).stdout
    )
    assert {OSC52, FORMULA} <= {row["agent"] for row in raw}  # JSON keeps the raw names


def test_burnout_table_shows_names_as_text(hostile):
    """`floorwatch burnout`'s tables, built from a flag of a hostile agent with a hostile
    summary (the rules quote pause reasons)."""
    from floorwatch.reports.burnout_history import flag_history, history_table
    from floorwatch.snapshot.burnout import Flag

    db, config, now = hostile
    flag = Flag(
        agent=OSC52,
        rule="long_calls",
        severity="warning",
        since=float(now - 200),
        raised_at=float(now - 100),
        summary=f"reason {REASON}",
        evidence={},
        last_true_at=float(now),
    )
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=True, color_system="truecolor").print(
        history_table(flag_history([flag], now), [flag], Config(timezone="UTC"))
    )
    output = out.getvalue()
    assert not visible_output_problems(output) and "\x1b]" not in output
    plain = SGR.sub("", output)
    assert OSC52_SHOWN in plain and REASON_SHOWN in plain, plain
    result = subprocess.run(
        [*FLOORWATCH, "burnout", "--db", str(db), "--config", str(config)],
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0 and not visible_output_problems(result.stdout.decode())


# ----------------------------------------------------------------- a real terminal (tmux)
def test_osc52_in_a_name_never_reaches_the_clipboard_of_a_real_tmux(tmp_path):
    """`floorwatch dash` in tmux with set-clipboard on: an agent named with an OSC 52 sequence
    would put OSC52_PWNED in tmux's paste buffers on every redraw. The buffers stay empty and
    the name is on screen with its ESCs shown as ␛."""
    if not shutil.which("tmux"):
        pytest.skip("tmux is not installed (make test installs it)")
    now = int(time.time())
    db, config = make_hostile_store(tmp_path, now)
    socket_name = f"fw-osc52-{os.getpid()}"
    conf = tmp_path / "tmux.conf"
    conf.write_text("set -g set-clipboard on\nset -g default-terminal xterm-256color\n")

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", socket_name, *args], capture_output=True, text=True
        ).stdout

    # (COLUMNS and LINES, which readline may have set in this process, would fix the size.)
    command = (
        f"env -u COLUMNS -u LINES {sys.executable} -m floorwatch dash --db {db} --config {config}"
    )
    subprocess.run(
        [
            "tmux",
            "-L",
            socket_name,
            "-f",
            str(conf),
            "new-session",
            "-d",
            "-s",
            "fw",
            "-x",
            "200",
            "-y",
            "50",
            command,
        ],
        check=True,
    )
    try:
        deadline = time.monotonic() + 30
        while "Ag" not in tmux("capture-pane", "-p", "-t", "fw") and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(3)  # several redraws (the clock ticks every second)
        tmux("send-keys", "-t", "fw", "w")  # the wallboard, and back: more redraws
        time.sleep(1)
        tmux("send-keys", "-t", "fw", "w")
        time.sleep(1.5)
        screen = tmux("capture-pane", "-p", "-t", "fw")
        buffers = tmux("list-buffers")
        shown = tmux("show-buffer") if buffers.strip() else ""
        assert "OSC52_PWNED" not in buffers and "OSC52_PWNED" not in shown, buffers
        assert buffers.strip() == "", buffers
        assert OSC52_SHOWN in screen, screen
    finally:
        tmux("kill-server")
