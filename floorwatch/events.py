"""The canonical, vendor-neutral event model.

Every source adapter turns its own format into `Event`s; the store, the metrics and the
dashboard only ever see these. Keep the model small: what a call or an agent did, when,
and a few extra fields in `data`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar


class Kind(StrEnum):
    """What happened. Values are the stable names used in the store and in JSON."""

    # A call's life in a queue.
    CALL_QUEUED = "call_queued"  # data: caller, position, [caller_name, url]
    AGENT_RINGING = "agent_ringing"  # data: [member_channel]
    RING_NO_ANSWER = "ring_no_answer"  # data: ring_ms
    RING_CANCELED = "ring_canceled"  # data: ring_ms
    CALL_ANSWERED = "call_answered"  # data: wait_s, ring_s, [member_uniqueid]
    CALL_ENDED = "call_ended"  # data: ended_by (agent|caller), wait_s, talk_s, position
    CALL_ABANDONED = "call_abandoned"  # data: wait_s, position, orig_position
    CALL_LEFT = "call_left"  # data: reason (timeout|key|empty|withdraw), wait_s, position, ...
    CALL_TRANSFERRED = (
        "call_transferred"  # data: mode (blind|attended|transfer), target, wait_s, talk_s
    )
    AGENT_DUMP = "agent_dump"  # the agent hung up before the caller heard them; caller waits on
    CALL_INFO = "call_info"  # data: info (did|info|syscompat|...), values
    CALL_RATED = "call_rated"  # a post-call survey's score; data: score, [scale_max, comment]

    # Agents and their queues.
    AGENT_JOINED = "agent_joined"  # queue membership added; data: [paused]
    AGENT_LEFT = "agent_left"  # queue membership removed
    AGENT_PAUSED = "agent_paused"  # data: reason; queue None means every queue
    AGENT_UNPAUSED = "agent_unpaused"  # data: reason; queue None means every queue
    AGENT_LOGIN = "agent_login"  # data: [channel]
    AGENT_LOGOUT = "agent_logout"  # data: [channel, logged_in_s, reason]
    AGENT_PENALTY = "agent_penalty"  # data: penalty
    AGENT_STATUS = (
        "agent_status"  # state sync of a member (AMI QueueMember): paused, reason, in_call
    )

    # Queues and the PBX.
    QUEUE_CONFIG = "queue_config"  # data: action (start|reload)
    CALL_WAITING = "call_waiting"  # a caller already waiting (AMI QueueEntry): wait_s, [priority]
    OTHER = "other"  # a well-formed line of a type floorwatch does not use (kept, not rejected)


class AgentState(StrEnum):
    """What an agent is doing, as stored and as every view names it."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAPUP = "wrapup"
    PAUSED = "paused"


class CallStatus(StrEnum):
    """Where a call's stay in a queue is: waiting, talking to an agent, or over."""

    WAITING = "waiting"
    TALKING = "talking"
    DONE = "done"


class Outcome(StrEnum):
    """How a call's wait ended: answered, abandoned, or one of the ways it left the queue."""

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMEOUT = "timeout"
    KEY = "key"
    EMPTY = "empty"
    WITHDRAW = "withdraw"


class _Answered(Protocol):
    id: int
    answered_at: float | None


CallT = TypeVar("CallT", bound=_Answered)


def shown_state(
    availability: str | None, calls: Iterable[CallT], ringing: bool
) -> tuple[str, CallT | None]:
    """The state an agent shows, and the call they are on: the one rule for the store's
    `agents` table and for every view. A call (the latest answered, the newest entry on a tie)
    wins over everything: a member removed from their queues mid-call is on that call until it
    ends, then offline. Then logged out shows offline whatever else is known; a ring wins over
    the availability underneath (available, paused, wrap-up)."""
    current = None
    for call in calls:  # the latest answered: a loop, as agents are on one call or none
        if current is None or (call.answered_at or 0.0, call.id) > (
            current.answered_at or 0.0,
            current.id,
        ):
            current = call
    if current is not None:
        return _ON_CALL, current
    if availability is None or availability == _OFFLINE:
        return _OFFLINE, None
    if ringing:
        return _RINGING, None
    return availability, None


# shown_state's answers as plain strings, looked up once: an enum member's `.value` is a
# Python-level property, and shown_state runs on most call events of an ingest.
_ON_CALL, _OFFLINE, _RINGING = (
    AgentState.ON_CALL.value,
    AgentState.OFFLINE.value,
    AgentState.RINGING.value,
)


#: Ways a waiting call leaves a queue without being answered or abandoned.
LEAVE_REASONS = (
    Outcome.TIMEOUT.value,
    Outcome.KEY.value,
    Outcome.EMPTY.value,
    Outcome.WITHDRAW.value,
)


@dataclass(slots=True)
class Event:
    """One thing that happened on the floor.

    ts is epoch seconds (UTC, may carry a fraction); call_id, queue and agent are None when
    the event has none (Asterisk writes NONE). `data` holds the kind's extra fields, with
    durations in seconds unless the key says `_ms`.
    """

    ts: float
    source: str
    kind: Kind
    call_id: str | None = None
    queue: str | None = None
    agent: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    #: The adapter's own compact form of `data` (for queue_log, the event name and its fields
    #: as written); when set, the store keeps it instead of JSON and the adapter rebuilds
    #: `data` from it on reading. It is faster to store and it is what the PBX wrote.
    raw: str | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> str:
        """The one-line JSON form, as read by the `jsonl` source."""
        record: dict[str, Any] = {"ts": self.ts, "source": self.source, "kind": str(self.kind)}
        if self.call_id is not None:
            record["call_id"] = self.call_id
        if self.queue is not None:
            record["queue"] = self.queue
        if self.agent is not None:
            record["agent"] = self.agent
        if self.data:
            record["data"] = self.data
        return json.dumps(record, separators=(",", ":"))


class EventError(ValueError):
    """A record that cannot become an Event; the message says why, for the rejects table."""
