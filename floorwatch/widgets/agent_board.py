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
from floorwatch.widgets.action_keys import ACTION_BINDINGS, action_key_shown
from floorwatch.widgets.alarm_marks import AlarmMarks
from floorwatch.widgets.day_figures import DayFigures, quality_columns
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


def agent_columns(
    config: Config, marks: AlarmMarks | None = None, day: DayFigures | None = None
) -> list[Column[AgentSnapshot]]:
    colors = config.colors
    recent_s = config.display.changed_mark_s
    marks = marks or AlarmMarks()
    day = day or DayFigures()

    def name(agent: AgentSnapshot, now: float) -> Cell:
        """The name: flagged while an alarm is up for the agent, else marked for a moment
        after the agent's state changed (like `htop -H`)."""
        text, style = marks.name_cell(marks.agents, agent.name, agent.display_name)
        if style is not None:
            return text, style
        since = agent.since
        changed = since is not None and recent_s > 0 and 0 <= now - since < recent_s
        return text, "changed" if changed else None

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
            name,
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
        *quality_columns(day, "agent", lambda row: row.name),
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
        *ACTION_BINDINGS,
    ]

    class ActRequested(Message):
        """An action key on an agent: the screen asks what it needs and confirms."""

        def __init__(self, action: str, agent: str):
            super().__init__()
            self.action = action
            self.agent = agent

    class SearchRequested(Message):
        """`/`: the screen opens the agent search."""

    class FilterRequested(Message):
        """`f`: the screen offers queues and states to filter by."""

    def __init__(self, config: Config, *, id: str | None = None):
        #: Agents with an alarm up (the screen hands them over with each update).
        self.marks = AlarmMarks()
        self.day = DayFigures()
        super().__init__(agent_columns(config, self.marks, self.day), id=id)
        self.config = config
        self.empty_message = "no agents logged in today"
        self.filter_label: str | None = None
        self.sort_column = "state"

    def mark_alarms(self, alarms, silenced=()) -> None:
        """The alarms up now: names with one are marked (widgets/alarm_marks.py)."""
        if self.marks.take(alarms, silenced) and self.rows:
            self.remeasure()

    @shielded
    def show(self, snapshot: FloorSnapshot) -> None:
        self.day.update(snapshot)
        self.update_rows(snapshot.agents, snapshot.at)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_key_shown(self, action, parameters)

    def action_act(self, action: str) -> None:
        agent = self.cursor_key
        if agent is not None:
            self.post_message(self.ActRequested(action, str(agent)))

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
