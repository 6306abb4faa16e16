"""Rows of the derived tables as the readers use them: plain dataclasses, no SQLite.

The floor model, the reports and the drill-down take these; the store's queries make them
(store/queries.py), selecting each row's columns by its fields' names (`table_spec.row_columns`):
a field is the column of its own name unless its metadata names another.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class CallRow:
    id: int
    call_id: str
    queue: str
    caller: str | None
    enqueued_at: float
    status: str
    outcome: str | None
    wait_end_at: float | None
    wait_s: float | None
    answered_at: float | None
    agent: str | None
    ended_at: float | None
    talk_s: float | None
    ended_by: str | None
    transfer_target: str | None
    ring_no_answers: int
    synced: int
    wrapup_s: float | None
    position: int | None = None
    caller_name: str | None = None
    priority: int | None = None


@dataclass(slots=True)
class IntervalRow:
    """An agent's availability (agent_states) or a per-queue pause (pauses)."""

    id: int
    agent: str
    state: str
    reason: str | None
    queue: str | None
    start: float
    end: float | None


@dataclass(slots=True)
class MembershipRow:
    id: int
    agent: str
    queue: str
    joined_at: float
    left_at: float | None
    penalty: int | None


@dataclass(slots=True)
class MissRow:
    id: int
    agent: str
    queue: str | None
    ts: float
    canceled: int


@dataclass(slots=True)
class AgentRow:
    name: str
    ringing: str | None
    last_event_at: float | None


@dataclass(slots=True)
class SourceStatus:
    name: str
    status: str | None
    detail: str | None = field(metadata={"column": "status_detail"})
    events: int
    rejects: int
    last_event_ts: float | None
    last_received_at: float | None


@dataclass(slots=True)
class FlagRow:
    """A burnout flag as stored (the reader makes it a snapshot.burnout.Flag)."""

    id: int
    agent: str
    rule: str
    severity: str
    since: float | None
    raised_at: float
    cleared_at: float | None
    last_true_at: float | None
    summary: str | None
    evidence: str | None
    stretch_start: float | None
    stretch_end: float | None


@dataclass(slots=True)
class ActionRow:
    """One supervisor action as the audit keeps it (schema.ACTIONS)."""

    id: int
    at: float
    user: str
    uid: int | None
    pid: int | None
    action: str
    agent: str | None
    queue: str | None
    reason: str | None
    penalty: int | None
    extension: str | None
    source: str | None
    ami_action: str | None
    outcome: str
    answer: str | None
    alarm_id: int | None

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(slots=True)
class AlarmRow:
    """An alarm as stored (snapshot.alarms.Alarm is the same, as the rules' side has it)."""

    id: int
    rule: str
    severity: str
    queue: str | None
    agent: str | None
    source: str | None
    raised_ts: float
    cleared_ts: float | None
    value: float | None
    peak: float | None
    threshold: float | None
    summary: str | None
    seq: int | None
    acked_ts: float | None
    acked_by: str | None
    ack_note: str | None


@dataclass(slots=True)
class HookRow:
    """A notification hook's health."""

    name: str
    status: str | None
    detail: str | None
    sent: int | None
    failures: int | None
    pending: int | None
    updated_at: float | None


@dataclass(slots=True)
class RatingRow:
    """A post-call survey score (the `call_rated` event), with the call's queue and agent."""

    id: int
    call_ref: int | None
    call_id: str | None
    queue: str | None
    agent: str | None
    ts: float
    score: float
    scale_max: float | None
    comment: str | None


@dataclass(slots=True)
class ScheduleRow:
    """One planned activity of an agent (`floorwatch schedule import`)."""

    id: int
    agent: str
    day: str
    start: float
    end: float
    activity: str
