"""The floor map: one tile per agent - state symbol and colour, name, time in state, burnout
marker - in groups, every agent on one screen (widgets/tile_layout.py picks the tile size).

One widget draws every tile (500 widgets would cost a layout each); the arrow keys move a
cursor tile, Enter or a click opens the agent, `g` groups by queue, team, state or not at all.
An update costs the agents that changed: an agent nothing happened to is the same object from
one snapshot to the next, so its group and place in the order (tile_layout.Grouper), its drawn
tile and its group's header line are remembered, and a map whose every line is as before is
not drawn again.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.widget import Widget

from floorwatch.config import Config
from floorwatch.format import ON_CALL, STATE_WORDS, clock, level
from floorwatch.glyphs import UNICODE, Glyphs
from floorwatch.safe_text import printable
from floorwatch.snapshot.burnout import rule_title
from floorwatch.snapshot.floor_snapshot import AgentSnapshot, FloorSnapshot
from floorwatch.widgets.agent_board import burnout_level
from floorwatch.widgets.guard import shielded
from floorwatch.widgets.tile_layout import GAP, GROUPINGS, Group, Grouper, TileSize, choose_size

#: Agent states in colours that are not the severity colours: a paused agent is not a warning.
STATE_STYLE = {
    "available": "bold $success",
    "ringing": "bold $accent",
    "on_call": "$primary",
    "wrapup": "$secondary",
    "paused": "$foreground",
    "offline": "$text-muted",
}
#: Burnout and a call going on too long, in the severity colours (floorwatch/severity.py).
BURNOUT_STYLE = {
    "critical": "bold $fw-on-critical on $fw-critical",
    "warning": "bold $fw-warning",
    "watch": "$text-muted",
}
STUCK_STYLE = {"warning": "bold $fw-warning", "critical": "bold $fw-on-critical on $fw-critical"}


def _short(value: float | None) -> str:
    """12s, 4m, 1h02: a tile's time in state."""
    if value is None:
        return "-"
    value = int(value)
    if value < 60:
        return f"{value}s"
    if value < 3600:
        return f"{value // 60}m"
    return f"{value // 3600}h{value % 3600 // 60:02d}"


def _fit(text: str, width: int, glyphs: Glyphs) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + glyphs.ellipsis


class AgentTiles(Widget, can_focus=True):
    """Every agent of the floor as a tile."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open agent"),
        Binding("g", "regroup", "Group by"),
        Binding("left", "move(-1, 0)", show=False),
        Binding("right", "move(1, 0)", show=False),
        Binding("up", "move(0, -1)", show=False),
        Binding("down", "move(0, 1)", show=False),
    ]
    DEFAULT_CSS = "AgentTiles { height: 1fr; }"

    class Selected(Message):
        def __init__(self, agent: str):
            super().__init__()
            self.agent = agent

    def __init__(self, config: Config, glyphs: Glyphs = UNICODE, *, id: str | None = None):
        super().__init__(id=id)
        self.config = config
        self.glyphs = glyphs
        self.grouping = "team" if config.agents.teams else "queue"
        self.cursor: str | None = None
        self.size_used: TileSize | None = None
        #: Where each tile is: agent -> (row, column) of its top-left cell.
        self.places: dict[str, tuple[int, int]] = {}
        self.hidden = 0
        self._snapshot: FloorSnapshot | None = None
        self._lines: list[Content] = []
        self.failure: str | None = None
        #: The groups, kept from one update to the next; agent name -> (the object, what its
        #: tile showed, the tile's lines), reused while the agent is the same object; group
        #: label -> (the group, the width, its header line), while the group is the same.
        self._grouper = Grouper()
        self._headers: dict[str, tuple[Group, int, Content]] = {}
        self._tiles: dict[str, tuple[AgentSnapshot, tuple, list[Content]]] = {}
        self._drawn_key: tuple | None = None
        self._held: list = []
        #: Agents with an alarm up (the map screen hands them over): their tile is inverse.
        self.alarmed: dict[str, str] = {}

    # ----------------------------------------------------------------- drawing
    @shielded
    def show(self, snapshot: FloorSnapshot) -> None:
        self._snapshot = snapshot
        self._build()

    def on_resize(self) -> None:
        if self._snapshot is not None:
            self.show(self._snapshot)

    def show_failure(self, message: str | None) -> None:
        self.failure = message
        if message is not None:
            self._lines = [
                Content.styled(
                    f"{self.glyphs.severity['warning']} cannot draw the floor map: {message}",
                    "bold $error",
                )
            ]
            self.refresh()

    def _build(self) -> None:
        snapshot = self._snapshot
        width, height = self.size.width or 80, self.size.height or 20
        queue_names = {name: queue.display_name for name, queue in snapshot.queues.items()}
        found = self._grouper.groups(
            snapshot.agents, self.grouping, self.config.agents.teams, queue_names
        )
        size = choose_size([len(group.agents) for group in found], width, height)
        across = max(1, (width + GAP) // (size.width + GAP))
        rows: list[Content | list[list[Content]]] = []  # a group's header, or a row of tiles
        used = 0
        places: dict[str, tuple[int, int]] = {}
        shown = 0
        for group in found:
            if used >= height:
                break
            rows.append(self._cached_header(group, width))
            used += 1
            for start in range(0, len(group.agents), across):
                if used + size.height > height:
                    break
                row = group.agents[start : start + across]
                rows.append([self._cached_tile(agent, size, snapshot.at) for agent in row])
                for index, agent in enumerate(row):
                    places[agent.name] = (used, index * (size.width + GAP))
                used += size.height
                shown += len(row)
        self.hidden = len(snapshot.agents) - shown
        if self.cursor not in places:
            self.cursor = next(iter(places), None)
        self.size_used, self.places = size, places
        # The tiles' lists are kept (self._held) while drawn, so their ids stand for them.
        drawn_key = (
            size,
            width,
            height,
            self.cursor,
            self.has_focus,
            self.hidden,
            tuple(row.plain if isinstance(row, Content) else tuple(map(id, row)) for row in rows),
        )
        if drawn_key == self._drawn_key:
            return  # every tile as it was: nothing to draw
        lines: list[Content] = []
        for row in rows:
            if isinstance(row, Content):
                lines.append(row)
                continue
            for line in range(size.height):
                lines.append(Content(" " * GAP).join(tile[line] for tile in row))
        if self.hidden:
            note = Content.styled(
                f" +{self.hidden} agents not shown: a larger window (or a "
                "smaller font) shows them all ",
                "bold reverse",
            )
            lines = lines[: height - 1] + [note]
        self._drawn_key, self._lines, self._held = drawn_key, lines, rows
        self.refresh()

    def _cached_header(self, group: Group, width: int) -> Content:
        """The group's header, counted again only when its agents changed (a new Group)."""
        known = self._headers.get(group.label)
        if known is not None and known[0] is group and known[1] == width:
            return known[2]
        header = self._header(group.label, group.agents, width)
        self._headers[group.label] = (group, width, header)
        return header

    def _cached_tile(self, agent: AgentSnapshot, size: TileSize, at: float) -> list[Content]:
        """The tile's lines, drawn again only when the agent, the size, the cursor or the
        time it shows has changed."""
        in_state = agent.time_in_state_s(at)
        shown_time = (
            clock(in_state) if size.height > 1 else (_short(in_state) if size.width >= 17 else "")
        )
        cursor = agent.name == self.cursor and self.has_focus
        key = (
            size,
            shown_time,
            cursor,
            self._stuck(agent, in_state),
            self.alarmed.get(agent.name),
            self._changed(agent, at),
        )
        known = self._tiles.get(agent.name)
        if known is not None and known[0] is agent and known[1] == key:
            return known[2]
        lines = self._tile(agent, size, at)
        self._tiles[agent.name] = (agent, key, lines)
        return lines

    def _changed(self, agent: AgentSnapshot, at: float) -> bool:
        """The agent's state changed a moment ago (`[display] changed_mark_s`), as the agent
        board marks the name."""
        recent_s = self.config.display.changed_mark_s
        since = agent.since
        return since is not None and recent_s > 0 and 0 <= at - since < recent_s

    def _stuck(self, agent: AgentSnapshot, in_state: float | None) -> str:
        if agent.state != ON_CALL:
            return "ok"
        limits = self.config.colors.call_duration_s
        return level(in_state, limits.warning, limits.critical)

    def _header(self, label: str, agents: list[AgentSnapshot], width: int) -> Content:
        counts: dict[str, int] = {}
        for agent in agents:
            counts[agent.state] = counts.get(agent.state, 0) + 1
        summary = "  ".join(
            f"{self.glyphs.states.get(state, '?')} {count}" for state, count in counts.items()
        )
        count = f"{len(agents)} agent" + ("s" if len(agents) != 1 else "")
        text = _fit(f" {printable(label)}  {count}   {summary}", width, self.glyphs)
        return Content.styled(text.ljust(width), "bold $foreground on $panel")

    def _tile(self, agent: AgentSnapshot, size: TileSize, at: float) -> list[Content]:
        glyphs = self.glyphs
        symbol = glyphs.states.get(agent.state, "?")
        name = _fit(printable(agent.display_name), size.name, glyphs)
        in_state = agent.time_in_state_s(at)
        severity = burnout_level(agent)
        marker = glyphs.burnout.get(severity, "") if severity else ""
        stuck = self._stuck(agent, in_state)
        state_style = STATE_STYLE.get(agent.state, "")
        if size.height == 1:
            time_text = "" if size.width < 17 else f" {_short(in_state):>4}"
            body = f"{symbol}{name:<{size.name}}{time_text}"
            body = body.ljust(size.width - len(marker))
            parts = [Content.styled(body, state_style), self._marker(marker, severity)]
            lines = [Content.assemble(*parts)]
        else:
            first = f"{symbol} {name}".ljust(size.width - len(marker))
            word = STATE_WORDS.get(agent.state, agent.state)
            second = f"{word} {clock(in_state)}"
            lines = [
                Content.assemble(
                    Content.styled(first, state_style), self._marker(marker, severity)
                ),
                Content.styled(second.ljust(size.width), STUCK_STYLE.get(stuck, "$text-muted")),
            ]
            if size.height >= 3:
                flags = agent.flags
                why = rule_title(getattr(flags[0], "rule", "")) if flags else ""
                third = f"{marker} {why}" if why else ", ".join(agent.queues)
                lines.append(
                    Content.styled(
                        _fit(printable(third), size.width, glyphs).ljust(size.width), "$text-muted"
                    )
                )
        lines = [
            line.pad_right(size.width - line.cell_length).stylize_before("on $surface")
            for line in lines
        ]
        if self._changed(agent, at):  # like the agent board's name: bold, underlined
            lines[0] = lines[0].stylize("bold underline", 0, 1 + len(symbol) + len(name))
        alarmed = agent.name in self.alarmed
        if alarmed:  # an alarm: the whole tile inverse, reverse and bold
            lines = [line.stylize("reverse bold") for line in lines]
        if agent.name == self.cursor and self.has_focus:
            lines = [line.stylize("underline" if alarmed else "reverse") for line in lines]
        return lines

    @staticmethod
    def _marker(marker: str, severity: str | None) -> Content:
        if not marker:
            return Content("")
        return Content.styled(marker, BURNOUT_STYLE.get(severity or "", ""))

    def render(self) -> Content:
        return Content("\n").join(self._lines) if self._lines else Content("no agents yet")

    # ----------------------------------------------------------------- keys
    def on_focus(self) -> None:
        self.on_resize()

    def on_blur(self) -> None:
        self.on_resize()

    def action_open(self) -> None:
        if self.cursor is not None:
            self.post_message(self.Selected(self.cursor))

    def action_regroup(self) -> None:
        choices = [g for g in GROUPINGS if g != "team" or self.config.agents.teams]
        self.grouping = choices[(choices.index(self.grouping) + 1) % len(choices)]
        if self._snapshot is not None:
            self.show(self._snapshot)

    def action_move(self, across: int, down: int) -> None:
        if self.cursor not in self.places:
            return
        row, column = self.places[self.cursor]
        if across:
            same = sorted((c, name) for name, (r, c) in self.places.items() if r == row)
            names = [name for _, name in same]
            index = names.index(self.cursor) + across
            if 0 <= index < len(names):
                self.cursor = names[index]
        else:
            rows = sorted({r for r, _ in self.places.values()})
            index = rows.index(row) + down
            if 0 <= index < len(rows):
                target = rows[index]
                self.cursor = min(
                    (abs(c - column), name) for name, (r, c) in self.places.items() if r == target
                )[1]
        if self._snapshot is not None:
            self.show(self._snapshot)

    def agent_at(self, x: int, y: int) -> str | None:
        width = self.size_used.width if self.size_used else 0
        height = self.size_used.height if self.size_used else 1
        for name, (row, column) in self.places.items():
            if row <= y < row + height and column <= x < column + width:
                return name
        return None

    def on_click(self, event: Click) -> None:
        name = self.agent_at(event.x, event.y)
        if name is not None:
            self.cursor = name
            self.post_message(self.Selected(name))
