"""One line per agent: state (symbol and colour), how long, the call, today's numbers, and the
burnout marker. Sort with `s`, filter with `f`, find with `/`, open with Enter."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from floorwatch.config import Config
from floorwatch.format import ON_CALL, PAUSED, STATE_ORDER, WRAPUP, level, seconds, state_label
from floorwatch.snapshot.floor_snapshot import AgentSnapshot, FloorSnapshot
from floorwatch.widgets.day_figures import DayFigures
from floorwatch.widgets.guard import shielded
from floorwatch.widgets.live_table import Cell, Column
from floorwatch.widgets.sortable_board import SortableBoard

SEVERITY_ORDER = {"critical": 0, "warning": 1, "watch": 2}
SEVERITY_MARK = {"critical": "■ crit", "warning": "▲ warn", "watch": "△ watch"}


def burnout_level(agent: AgentSnapshot) -> str | None:
    """The agent's overall burnout severity (flags carry `severity`; the highest wins)."""
    overall = getattr(agent, "burnout", None)
    if overall:
        return overall
    severities = [getattr(flag, "severity", None) for flag in agent.flags]
    known = [s for s in severities if s in SEVERITY_ORDER]
    return min(known, key=SEVERITY_ORDER.get) if known else None


def agent_columns(config: Config, day: DayFigures | None = None) -> list[Column[AgentSnapshot]]:
    colors = config.colors
    day = day or DayFigures()

    def state(agent: AgentSnapshot, now: float) -> Cell:
        return state_label(agent.state), f"state-{agent.state}"

    def time_in_state(agent: AgentSnapshot, now: float) -> Cell:
        value = agent.time_in_state_s(now)
        style = None
        if agent.state == ON_CALL:
            style = level(value, colors.call_duration_s.warning, colors.call_duration_s.critical)
            style = None if style == "ok" else style
        return seconds(value), style

    def reason(agent: AgentSnapshot, now: float) -> Cell:
        if agent.state in (PAUSED, WRAPUP):
            return agent.reason or "", None
        if agent.paused_in:
            return "‖ " + ",".join(agent.paused_in), "muted"
        return "", None

    def burnout(agent: AgentSnapshot, now: float) -> Cell:
        severity = burnout_level(agent)
        if severity is None:
            return "", None
        return SEVERITY_MARK[severity], f"flag-{severity}"

    return [
        Column(
            "agent",
            "agent",
            10,
            lambda a, now: (a.display_name, None),
            content=True,
            max_width=40,
            sort=lambda a: a.display_name.casefold(),
        ),
        Column(
            "state", "state", 11, state, sort=lambda a: (STATE_ORDER.get(a.state, 9), a.since or 0)
        ),
        Column("time", "for", 6, time_in_state, "right", sort=lambda a: a.since or 0),
        Column("reason", "reason", 6, reason, drop=2, content=True, max_width=16),
        Column(
            "queue",
            "queue",
            6,
            lambda a, now: (a.queue or "", None),
            content=True,
            max_width=14,
            sort=lambda a: a.queue or "~",
            drop=1,
        ),
        Column(
            "calls",
            "calls",
            5,
            lambda a, now: (str(a.calls_today), None),
            "right",
            sort=lambda a: -a.calls_today,
            drop=3,
        ),
        Column(
            "aht",
            "AHT",
            6,
            lambda a, now: (seconds(a.aht_today_s), None),
            "right",
            sort=lambda a: -(a.aht_today_s or 0),
            drop=3,
        ),
        Column(
            "fcr",
            "FCR",
            5,
            lambda a, now: day.fcr_cell("agent", a.name),
            "right",
            sort=lambda a: -(day.fcr("agent", a.name) or 0),
            drop=4,
        ),
        Column(
            "csat",
            "CSAT",
            8,
            lambda a, now: day.csat_cell("agent", a.name),
            "right",
            sort=lambda a: -(day.csat("agent", a.name) or 0),
            drop=4,
        ),
        Column(
            "adherence",
            "sched",
            9,
            lambda a, now: day.adherence_cell(a.name),
            sort=lambda a: day.adherence_state(a.name) or "~",
            drop=2,
        ),
        Column(
            "burnout",
            "burnout",
            7,
            burnout,
            sort=lambda a: SEVERITY_ORDER.get(burnout_level(a) or "", 9),
        ),
    ]


class AgentBoard(SortableBoard[AgentSnapshot]):
    """The agents on the floor. Owns the keys that act on it (the sort keys: SortableBoard)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "filter", "Filter"),
        Binding("slash", "search", "Search", key_display="/"),
    ]

    class SearchRequested(Message):
        """`/`: the screen opens the agent search."""

    class FilterRequested(Message):
        """`f`: the screen offers queues and states to filter by."""

    def __init__(self, config: Config, *, id: str | None = None):
        self.day = DayFigures()
        super().__init__(agent_columns(config, self.day), id=id)
        self.config = config
        self.empty_message = "no agents logged in today"
        self.filter_label: str | None = None
        self.sort_column = "state"

    @shielded
    def show(self, snapshot: FloorSnapshot) -> None:
        self.day.update(snapshot)
        self.update_rows(snapshot.agents, snapshot.at)

    def action_filter(self) -> None:
        self.post_message(self.FilterRequested())

    def action_search(self) -> None:
        self.post_message(self.SearchRequested())

    def filter_agents(self, queue: str | None = None, state: str | None = None) -> None:
        """Only the agents serving `queue`, or only those in `state`; neither: every agent."""
        if queue is not None:
            self.apply_filter(
                f"queue {self.config.queue_name(queue)}",
                lambda agent: queue in agent.queues or agent.queue == queue,
            )
        elif state is not None:
            self.apply_filter(f"state {state}", lambda agent: agent.state == state)
        else:
            self.apply_filter(None, None)

    def apply_filter(
        self, label: str | None, predicate: Callable[[AgentSnapshot], bool] | None
    ) -> None:
        self.filter_label = label
        self.set_filter(predicate)
