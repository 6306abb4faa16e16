"""What derivation keeps between events: a call's stay in a queue, an interval of time, a
queue membership, an agent; and the vocabulary they are written with.

Each derived object's row is its attributes in its table's column order, both taken from
store/schema.py, so a row never has to agree with the table by position.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from floorwatch.events import AgentState, CallStatus, Outcome
from floorwatch.store.schema import (
    AGENT_STATES,
    AGENTS,
    CALLS,
    MEMBERSHIPS,
    MISSES,
    PAUSES,
    RATINGS,
)

# The vocabulary of events.py as plain strings: they are written into every derived row and
# cross to the writer process, where a str costs less than an enum member.
OFFLINE, AVAILABLE, RINGING, ON_CALL, WRAPUP, PAUSED = (state.value for state in AgentState)
WAITING, TALKING, DONE = (status.value for status in CallStatus)
ANSWERED, ABANDONED = Outcome.ANSWERED.value, Outcome.ABANDONED.value

#: The columns each derived row holds, in its table's order (`seq` is added by the writer;
#: a miss's id by SQLite).
AGENT_COLUMNS = AGENTS.without("seq")
INTERVAL_COLUMNS = AGENT_STATES.without("seq")
assert PAUSES.without("seq") == INTERVAL_COLUMNS, "pauses and agent_states share one shape"
MISS_COLUMNS = MISSES.without("id", "seq")
RATING_COLUMNS = RATINGS.without("id", "seq")


class CallEntry:
    """One call's stay in one queue (a transferred call that re-enters is a new entry)."""

    # What derivation still needs after a restart is stored with it so that it can resume
    # exactly: the other sources that reported this entry's queueing (two feeds of one PBX
    # report each call once each), whether the outcome was a guess a surer feed may fix, the
    # number of its latest close (see RecentCalls), and the missed rings each feed reported.
    COLUMNS = CALLS.without("seq")
    __slots__ = COLUMNS

    def __init__(self, entry_id: int, call_id: str, queue: str, source: str, enqueued_at: float):
        self.id = entry_id
        self.call_id = call_id
        self.queue = queue
        self.source = source
        self.caller: str | None = None
        self.enqueued_at = enqueued_at
        self.position: int | None = None
        self.status = WAITING
        self.outcome: str | None = None
        self.wait_end_at: float | None = None
        self.wait_s: float | None = None
        self.answered_at: float | None = None
        self.agent: str | None = None
        self.ended_at: float | None = None
        self.talk_s: float | None = None
        self.ended_by: str | None = None
        self.transfer_target: str | None = None
        self.ring_no_answers = 0
        self.synced = 0
        self.wrapup_s: float | None = None
        #: JSON list of every source that reported it, when more than the one that made it.
        self.seen_by: str | None = None
        self.inferred = False
        self.closed_no: int | None = None
        #: JSON {agent: {source: missed rings}}, when a ring of this call was missed.
        self.miss_counts: str | None = None
        self.caller_name: str | None = None
        self.priority: int | None = None

    @classmethod
    def from_row(cls, row: dict) -> CallEntry:
        entry = cls.__new__(cls)
        for name in cls.COLUMNS:
            setattr(entry, name, row.get(name))
        entry.inferred = bool(entry.inferred)
        return entry

    def sources(self) -> list[str]:
        """The sources that reported this entry's queueing."""
        return json.loads(self.seen_by) if self.seen_by else [self.source]

    @property
    def unsure(self) -> bool:
        """Done, but how it ended is unknown (closed by a state sync) or only guessed: a surer
        fact from any feed may still say how."""
        return self.status == DONE and (
            self.outcome is None or self.inferred and self.outcome != ANSWERED
        )


class Interval:
    """A stretch of time: an agent state, a per-queue pause, or a queue membership."""

    __slots__ = INTERVAL_COLUMNS

    def __init__(self, interval_id, agent, state, reason, queue, call_ref, start, end=None):
        self.id = interval_id
        self.agent = agent
        self.state = state
        self.reason = reason
        self.queue = queue
        self.call_ref = call_ref
        self.start = start
        self.end = end

    @classmethod
    def from_row(cls, row: dict) -> Interval:
        interval = cls.__new__(cls)
        for name in INTERVAL_COLUMNS:
            setattr(interval, name, row[name])
        return interval


class Membership:
    """An agent's place in one queue: since when, penalty, and whether paused there.

    Only joining, leaving and the penalty are stored with the membership; whether it is paused
    is the open row of `pauses` for the same agent and queue (pauses change far more often).
    """

    __slots__ = (
        "id",
        "agent",
        "queue",
        "joined_at",
        "left_at",
        "penalty",
        "dynamic",
        "paused",
        "reason",
        "paused_since",
    )

    COLUMNS = MEMBERSHIPS.without("seq")

    def __init__(self, membership_id, agent, queue, joined_at, dynamic):
        self.id = membership_id
        self.agent = agent
        self.queue = queue
        self.joined_at = joined_at
        self.left_at: float | None = None
        self.penalty: int | None = None
        self.dynamic = dynamic
        self.paused = 0
        self.reason: str | None = None
        self.paused_since: float | None = None


class TrackedAgent:
    """Everything derivation keeps about one agent between events.

    Two layers: `interval` is the agent's availability (offline, available, paused, wrap-up),
    which changes rarely and is stored as intervals; on top of it the calls the agent is on
    (stored as calls) and a ring in progress give the state shown (`state`, since `since`).
    """

    __slots__ = (
        "name",
        "memberships",
        "calls",
        "ringing",
        "explicit_login",
        "interval",
        "login_since",
        "pending_penalty",
        "last_event_at",
        "state",
        "since",
        "reason",
        "queue",
        "call_ref",
        "last_call",
        "last_call_ref",
    )

    def __init__(self, name: str):
        self.name = name
        self.memberships: dict[str, Membership] = {}
        self.calls: dict[int, CallEntry] = {}
        self.ringing: str | None = None  # queue being rung for (sources that say so)
        self.explicit_login = False
        self.interval: Interval | None = None  # the open availability interval
        self.login_since: float | None = None
        self.pending_penalty: dict[str, int] = {}
        self.last_event_at: float | None = None
        self.state = OFFLINE
        self.since: float | None = None
        self.reason: str | None = None
        self.queue: str | None = None
        self.call_ref: int | None = None
        self.last_call: CallEntry | None = None  # the call a wrap-up that starts now belongs to
        self.last_call_ref: int | None = None  # its id, as stored


def _row_of(columns: tuple[str, ...]) -> Callable[[object], tuple]:
    """A function giving an object's row: its attributes named `columns`, in that order.

    Compiled from source as dataclasses compile their methods: the interpreter reads each
    slot attribute directly, a third less time per row than operator.attrgetter, which looks
    every name up afresh (a call's row is taken once or more per call of an ingest).
    """
    for name in columns:
        if not name.isidentifier():
            raise ValueError(f"not a column name: {name!r}")
    namespace: dict[str, Callable[[object], tuple]] = {}
    exec(f"def row(e):\n    return ({', '.join(f'e.{name}' for name in columns)},)", namespace)
    return namespace["row"]


# Each derived object's row, in its table's column order.
call_row = _row_of(CallEntry.COLUMNS)
agent_row = _row_of(AGENT_COLUMNS)
interval_row = _row_of(INTERVAL_COLUMNS)
membership_row = _row_of(Membership.COLUMNS)
