"""A viewer in tmux beside a real following ingest: the commit that raises an alarm puts it
on the strip and rings the terminal bell once (the BEL byte, read from what the dashboard wrote
to its pty through tmux's pipe-pane); the time from the alarm's row to the bell is printed."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.helpers import FLOORWATCH, wait_for


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True).stdout


def bells(output: bytes) -> int:
    """Bells the program rang: BEL bytes that do not end an OSC sequence (ESC ] ... BEL,
    which Textual writes for the pointer shape)."""
    return re.sub(rb"\x1b\][^\x07\x1b]*\x07", b"", output).count(b"\x07")


def count(db, table: str) -> int:
    """Rows in a table of the store; -1 while the store or the table is not there yet."""
    try:
        return sqlite3.connect(db).execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return -1


def test_the_strip_shows_and_the_bell_rings_once_per_new_alarm(tmp_path):
    if not shutil.which("tmux"):
        pytest.skip("tmux is not installed (make test installs it)")
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    now = int(time.time())
    feed.write_text(f"{now - 60}|MANAGER|sales|Ana|ADDMEMBER|\n")
    config = tmp_path / "floorwatch.toml"
    config.write_text(
        f"""
database = "{db}"
[alarms]
every_s = 0.2
[alarms.rules.calls_waiting]
threshold = 2
min_duration_s = 0
[alarms.rules.no_agent_free]
enabled = false
[alarms.rules.feed_quiet]
enabled = false
"""
    )
    ingest = subprocess.Popen(
        [*FLOORWATCH, "ingest", "--config", str(config), "--poll", "0.1", f"queue_log:{feed}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    session = f"bell{os.getpid()}"
    piped = tmp_path / "pty.out"
    try:
        wait_for(lambda: count(db, "sources") > 0, what="the first commit")
        command = f"{sys.executable} -m floorwatch dash --config {config} --bell --no-blink"
        tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", command)
        tmux("pipe-pane", "-o", "-t", session, f"cat >> {piped}")
        wait_for(lambda: "sales" in tmux("capture-pane", "-p", "-t", session), what="the floor")
        time.sleep(0.5)
        assert bells(piped.read_bytes()) == 0  # nothing up yet: no bell
        with feed.open("a") as out:
            out.write(f"{now}|c1|sales|NONE|ENTERQUEUE||5550001|1\n")
            out.write(f"{now}|c2|sales|NONE|ENTERQUEUE||5550002|2\n")
        wait_for(lambda: count(db, "alarms") == 1, what="the alarm in the store")
        stored = time.monotonic()
        wait_for(lambda: bells(piped.read_bytes()) == 1, what="the bell")
        rang = time.monotonic()
        wait_for(lambda: "ALARMS 1" in tmux("capture-pane", "-p", "-t", session), what="the strip")
        screen = tmux("capture-pane", "-p", "-t", session)
        assert "sales: 2 calls waiting" in screen
        assert "⚑sales" in screen  # the queue's row is marked
        time.sleep(2.5)  # more rounds and ticks: the same alarm never rings again
        assert bells(piped.read_bytes()) == 1
        print(f"alarm row to bell: {(rang - stored) * 1000:.0f} ms")
    finally:
        tmux("kill-session", "-t", session)
        ingest.terminate()
        ingest.communicate(timeout=30)
    assert ingest.returncode == 0
