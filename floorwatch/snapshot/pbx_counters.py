"""Asterisk's own queue counters (`queue show`: C, A, SL, SL2, "has taken N calls"), computed
from the calls the way app_queue.c computes them, quirks included, so a supervisor can put them
beside the PBX's without adding five fields by hand. floorwatch's own numbers (metrics.py) stay
what the log says; these are for checking, and docs/metrics.md ("Checking against the PBX")
gives each rule with the app_queue.c function it comes from.

Plain Python: rows in, counters out, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from floorwatch.store.rows import CallRow, MembershipRow

#: Outcomes app_queue's record_abandoned() counts in `A` (ABANDON, EXITWITHTIMEOUT,
#: EXITEMPTY, WITHDRAW); a key press (EXITWITHKEY) is in neither C nor A.
ABANDONED_OUTCOMES = frozenset({"abandoned", "timeout", "empty", "withdraw"})


@dataclass
class PbxCounters:
    """One queue's counters as `queue show` prints them."""

    threshold_s: float
    completed: int = 0  # C: callscompleted
    completed_in_sl: int = 0  # callscompletedinsl
    abandoned: int = 0  # A: callsabandoned
    abandoned_in_sl: int = 0  # callsabandonedinsl
    #: Current members -> "has taken N calls".
    calls_taken: dict[str, int] = field(default_factory=dict)

    @property
    def offered(self) -> int:
        """The calls Asterisk's counters saw end: C + A (SL2's denominator)."""
        return self.completed + self.abandoned

    @property
    def service_level(self) -> float | None:
        """SL: completed within T / completed (servicelevelperf)."""
        return self.completed_in_sl / self.completed if self.completed else None

    @property
    def service_level2(self) -> float | None:
        """SL2: (completed within T + abandoned within T) / (C + A) (servicelevelperf2)."""
        if not self.offered:
            return None
        return (self.completed_in_sl + self.abandoned_in_sl) / self.offered

    def to_dict(self) -> dict[str, Any]:
        return {
            "completed": self.completed,
            "abandoned": self.abandoned,
            "offered": self.offered,
            "completed_in_sl": self.completed_in_sl,
            "abandoned_in_sl": self.abandoned_in_sl,
            "service_level": self.service_level,
            "service_level2": self.service_level2,
            "threshold_s": self.threshold_s,
            "calls_taken": dict(self.calls_taken),
        }


def _member_at(memberships: list[MembershipRow], at: float) -> bool:
    return any(m.joined_at <= at and (m.left_at is None or m.left_at > at) for m in memberships)


def pbx_counters(
    calls: Iterable[CallRow],
    memberships: Iterable[MembershipRow],
    thresholds: Mapping[str, float],
    now: float,
    shared_lastcall: bool = True,
) -> dict[str, PbxCounters]:
    """Each queue's counters over `calls` (the span the PBX counted: since it started), with
    each queue's service-level window T from `thresholds`.

    - C (update_queue): an answered call counts when it ends (completed or transferred). With
      `shared_lastcall` (queues.conf [general]; the shared capture's setting) only if its
      member is still a member of some queue then: a member removed mid-call loses it.
      Within SL when the wait was at most T (try_calling's callcompletedinsl, at connect).
    - A (record_abandoned): abandoned, timed out, left empty, withdrawn; within SL when the
      wait was at most T.
    - "has taken N calls": every current member's calls that ended (in any queue, with
      `shared_lastcall`) since they joined this queue; a member removed and added again starts
      from 0, a member who was never removed (a static one) counts from the start.
    """
    by_agent: dict[str, list[MembershipRow]] = {}
    for membership in memberships:
        if membership.joined_at <= now:
            by_agent.setdefault(membership.agent, []).append(membership)
    counters = {queue: PbxCounters(float(t)) for queue, t in thresholds.items()}
    ended: list[CallRow] = []
    for call in calls:
        if call.queue not in counters:
            counters[call.queue] = PbxCounters(float(thresholds.get(call.queue, 20.0)))
        queue = counters[call.queue]
        wait = call.wait_s or 0.0
        if (
            call.outcome in ABANDONED_OUTCOMES
            and call.wait_end_at is not None
            and call.wait_end_at <= now
        ):
            queue.abandoned += 1
            queue.abandoned_in_sl += wait <= queue.threshold_s
        elif call.outcome == "answered" and call.ended_at is not None and call.ended_at <= now:
            if shared_lastcall and not _member_at(
                by_agent.get(call.agent or "", []), call.ended_at
            ):
                continue
            queue.completed += 1
            queue.completed_in_sl += wait <= queue.threshold_s
            ended.append(call)
    for agent, rows in by_agent.items():
        rows.sort(key=lambda m: m.joined_at)
        for index, membership in enumerate(rows):
            if membership.left_at is not None and membership.left_at <= now:
                continue
            queue = counters.setdefault(
                membership.queue, PbxCounters(float(thresholds.get(membership.queue, 20.0)))
            )
            readded = any(m.queue == membership.queue for m in rows[:index])
            since = membership.joined_at if readded else float("-inf")
            queue.calls_taken[agent] = sum(
                1
                for call in ended
                if call.agent == agent
                and since <= call.ended_at
                and (shared_lastcall or call.queue == membership.queue)
            )
    return counters
