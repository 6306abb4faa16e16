"""Derived rows are exactly-once too: whatever derivation keeps in memory between events (the
call a wrap-up belongs to, recent calls for late lines, missed rings per feed, penalties kept
aside, which feeds saw a call) is rebuilt from the store on start, so a restart anywhere, even
by SIGKILL, ends with the same calls, agent states, pauses, memberships and misses as one
uninterrupted run."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from floorwatch.events import Event, Kind
from floorwatch.sources.base import Batch
from floorwatch.sources.queue_log import parse_line
from floorwatch.store.database import Store
from tests.helpers import assert_same_floor


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
        (
            4,
            Event(
                1795530010,
                "ami",
                Kind.CALL_QUEUED,
                "c1",
                "orders",
                None,
                {"caller": "5550101", "position": 1},
            ),
        ),
        (
            5,
            Event(1795530012, "ami", Kind.RING_NO_ANSWER, "c1", "orders", "Bob", {"ring_ms": 2000}),
        ),
        (
            14,
            Event(
                1795530121, "ami", Kind.RING_NO_ANSWER, "c2", "returns", "Dev", {"ring_ms": 3000}
            ),
        ),
        (
            16,
            Event(
                1795530121.5, "ami", Kind.RING_NO_ANSWER, "c2", "returns", "Dev", {"ring_ms": 500}
            ),
        ),
    ]
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
    calls = (
        sqlite3.connect(whole)
        .execute("SELECT call_id, wrapup_s, ring_no_answers FROM calls ORDER BY id")
        .fetchall()
    )
    assert calls == [("c1", 25.0, 2), ("c2", 38.0, 2), ("c3", None, 0)]
    assert sqlite3.connect(whole).execute(
        "SELECT penalty FROM memberships WHERE agent = 'Local/205@agents/n'"
    ).fetchone() == (3,)
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
    late = [
        "1795540300|k0|orders|Ana|RINGNOANSWER|1000",
        "1795540300|k300|orders|Ana|RINGNOANSWER|1000",
    ]
    events = [("ql", parse_line(line, "ql")) for line in lines + late]
    whole, split = tmp_path / "whole.db", tmp_path / "split.db"
    write(whole, events, size=1000)
    write(split, events[: len(lines)], size=1000)
    store = Store.open(split)
    recent = store.deriver.recent_calls
    assert recent.closes == size + 200
    assert sorted(
        e.call_id for e in recent.entries.values() if recent.get((e.call_id, e.queue))
    ) == sorted(f"k{n}" for n in range(200, size + 200))
    store.close()
    write(split, events[len(lines) :])
    assert_same_floor(split, whole)
    conn = sqlite3.connect(whole)
    assert conn.execute(
        "SELECT call_id, ring_no_answers FROM calls WHERE call_id IN ('k0', 'k300') ORDER BY id"
    ).fetchall() == [("k0", 0), ("k300", 1)]
    assert conn.execute(
        "SELECT c.call_id FROM misses m LEFT JOIN calls c ON c.id = m.call_ref ORDER BY m.id"
    ).fetchall() == [(None,), ("k300",)]
