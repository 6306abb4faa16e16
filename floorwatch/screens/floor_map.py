"""The floor map (`m`): every agent as a tile on one screen, grouped; Enter opens an agent."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from floorwatch.screens.floor import FloorScreen
from floorwatch.screens.rewind import rewound_marker
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.widgets.agent_tiles import AgentTiles
from floorwatch.widgets.alarm_marks import AlarmMarks
from floorwatch.widgets.alarm_strip import AlarmStrip
from floorwatch.widgets.rewound_line import follow_rewind
from floorwatch.widgets.wall_status import status_line


class FloorMapScreen(Screen):
    """The map of the floor; its status line is the wallboard's (clock and feed health)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,m", "app.pop_screen", "Floor"),
        Binding("slash", "search", "Find", key_display="/"),
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="map-status")
        yield AlarmStrip()
        yield AgentTiles(self.app.config, self.app.glyphs, id="tiles")
        yield Footer()

    def on_mount(self) -> None:
        follow_rewind(self.query_one("#map-status"))
        #: Agents with an alarm up: their tiles are marked.
        self.marks = AlarmMarks()
        self.query_one(AgentTiles).focus()
        self.watch(self.app, "update", self.show_update)
        self.watch(self.app, "rewound_at", lambda at: self.show_update(self.app.update), init=False)

    def show_update(self, update: FloorUpdate | None) -> None:
        if update is None or self.app.screen is not self:
            return
        snapshot = update.snapshot
        tiles = self.query_one(AgentTiles)
        self.marks.take(update.alarms, self.app.silenced)
        tiles.alarmed = self.marks.agents
        tiles.show(snapshot)
        app = self.app
        text, feed_level = status_line(
            snapshot,
            app.config,
            app.glyphs,
            zone=app.config.tzinfo(),
            problem=app.problem,
            page=(0, 1),
            frozen=app.frozen,
            note=f"grouped by {tiles.grouping}; g: regroup",
            rewound=rewound_marker(app),
        )
        status = self.query_one("#map-status", Static)
        status.update(text, layout=False)
        for name in ("ok", "warning", "critical"):
            status.set_class(name == feed_level, f"-feed-{name}")

    def on_screen_resume(self) -> None:
        self.show_update(self.app.update)

    @on(AgentTiles.Selected)
    def _open(self, event: AgentTiles.Selected) -> None:
        floor = FloorScreen.of(self.app)
        if floor is not None:
            floor.open_agent(event.agent)
        else:
            self.app.open_agent(event.agent)

    def action_search(self) -> None:
        floor = FloorScreen.of(self.app)
        if floor is not None:
            floor.action_search()
