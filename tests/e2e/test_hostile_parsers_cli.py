"""Hostile and impossible input at the parsers: a poison line is a reject with its offset and
everything else is stored (end to end, through `floorwatch ingest --once`); impossible values
never become events; a bad row an older floorwatch already stored does not make the floor
unreadable; and the event schema is declared once (event_schema.SCHEMA) and documented from there.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from pathlib import Path

import pytest

from floorwatch.config import Config
from floorwatch.events import Kind
from floorwatch.sources import queue_log
from floorwatch.store.database import Store
from tests.ami_server import COMPLETE, CONNECT, SECRET, AmiServer, ami_block
from tests.helpers import THREE_QUEUES, ingest_file, run

T = 1795530192  # 2026-11-24 14:23:12 UTC


DAY = "2026-11-24"


SAMPLE_AT = 1795530700


def call_lines(count: int) -> list[str]:
    """`count` calls a minute apart, all answered by Ana (not helpers.call_lines: one agent)."""
    lines = []
    for n in range(count):
        t = T + 60 * n
        lines += [
            f"{t}|c{n}|orders|NONE|ENTERQUEUE||555{n:04d}|1",
            f"{t + 2}|c{n}|orders|Ana|CONNECT|2|m{n}|1",
            f"{t + 30}|c{n}|orders|Ana|COMPLETEAGENT|2|28|1",
        ]
    return lines


def call_records(count: int) -> list[str]:
    return [queue_log.parse_line(line, "pbx").to_json() for line in call_lines(count)]


def counts(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db) as conn:
        return tuple(
            conn.execute(
                "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejects), "
                "(SELECT count(*) FROM calls WHERE outcome = 'answered' AND talk_s = 28)"
            ).fetchone()
        )


# ----------------------------------------------------------------------------- item 3: poison
POISON = [
    (
        "queue_log",
        f"{T + 90}|p1|orders|NONE|ENTERQUEUE||555|100000000000000000000",
        "ENTERQUEUE: position 100000000000000000000 is out of range",
    ),
    (
        "queue_log",
        f"{T + 90}|c1|orders|Ana|CONNECT|99999999999999999999999|m|1",
        "CONNECT: holdtime 99999999999999999999999 is out of range",
    ),
    (
        "jsonl",
        json.dumps(
            {
                "ts": T + 90,
                "kind": "call_answered",
                "call_id": "c1",
                "queue": "orders",
                "agent": "Ana",
                "data": {"wait_s": "abc"},
            }
        ),
        "wait_s must be a number",
    ),
    (
        "jsonl",
        json.dumps(
            {
                "ts": T + 90,
                "kind": "call_answered",
                "call_id": "c1",
                "queue": "orders",
                "agent": "Ana",
                "data": {"wait_s": [1, 2]},
            }
        ),
        "wait_s must be a number",
    ),
    ("jsonl", "[" * 100_000, "not JSON: nested too deeply"),
    (
        "jsonl",
        json.dumps(
            {
                "ts": T + 90,
                "kind": "call_queued",
                "call_id": "p1",
                "queue": "orders",
                "data": {"position": 10**20},
            }
        ),
        "position 100000000000000000000 is out",
    ),
]


@pytest.mark.parametrize(
    "format, poison, reason",
    POISON,
    ids=[
        "queue_log-position-2^66",
        "queue_log-holdtime-10^23",
        "jsonl-wait_s-text",
        "jsonl-wait_s-list",
        "jsonl-100000-brackets",
        "jsonl-position-10^20",
    ],
)
def test_a_poison_line_is_a_reject_with_its_offset_and_every_other_line_is_stored(
    tmp_path, format, poison, reason
):
    good = call_lines(10) if format == "queue_log" else call_records(10)
    lines = good[:16] + [poison] + good[16:]
    feed = tmp_path / f"feed.{format}"
    feed.write_text("".join(line + "\n" for line in lines))
    offset = sum(len(line.encode()) + 1 for line in lines[:16])
    db = tmp_path / "floor.db"
    result = run("ingest", "--db", str(db), "--once", f"{format}:{feed}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("30 events, 1 rejects"), result.stdout
    with sqlite3.connect(db) as conn:
        rejects = conn.execute('SELECT "offset", raw, reason FROM rejects').fetchall()
    assert len(rejects) == 1
    assert rejects[0][0] == offset and poison.startswith(rejects[0][1]) and rejects[0][1]
    assert reason in rejects[0][2], rejects[0][2]
    assert counts(db) == (30, 1, 10)  # every call stored, answered, with its talk time
    again = run("ingest", "--db", str(db), "--once", f"{format}:{feed}")
    assert again.returncode == 0, again.stderr
    assert counts(db) == (30, 1, 10)  # a second run adds nothing, not even the reject


def test_a_negative_talk_time_is_a_reject_and_snapshot_and_report_still_read_the_floor(tmp_path):
    lines = call_lines(3)
    lines.insert(5, f"{T + 70}|c9|orders|NONE|ENTERQUEUE||5559999|1")
    lines.insert(6, f"{T + 75}|c9|orders|Ben|CONNECT|5|m9|1")
    lines.insert(7, f"{T + 80}|c9|orders|Ben|COMPLETEAGENT|5|-100000|1")
    feed = tmp_path / "queue_log"
    feed.write_text("".join(line + "\n" for line in lines))
    db = tmp_path / "floor.db"
    result = run("ingest", "--db", str(db), "--once", f"queue_log:{feed}")
    assert result.returncode == 0 and result.stdout.startswith("11 events, 1 rejects")
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute("SELECT reason FROM rejects")
            .fetchone()[0]
            .startswith("COMPLETEAGENT: calltime -100000 is out of range")
        )
        assert conn.execute("SELECT count(*) FROM calls WHERE talk_s < 0").fetchone()[0] == 0
    snapshot = run("snapshot", "--db", str(db), "--json", "--at", str(T + 200))
    assert snapshot.returncode == 0, snapshot.stderr
    orders = json.loads(snapshot.stdout)["queues"]["orders"]
    assert orders["windows"]["today"]["aht_s"] == 28
    report = run("report", "--db", str(db), "--date", DAY, "--format", "json")
    assert report.returncode == 0, report.stderr


def _bad_row(db: Path, column: str, value: float) -> None:
    """What a store written by an older floorwatch can hold: one call with an impossible value
    (and its COMPLETEAGENT line among the events), written with sqlite3 as a new commit."""
    with sqlite3.connect(db) as conn:
        seq = int(conn.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()[0]) + 1
        conn.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (seq,))
        call = conn.execute(
            "SELECT min(id) FROM calls WHERE queue = 'orders' AND "
            "outcome = 'answered' AND talk_s IS NOT NULL"
        ).fetchone()[0]
        conn.execute(f"UPDATE calls SET {column} = ?, seq = ? WHERE id = ?", (value, seq, call))
        conn.execute(
            "INSERT INTO events (ts, origin, kind, call_id, queue, agent, data) "
            "SELECT ts + 1, origin, kind, call_id, queue, agent, "
            "'COMPLETEAGENT|5|-100000|1' FROM events WHERE kind = 'call_ended' "
            "ORDER BY id LIMIT 1"
        )


BAD_ROWS = [
    ("talk_s", -100000.0),
    ("talk_s", math.inf),
    ("talk_s", -math.inf),
    ("wait_s", math.inf),
    ("wrapup_s", -1e6),
    ("wrapup_s", math.inf),
]


@pytest.mark.parametrize("column, value", BAD_ROWS)
def test_a_bad_row_already_in_the_store_leaves_snapshot_report_and_reader_working(
    tmp_path, samples, column, value
):
    db = ingest_file(tmp_path / "old.db", THREE_QUEUES)
    _bad_row(db, column, value)
    for args in (
        ["snapshot", "--at", str(SAMPLE_AT)],
        ["report", "--date", DAY],
        ["report", "--date", DAY, "--by", "agent"],
        ["report", "--date", DAY, "--format", "json"],
    ):
        result = run(*args, "--db", str(db))
        assert result.returncode == 0, (args, result.stderr[-800:])
    result = run("snapshot", "--db", str(db), "--json", "--at", str(SAMPLE_AT))
    assert result.returncode == 0, result.stderr[-800:]
    for queue in json.loads(result.stdout)["queues"].values():
        staffing = queue["staffing"]
        assert isinstance(staffing["agents_needed"], int) and staffing["agents_needed"] >= 0
        aht = queue["windows"]["today"]["aht_s"]
        assert aht is None or 0 <= aht < math.inf
    config = Config(timezone="UTC")
    from floorwatch.snapshot.reader import FloorReader

    with Store.open_readonly(db) as store:
        # The old line comes back as an `other` event: kept for audit, never derived from.
        kept = [e for e in store.events() if e.raw == "COMPLETEAGENT|5|-100000|1"]
        assert [e.kind for e in kept] == [Kind.OTHER]
        assert kept[0].data == {"event": "COMPLETEAGENT", "fields": ["5", "-100000", "1"]}
        FloorReader(store, config, at=SAMPLE_AT).snapshot()
    # The live reader (the dashboard's): loaded before the bad row arrives, then refreshed.
    fresh = ingest_file(tmp_path / "live.db", THREE_QUEUES)
    with Store.open_readonly(fresh) as store:
        reader = FloorReader(store, config, clock=lambda: SAMPLE_AT)
        before = reader.snapshot()
        _bad_row(fresh, column, value)
        assert reader.refresh()
        after = reader.snapshot()
    assert after.queues["orders"].staffing["agents_needed"] >= 0
    assert before.queues["vip"].windows["today"] == after.queues["vip"].windows["today"]
    # And the ingest carries on on that store.
    more = tmp_path / "more.queue_log"
    more.write_text("".join(line + "\n" for line in call_lines(2)))
    result = run("ingest", "--db", str(db), "--once", f"queue_log:{more}")
    assert result.returncode == 0 and result.stdout.startswith("6 events, 0 rejects")


def test_a_hostile_ami_server_cannot_stop_the_ingest(tmp_path):
    join = dict(
        Event="QueueCallerJoin", Queue="orders", Uniqueid="u1", Position="1", CallerIDNum="5550151"
    )
    stream = (
        b"\r\n\r\n".join(
            [
                ami_block(**join),
                ami_block(**CONNECT),
                ami_block(
                    **dict(COMPLETE, HoldTime="100000000000000000000")
                ),  # OverflowError in SQLite
                ami_block(**dict(COMPLETE, TalkTime="-100000")),  # breaks Erlang C later
                ami_block(**dict(COMPLETE, HoldTime="1_0")),
                ami_block(**dict(COMPLETE, MemberName="A\x00na")),
                ami_block(**COMPLETE),
            ]
        )
        + b"\r\n\r\n"
    )
    db = tmp_path / "ami.db"
    with AmiServer(stream, close_at_end=True) as server:
        result = run(
            "ingest",
            "--db",
            str(db),
            "--once",
            f"ami:driver@127.0.0.1:{server.port}",
            env={**os.environ, "FLOORWATCH_AMI_SECRET": SECRET},
        )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        reasons = [r for (r,) in conn.execute("SELECT reason FROM rejects ORDER BY id")]
        calls = conn.execute("SELECT outcome, wait_s, talk_s FROM calls").fetchall()
    assert len(reasons) == 4 and all(r.startswith("AgentComplete: ") for r in reasons), reasons
    assert calls == [("answered", 4.0, 20.0)]
