"""The floor as the alarm rules read it, in a round of the ingest's alarm monitor: only the
figures the rules need.

A dashboard's FloorSnapshot holds every window, the totals, the staffing gap and the trends,
and per queue every staffing count. A LeanFloor holds per queue the callers waiting, the
windows the rules read (each the same WindowStats object while its sums do not move) and the
agents free, in a small object made every round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from floorwatch.snapshot.floor_snapshot import AgentSnapshot, FeedHealth, WaitingCall
from floorwatch.snapshot.metrics import WindowStats


@dataclass(slots=True)
class QueueFigures:
    """What the queue rules read of one queue."""

    name: str
    display_name: str
    #: Oldest first (model/waiting.py): the same tuple while nobody joins or leaves.
    waiting: Sequence[WaitingCall]
    #: Only the windows asked for (the rules': "30m", and "15m" for the forecast).
    windows: dict[str, WindowStats]
    threshold_s: float
    target: float
    agents_available: int

    @property
    def calls_waiting(self) -> int:
        return len(self.waiting)

    def longest_wait_s(self, at: float) -> float | None:
        """The oldest caller's wait at `at` (None: nobody waiting), as a snapshot has it."""
        return self.waiting[0].wait_s(at) if self.waiting else None


@dataclass
class LeanFloor:
    """What the alarm rules read of the floor at `at`: every queue's figures (in the order a
    snapshot lists them), every agent as a snapshot shows them, each feed's health."""

    at: float
    queues: dict[str, QueueFigures]
    #: The model's own listing (ShownAgents.listing): read in the round, never kept.
    agents: Mapping[str, AgentSnapshot]
    feeds: list[FeedHealth]
