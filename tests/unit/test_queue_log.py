"""The queue_log adapter: every event type app_queue writes, in its field layouts; bad lines are
rejected with a reason; the real samples load with zero rejects and their calls add up."""

from __future__ import annotations

import sqlite3

import pytest

from floorwatch.events import Event, EventError, Kind
from floorwatch.sources.queue_log import EVENT_TYPES, from_stored, parse_line, stored_row
from tests.helpers import ingest_file

T = 1795530192


def parse(rest: str, call: str = "1795530192.1", queue: str = "orders", agent: str = "NONE"):
    return parse_line(f"{T}|{call}|{queue}|{agent}|{rest}", "pbx")


@pytest.mark.parametrize(
    "rest, agent, kind, data",
    [
        ("ENTERQUEUE||5550151|1", "NONE", Kind.CALL_QUEUED, {"caller": "5550151", "position": 1}),
        (
            "ENTERQUEUE|http://crm|5550151|2|Jane Doe",
            "NONE",
            Kind.CALL_QUEUED,
            {"caller": "5550151", "position": 2, "url": "http://crm", "caller_name": "Jane Doe"},
        ),
        (
            "CONNECT|3|1795530192.6|3",
            "Ana",
            Kind.CALL_ANSWERED,
            {"wait_s": 3, "member_uniqueid": "1795530192.6", "ring_s": 3},
        ),
        (
            "COMPLETEAGENT|3|24|1",
            "Ana",
            Kind.CALL_ENDED,
            {"ended_by": "agent", "wait_s": 3, "talk_s": 24, "position": 1},
        ),
        (
            "COMPLETECALLER|6|13|2",
            "Ben",
            Kind.CALL_ENDED,
            {"ended_by": "caller", "wait_s": 6, "talk_s": 13, "position": 2},
        ),
        (
            "ABANDON|2|3|41",
            "NONE",
            Kind.CALL_ABANDONED,
            {"position": 2, "orig_position": 3, "wait_s": 41},
        ),
        (
            "EXITWITHTIMEOUT|1|2|60",
            "NONE",
            Kind.CALL_LEFT,
            {"reason": "timeout", "position": 1, "orig_position": 2, "wait_s": 60},
        ),
        (
            "EXITEMPTY|1|1|5",
            "NONE",
            Kind.CALL_LEFT,
            {"reason": "empty", "position": 1, "orig_position": 1, "wait_s": 5},
        ),
        (
            "WITHDRAW|1|4|33|callback",
            "NONE",
            Kind.CALL_LEFT,
            {
                "reason": "withdraw",
                "position": 1,
                "orig_position": 4,
                "wait_s": 33,
                "info": "callback",
            },
        ),
        (
            "EXITWITHKEY|2|2|3|13",
            "NONE",
            Kind.CALL_LEFT,
            {"reason": "key", "key": "2", "position": 2, "orig_position": 3, "wait_s": 13},
        ),
        ("RINGNOANSWER|15000", "Local/206@agents/n", Kind.RING_NO_ANSWER, {"ring_ms": 15000}),
        ("RINGCANCELED|2150", "Cleo", Kind.RING_CANCELED, {"ring_ms": 2150}),
        (
            "TRANSFER|700|supervisors|2|37|1",
            "Agent/3002",
            Kind.CALL_TRANSFERRED,
            {
                "mode": "transfer",
                "target": "700@supervisors",
                "wait_s": 2,
                "talk_s": 37,
                "position": 1,
            },
        ),
        (
            "BLINDTRANSFER|returns|transfers|4|4|2",
            "Ben",
            Kind.CALL_TRANSFERRED,
            {
                "mode": "blind",
                "target": "returns@transfers",
                "wait_s": 4,
                "talk_s": 4,
                "position": 2,
            },
        ),
        (
            "ATTENDEDTRANSFER|BRIDGE|1795570255.47|6|44|1",
            "PJSIP/3001",
            Kind.CALL_TRANSFERRED,
            {
                "mode": "attended",
                "target_type": "bridge",
                "target": "1795570255.47",
                "wait_s": 6,
                "talk_s": 44,
                "position": 1,
            },
        ),
        (
            "ATTENDEDTRANSFER|APP|Voicemail|2|27|1",
            "PJSIP/3003",
            Kind.CALL_TRANSFERRED,
            {
                "mode": "attended",
                "target_type": "app",
                "target": "Voicemail",
                "wait_s": 2,
                "talk_s": 27,
                "position": 1,
            },
        ),
        (
            "ATTENDEDTRANSFER|LINK|PJSIP/1-01|PJSIP/2-02|5|30|1",
            "PJSIP/3003",
            Kind.CALL_TRANSFERRED,
            {
                "mode": "attended",
                "target_type": "link",
                "target": "PJSIP/1-01,PJSIP/2-02",
                "wait_s": 5,
                "talk_s": 30,
                "position": 1,
            },
        ),
        ("AGENTDUMP|", "Ana", Kind.AGENT_DUMP, {}),
        ("SYSCOMPAT|", "PJSIP/3003", Kind.CALL_INFO, {"info": "syscompat"}),
        (
            "INFO|CALLERONHOLD|1",
            "PJSIP/3001",
            Kind.CALL_INFO,
            {"info": "info", "values": ["CALLERONHOLD", "1"]},
        ),
        ("DID|18005550100", "NONE", Kind.CALL_INFO, {"info": "did", "values": ["18005550100"]}),
    ],
)
def test_call_events(rest, agent, kind, data):
    event = parse(rest, agent=agent)
    assert event.kind == kind
    assert event.data == {k: v for k, v in data.items()} | {
        k: None for k in event.data if k not in data
    }
    assert event.ts == T and event.call_id == "1795530192.1" and event.queue == "orders"
    assert event.agent == (None if agent == "NONE" else agent)


@pytest.mark.parametrize(
    "line, kind, queue, agent, data",
    [
        (
            f"{T}|MANAGER|orders|Local/205@agents/n|ADDMEMBER|",
            Kind.AGENT_JOINED,
            "orders",
            "Local/205@agents/n",
            {},
        ),
        (
            f"{T}|REALTIME|orders|Erin|ADDMEMBER|PAUSED",
            Kind.AGENT_JOINED,
            "orders",
            "Erin",
            {"paused": True},
        ),
        (
            f"{T}|MANAGER|orders|Local/206@agents/n|REMOVEMEMBER|",
            Kind.AGENT_LEFT,
            "orders",
            "Local/206@agents/n",
            {},
        ),
        (
            f"{T}|NONE|orders|Ben|PAUSE|Break",
            Kind.AGENT_PAUSED,
            "orders",
            "Ben",
            {"reason": "Break"},
        ),
        (
            f"{T}|NONE|orders|Ben|UNPAUSE|Break over",
            Kind.AGENT_UNPAUSED,
            "orders",
            "Ben",
            {"reason": "Break over"},
        ),
        (f"{T}|NONE|NONE|Ben|PAUSEALL|Break", Kind.AGENT_PAUSED, None, "Ben", {"reason": "Break"}),
        (
            f"{T}|NONE|NONE|Dev|UNPAUSEALL|Coaching done",
            Kind.AGENT_UNPAUSED,
            None,
            "Dev",
            {"reason": "Coaching done"},
        ),
        (
            f"{T}|NONE|claims|PJSIP/3001|AGENTLOGIN|PJSIP/3001-00000011",
            Kind.AGENT_LOGIN,
            "claims",
            "PJSIP/3001",
            {"channel": "PJSIP/3001-00000011"},
        ),
        (
            f"{T}|NONE|claims|Agent/3002|AGENTCALLBACKLOGIN|3002@agents",
            Kind.AGENT_LOGIN,
            "claims",
            "Agent/3002",
            {"channel": "3002@agents", "callback": True},
        ),
        (
            f"{T}|NONE|claims|PJSIP/3001|AGENTLOGOFF|PJSIP/3001-00000011|299",
            Kind.AGENT_LOGOUT,
            "claims",
            "PJSIP/3001",
            {"channel": "PJSIP/3001-00000011", "logged_in_s": 299},
        ),
        (
            f"{T}|NONE|claims|Agent/3002|AGENTCALLBACKLOGOFF|3002@agents|299|CommandLogoff",
            Kind.AGENT_LOGOUT,
            "claims",
            "Agent/3002",
            {"channel": "3002@agents", "logged_in_s": 299, "reason": "CommandLogoff"},
        ),
        (
            f"{T}|NONE|returns|Local/202@agents/n|PENALTY|2",
            Kind.AGENT_PENALTY,
            "returns",
            "Local/202@agents/n",
            {"penalty": 2},
        ),
        (
            f"{T}|NONE|orders|Local/202@agents/n|RINGINUSE|1",
            Kind.QUEUE_CONFIG,
            "orders",
            "Local/202@agents/n",
            {"action": "ringinuse", "value": 1},
        ),
        (f"{T}|NONE|NONE|NONE|QUEUESTART|", Kind.QUEUE_CONFIG, None, None, {"action": "start"}),
        (f"{T}|NONE|NONE|NONE|CONFIGRELOAD|", Kind.QUEUE_CONFIG, None, None, {"action": "reload"}),
        (
            f"{T}|1795.1|orders|NONE|WRAPUPSTART|x|y",
            Kind.OTHER,
            "orders",
            None,
            {"event": "WRAPUPSTART", "fields": ["x", "y"]},
        ),
    ],
)
def test_agent_queue_and_other_events(line, kind, queue, agent, data):
    event = parse_line(line, "pbx")
    assert (event.kind, event.queue, event.agent, event.data) == (kind, queue, agent, data)
    # MANAGER / REALTIME / NONE are placeholders, not call ids.
    if "MANAGER" in line or "REALTIME" in line or "|NONE|" in line[:20]:
        assert event.call_id is None


def test_every_app_queue_event_type_is_handled():
    assert set(EVENT_TYPES) >= {
        "ENTERQUEUE",
        "CONNECT",
        "COMPLETEAGENT",
        "COMPLETECALLER",
        "ABANDON",
        "EXITWITHTIMEOUT",
        "EXITWITHKEY",
        "EXITEMPTY",
        "WITHDRAW",
        "RINGNOANSWER",
        "RINGCANCELED",
        "TRANSFER",
        "BLINDTRANSFER",
        "ATTENDEDTRANSFER",
        "ADDMEMBER",
        "REMOVEMEMBER",
        "PAUSE",
        "UNPAUSE",
        "PAUSEALL",
        "UNPAUSEALL",
        "AGENTLOGIN",
        "AGENTLOGOFF",
        "AGENTCALLBACKLOGIN",
        "AGENTCALLBACKLOGOFF",
        "PENALTY",
        "QUEUESTART",
        "CONFIGRELOAD",
        "SYSCOMPAT",
        "INFO",
        "DID",
    }


@pytest.mark.parametrize(
    "line, reason",
    [
        ("garbage", "fewer than 5 fields"),
        ("abc|1.1|orders|NONE|ENTERQUEUE||555|1", "timestamp is not a number"),
        ("-5|1.1|orders|NONE|ENTERQUEUE||555|1", "out of range"),
        ("1795530192|1.1|orders|NONE|ENTERQUEUE||555|x", "ENTERQUEUE: position is not a number"),
        ("1795530192|1.1|orders|Ana|CONNECT", "CONNECT: missing holdtime"),
        ("1795530192|1.1|orders|Ana|COMPLETEAGENT|3", "COMPLETEAGENT: missing calltime"),
        ("1795530192|1.1|orders|Ana|RINGNOANSWER|fifteen", "ringtime_ms is not a number"),
        ("1795530192|NONE|orders|NONE|ENTERQUEUE||555|1", "without a call id"),
        ("1795530192|1.1|orders|NONE|CONNECT|3|x|1", "without an agent"),
        ("1795530192|1.1|orders|Ana|ATTENDEDTRANSFER|FOO|x|1|2|3", "unknown form"),
        ("1795530192|1.1|orders|NONE|enterqueue||555|1", "not an event type"),
        ("1795530192|1.1|orders|NONE|\x00\x01bin", "not an event type"),
    ],
)
def test_malformed_lines_are_rejected_with_a_reason(line, reason):
    with pytest.raises(EventError) as error:
        parse_line(line)
    assert reason in str(error.value)


def test_stored_form_round_trips():
    for rest, agent in (("CONNECT|3|1795530192.6|3", "Ana"), ("ENTERQUEUE||5550151|1", "NONE")):
        event = parse(rest, agent=agent)
        again = from_stored(event.ts, event.call_id, event.queue, event.agent, event.raw, "pbx")
        assert again == event


def test_the_real_samples_load_with_zero_rejects_and_their_calls_add_up(tmp_path, samples):
    expected = {  # from ../shared/README.md: entered = answered + abandoned + left
        "orders": (103, 64, 17, 22, {"timeout": 11, "key": 11}),
        "returns": (69, 53, 6, 10, {}),
        "vip": (27, 25, 0, 2, {}),
    }
    db = ingest_file(tmp_path / "three.db", samples / "asterisk22_three_queues.queue_log")
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    lines = (samples / "asterisk22_three_queues.queue_log").read_text().splitlines()
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == len(lines)
    for queue, (entered, answered, abandoned, left, reasons) in expected.items():
        rows = dict(
            conn.execute(
                "SELECT outcome, count(*) FROM calls WHERE queue = ? GROUP BY outcome", (queue,)
            )
        )
        waiting = rows.pop(None, 0)
        assert sum(rows.values()) + waiting == entered
        assert rows.get("answered", 0) == answered
        assert rows.get("abandoned", 0) == abandoned
        assert sum(rows.get(r, 0) for r in ("timeout", "key", "empty", "withdraw")) == left
        for reason, count in reasons.items():
            assert rows[reason] == count
        assert waiting == 0
    # Every ENTERQUEUE line became exactly one call.
    assert conn.execute("SELECT count(*) FROM calls").fetchone()[0] == sum(
        1 for line in lines if "|ENTERQUEUE|" in line
    )
    rare = ingest_file(tmp_path / "rare.db", samples / "rare_events.queue_log")
    conn = sqlite3.connect(rare)
    assert conn.execute("SELECT count(*) FROM rejects").fetchone()[0] == 0
    calls = conn.execute(
        "SELECT outcome, ended_by, transfer_target FROM calls ORDER BY id"
    ).fetchall()
    assert calls == [
        ("answered", "transfer", "1795570255.47"),
        ("answered", "transfer", "700@supervisors"),
        ("answered", "transfer", "Voicemail"),
    ]


def test_blind_transfer_reentry_is_a_new_call_in_the_other_queue(make_store):
    db = make_store(
        [
            f"{T}|c1|orders|NONE|ENTERQUEUE||555|1",
            f"{T + 4}|c1|orders|Ben|CONNECT|4|m1|2",
            f"{T + 8}|c1|orders|Ben|BLINDTRANSFER|returns|transfers|4|4|1",
            f"{T + 8}|c1|returns|NONE|ENTERQUEUE||555|1",
            f"{T + 14}|c1|returns|Dev|CONNECT|6|m2|2",
            f"{T + 27}|c1|returns|Dev|COMPLETECALLER|6|13|1",
        ]
    )
    rows = (
        sqlite3.connect(db)
        .execute("SELECT queue, outcome, agent, ended_by, wait_s, talk_s FROM calls ORDER BY id")
        .fetchall()
    )
    assert rows == [
        ("orders", "answered", "Ben", "transfer", 4, 4),
        ("returns", "answered", "Dev", "caller", 6, 13),
    ]


def test_events_come_back_from_the_store_as_they_went_in(tmp_path, samples):
    from floorwatch.store.database import Store

    feed = samples / "asterisk22_three_queues.queue_log"
    db = ingest_file(tmp_path / "x.db", feed)
    expected = [parse_line(line, f"queue_log:{feed}") for line in feed.read_text().splitlines()]
    with Store.open_readonly(db) as store:
        assert store.events() == expected
    assert all(isinstance(e, Event) for e in expected)


def _columns(event: Event) -> tuple:
    """An Event as the `events` row the store writes for it (ts as stored, in a REAL column)."""
    return (float(event.ts), event.kind.value, event.call_id, event.queue, event.agent, event.raw)


def test_stored_row_is_the_row_of_the_event_parse_line_makes(samples):
    """The writer stores a clean chunk's lines with stored_row instead of the parsed events:
    for every line parse_line accepts, the two must agree column for column."""
    lines = []
    for name in ("asterisk22_three_queues.queue_log", "rare_events.queue_log"):
        lines += (samples / name).read_text().splitlines()
    lines += [
        f"{T}.25|1795530192.1|orders|NONE|ENTERQUEUE||5550151|1",  # a fraction of a second
        f"{T}|REALTIME|NONE|NONE|QUEUESTART",  # no data fields, no trailing separator
        f"{T}|CLI|orders|Ana|PAUSE|",
        f"{T}|1.2|orders||WRAPUPSTART|x|y|z",  # an event type floorwatch does not use
        f" {T}|1.3|orders|Ana|CONNECT|3|m|1",  # int() and float() both allow the space
        f"{T}|1.4|sales|Ben|COMPLETECALLER|6|13|2|extra|fields",
    ]
    kinds = set()
    for line in lines:
        event = parse_line(line, "pbx")
        assert stored_row(line) == _columns(event), line
        kinds.add(event.kind)
    assert len(kinds) >= 15


def test_a_clean_chunk_is_stored_from_its_lines_exactly_as_from_its_events(tmp_path, samples):
    """The same batches written from their lines (the writer's fast path) and from their
    events: identical events, derived tables and source rows."""
    from floorwatch.sources.base import Batch
    from floorwatch.sources.linefeed import parse_lines
    from floorwatch.store.database import Store

    data = (samples / "asterisk22_three_queues.queue_log").read_bytes()
    events, rejects, lines = parse_lines(data, 0, parse_line, "pbx")
    assert lines is not None and not rejects and len(lines) == len(events)
    tables = {}
    for mode in ("lines", "events"):
        with Store.open(tmp_path / f"{mode}.db") as store:
            for start in range(0, len(events), 100):
                chunk = slice(start, start + 100)
                store.write(
                    [
                        Batch(
                            "pbx",
                            "queue_log",
                            events[chunk],
                            lines=lines[chunk] if mode == "lines" else None,
                        )
                    ]
                )
        conn = sqlite3.connect(tmp_path / f"{mode}.db")
        tables[mode] = {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("events", "calls", "agents", "agent_states", "pauses", "misses")
        }
        tables[mode]["sources"] = conn.execute(
            "SELECT name, events, first_event_ts, last_event_ts FROM sources"
        ).fetchall()
    assert tables["lines"] == tables["events"]
    assert len(tables["lines"]["events"]) == len(events)
    assert tables["lines"]["sources"] == [
        ("pbx", len(events), min(e.ts for e in events), max(e.ts for e in events))
    ]


def test_lines_are_handed_on_only_when_each_became_one_event_as_it_stands():
    from floorwatch.sources.linefeed import parse_lines

    good = f"{T}|1.1|orders|NONE|ENTERQUEUE||555|1\n".encode()
    assert parse_lines(good * 3, 0, parse_line, "pbx")[2] == [good.decode()[:-1]] * 3
    # A reject, a blank line, a line that parses only without its CR.
    for other in (b"garbage\n", b"\n", f"{T}|NONE|NONE|NONE|QUEUESTART\r\n".encode()):
        events, _, lines = parse_lines(good + other, 0, parse_line, "pbx")
        assert lines is None and len(events) == 1 + other.endswith(b"\r\n")
