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
import sys
import threading
import time
from pathlib import Path

from floorwatch.events import Event, Kind
from floorwatch.sources.base import Batch
from floorwatch.sources.queue_log import parse_line
from floorwatch.store.database import Store

from .test_ingest import children, count_events, run, wait_for

FLOORWATCH = [sys.executable, "-m", "floorwatch"]
DERIVED = ("calls", "agents", "agent_states", "pauses", "memberships", "misses",
           "pending_penalties")  # fmt: skip


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
    got, expected = derived_rows(restarted, tables), derived_rows(whole, tables)
    for table in tables:
        differing = [pair for pair in zip(got[table], expected[table]) if pair[0] != pair[1]]
        assert len(got[table]) == len(expected[table]), table
        assert not differing, (table, len(differing), differing[:3])


# ----------------------------------------------------------------- a restart at every point
def scenario() -> list[tuple[str, Event]]:
    """Two feeds of one PBX (queue_log and AMI-like canonical events) with what derivation
    carries between events: a wrap-up after a call, a ring-no-answer written after the call
    ended, a missed ring reported by both feeds, a penalty for a member not yet seen, a call
    both feeds report, and a pause-all across queues."""
    ql = [
        "1795530000|MANAGER|orders|Ana|ADDMEMBER|",
        "1795530001|MANAGER|returns|Ana|ADDMEMBER|",
        "1795530002|NONE|vip|Local/205@agents/n|PENALTY|3",
        "1795530010|c1|orders|NONE|ENTERQUEUE||5550101|1",
        "1795530012|c1|orders|Bob|RINGNOANSWER|2000",
        "1795530015|c1|orders|Ana|CONNECT|5|m1|2",
        "1795530075|c1|orders|Ana|COMPLETEAGENT|5|60|1",
        "1795530075|NONE|NONE|Ana|PAUSEALL|ACW",
        "1795530013|c1|orders|Cleo|RINGNOANSWER|1500",  # written late, after the call ended
        "1795530100|NONE|NONE|Ana|UNPAUSEALL|",
        "1795530110|c2|returns|NONE|ENTERQUEUE||5550102|1",
        "1795530120|c2|returns|Ana|CONNECT|10|m2|3",
        "1795530121|c2|returns|Dev|RINGNOANSWER|3000",
        "1795530150|c2|returns|Ana|COMPLETECALLER|10|30|1",
        "1795530152|NONE|NONE|Ana|PAUSEALL|Wrap-up",
        "1795530190|NONE|NONE|Ana|UNPAUSEALL|",
        "1795530200|MANAGER|vip|Local/205@agents/n|ADDMEMBER|",
        "1795530210|c3|vip|NONE|ENTERQUEUE||5550103|1",
        "1795530215|c3|vip|NONE|ABANDON|1|1|5",
    ]
    events = [("ql", parse_line(line, "ql")) for line in ql]
    ami = [
        (4, Event(1795530010, "ami", Kind.CALL_QUEUED, "c1", "orders", None,
                  {"caller": "5550101", "position": 1})),
        (5, Event(1795530012, "ami", Kind.RING_NO_ANSWER, "c1", "orders", "Bob",
                  {"ring_ms": 2000})),
        (14, Event(1795530121, "ami", Kind.RING_NO_ANSWER, "c2", "returns", "Dev",
                   {"ring_ms": 3000})),
        (16, Event(1795530121.5, "ami", Kind.RING_NO_ANSWER, "c2", "returns", "Dev",
                   {"ring_ms": 500})),
    ]  # fmt: skip
    for position, event in sorted(ami, key=lambda pair: -pair[0]):
        events.insert(position, ("ami", event))
    return events


def write(db: Path, events: list[tuple[str, Event]], size: int = 1) -> None:
    """Store the events as their feeds' batches (of `size` events at most, one feed each),
    through the store's own path."""
    store = Store.open(db)
    try:
        batches: list[Batch] = []
        for source, event in events:
            if not batches or batches[-1].source != source or len(batches[-1].events) >= size:
                batches.append(Batch(source, "queue_log" if source == "ql" else "jsonl"))
            batches[-1].events.append(event)
        for batch in batches:
            store.write([batch])
    finally:
        store.close()


def test_a_restart_between_any_two_events_derives_the_same_floor(tmp_path):
    events = scenario()
    whole = tmp_path / "whole.db"
    write(whole, events)
    calls = sqlite3.connect(whole).execute(
        "SELECT call_id, wrapup_s, ring_no_answers FROM calls ORDER BY id").fetchall()
    assert calls == [("c1", 25.0, 2), ("c2", 38.0, 2), ("c3", None, 0)]
    assert sqlite3.connect(whole).execute("SELECT penalty FROM memberships WHERE agent = "
                                          "'Local/205@agents/n'").fetchone() == (3,)  # fmt: skip
    for split in range(1, len(events)):
        db = tmp_path / f"split{split}.db"
        write(db, events[:split])  # stops (the store closes), then starts again from the file
        write(db, events[split:])
        assert_same_floor(db, whole)


def test_recent_calls_are_the_same_after_a_restart_as_in_one_run(tmp_path):
    """Late lines find the calls that finished lately: the last RECENT_CALLS // 2 closes, in
    memory or read back from the store (only the rows changed since the oldest of them)."""
    from floorwatch.store.derive import Deriver

    size = Deriver.RECENT_CALLS // 2
    lines = []
    for n in range(size + 200):
        t = 1795530000 + n
        lines += [f"{t}|k{n}|orders|NONE|ENTERQUEUE||555|1", f"{t}|k{n}|orders|NONE|ABANDON|1|1|0"]
    # Late ring-no-answers for the oldest call (no longer recent: a call of its own) and for
    # one still recent (counted on it).
    late = ["1795540300|k0|orders|Ana|RINGNOANSWER|1000",
            "1795540300|k300|orders|Ana|RINGNOANSWER|1000"]  # fmt: skip
    events = [("ql", parse_line(line, "ql")) for line in lines + late]
    whole, split = tmp_path / "whole.db", tmp_path / "split.db"
    write(whole, events, size=1000)
    write(split, events[: len(lines)], size=1000)
    store = Store.open(split)
    recent = store.deriver.recent_calls
    assert recent.closes == size + 200
    assert sorted(e.call_id for e in recent.entries.values() if recent.get(
        (e.call_id, e.queue))) == sorted(f"k{n}" for n in range(200, size + 200))  # fmt: skip
    store.close()
    write(split, events[len(lines):])
    assert_same_floor(split, whole)
    conn = sqlite3.connect(whole)
    assert conn.execute("SELECT call_id, ring_no_answers FROM calls WHERE call_id IN ('k0', "
                        "'k300') ORDER BY id").fetchall() == [("k0", 0), ("k300", 1)]
    assert conn.execute("SELECT c.call_id FROM misses m LEFT JOIN calls c ON c.id = m.call_ref "
                        "ORDER BY m.id").fetchall() == [(None,), ("k300",)]  # fmt: skip


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
        return subprocess.Popen([*FLOORWATCH, "ingest", "--db", str(db), "--poll", "0.05",
                                 "--no-burnout", f"queue_log:{feed}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip

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
    assert run("ingest", "--db", str(whole), "--once", "--no-burnout",
               f"queue_log:{feed}").returncode == 0  # fmt: skip
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
    from .test_ingest import call_lines, stored_lines

    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    lines = call_lines(100)
    feed.write_text("".join(line + "\n" for line in lines[:150]))
    assert run("ingest", "--db", str(db), "--once", "--no-burnout",
               f"queue_log:{feed}").returncode == 0  # fmt: skip
    conn = sqlite3.connect(db, isolation_level=None)
    for table in ("feed_losses", "recent_marks", "pending_penalties"):
        conn.execute(f"DROP TABLE {table}")
    for table, column in (("rejects", "raw_bytes"), ("sources", "generations"),
                          ("calls", "seen_by"), ("calls", "inferred"), ("calls", "closed_no"),
                          ("calls", "miss_counts"), ("agents", "last_call_ref")):  # fmt: skip
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
    assert conn.execute("PRAGMA user_version").fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM calls WHERE closed_no IS NOT NULL").fetchone() == (50,)
