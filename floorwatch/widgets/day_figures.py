"""The day's manager figures beside the boards' live ones: FCR, CSAT and adherence.

The snapshot carries them for the whole floor (`FloorSnapshot.quality`, `.adherence`); a
board's `show` hands them to a DayFigures, which its FCR, CSAT and adherence columns read, so
the rows stay the snapshot's own queues and agents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from floorwatch.format import percent
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.widgets.live_table import Cell, Column

#: How each adherence state reads in the agent board's column, and its style.
ADHERENCE_CELLS = {
    "adherent": ("✓", "good"),
    "late": ("▲ late", "warning"),
    "absent": ("✖ absent", "critical"),
    "unscheduled": ("? unsched", "warning"),
    "off_activity": ("▲ off-act", "warning"),
    "not_on_phones": ("▲ not ph", "warning"),
    "off": ("", None),
}


@dataclass
class DayFigures:
    quality: Any = None
    adherence: Any = None

    def update(self, snapshot: FloorSnapshot) -> None:
        self.quality = snapshot.quality
        self.adherence = snapshot.adherence

    def _figures(self, kind: str, name: str):
        if self.quality is None:
            return None
        return self.quality.queue(name) if kind == "queue" else self.quality.agent(name)

    def fcr(self, kind: str, name: str) -> float | None:
        figures = self._figures(kind, name)
        return None if figures is None else figures.fcr.rate

    def csat(self, kind: str, name: str) -> float | None:
        figures = self._figures(kind, name)
        return None if figures is None else figures.csat.csat

    def fcr_cell(self, kind: str, name: str) -> Cell:
        value = self.fcr(kind, name)
        return ("-", "muted") if value is None else (percent(value), None)

    def csat_cell(self, kind: str, name: str) -> Cell:
        figures = self._figures(kind, name)
        if figures is None or figures.csat.csat is None:
            return "-", "muted"
        return f"{percent(figures.csat.csat)} {figures.csat.mean_score:.1f}", None

    def adherence_state(self, agent: str) -> str | None:
        if self.adherence is None:
            return None
        state = self.adherence.agents.get(agent)
        return None if state is None else state.state

    def adherence_cell(self, agent: str) -> Cell:
        state = self.adherence_state(agent)
        if state is None:
            return "", None
        return ADHERENCE_CELLS.get(state, (state, None))


def quality_columns(day: DayFigures, kind: str, name: Callable[[Any], str]) -> list[Column]:
    """The FCR and CSAT columns of a board of `kind` ("queue" or "agent"), whose rows are
    named by `name`: the same two columns on both boards."""
    return [
        Column(
            "fcr",
            "FCR",
            5,
            lambda row, now: day.fcr_cell(kind, name(row)),
            "right",
            sort=lambda row: -(day.fcr(kind, name(row)) or 0),
            drop=4,
        ),
        Column(
            "csat",
            "CSAT",
            8,
            lambda row, now: day.csat_cell(kind, name(row)),
            "right",
            sort=lambda row: -(day.csat(kind, name(row)) or 0),
            drop=4,
        ),
    ]
