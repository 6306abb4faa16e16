"""The canonical, vendor-neutral event model.

Every source adapter turns its own format into `Event`s; the store, the metrics and the
dashboard only ever see these. Keep the model small: what a call or an agent did, when,
and a few extra fields in `data`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


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
    CALL_TRANSFERRED = "call_transferred"  # data: mode (blind|attended|transfer), target, wait_s, talk_s
    AGENT_DUMP = "agent_dump"  # the agent hung up before the caller heard them; caller waits on
    CALL_INFO = "call_info"  # data: info (did|info|syscompat|...), values

    # Agents and their queues.
    AGENT_JOINED = "agent_joined"  # queue membership added; data: [paused]
    AGENT_LEFT = "agent_left"  # queue membership removed
    AGENT_PAUSED = "agent_paused"  # data: reason; queue None means every queue
    AGENT_UNPAUSED = "agent_unpaused"  # data: reason; queue None means every queue
    AGENT_LOGIN = "agent_login"  # data: [channel]
    AGENT_LOGOUT = "agent_logout"  # data: [channel, logged_in_s, reason]
    AGENT_PENALTY = "agent_penalty"  # data: penalty
    AGENT_STATUS = "agent_status"  # state sync of a member (AMI QueueMember): paused, reason, in_call

    # Queues and the PBX.
    QUEUE_CONFIG = "queue_config"  # data: action (start|reload)
    CALL_WAITING = "call_waiting"  # state sync of a caller already waiting (AMI QueueEntry): wait_s
    OTHER = "other"  # a well-formed line of a type floorwatch does not use (kept, not rejected)


#: Kinds that describe one call in one queue (they carry a call id and a queue).
CALL_KINDS = frozenset(
    {
        Kind.CALL_QUEUED,
        Kind.AGENT_RINGING,
        Kind.RING_NO_ANSWER,
        Kind.RING_CANCELED,
        Kind.CALL_ANSWERED,
        Kind.CALL_ENDED,
        Kind.CALL_ABANDONED,
        Kind.CALL_LEFT,
        Kind.CALL_TRANSFERRED,
        Kind.AGENT_DUMP,
        Kind.CALL_INFO,
        Kind.CALL_WAITING,
    }
)

#: Ways a waiting call leaves a queue without being answered or abandoned.
LEAVE_REASONS = ("timeout", "key", "empty", "withdraw")


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


def event_from_dict(record: Any, default_source: str = "jsonl") -> Event:
    """Validate a decoded JSON record and build the Event it describes."""
    if not isinstance(record, dict):
        raise EventError("not a JSON object")
    unknown = set(record) - {"ts", "source", "kind", "call_id", "queue", "agent", "data"}
    if unknown:
        raise EventError(f"unknown field(s): {', '.join(sorted(unknown))}")
    ts = record.get("ts")
    if isinstance(ts, bool) or not isinstance(ts, (int, float)):
        raise EventError("ts must be a number (epoch seconds)")
    if not 0 <= ts < 2**33:
        raise EventError(f"ts {ts} is out of range")
    try:
        kind = Kind(record.get("kind"))
    except ValueError:
        raise EventError(f"unknown kind {record.get('kind')!r}") from None
    values: dict[str, str | None] = {}
    for name in ("source", "call_id", "queue", "agent"):
        value = record.get(name)
        if value is not None and not isinstance(value, str):
            raise EventError(f"{name} must be a string")
        values[name] = value or None
    data = record.get("data") or {}
    if not isinstance(data, dict):
        raise EventError("data must be an object")
    if kind in CALL_KINDS and (values["call_id"] is None or values["queue"] is None):
        raise EventError(f"{kind} needs call_id and queue")
    if kind.value.startswith("agent_") and kind not in CALL_KINDS and values["agent"] is None:
        raise EventError(f"{kind} needs agent")
    return Event(
        ts=ts,
        source=values["source"] or default_source,
        kind=kind,
        call_id=values["call_id"],
        queue=values["queue"],
        agent=values["agent"],
        data=data,
    )
