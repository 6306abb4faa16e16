"""Derived rows are exactly-once too: whatever derivation keeps in memory between events (the
call a wrap-up belongs to, recent calls for late lines, missed rings per feed, penalties kept
aside, which feeds saw a call) is rebuilt from the store on start, so a restart anywhere, even
by SIGKILL, ends with the same calls, agent states, pauses, memberships and misses as one
uninterrupted run."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from tests.helpers import FLOORWATCH, assert_same_floor, children, count_events, run, wait_for


# ----------------------------------------------------------------- 20 SIGKILLs of a real ingest
def test_twenty_sigkills_of_a_following_ingest_give_the_floor_of_one_run(tmp_path):
    """A simulated day is written to a queue_log as a PBX would; a following ingest is killed
    with SIGKILL 20 times at random points (every other time its writer process too) and
    started again. Kills land while agents are in after-call work, between COMPLETEAGENT and
    the end of the ACW pause. At the end every derived table, wrap-up included, equals a
    one-shot ingest of the same file, row by row."""
    source = tmp_path / "day.queue_log"
    result = run("simulate", "--out", str(source), "--hours", "24")
    assert result.returncode == 0, result.stderr
    lines = source.read_text().splitlines(keepends=True)
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    feed.write_text("")
    rng = random.Random(16)
    done = threading.Event()

    def pbx() -> None:
        position = 0
        with feed.open("a") as out:
            while position < len(lines):
                burst = lines[position : position + rng.randint(20, 240)]
                out.write("".join(burst))
                out.flush()
                position += len(burst)
                time.sleep(0.15)  # the day in about 17 s: the 20 kills land all along it
        done.set()

    def start() -> subprocess.Popen:
        return subprocess.Popen(
            [
                *FLOORWATCH,
                "ingest",
                "--db",
                str(db),
                "--poll",
                "0.05",
                "--no-burnout",
                f"queue_log:{feed}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    writer = threading.Thread(target=pbx)
    writer.start()
    process = start()
    in_wrapup = 0
    for kill in range(20):
        wait_for(lambda: children(process.pid), timeout=30)  # running, with its writer
        time.sleep(rng.uniform(0.2, 0.9))
        victims = [process.pid] + (children(process.pid) if kill % 2 else [])
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        process.wait()
        in_wrapup += agents_in_wrapup(db)
        process = start()
    writer.join()
    wait_for(lambda: count_events(db) >= len(lines), timeout=60)
    wait_for(lambda: children(process.pid), timeout=30)  # started, not still starting
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0, process.stderr.read()
    assert count_events(db) == len(lines)
    whole = tmp_path / "whole.db"
    assert (
        run("ingest", "--db", str(whole), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    assert in_wrapup >= 5  # the kills did land in after-call work, several times
    assert_same_floor(db, whole)
    wrapups = sqlite3.connect(db).execute("SELECT count(*) FROM calls WHERE wrapup_s > 0")
    assert wrapups.fetchone()[0] > 1000


def agents_in_wrapup(db: Path) -> int:
    """Agents whose stored state is after-call work (as the kill left the store)."""
    try:
        conn = sqlite3.connect(db)
        return conn.execute("SELECT count(*) FROM agents WHERE state = 'wrapup'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_schema_1_store_is_upgraded_and_the_ingest_carries_on(tmp_path):
    """A store written before schema 2 (made here by taking schema 2's additions back out of
    a real one): the ingest upgrades it in place and carries on from its checkpoint."""
    from tests.helpers import call_lines, stored_lines

    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = call_lines(100)
    feed.write_text("".join(line + "\n" for line in lines[:150]))
    assert (
        run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}").returncode
        == 0
    )
    conn = sqlite3.connect(db, isolation_level=None)
    for table in ("feed_losses", "recent_marks", "pending_penalties", "alarms", "alarm_hooks"):
        conn.execute(f"DROP TABLE {table}")
    for table, column in (
        ("rejects", "raw_bytes"),
        ("sources", "generations"),
        ("calls", "seen_by"),
        ("calls", "inferred"),
        ("calls", "closed_no"),
        ("calls", "miss_counts"),
        ("agents", "last_call_ref"),
    ):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    with feed.open("a") as out:
        out.write("".join(line + "\n" for line in lines[150:]))
    result = run("ingest", "--db", str(db), "--once", "--no-burnout", f"queue_log:{feed}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("150 events, 0 rejects, 100 calls")
    assert stored_lines(db) == lines
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone() == (3,)
    assert conn.execute("SELECT count(*) FROM calls WHERE closed_no IS NOT NULL").fetchone() == (
        50,
    )
