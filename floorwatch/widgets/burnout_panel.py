"""Agents with burnout flags, most severe first, each with its top reason. `b` jumps here."""

from __future__ import annotations

from floorwatch.config import Config
from floorwatch.format import seconds
from floorwatch.snapshot.burnout import RANK, rule_title
from floorwatch.snapshot.floor_snapshot import AgentSnapshot, FloorSnapshot
from floorwatch.widgets.agent_board import SEVERITY_MARK, burnout_level
from floorwatch.widgets.guard import shielded
from floorwatch.widgets.live_table import Cell, Column, LiveTable


def _top(agent: AgentSnapshot):
    return agent.flags[0] if agent.flags else None


def burnout_columns() -> list[Column[AgentSnapshot]]:
    def level(agent: AgentSnapshot, now: float) -> Cell:
        severity = burnout_level(agent) or "watch"
        return SEVERITY_MARK[severity], f"flag-{severity}"

    def reason(agent: AgentSnapshot, now: float) -> Cell:
        top = _top(agent)
        if top is None:
            return "", None
        title = rule_title(top.rule)
        more = f" +{len(agent.flags) - 1}" if len(agent.flags) > 1 else ""
        return f"{title}{more}: {top.summary}", None

    def since(agent: AgentSnapshot, now: float) -> Cell:
        top = _top(agent)
        return (seconds(now - top.since), "muted") if top and top.since else ("", None)

    return [
        Column(
            "level",
            "level",
            7,
            level,
            sort=lambda a: (-RANK.get(burnout_level(a) or "watch", 0), -len(a.flags)),
        ),
        Column(
            "agent", "agent", 8, lambda a, now: (a.display_name, None), content=True, max_width=40
        ),
        Column("for", "for", 6, since, "right"),
        # The whole reason where there is room for it; cut (…) where there is not, and in
        # full on the agent's screen (Enter).
        Column("reason", "top reason", 20, reason, flex=True, content=True),
    ]


class BurnoutPanel(LiveTable[AgentSnapshot]):
    """The flagged agents; Enter opens one."""

    def __init__(self, config: Config, *, id: str | None = None):
        super().__init__(burnout_columns(), id=id)
        self.config = config
        self.sort_column = "level"
        self.empty_message = "no burnout flags"

    @shielded
    def show(self, snapshot: FloorSnapshot) -> None:
        flagged = {name: agent for name, agent in snapshot.agents.items() if agent.flags}
        self.update_rows(flagged, snapshot.at)
        self.set_class(not flagged, "-empty")
