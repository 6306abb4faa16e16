"""What the floor model is fed: rows read from the store, and the same rows at an earlier instant.

A reader hands the model `Changes`: on the first load everything that matters for today (with
the day's calls that can no longer change summed by the store, `Settled`), then only what
changed. `clip_*` turn rows as they are now into rows as they were at an earlier instant, so the
same model answers `floorwatch snapshot --at TIME`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from floorwatch.snapshot.burnout import Flag
from floorwatch.store.rows import (
    AgentRow,
    CallRow,
    IntervalRow,
    MembershipRow,
    MissRow,
    SourceStatus,
)

#: Calls and intervals this long before the day started are kept, for windows across midnight.
LOOKBACK_S = 3 * 3600
#: `details` of a snapshot: every agent's costlier numbers.
ALL = "all"


@dataclass(slots=True)
class SettledQueue:
    """One queue's settled calls today: their summed contribution vector and longest wait."""

    vector: list[float]
    max_wait: float | None


@dataclass(slots=True)
class SettledAgent:
    """One agent's settled calls today: answered, handled (talk known), talk and wrap-up."""

    calls: int
    handled: int
    talk: float
    wrapup: float


@dataclass
class Settled:
    """Today's calls that can no longer change, summed by the store (SQL) instead of row by row.

    A call is settled when it is done and its wait ended before `before` (a couple of hours
    ago): reading the day's totals this way keeps a viewer's start-up and memory independent of
    how busy the day has been.
    """

    before: float
    max_call_id: int
    queues: dict[str, SettledQueue] = field(default_factory=dict)
    agents: dict[str, SettledAgent] = field(default_factory=dict)
    #: Ring-no-answers per agent.
    misses: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The reader's SQL hands plain tuples in column order: they get their names here, once.
        self.queues = {
            queue: value if isinstance(value, SettledQueue) else SettledQueue(*value)
            for queue, value in self.queues.items()
        }
        self.agents = {
            agent: value if isinstance(value, SettledAgent) else SettledAgent(*value)
            for agent, value in self.agents.items()
        }


@dataclass
class Changes:
    """Rows read from the store since the last look (or everything, on the first)."""

    calls: list[CallRow] = field(default_factory=list)
    availability: list[IntervalRow] = field(default_factory=list)
    pauses: list[IntervalRow] = field(default_factory=list)
    memberships: list[MembershipRow] = field(default_factory=list)
    misses: list[MissRow] = field(default_factory=list)
    agents: list[AgentRow] = field(default_factory=list)
    sources: list[SourceStatus] = field(default_factory=list)
    #: Today's calls summed by the store rather than read row by row (on the first load).
    settled: Settled | None = None
    #: Burnout flags raised, changed or cleared.
    flags: list[Flag] = field(default_factory=list)


def is_settled(call: CallRow, day_start: float, before: float) -> bool:
    """Done, its wait over on this day and before `before`, and ended before `before` too:
    nothing more can happen to it (the store sums such calls in SQL with the same test)."""
    return (
        call.status == "done"
        and call.wait_end_at is not None
        and day_start <= call.wait_end_at < before
        and (call.ended_at is None or call.ended_at < before)
    )


# ----------------------------------------------------------------- clipping to an instant
def clip_call(call: CallRow, at: float) -> CallRow | None:
    """The call as it stood at `at`, or None if it had not entered the queue yet."""
    if call.enqueued_at > at:
        return None
    if call.wait_end_at is not None and call.wait_end_at > at:
        return replace(
            call,
            status="waiting",
            outcome=None,
            wait_end_at=None,
            wait_s=None,
            answered_at=None,
            agent=None,
            ended_at=None,
            talk_s=None,
            ended_by=None,
            transfer_target=None,
            wrapup_s=None,
        )
    if call.ended_at is not None and call.ended_at > at:
        status = "talking" if call.outcome == "answered" else call.status
        return replace(
            call,
            status=status,
            ended_at=None,
            talk_s=None,
            ended_by=None,
            transfer_target=None,
            wrapup_s=None,
        )
    if (
        call.wrapup_s is not None
        and call.ended_at is not None
        and call.ended_at + call.wrapup_s > at
    ):
        return replace(call, wrapup_s=None)
    return call


def clip_interval(interval: IntervalRow, at: float) -> IntervalRow | None:
    if interval.start > at:
        return None
    if interval.end is not None and interval.end > at:
        return replace(interval, end=None)
    return interval


def clip_membership(membership: MembershipRow, at: float) -> MembershipRow | None:
    if membership.joined_at > at:
        return None
    if membership.left_at is not None and membership.left_at > at:
        return replace(membership, left_at=None)
    return membership


def clip_changes(changes: Changes, at: float) -> Changes:
    """Rows as they stood at `at` (for snapshots of a past instant)."""
    calls = [c for c in (clip_call(call, at) for call in changes.calls) if c is not None]
    availability = [i for i in (clip_interval(x, at) for x in changes.availability) if i]
    pauses = [i for i in (clip_interval(x, at) for x in changes.pauses) if i]
    memberships = [m for m in (clip_membership(x, at) for x in changes.memberships) if m]
    misses = [m for m in changes.misses if m.ts <= at]
    agents = [AgentRow(row.name, None, row.last_event_at) for row in changes.agents]
    flags = [f for f in changes.flags if f.raised_at <= at]
    flags = [
        replace(f, cleared_at=None) if f.cleared_at is not None and f.cleared_at > at else f
        for f in flags
    ]
    return Changes(
        calls,
        availability,
        pauses,
        memberships,
        misses,
        agents,
        changes.sources,
        changes.settled,
        flags,
    )
