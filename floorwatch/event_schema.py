"""What each kind of event may carry, and the checks every source runs before an event is stored.

`SCHEMA` is the one declaration of each kind's data fields with their types and ranges: the
parsers check against it, `event_from_dict` builds a JSON record's event through it, and the
README's table of kinds is written from it (`schema_rows`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from floorwatch.events import LEAVE_REASONS, Event, EventError, Kind

# The values a sane feed stays within. Anything outside is a reject where the line is parsed,
# so no stored event can stop the writer (SQLite holds integers up to 2^63) or the floor maths
# (a negative talk time is no handle time). Fixed bounds, so that a file loads the same today
# and in ten years.
#: Event times: from 2001-01-01 00:00:00 UTC (inclusive) to 2100-01-01 00:00:00 UTC (exclusive).
TS_MIN = 978_307_200
TS_MAX = 4_102_444_800
#: A wait, a talk time or a ring: at most 7 days (a queue_log of real calls never comes near).
MAX_CALL_S = 7 * 86_400
#: An agent's time logged in, as AGENTLOGOFF reports it: at most a year.
MAX_LOGIN_S = 366 * 86_400
#: A caller's position in a queue.
MAX_POSITION = 1_000_000
#: A survey score, and the top of its scale (1-5, 0-10, 0-100).
MAX_SCORE = 100
#: A member's penalty: Asterisk keeps it in a C int, and allows it to be negative.
PENALTY_MIN, PENALTY_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True, slots=True)
class DataField:
    """One field of an event's `data`: its type and the values it may take.

    type is `int` (an integer), `number` (an integer or a finite fraction), `text` (a string
    without NUL bytes), `flag` (true or false) or `texts` (a list of texts); numbers lie in
    low..high, texts with `choices` are one of them. Every field may be null or left out: the
    feed did not say.
    """

    type: str
    low: int = 0
    high: int = 0
    choices: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        """Why `value` (not None) does not fit this field, or None if it does."""
        kind = self.type
        if kind in ("int", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"must be {'an integer' if kind == 'int' else 'a number'}"
            if isinstance(value, float) and (kind == "int" or not math.isfinite(value)):
                return "must be an integer" if kind == "int" else "must be a finite number"
            if not self.low <= value <= self.high:
                return f"{value!r:.40} is out of range ({self.low}..{self.high})"
            return None
        if kind == "flag":
            return None if isinstance(value, bool) else "must be true or false"
        if kind == "texts":
            if not isinstance(value, list):
                return "must be a list of texts"
            for item in value:
                problem = text_problem(item)
                if problem is not None:
                    return f"item {problem}"
            return None
        problem = text_problem(value)
        if problem is None and self.choices and value not in self.choices:
            return f"{value[:40]!r} is not one of {', '.join(self.choices)}"
        return problem

    def describe(self) -> str:
        """The field's type and range as the event schema table shows it."""
        if self.choices:
            return " or ".join(f"`{choice}`" for choice in self.choices)
        if self.type in ("int", "number"):
            return f"{'integer' if self.type == 'int' else 'number'} {self.low}..{self.high}"
        return {"flag": "true/false", "texts": "list of text"}.get(self.type, "text")


_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: Any) -> str | None:
    """Why `value` is not text floorwatch can keep (a string, no NUL, valid Unicode), or None."""
    if not isinstance(value, str):
        return "must be text"
    if "\x00" in value:
        return "contains a NUL byte"
    if not value.isascii() and _SURROGATE.search(value):
        return "is not valid Unicode (a lone surrogate)"
    return None


@dataclass(frozen=True, slots=True)
class KindSchema:
    """What an event of one kind carries: its data fields, and the columns it needs."""

    fields: dict[str, DataField]
    #: It is about one call in one queue: call_id and queue are required.
    call: bool = False
    #: It is about one agent: agent is required.
    agent: bool = False
    #: What the docs add about it.
    note: str = ""


_TEXT = DataField("text")
_FLAG = DataField("flag")
_TEXTS = DataField("texts")
_SECONDS = DataField("number", 0, MAX_CALL_S)
_POSITION = DataField("int", 0, MAX_POSITION)
_RING_MS = DataField("number", 0, MAX_CALL_S * 1000)
_PENALTY = DataField("int", PENALTY_MIN, PENALTY_MAX)
#: A caller's queue priority (QUEUE_PRIO: higher is served first).
_PRIORITY = DataField("int", -MAX_POSITION, MAX_POSITION)
_ENDED_BY = DataField("text", choices=("agent", "caller"))
_LEAVE = DataField("text", choices=LEAVE_REASONS)

#: Every kind's data fields with their types and ranges: the one declaration that the JSON
#: Lines and AMI sources validate against, that the queue_log parser takes its bounds from,
#: and that the README's event schema table is made from (`schema_rows`).
SCHEMA: dict[Kind, KindSchema] = {
    Kind.CALL_QUEUED: KindSchema(
        {"caller": _TEXT, "position": _POSITION, "caller_name": _TEXT, "url": _TEXT}, call=True
    ),
    Kind.AGENT_RINGING: KindSchema(
        {"member_channel": _TEXT},
        call=True,
        agent=True,
        note="AMI AgentCalled: the member being rung",
    ),
    Kind.RING_NO_ANSWER: KindSchema({"ring_ms": _RING_MS}, call=True, agent=True),
    Kind.RING_CANCELED: KindSchema({"ring_ms": _RING_MS}, call=True, agent=True),
    Kind.CALL_ANSWERED: KindSchema(
        {"wait_s": _SECONDS, "ring_s": _SECONDS, "member_uniqueid": _TEXT}, call=True
    ),
    Kind.CALL_ENDED: KindSchema(
        {"ended_by": _ENDED_BY, "wait_s": _SECONDS, "talk_s": _SECONDS, "position": _POSITION},
        call=True,
    ),
    Kind.CALL_ABANDONED: KindSchema(
        {"wait_s": _SECONDS, "position": _POSITION, "orig_position": _POSITION, "inferred": _FLAG},
        call=True,
    ),
    Kind.CALL_LEFT: KindSchema(
        {
            "reason": _LEAVE,
            "wait_s": _SECONDS,
            "position": _POSITION,
            "orig_position": _POSITION,
            "key": _TEXT,
            "info": _TEXT,
            "inferred": _FLAG,
        },
        call=True,
    ),
    Kind.CALL_TRANSFERRED: KindSchema(
        {
            "mode": DataField("text", choices=("blind", "attended", "transfer")),
            "target": _TEXT,
            "target_type": DataField("text", choices=("bridge", "app", "link")),
            "wait_s": _SECONDS,
            "talk_s": _SECONDS,
            "position": _POSITION,
        },
        call=True,
    ),
    Kind.AGENT_DUMP: KindSchema(
        {},
        call=True,
        agent=True,
        note="the agent hung up before the caller heard them; the caller waits on",
    ),
    Kind.CALL_INFO: KindSchema({"info": _TEXT, "values": _TEXTS}),
    Kind.CALL_RATED: KindSchema(
        {
            "score": DataField("number", 0, MAX_SCORE),
            "scale_max": DataField("number", 1, MAX_SCORE),
            "comment": _TEXT,
        },
        call=True,
        note="a post-call survey's score, on scale_max else [satisfaction]'s scale; in a "
        "queue_log, the event [satisfaction] queue_log_event names (SURVEY|score|comment); "
        "the agent is the call's when the event names none",
    ),
    Kind.CALL_WAITING: KindSchema(
        {
            "wait_s": _SECONDS,
            "caller": _TEXT,
            "caller_name": _TEXT,
            "position": _POSITION,
            "priority": _PRIORITY,
            "sync": _FLAG,
        },
        call=True,
        note="AMI QueueEntry: state sync of a caller already waiting; never counted as a new call",
    ),
    Kind.AGENT_JOINED: KindSchema(
        {"paused": _FLAG, "reason": _TEXT, "interface": _TEXT}, agent=True
    ),
    Kind.AGENT_LEFT: KindSchema({}, agent=True),
    Kind.AGENT_PAUSED: KindSchema({"reason": _TEXT}, agent=True, note="no queue: every queue"),
    Kind.AGENT_UNPAUSED: KindSchema({"reason": _TEXT}, agent=True, note="no queue: every queue"),
    Kind.AGENT_LOGIN: KindSchema({"channel": _TEXT, "callback": _FLAG}, agent=True),
    Kind.AGENT_LOGOUT: KindSchema(
        {"channel": _TEXT, "logged_in_s": DataField("number", 0, MAX_LOGIN_S), "reason": _TEXT},
        agent=True,
    ),
    Kind.AGENT_PENALTY: KindSchema({"penalty": _PENALTY}, agent=True),
    Kind.AGENT_STATUS: KindSchema(
        {
            "paused": _FLAG,
            "reason": _TEXT,
            "penalty": _PENALTY,
            "in_call": _FLAG,
            "dynamic": _FLAG,
            "sync": _FLAG,
        },
        agent=True,
        note="AMI QueueMember, QueueMemberStatus: state sync of a member",
    ),
    Kind.QUEUE_CONFIG: KindSchema(
        {
            "action": DataField("text", choices=("start", "reload", "ringinuse", "sync")),
            "value": DataField("int", 0, 1),
            "waiting": _TEXTS,
            "members": _TEXTS,
            "in_call": _TEXTS,
        },
        note="`sync`: AMI QueueStatusComplete, who is in the queue",
    ),
    Kind.OTHER: KindSchema(
        {"event": _TEXT, "fields": _TEXTS},
        note="any other well-formed line, such as a custom `QueueLog()` event: kept, not rejected",
    ),
}

#: Kinds that describe one call in one queue (they carry a call id and a queue).
CALL_KINDS = frozenset(kind for kind, schema in SCHEMA.items() if schema.call)


def check_data(kind: Kind, data: dict[str, Any]) -> None:
    """EventError unless every field of `data` is one `kind` has, of its type and range."""
    fields = SCHEMA[kind].fields
    for key, value in data.items():
        spec = fields.get(key)
        if spec is None:
            raise EventError(f"{kind}: unknown data field {str(key)[:40]!r}")
        if value is not None:
            problem = spec.problem(value)
            if problem is not None:
                raise EventError(f"{kind}: {key} {problem}")


def check_ts(ts: Any) -> None:
    """EventError unless `ts` is epoch seconds inside TS_MIN..TS_MAX."""
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        raise EventError("ts must be a number (epoch seconds)")
    if not TS_MIN <= ts < TS_MAX:  # NaN fails this too
        raise EventError(f"ts {ts!r:.40} is out of range (2001-01-01 to 2099-12-31 UTC)")


def schema_rows(origins: dict[Kind, list[str]]) -> list[str]:
    """The README's table of kinds as markdown rows: each kind's data fields with their types
    and ranges, and where it comes from (`origins`: kind -> the queue_log events it comes from)."""
    rows = [
        "| kind | needs | `data` fields (type, range) | queue_log events it comes from |",
        "| --- | --- | --- | --- |",
    ]
    for kind, schema in SCHEMA.items():
        needs = ", ".join(
            name
            for name, flag in (("`call_id`, `queue`", schema.call), ("`agent`", schema.agent))
            if flag
        )
        fields = "; ".join(f"`{name}`: {spec.describe()}" for name, spec in schema.fields.items())
        comes = ", ".join(origins.get(kind, ()))
        if schema.note:
            comes = f"{comes} ({schema.note})" if comes else f"({schema.note})"
        rows.append(f"| `{kind}` | {needs} | {fields} | {comes} |")
    return rows


def event_from_dict(record: Any, default_source: str = "jsonl") -> Event:
    """Validate a decoded JSON record and build the Event it describes: every field of the
    right type and range (`SCHEMA`), else EventError."""
    if not isinstance(record, dict):
        raise EventError("not a JSON object")
    unknown = set(record) - {"ts", "source", "kind", "call_id", "queue", "agent", "data"}
    if unknown:
        raise EventError(f"unknown field(s): {', '.join(sorted(str(k)[:40] for k in unknown))}")
    ts = record.get("ts")
    if isinstance(ts, bool) or not isinstance(ts, int | float):
        raise EventError("ts must be a number (epoch seconds)")
    name = record.get("kind")
    kind = Kind(name) if isinstance(name, str) and name in _KIND_NAMES else None
    if kind is None:
        raise EventError(f"unknown kind {name!r:.60}")
    check_ts(ts)
    values: dict[str, str | None] = {}
    for column in ("source", "call_id", "queue", "agent"):
        value = record.get(column)
        if value is not None:
            problem = text_problem(value)
            if problem is not None:
                raise EventError(f"{column} {problem}")
        values[column] = value or None
    data = record.get("data", {})
    if not isinstance(data, dict):
        # null too: an event with no data leaves the field out (as Event.to_json writes it).
        raise EventError("data must be an object (leave it out when there is none)")
    schema = SCHEMA[kind]
    if schema.call and (values["call_id"] is None or values["queue"] is None):
        raise EventError(f"{kind} needs call_id and queue")
    if schema.agent and values["agent"] is None:
        raise EventError(f"{kind} needs agent")
    check_data(kind, data)
    return Event(
        ts=ts,
        source=values["source"] or default_source,
        kind=kind,
        call_id=values["call_id"],
        queue=values["queue"],
        agent=values["agent"],
        data=data,
    )


_KIND_NAMES = frozenset(kind.value for kind in Kind)
