"""Hostile and impossible input at the parsers: a poison line is a reject with its offset and
everything else is stored (end to end, through `floorwatch ingest --once`); impossible values
never become events; a bad row an older floorwatch already stored does not make the floor
unreadable; and the event schema is declared once (event_schema.SCHEMA) and documented from there.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from floorwatch.events import Event, EventError, Kind
from floorwatch.sources import jsonl, queue_log
from floorwatch.sources.ami.protocol import parse_block
from floorwatch.sources.ami.translate import AmiTranslator, BlockError
from tests.ami_server import COMPLETE, CONNECT, ami_block
from tests.helpers import ROOT

T = 1795530192  # 2026-11-24 14:23:12 UTC


#: The end of the three-queue sample (its last line), and a moment inside it.
SAMPLE_END = 1795530902


# ----------------------------------------------------------------------------- item 4: values
@pytest.mark.parametrize(
    "rest, agent, reason",
    [
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
        (
            "ATTENDEDTRANSFER|BRIDGE|b1|4|-4|1",
            "Ana",
            "ATTENDEDTRANSFER: calltime -4 is out of range",
        ),
        (
            "ATTENDEDTRANSFER|LINK|c1|c2|-4|4|1",
            "Ana",
            "ATTENDEDTRANSFER: holdtime -4 is out of range",
        ),
        (
            "AGENTLOGOFF|SIP/1|99999999999",
            "Ana",
            "AGENTLOGOFF: logintime 99999999999 is out of range",
        ),
        ("ENTERQUEUE||555|-1", "NONE", "ENTERQUEUE: position -1 is out of range"),
        ("PENALTY|99999999999", "Ana", "PENALTY: penalty 99999999999 is out of range"),
        ("RINGINUSE|7", "Ana", "RINGINUSE: ringinuse 7 is out of range"),
    ],
)
def test_an_impossible_value_is_rejected_where_the_line_is_parsed(rest, agent, reason):
    with pytest.raises(EventError) as error:
        queue_log.parse_line(f"{T}|c1|orders|{agent}|{rest}")
    assert reason in str(error.value)


def test_staffing_from_a_figure_no_floor_can_have_is_no_figure_not_an_error():
    from floorwatch.snapshot.erlang import agents_needed, staffing_for

    assert staffing_for(100, 1800, 180, 0.8, 20).agents == 14
    for aht in (None, 0.0, -3000.0, math.nan, math.inf, -math.inf, 1e300):
        assert staffing_for(100, 1800, aht, 0.8, 20) is None
    for calls in (0, -5, math.nan, math.inf):
        assert staffing_for(calls, 1800, 180, 0.8, 20) is None
    assert staffing_for(100, 0, 180, 0.8, 20) is None
    for bad in (
        (math.nan, 180, 0.8, 20),
        (10, math.nan, 0.8, 20),
        (10, math.inf, 0.8, 20),
        (10, 180, 0.8, math.nan),
        (2e5, 180, 0.8, 20),
    ):
        with pytest.raises(ValueError):
            agents_needed(*bad)


# ----------------------------------------------------------------------------- item 10
@pytest.mark.parametrize(
    "line, reason",
    [
        ("86400|c1|orders|NONE|ENTERQUEUE||555|1", "out of range"),  # 1970
        ("978307199|c1|orders|NONE|ENTERQUEUE||555|1", "out of range"),  # 2000-12-31 23:59:59
        ("4102444800|c1|orders|NONE|ENTERQUEUE||555|1", "out of range"),  # 2100-01-01
        ("1_795_530_192|c1|orders|NONE|ENTERQUEUE||555|1", "timestamp is not a number"),
        (
            "\u0661\u0667\u0669\u0665\u0665\u0663\u0660\u0661\u0669\u0662"  # Arabic-Indic digits
            "|c1|orders|NONE|ENTERQUEUE||555|1",
            "timestamp is not a number",
        ),
        ("1795530192e0|c1|orders|NONE|ENTERQUEUE||555|1", "timestamp is not a number"),
        ("nan|c1|orders|NONE|ENTERQUEUE||555|1", "timestamp is not a number"),
        (f"{T}|c1|orders|Ana|CONNECT|1_000|m|1", "CONNECT: holdtime is not a number: '1_000'"),
        (
            f"{T}|c1|orders|Ana|CONNECT|\uff13|m|1",
            "CONNECT: holdtime is not a number",
        ),  # fullwidth 3
        (f"{T}|c1|orders|NONE|ENTERQUEUE||555|\u0663", "ENTERQUEUE: position is not a number"),
        (f"{T}|c1|orders|Ana|CONNECT| 3|m|1", "CONNECT: holdtime is not a number"),
        (f"{T}|c1|orders|Ana|CONNECT|+3|m|1", "CONNECT: holdtime is not a number"),
        (f"{T}|c1|orders|An\x00a|CONNECT|3|m|1", "NUL byte"),
        (f"{T}|NONE|orders|Ana|PAUSE|Lun\x00ch", "NUL byte"),
        (f"{T}|c1|orders|NONE|WRAPUPSTART|x\x00", "NUL byte"),
    ],
)
def test_queue_log_values_int_would_take_but_a_pbx_never_writes_are_rejects(line, reason):
    with pytest.raises(EventError) as error:
        queue_log.parse_line(line)
    assert reason in str(error.value)


def test_the_time_range_is_fixed_2001_to_2099_inclusive():
    for ts in (978307200, 4102444799):
        assert queue_log.parse_line(f"{ts}|c1|orders|NONE|ENTERQUEUE||555|1").ts == ts
        assert (
            jsonl.parse_line(json.dumps({"ts": ts, "kind": "agent_paused", "agent": "Ana"})).ts
            == ts
        )


def _record(**fields) -> str:
    record = {"ts": T, "kind": "call_answered", "call_id": "c1", "queue": "orders", "agent": "Ana"}
    record.update(fields)
    return json.dumps(record)


@pytest.mark.parametrize(
    "line, reason",
    [
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
    ],
)
def test_jsonl_values_of_the_wrong_type_or_range_are_rejects(line, reason):
    with pytest.raises(EventError) as error:
        jsonl.parse_line(line)
    assert reason in str(error.value)


def _sample_events(samples: Path) -> list[Event]:
    events = [
        queue_log.parse_line(line, "pbx")
        for name in ("asterisk22_three_queues.queue_log", "rare_events.queue_log")
        for line in (samples / name).read_text().splitlines()
    ]
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
    from floorwatch.event_schema import schema_rows

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Event schema") : readme.index("## The store")]
    assert "\n".join(schema_rows(queue_log.kind_origins())) in section


@pytest.mark.parametrize(
    "block, reason",
    [
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
        (
            dict(Event="QueueCallerJoin", Queue="orders", Uniqueid="u2", Position="-1"),
            "position -1 is out of range",
        ),
        (
            dict(
                Event="AgentRingNoAnswer",
                Queue="orders",
                Uniqueid="u2",
                MemberName="Ana",
                RingTime="-15000",
            ),
            "ring_ms -15000 is out of range",
        ),
        (
            dict(Event="QueueMemberPenalty", Queue="orders", MemberName="Ana", Penalty="9" * 15),
            "penalty 999999999999999 is out of range",
        ),
    ],
)
def test_a_hostile_ami_block_is_a_block_error_and_the_next_one_still_counts(block, reason):
    translator = AmiTranslator("ami", lambda: float(T))
    leave = dict(Event="QueueCallerLeave", Queue="orders", Uniqueid="u0", Position="1")
    assert translator.translate(parse_block(ami_block(**leave))) == []  # held for the next block
    with pytest.raises(BlockError) as error:
        translator.translate(parse_block(ami_block(**block)))
    assert reason in str(error.value)
    after = translator.translate(parse_block(ami_block(**dict(COMPLETE, Timestamp=f"{T}.5"))))
    # The held leave was not lost with the bad block, and the good block after it counts.
    assert [(e.kind, e.call_id) for e in after] == [(Kind.CALL_LEFT, "u0"), (Kind.CALL_ENDED, "u1")]
    assert after[1].ts == T + 0.5 and after[1].data["talk_s"] == 20
