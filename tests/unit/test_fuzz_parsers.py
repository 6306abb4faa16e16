"""Fuzzing the line parsers (hypothesis): any line is an Event or an EventError, never another
exception, and an accepted Event is sane all the way down: it fits the event schema, its JSON
form reads back as the same event, its stored row is the one `stored_row` makes, and the real
Deriver and CommitWriter store it. Any bytes given to `parse_lines` end as exactly one event
or one reject per non-blank line.
"""

from __future__ import annotations

import itertools
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from floorwatch.event_schema import SCHEMA, DataField, check_data, check_ts, text_problem
from floorwatch.events import Event, EventError, Kind
from floorwatch.sources import jsonl, queue_log
from floorwatch.sources.base import Batch
from floorwatch.sources.linefeed import parse_lines
from floorwatch.store.database import Store

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
STORED = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

# ----------------------------------------------------------------------------- strategies
#: What a hostile or broken feed puts where a number belongs.
HOSTILE_NUMBERS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=0, max_value=700_000).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "-0",
            "1_000",
            " 7",
            "7 ",
            "+7",
            "\u0663",
            "\uff13",
            "\u00b2",
            "nan",
            "inf",
            "-inf",
            "1e3",
            "0x10",
            "1.5",
            "9" * 30,
            "9" * 5000,
            "7\x00",
            "\x00",
            "7\r",
            "\t7",
        ]
    ),
    st.text(alphabet=string.digits + "-+._ e", max_size=12),
)
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "NONE",
            "MANAGER",
            "REALTIME",
            "PAUSED",
            "BRIDGE",
            "APP",
            "LINK",
            "",
            "Ana",
            "\x00",
            "\ud800",
            "\x1b]52;c;T1NDNTI=\x07",
            "Local/201@agents/n",
        ]
    ),
)
FIELD = st.one_of(HOSTILE_NUMBERS, TEXT)
STAMP = st.one_of(
    st.integers(min_value=0, max_value=2**35).map(str),
    st.integers(min_value=978_307_190, max_value=978_307_210).map(str),
    st.integers(min_value=4_102_444_790, max_value=4_102_444_810).map(str),
    st.floats(min_value=9e8, max_value=5e9).map(repr),
    HOSTILE_NUMBERS,
)
EVENT_NAME = st.sampled_from(queue_log.EVENT_TYPES + ("WRAPUPSTART", "enterqueue", "", "X"))
QUEUE_LOG_LINE = st.builds(
    lambda stamp, call, queue, agent, name, fields: "|".join(
        [stamp, call, queue, agent, name, *fields]
    ),
    STAMP,
    TEXT,
    TEXT,
    TEXT,
    EVENT_NAME,
    st.lists(FIELD, max_size=8),
)

JSON_VALUE = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
FIELD_NAMES = sorted({name for schema in SCHEMA.values() for name in schema.fields} | {"colour"})
PLAUSIBLE = st.one_of(
    st.integers(min_value=-5, max_value=1000),
    st.booleans(),
    st.sampled_from(["agent", "caller", "key", "timeout", "blind", "sync", "bridge", "start"]),
    st.lists(st.text(max_size=5), max_size=3),
    st.none(),
)
RECORD = st.fixed_dictionaries(
    {
        "ts": st.one_of(
            st.integers(min_value=978_307_000, max_value=4_102_445_000), st.floats(), JSON_VALUE
        ),
        "kind": st.one_of(st.sampled_from([kind.value for kind in Kind] + ["nope"]), JSON_VALUE),
    },
    optional={
        "call_id": st.one_of(TEXT, JSON_VALUE),
        "queue": TEXT,
        "agent": TEXT,
        "source": TEXT,
        "colour": JSON_VALUE,
        "data": st.one_of(
            st.dictionaries(
                st.sampled_from(FIELD_NAMES), st.one_of(PLAUSIBLE, JSON_VALUE), max_size=4
            ),
            JSON_VALUE,
        ),
    },
)


def field_values(spec: DataField) -> st.SearchStrategy:
    """Values of one data field: mostly in its range, some just outside it or of another type."""
    if spec.type in ("int", "number"):
        near = st.integers(min_value=spec.low - 2, max_value=spec.high + 2)
        small = st.integers(min_value=spec.low, max_value=min(spec.high, spec.low + 1000))
        fraction = (
            st.floats(min_value=spec.low, max_value=spec.high)
            if spec.type == "number"
            else st.nothing()
        )
        return st.one_of(small, near, fraction, JSON_VALUE)
    if spec.type == "flag":
        return st.one_of(st.booleans(), JSON_VALUE)
    if spec.type == "texts":
        return st.one_of(st.lists(TEXT, max_size=4), JSON_VALUE)
    if spec.choices:
        return st.one_of(st.sampled_from(spec.choices + ("bogus",)), JSON_VALUE)
    return st.one_of(TEXT, TEXT, JSON_VALUE)


@st.composite
def schema_records(draw) -> dict:
    """A record shaped by the schema of its kind, with the odd hostile value."""
    kind = draw(st.sampled_from(list(SCHEMA)))
    fields = SCHEMA[kind].fields
    names = draw(st.lists(st.sampled_from(sorted(fields)), unique=True)) if fields else []
    record = {
        "ts": draw(
            st.one_of(
                st.integers(min_value=978_307_200, max_value=4_102_444_799),
                st.floats(min_value=978_307_200, max_value=4.1e9),
                JSON_VALUE,
            )
        ),
        "kind": kind.value,
        "call_id": draw(TEXT),
        "queue": draw(TEXT),
        "agent": draw(TEXT),
        "data": {name: draw(field_values(fields[name])) for name in names},
    }
    for name in draw(st.lists(st.sampled_from(["call_id", "queue", "agent", "data"]))):
        record.pop(name, None)
    return record


JSON_LINE = st.one_of(
    RECORD.map(json.dumps),
    RECORD.map(lambda r: json.dumps(r)[:-3]),
    schema_records().map(json.dumps),
)


# ----------------------------------------------------------------------------- checks
def parse_or_reject(parse, line: str, source: str = "fuzz") -> Event | None:
    """The parser's answer: an Event, or None for an EventError; anything else fails the test."""
    try:
        return parse(line, source)
    except EventError:
        return None


def assert_sane(event: Event) -> None:
    """What every accepted event must be: storable, derivable, and what the schema says."""
    check_ts(event.ts)
    for value in (event.source, event.call_id, event.queue, event.agent):
        assert value is None or text_problem(value) is None, value
    check_data(event.kind, event.data)
    schema = SCHEMA[event.kind]
    assert not schema.call or (event.call_id and event.queue)
    assert not schema.agent or event.agent
    # Its canonical JSON form is accepted as the same event (the JSON Lines rules hold for it).
    assert jsonl.parse_line(event.to_json(), event.source) == event


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """One real store for a whole fuzz run: every accepted event is derived and committed."""
    with Store.open(Path(tmp_path_factory.mktemp("fuzz")) / "fuzz.db") as opened:
        yield opened


_source_names = (f"fuzz{n}" for n in itertools.count())


# ----------------------------------------------------------------------------- queue_log
@FUZZ
@given(st.text())
def test_any_text_is_a_queue_log_event_or_a_reject(line):
    event = parse_or_reject(queue_log.parse_line, line)
    if event is not None:
        assert_sane(event)


@STORED
@given(QUEUE_LOG_LINE)
def test_hostile_queue_log_fields_give_a_sane_event_or_a_reject_and_the_event_stores(store, line):
    name = next(_source_names)
    event = parse_or_reject(queue_log.parse_line, line, name)
    if event is None:
        return
    assert_sane(event)
    assert queue_log.stored_row(line) == (
        float(event.ts),
        event.kind.value,
        event.call_id,
        event.queue,
        event.agent,
        event.raw,
    )
    # The writer's fast path: the row made from the line itself, the event derived.
    store.write([Batch(name, "queue_log", [event], lines=[line])])
    assert store.events("o.name = ?", (name,)) == [event]


# ----------------------------------------------------------------------------- JSON Lines
@FUZZ
@given(st.text())
def test_any_text_is_a_json_lines_event_or_a_reject(line):
    event = parse_or_reject(jsonl.parse_line, line)
    if event is not None:
        assert_sane(event)


@STORED
@given(JSON_LINE)
def test_hostile_json_records_give_a_sane_event_or_a_reject_and_the_event_stores(store, line):
    name = next(_source_names)
    event = parse_or_reject(jsonl.parse_line, line, name)
    if event is None:
        return
    assert_sane(event)
    store.write([Batch(name, "jsonl", [event])])
    if event.source == name:  # (a record may name its own source)
        assert store.events("o.name = ?", (name,)) == [event]


def test_the_strategies_do_reach_accepted_events():
    """The fuzzing above means something only if hostile lines are sometimes accepted, with
    data: find one of each."""
    search = settings(max_examples=5000, database=None)
    for strategy, parse in ((QUEUE_LOG_LINE, queue_log.parse_line), (JSON_LINE, jsonl.parse_line)):
        line = find(
            strategy,
            lambda line: bool(getattr(parse_or_reject(parse, line), "data", None)),
            settings=search,
        )
        assert parse(line, "x").data


# ----------------------------------------------------------------------------- parse_lines
RAW_LINES = st.lists(
    st.one_of(
        QUEUE_LOG_LINE.map(lambda s: s.encode("utf-8", "surrogatepass")),
        st.binary(max_size=40),
        st.sampled_from([b"", b"\r", b" ", b"\xff"]),
    ),
    max_size=12,
).map(b"\n".join)


@FUZZ
@given(st.one_of(st.binary(), RAW_LINES), st.sampled_from(["queue_log", "jsonl"]))
def test_every_non_blank_line_is_exactly_one_event_or_one_reject(data, format):
    data = data if data.endswith(b"\n") else data + b"\n"
    parse = queue_log.parse_line if format == "queue_log" else jsonl.parse_line
    events, rejects, lines = parse_lines(data, 1000, parse, "fuzz")
    starts, offset = [], 1000
    for raw in data.split(b"\n")[:-1]:
        if raw.decode("utf-8", "replace").strip():
            starts.append(offset)
        offset += len(raw) + 1
    assert len(events) + len(rejects) == len(starts)
    assert all(reject.offset in starts for reject in rejects)
    assert [r.offset for r in rejects] == sorted({r.offset for r in rejects})
    assert lines is None or len(lines) == len(events)
    for event in events:
        assert_sane(event)
