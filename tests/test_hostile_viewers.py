"""Names from outside reach the terminal as text: no escape sequence, control character or bidi
override gets through, and no Rich or Textual markup in a name is ever interpreted. Checked in
a real tmux (OSC 52 must not reach its clipboard), in `snapshot` and `report` subprocesses, in
the pilot-driven dashboard, and by fuzzing the sanitiser and the snapshot tables."""

from __future__ import annotations

import sqlite3
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from floorwatch.app import FloorwatchApp
from floorwatch.config import Config, load
from floorwatch.snapshot.live import LiveFloor
from floorwatch.snapshot.reader import FloorReader
from floorwatch.safe_text import printable
from floorwatch.reports.snapshot_text import render
from floorwatch.store.database import Store

from .conftest import ingest_file

FLOORWATCH = [sys.executable, "-m", "floorwatch"]

#: Writes "OSC52_PWNED" to the terminal's clipboard when written raw.
OSC52 = "Ag\x1b]52;c;T1NDNTJfUFdORUQ=\x1b\\X"
OSC52_SHOWN = "Ag␛]52;c;T1NDNTJfUFdORUQ=␛\\X"
LINK = "[link=http://evil.example]Bob[/link]"
QUEUE = "[bold red]Q[/bold red]"
#: A C1 CSI (clear screen) and a right-to-left override in a pause reason.
REASON = "x\x9b2Jy\u202eevil"
REASON_SHOWN = "x\\x9b2Jyevil"
#: A caller id that sets the window title.
CALLER = "Mal\x1b]0;owned\x07"
CALLER_SHOWN = "Mal␛]0;owned␇"
FORMULA = "=1+2"
EMOJI = "Eve :skull:"

#: Rich's own styling (SGR) is allowed in terminal output; nothing else may start with ESC.
SGR = re.compile(r"\x1b\[[0-9;]*m")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def hostile_lines(now: int) -> list[str]:
    return [
        f"{now - 300}|MANAGER|{QUEUE}|{OSC52}|ADDMEMBER|",
        f"{now - 300}|MANAGER|{QUEUE}|{LINK}|ADDMEMBER|",
        f"{now - 290}|MANAGER|sales|{FORMULA}|ADDMEMBER|",
        f"{now - 290}|MANAGER|sales|{EMOJI}|ADDMEMBER|",
        f"{now - 200}|c1|{QUEUE}|NONE|ENTERQUEUE||5550100|1",
        f"{now - 190}|c1|{QUEUE}|{OSC52}|CONNECT|10|m1|2",
        f"{now - 100}|c1|{QUEUE}|{OSC52}|COMPLETEAGENT|10|90|1",
        f"{now - 80}|NONE|{QUEUE}|{LINK}|PAUSE|{REASON}",
        f"{now - 70}|c3|sales|NONE|ENTERQUEUE||{CALLER}|1",
        f"{now - 65}|c3|sales|{FORMULA}|CONNECT|5|m3|2",
        f"{now - 60}|c2|{QUEUE}|NONE|ENTERQUEUE||5550101|1",
    ]


def make_hostile_store(folder: Path, now: int) -> tuple[Path, Path]:
    feed = folder / "hostile.queue_log"
    feed.write_text("".join(line + "\n" for line in hostile_lines(now)))
    config = folder / "floorwatch.toml"
    config.write_text('timezone = "UTC"\n')
    db = ingest_file(folder / "hostile.db", feed, load(config))
    with Store.open_readonly(db) as store:  # the feed's text is stored as it came
        names = {row[0] for row in sqlite3.connect(store.path).execute("SELECT name FROM agents")}
    assert OSC52 in names and LINK in names, f"the test store lacks the hostile names: {names}"
    return db, config


@pytest.fixture
def hostile(tmp_path) -> tuple[Path, Path, int]:
    now = int(time.time())
    db, config = make_hostile_store(tmp_path, now)
    return db, config, now


def visible_output_problems(output: str) -> list[str]:
    """What in terminal output is not plain text or Rich's own SGR styling."""
    return CONTROL.findall(SGR.sub("", output).replace("\x1b", "\x01"))


# ----------------------------------------------------------------- the sanitiser itself
_UNSAFE_CHARS = set(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, categories=None)))
def test_printable_leaves_no_control_or_bidi_character(text):
    shown = printable(text)
    assert not (set(shown) & _UNSAFE_CHARS), repr(shown)
    assert not (set(shown) & _BIDI), repr(shown)
    assert printable(shown) == shown  # idempotent
    shown.encode("utf-8")  # writable to a UTF-8 terminal (no lone surrogate left)


@settings(max_examples=1000, deadline=None)
@given(st.text().filter(str.isprintable))
def test_printable_text_is_left_as_it_is(text):
    assert printable(text) == text


def test_printable_shows_what_it_replaced():
    assert printable(OSC52) == OSC52_SHOWN
    assert printable(REASON) == REASON_SHOWN
    assert printable(CALLER) == CALLER_SHOWN
    assert printable("a\x7fb\x00c\u2028d") == "a␡b␀c\\u2028d"
    assert printable("\ud800x") == "\\ud800x"
    assert printable(None) == "" and printable(12) == "12"


# ----------------------------------------------------------------- snapshot tables, fuzzed
@pytest.fixture(scope="module")
def floor_snapshot(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    now = int(time.time())
    db, config = make_hostile_store(folder, now)
    with Store.open_readonly(db) as store:
        return FloorReader(store, load(config)).snapshot(now)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(st.text(min_size=1, max_size=40), min_size=3, max_size=3))
def test_a_snapshot_table_with_any_names_writes_no_control_sequence(floor_snapshot, names):
    agent_name, queue_name, reason = names
    agents = {key: replace(agent, display_name=agent_name, reason=reason, queue=queue_name)
              for key, agent in floor_snapshot.agents.items()}  # fmt: skip
    queues = {key: replace(queue, display_name=queue_name)
              for key, queue in floor_snapshot.queues.items()}  # fmt: skip
    snapshot = replace(floor_snapshot, agents=agents, queues=queues)
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=True, color_system="truecolor",
            soft_wrap=False).print(render(snapshot, timezone.utc))  # fmt: skip
    output = out.getvalue()
    assert not visible_output_problems(output), repr(output[:400])


# ----------------------------------------------------------------- the command line
def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([*FLOORWATCH, *args], capture_output=True, timeout=120,
                            env=dict(os.environ, **(env or {})))  # fmt: skip
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result


def test_snapshot_shows_names_as_text(hostile):
    db, config, now = hostile
    for env in ({}, {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "200"}):
        output = run_cli("snapshot", "--db", str(db), "--config", str(config),
                         env=env).stdout.decode()  # fmt: skip
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
    day = datetime.fromtimestamp(now - 200, timezone.utc).date().isoformat()
    output = run_cli("report", "--db", str(db), "--config", str(config), "--date", day,
                     "--by", by, "--format", "table",
                     env={"FORCE_COLOR": "1", "TERM": "xterm-256color"}).stdout.decode()  # fmt: skip
    assert not visible_output_problems(output), repr(output)
    assert "\x1b]" not in output
    plain = SGR.sub("", output)
    expected = [QUEUE] if by == "queue" else [OSC52_SHOWN, LINK, EMOJI]
    for shown in expected:
        assert shown in plain, (shown, plain)


def test_report_csv_is_text_and_no_formula(hostile):
    db, config, now = hostile
    day = datetime.fromtimestamp(now - 200, timezone.utc).date().isoformat()
    output = run_cli("report", "--db", str(db), "--config", str(config), "--date", day,
                     "--by", "agent", "--format", "csv").stdout.decode()  # fmt: skip
    assert not CONTROL.findall(output.replace("\n", "").replace("\r", "")), repr(output)
    rows = list(csv.DictReader(io.StringIO(output)))
    agents = {row["agent"] for row in rows}
    assert OSC52_SHOWN in agents and LINK in agents and EMOJI in agents
    assert "'" + FORMULA in agents and FORMULA not in agents  # not a formula in a spreadsheet
    numbers = [row["calls"] for row in rows if row["agent"] == OSC52_SHOWN]
    assert numbers and all(value.lstrip("-").replace(".", "").isdigit() for value in numbers)
    raw = json.loads(run_cli("report", "--db", str(db), "--date", day, "--by", "agent",
                             "--format", "json").stdout)  # fmt: skip
    assert {OSC52, FORMULA} <= {row["agent"] for row in raw}  # JSON keeps the raw names


def test_burnout_table_shows_names_as_text(hostile):
    """`floorwatch burnout`'s tables, built from a flag of a hostile agent with a hostile
    summary (the rules quote pause reasons)."""
    from floorwatch.snapshot.burnout import Flag
    from floorwatch.reports.burnout_history import flag_history, history_table

    db, config, now = hostile
    flag = Flag(agent=OSC52, rule="long_calls", severity="warning", since=float(now - 200),
                raised_at=float(now - 100), summary=f"reason {REASON}", evidence={},
                last_true_at=float(now))  # fmt: skip
    out = io.StringIO()
    Console(file=out, width=200, force_terminal=True, color_system="truecolor").print(
        history_table(flag_history([flag], now), [flag], Config(timezone="UTC")))
    output = out.getvalue()
    assert not visible_output_problems(output) and "\x1b]" not in output
    plain = SGR.sub("", output)
    assert OSC52_SHOWN in plain and REASON_SHOWN in plain, plain
    result = subprocess.run([*FLOORWATCH, "burnout", "--db", str(db), "--config", str(config)],
                            capture_output=True, timeout=120)  # fmt: skip
    assert result.returncode == 0 and not visible_output_problems(result.stdout.decode())


# ----------------------------------------------------------------- the dashboard (pilot)
def screen_text(app) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def every_segment(app) -> str:
    return "".join(segment.text for strip in app.screen._compositor.render_strips()
                   for segment in strip)  # fmt: skip


async def until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the dashboard did not get there in time")
        await pilot.pause(0.02)


async def test_the_dashboard_shows_names_as_text(hostile):
    from floorwatch.screens.palette import FloorCommands
    from floorwatch.screens.agent import AgentScreen
    from floorwatch.screens.floor import FloorScreen
    from floorwatch.screens.pickers import FilterScreen, SearchScreen
    from floorwatch.screens.wallboard import WallboardScreen

    db, config_path, now = hostile
    config = load(config_path)
    app = FloorwatchApp(LiveFloor(db, config, clock=lambda: now, poll_s=0.02), config)
    async with app.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: app.update is not None)
        await pilot.pause(0.1)
        text = screen_text(app)
        assert not CONTROL.findall(every_segment(app))
        for shown in (OSC52_SHOWN, LINK, QUEUE, EMOJI, REASON_SHOWN[:8]):  # (the reason is cut)
            assert shown in text, (shown, text)
        # The drill-down of the agent on a call: title (caller), numbers, calls.
        app.open_agent(FORMULA)
        await until(pilot, lambda: isinstance(app.screen, AgentScreen)
                    and app.update.agent_day is not None)  # fmt: skip
        await pilot.pause(0.1)
        text = screen_text(app)
        assert not CONTROL.findall(every_segment(app))
        assert FORMULA in text and CALLER_SHOWN in text, text
        await pilot.press("escape")
        app.open_agent(LINK)
        await until(pilot, lambda: isinstance(app.screen, AgentScreen)
                    and app.update.agent_day is not None and app.screen.agent == LINK)  # fmt: skip
        await pilot.pause(0.1)
        text = screen_text(app)
        assert LINK in text and REASON_SHOWN in text and QUEUE in text, text
        assert not CONTROL.findall(every_segment(app))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, AgentScreen))
        # The pickers list names as text.
        FloorScreen.of(app).action_search()
        await until(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.pause(0.05)
        options = app.screen.query_one("#search-results")
        prompts = [str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)]  # fmt: skip
        assert OSC52_SHOWN in prompts and LINK in prompts and EMOJI in prompts, prompts
        assert LINK in screen_text(app)
        await pilot.press("escape")
        FloorScreen.of(app).action_filter()
        await until(pilot, lambda: isinstance(app.screen, FilterScreen))
        await pilot.pause(0.05)
        options = app.screen.query_one("#filter-options")
        prompts = [str(options.get_option_at_index(i).prompt)
                   for i in range(options.option_count)]  # fmt: skip
        assert f"queue: {QUEUE}" in prompts, prompts
        await pilot.press("escape")
        # The command palette: what it shows (prompt and help) is the text, not markup.
        from textual.content import Content

        provider = FloorCommands(app.screen)
        hits = [hit async for hit in provider.search("Bob")]
        shown = [Content.from_markup(hit.prompt).plain for hit in hits]
        assert f"Open agent {LINK}" in shown, shown
        hits = [hit async for hit in provider.search("bold")]
        helps = [Content.from_markup(hit.help).plain for hit in hits if hit.help]
        assert any(QUEUE in help_text for help_text in helps), helps
        # The wallboard: the queue's name as text.
        await until(pilot, lambda: not isinstance(app.screen, FilterScreen))
        app.action_wallboard()
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        await pilot.pause(0.3)
        text = screen_text(app)
        assert QUEUE in text, text
        assert not CONTROL.findall(every_segment(app))


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
        return subprocess.run(["tmux", "-L", socket_name, *args], capture_output=True,
                              text=True).stdout  # fmt: skip

    # (COLUMNS and LINES, which readline may have set in this process, would fix the size.)
    command = f"env -u COLUMNS -u LINES {sys.executable} -m floorwatch dash --db {db} --config {config}"
    subprocess.run(["tmux", "-L", socket_name, "-f", str(conf), "new-session", "-d", "-s", "fw",
                    "-x", "200", "-y", "50", command], check=True)  # fmt: skip
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
