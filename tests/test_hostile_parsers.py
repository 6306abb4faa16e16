"""Hostile and impossible input at the parsers: a poison line is a reject with its offset and
everything else is stored (end to end, through `floorwatch ingest --once`); impossible values
never become events; a bad row an older floorwatch already stored does not make the floor
unreadable; and the event schema is declared once (events.SCHEMA) and documented from there.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from floorwatch.config import Config
from floorwatch.events import Event, EventError, Kind
from floorwatch.sources import jsonl, queue_log
from floorwatch.sources.ami.translate import AmiTranslator, BlockError
from floorwatch.sources.ami.protocol import parse_block
from floorwatch.store.database import Store

from .ami_server import SECRET, AmiServer
from .conftest import ROOT, THREE_QUEUES, ingest_file

FLOORWATCH = [sys.executable, "-m", "floorwatch"]
T = 1795530192  # 2026-11-24 14:23:12 UTC
DAY = "2026-11-24"
#: The end of the three-queue sample (its last line), and a moment inside it.
SAMPLE_END = 1795530902
SAMPLE_AT = 1795530700


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*FLOORWATCH, *args], capture_output=True, text=True, timeout=120,
                          **kwargs)  # fmt: skip


def call_lines(count: int) -> list[str]:
    lines = []
    for n in range(count):
        t = T + 60 * n
        lines += [f"{t}|c{n}|orders|NONE|ENTERQUEUE||555{n:04d}|1",
                  f"{t + 2}|c{n}|orders|Ana|CONNECT|2|m{n}|1",
                  f"{t + 30}|c{n}|orders|Ana|COMPLETEAGENT|2|28|1"]  # fmt: skip
    return lines


def call_records(count: int) -> list[str]:
    return [queue_log.parse_line(line, "pbx").to_json() for line in call_lines(count)]


def counts(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db) as conn:
        return tuple(conn.execute(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM rejects), "
            "(SELECT count(*) FROM calls WHERE outcome = 'answered' AND talk_s = 28)").fetchone())


# ----------------------------------------------------------------------------- item 3: poison
POISON = [
    ("queue_log", f"{T + 90}|p1|orders|NONE|ENTERQUEUE||555|100000000000000000000",
     "ENTERQUEUE: position 100000000000000000000 is out of range"),
    ("queue_log", f"{T + 90}|c1|orders|Ana|CONNECT|99999999999999999999999|m|1",
     "CONNECT: holdtime 99999999999999999999999 is out of range"),
    ("jsonl", json.dumps({"ts": T + 90, "kind": "call_answered", "call_id": "c1", "queue": "orders",
                          "agent": "Ana", "data": {"wait_s": "abc"}}), "wait_s must be a number"),
    ("jsonl", json.dumps({"ts": T + 90, "kind": "call_answered", "call_id": "c1", "queue": "orders",
                          "agent": "Ana", "data": {"wait_s": [1, 2]}}), "wait_s must be a number"),
    ("jsonl", "[" * 100_000, "not JSON: nested too deeply"),
    ("jsonl", json.dumps({"ts": T + 90, "kind": "call_queued", "call_id": "p1", "queue": "orders",
                          "data": {"position": 10**20}}), "position 100000000000000000000 is out"),
]  # fmt: skip


@pytest.mark.parametrize("format, poison, reason", POISON, ids=[
    "queue_log-position-2^66", "queue_log-holdtime-10^23", "jsonl-wait_s-text", "jsonl-wait_s-list",
    "jsonl-100000-brackets", "jsonl-position-10^20"])  # fmt: skip
def test_a_poison_line_is_a_reject_with_its_offset_and_every_other_line_is_stored(
        tmp_path, format, poison, reason):  # fmt: skip
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


# ----------------------------------------------------------------------------- item 4: values
@pytest.mark.parametrize("rest, agent, reason", [
    ("COMPLETEAGENT|5|-100000|1", "Ana", "COMPLETEAGENT: calltime -100000 is out of range"),
    ("COMPLETECALLER|5|700000|1", "Ana", "COMPLETECALLER: calltime 700000 is out of range"),
    ("CONNECT|-3|m|1", "Ana", "CONNECT: holdtime -3 is out of range"),
    ("CONNECT|3|m|-1", "Ana", "CONNECT: ringtime -1 is out of range"),
    ("ABANDON|1|1|-5", "NONE", "ABANDON: waittime -5 is out of range"),
    ("ABANDON|-1|1|5", "NONE", "ABANDON: position -1 is out of range"),
    ("EXITWITHKEY|1|2|-2|5", "NONE", "EXITWITHKEY: origposition -2 is out of range"),
    ("RINGNOANSWER|-15000", "Ana", "RINGNOANSWER: ringtime_ms -15000 is out of range"),
    ("RINGNOANSWER|999999999999", "Ana", "ringtime_ms 999999999999 is out of range"),
    ("BLINDTRANSFER|700|ctx|4|-4|1", "Ana", "BLINDTRANSFER: calltime -4 is out of range"),
    ("ATTENDEDTRANSFER|BRIDGE|b1|4|-4|1", "Ana", "ATTENDEDTRANSFER: calltime -4 is out of range"),
    ("ATTENDEDTRANSFER|LINK|c1|c2|-4|4|1", "Ana", "ATTENDEDTRANSFER: holdtime -4 is out of range"),
    ("AGENTLOGOFF|SIP/1|99999999999", "Ana", "AGENTLOGOFF: logintime 99999999999 is out of range"),
    ("ENTERQUEUE||555|-1", "NONE", "ENTERQUEUE: position -1 is out of range"),
    ("PENALTY|99999999999", "Ana", "PENALTY: penalty 99999999999 is out of range"),
    ("RINGINUSE|7", "Ana", "RINGINUSE: ringinuse 7 is out of range"),
])  # fmt: skip
def test_an_impossible_value_is_rejected_where_the_line_is_parsed(rest, agent, reason):
    with pytest.raises(EventError) as error:
        queue_log.parse_line(f"{T}|c1|orders|{agent}|{rest}")
    assert reason in str(error.value)


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
        assert conn.execute("SELECT reason FROM rejects").fetchone()[0].startswith(
            "COMPLETEAGENT: calltime -100000 is out of range")
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
        call = conn.execute("SELECT min(id) FROM calls WHERE queue = 'orders' AND "
                            "outcome = 'answered' AND talk_s IS NOT NULL").fetchone()[0]  # fmt: skip
        conn.execute(f"UPDATE calls SET {column} = ?, seq = ? WHERE id = ?", (value, seq, call))
        conn.execute("INSERT INTO events (ts, origin, kind, call_id, queue, agent, data) "
                     "SELECT ts + 1, origin, kind, call_id, queue, agent, "
                     "'COMPLETEAGENT|5|-100000|1' FROM events WHERE kind = 'call_ended' "
                     "ORDER BY id LIMIT 1")  # fmt: skip


BAD_ROWS = [("talk_s", -100000.0), ("talk_s", math.inf), ("talk_s", -math.inf),
            ("wait_s", math.inf), ("wrapup_s", -1e6), ("wrapup_s", math.inf)]  # fmt: skip


@pytest.mark.parametrize("column, value", BAD_ROWS)
def test_a_bad_row_already_in_the_store_leaves_snapshot_report_and_reader_working(
        tmp_path, samples, column, value):  # fmt: skip
    db = ingest_file(tmp_path / "old.db", THREE_QUEUES)
    _bad_row(db, column, value)
    for args in (["snapshot", "--at", str(SAMPLE_AT)], ["report", "--date", DAY],
                 ["report", "--date", DAY, "--by", "agent"],
                 ["report", "--date", DAY, "--format", "json"]):  # fmt: skip
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


def test_staffing_from_a_figure_no_floor_can_have_is_no_figure_not_an_error():
    from floorwatch.snapshot.erlang import agents_needed, staffing_for

    assert staffing_for(100, 1800, 180, 0.8, 20).agents == 14
    for aht in (None, 0.0, -3000.0, math.nan, math.inf, -math.inf, 1e300):
        assert staffing_for(100, 1800, aht, 0.8, 20) is None
    for calls in (0, -5, math.nan, math.inf):
        assert staffing_for(calls, 1800, 180, 0.8, 20) is None
    assert staffing_for(100, 0, 180, 0.8, 20) is None
    for bad in ((math.nan, 180, 0.8, 20), (10, math.nan, 0.8, 20), (10, math.inf, 0.8, 20),
                (10, 180, 0.8, math.nan), (2e5, 180, 0.8, 20)):  # fmt: skip
        with pytest.raises(ValueError):
            agents_needed(*bad)


# ----------------------------------------------------------------------------- item 10
@pytest.mark.parametrize("line, reason", [
    ("86400|c1|orders|NONE|ENTERQUEUE||555|1", "out of range"),  # 1970
    ("978307199|c1|orders|NONE|ENTERQUEUE||555|1", "out of range"),  # 2000-12-31 23:59:59
    ("4102444800|c1|orders|NONE|ENTERQUEUE||555|1", "out of range"),  # 2100-01-01
    ("1_795_530_192|c1|orders|NONE|ENTERQUEUE||555|1", "timestamp is not a number"),
    ("\u0661\u0667\u0669\u0665\u0665\u0663\u0660\u0661\u0669\u0662"  # Arabic-Indic digits
     "|c1|orders|NONE|ENTERQUEUE||555|1", "timestamp is not a number"),
    ("1795530192e0|c1|orders|NONE|ENTERQUEUE||555|1", "timestamp is not a number"),
    ("nan|c1|orders|NONE|ENTERQUEUE||555|1", "timestamp is not a number"),
    (f"{T}|c1|orders|Ana|CONNECT|1_000|m|1", "CONNECT: holdtime is not a number: '1_000'"),
    (f"{T}|c1|orders|Ana|CONNECT|\uff13|m|1", "CONNECT: holdtime is not a number"),  # fullwidth 3
    (f"{T}|c1|orders|NONE|ENTERQUEUE||555|\u0663", "ENTERQUEUE: position is not a number"),
    (f"{T}|c1|orders|Ana|CONNECT| 3|m|1", "CONNECT: holdtime is not a number"),
    (f"{T}|c1|orders|Ana|CONNECT|+3|m|1", "CONNECT: holdtime is not a number"),
    (f"{T}|c1|orders|An\x00a|CONNECT|3|m|1", "NUL byte"),
    (f"{T}|NONE|orders|Ana|PAUSE|Lun\x00ch", "NUL byte"),
    (f"{T}|c1|orders|NONE|WRAPUPSTART|x\x00", "NUL byte"),
])  # fmt: skip
def test_queue_log_values_int_would_take_but_a_pbx_never_writes_are_rejects(line, reason):
    with pytest.raises(EventError) as error:
        queue_log.parse_line(line)
    assert reason in str(error.value)


def test_the_time_range_is_fixed_2001_to_2099_inclusive():
    for ts in (978307200, 4102444799):
        assert queue_log.parse_line(f"{ts}|c1|orders|NONE|ENTERQUEUE||555|1").ts == ts
        assert jsonl.parse_line(json.dumps({"ts": ts, "kind": "agent_paused",
                                            "agent": "Ana"})).ts == ts  # fmt: skip


def _record(**fields) -> str:
    record = {"ts": T, "kind": "call_answered", "call_id": "c1", "queue": "orders", "agent": "Ana"}
    record.update(fields)
    return json.dumps(record)


@pytest.mark.parametrize("line, reason", [
    (_record(ts=86400), "ts 86400 is out of range"),
    (_record(ts=4102444800), "is out of range"),
    ('{"ts": NaN, "kind": "agent_paused", "agent": "Ana"}', "NaN is not a JSON number"),
    (_record(data={"wait_s": 3}).replace("3}", "Infinity}"), "Infinity is not a JSON number"),
    (_record(data={"wait_s": 3}).replace("3}", "-Infinity}"), "-Infinity is not a JSON number"),
    (_record(data={"wait_s": 3}).replace("3}", "1e400}"), "wait_s must be a finite number"),
    (_record(ts=T).replace(str(T), "1e400"), "out of range"),
    (_record(data=None), "data must be an object"),
    (_record(data={"wait_s": 3, "colour": "red"}), "unknown data field 'colour'"),
    (_record(data={"wait_s": 3, "talk_s": 5}), "unknown data field 'talk_s'"),
    (_record(agent="An\x00a"), "agent contains a NUL byte"),
    (_record(data={"member_uniqueid": "m\x00"}), "member_uniqueid contains a NUL byte"),
    (_record(call_id="c\ud800"), "call_id is not valid Unicode"),
    (_record(data={"wait_s": True}), "wait_s must be a number"),
    (_record(data={"wait_s": -1}), "wait_s -1 is out of range"),
    (_record(kind="call_ended", data={"ended_by": "martian"}), "'martian' is not one of agent"),
    (_record(kind="call_queued", data={"position": 1.5}), "position must be an integer"),
    (_record(kind="queue_config", data={"members": ["Ana", 3]}), "members item must be text"),
    (_record(kind="ring_no_answer", agent=None), "ring_no_answer needs agent"),
])  # fmt: skip
def test_jsonl_values_of_the_wrong_type_or_range_are_rejects(line, reason):
    with pytest.raises(EventError) as error:
        jsonl.parse_line(line)
    assert reason in str(error.value)


def _sample_events(samples: Path) -> list[Event]:
    events = [queue_log.parse_line(line, "pbx") for name in
              ("asterisk22_three_queues.queue_log", "rare_events.queue_log")
              for line in (samples / name).read_text().splitlines()]  # fmt: skip
    translator = AmiTranslator("ami", lambda: float(T))
    data = (samples / "asterisk22_three_queues.ami.log").read_bytes()
    data += b"\r\n\r\n" + (samples / "ami" / "queuestatus_busy_with_events.raw").read_bytes()
    for raw in data.split(b"\r\n\r\n"):
        if raw.strip():
            events += translator.translate(parse_block(raw.strip(b"\r\n")))
    return events + translator.flush()


def test_every_event_the_adapters_make_fits_the_schema_and_round_trips_as_json_lines(samples):
    events = _sample_events(samples)
    assert len({e.kind for e in events}) >= 18
    for event in events:
        event.raw = None
        again = jsonl.parse_line(event.to_json(), "x")
        assert again == event, event


def test_the_readme_schema_table_is_the_one_events_py_declares():
    from floorwatch.events import schema_rows

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Event schema"):readme.index("## The store")]
    assert "\n".join(schema_rows(queue_log.kind_origins())) in section


# ----------------------------------------------------------------------------- AMI
def _block(**fields: str) -> bytes:
    return "".join(f"{key}: {value}\r\n" for key, value in fields.items()).rstrip().encode()


CONNECT = dict(Event="AgentConnect", Queue="orders", Uniqueid="u1", MemberName="Ana",
               Interface="Local/201@agents/n", HoldTime="4", RingTime="2")  # fmt: skip
COMPLETE = dict(Event="AgentComplete", Queue="orders", Uniqueid="u1", MemberName="Ana",
                HoldTime="4", TalkTime="20", Reason="agent")  # fmt: skip


@pytest.mark.parametrize("block, reason", [
    (dict(CONNECT, HoldTime="abc"), "HoldTime is not a number"),
    (dict(CONNECT, HoldTime="99999999999999999999999"), "HoldTime is not a number"),
    (dict(CONNECT, HoldTime="9999999999"), "wait_s 9999999999 is out of range"),
    (dict(CONNECT, HoldTime="1_000"), "HoldTime is not a number"),
    (dict(CONNECT, HoldTime="\u0663"), "HoldTime is not a number"),
    (dict(CONNECT, RingTime=" 2"), "RingTime is not a number"),
    (dict(COMPLETE, TalkTime="-5"), "talk_s -5 is out of range"),
    (dict(COMPLETE, MemberName="An\x00a"), "NUL byte"),
    (dict(COMPLETE, Timestamp="nan"), "Timestamp is not a time"),
    (dict(COMPLETE, Timestamp="0.000000"), "Timestamp is not a time"),
    (dict(COMPLETE, Timestamp="1e308"), "Timestamp is not a time"),
    (dict(Event="QueueCallerJoin", Queue="orders", Uniqueid="u2", Position="-1"),
     "position -1 is out of range"),
    (dict(Event="AgentRingNoAnswer", Queue="orders", Uniqueid="u2", MemberName="Ana",
          RingTime="-15000"), "ring_ms -15000 is out of range"),
    (dict(Event="QueueMemberPenalty", Queue="orders", MemberName="Ana", Penalty="9" * 15),
     "penalty 999999999999999 is out of range"),
])  # fmt: skip
def test_a_hostile_ami_block_is_a_block_error_and_the_next_one_still_counts(block, reason):
    translator = AmiTranslator("ami", lambda: float(T))
    leave = dict(Event="QueueCallerLeave", Queue="orders", Uniqueid="u0", Position="1")
    assert translator.translate(parse_block(_block(**leave))) == []  # held for the next block
    with pytest.raises(BlockError) as error:
        translator.translate(parse_block(_block(**block)))
    assert reason in str(error.value)
    after = translator.translate(parse_block(_block(**dict(COMPLETE, Timestamp=f"{T}.5"))))
    # The held leave was not lost with the bad block, and the good block after it counts.
    assert [(e.kind, e.call_id) for e in after] == [(Kind.CALL_LEFT, "u0"),
                                                   (Kind.CALL_ENDED, "u1")]  # fmt: skip
    assert after[1].ts == T + 0.5 and after[1].data["talk_s"] == 20


def test_a_hostile_ami_server_cannot_stop_the_ingest(tmp_path):
    join = dict(Event="QueueCallerJoin", Queue="orders", Uniqueid="u1", Position="1",
                CallerIDNum="5550151")  # fmt: skip
    stream = b"\r\n\r\n".join([
        _block(**join), _block(**CONNECT),
        _block(**dict(COMPLETE, HoldTime="100000000000000000000")),  # OverflowError in SQLite
        _block(**dict(COMPLETE, TalkTime="-100000")),  # breaks Erlang C later
        _block(**dict(COMPLETE, HoldTime="1_0")),
        _block(**dict(COMPLETE, MemberName="A\x00na")),
        _block(**COMPLETE),
    ]) + b"\r\n\r\n"  # fmt: skip
    db = tmp_path / "ami.db"
    with AmiServer(stream, close_at_end=True) as server:
        result = run("ingest", "--db", str(db), "--once", f"ami:driver@127.0.0.1:{server.port}",
                     env={**os.environ, "FLOORWATCH_AMI_SECRET": SECRET})  # fmt: skip
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(db) as conn:
        reasons = [r for (r,) in conn.execute("SELECT reason FROM rejects ORDER BY id")]
        calls = conn.execute("SELECT outcome, wait_s, talk_s FROM calls").fetchall()
    assert len(reasons) == 4 and all(r.startswith("AgentComplete: ") for r in reasons), reasons
    assert calls == [("answered", 4.0, 20.0)]
