"""The app's keys that open another view or steer a replay, mixed into FloorwatchApp.

They act on what the app holds (the live floor, the lookback, the config), so they live beside
it, but out of the class that wires the screens: `ViewKeys` opens the wallboard, the map, the
alarm list, help, an agent and the shift handover; `ReplayKeyActions` pauses and speeds a replay.
"""

from __future__ import annotations

from typing import Protocol

from textual import work

from floorwatch.screens.agent import AgentScreen
from floorwatch.screens.alarms import AlarmListScreen
from floorwatch.screens.floor_map import FloorMapScreen
from floorwatch.screens.help import HelpScreen
from floorwatch.screens.wallboard import WallboardScreen


class ReplayKeys(Protocol):
    """What the replay keys act on (floorwatch.modes.replay.ReplayControl)."""

    def toggle_pause(self) -> None: ...

    def faster(self) -> None: ...

    def slower(self) -> None: ...

    def describe(self) -> str: ...


class ReplayKeyActions:
    """`p`, `+` and `-` in a replay (FloorwatchApp.check_action hides them elsewhere)."""

    def action_replay_pause(self) -> None:
        self.replay.toggle_pause()
        self.notify(self.replay.describe(), timeout=1.5, markup=False)
        self.live.wake()

    def action_replay_faster(self) -> None:
        self.replay.faster()
        self.notify(self.replay.describe(), timeout=1.5, markup=False)

    def action_replay_slower(self) -> None:
        self.replay.slower()
        self.notify(self.replay.describe(), timeout=1.5, markup=False)


class ViewKeys:
    """`w`, `m`, `a`, `?`, `H` and Enter on an agent: the views every screen can open."""

    def action_wallboard(self) -> None:
        if isinstance(self.screen, WallboardScreen):
            self.pop_screen()
        else:
            self.push_screen(WallboardScreen(self.wall_queue, self.rotate_s))

    def action_floor_map(self) -> None:
        if isinstance(self.screen, FloorMapScreen):
            self.pop_screen()
        else:
            self.push_screen(FloorMapScreen())

    def action_alarms(self) -> None:
        if isinstance(self.screen, AlarmListScreen):
            self.pop_screen()
        else:
            self.push_screen(AlarmListScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_handover(self) -> None:
        """`H`: the shift up to the floor shown (live or rewound) as Markdown, in a file."""
        if self.update is not None:
            self._write_handover(self.update.snapshot)

    @work(thread=True, exclusive=True, group="handover", exit_on_error=False, name="handover")
    def _write_handover(self, snapshot) -> None:
        from floorwatch.reports.handover import handover_markdown, handover_path

        display = self.config.display
        record = self.lookback.shift(snapshot.at - display.handover_shift_h * 3600, snapshot.at)
        text = handover_markdown(snapshot, record, self.config, source=str(self.live.db_path))
        path = handover_path(display.handover_dir, snapshot.at, self.config)
        path.write_text(text, encoding="utf-8")
        self.call_from_thread(self._handover_written, str(path))

    def _handover_written(self, path: str) -> None:
        self.handover_file = path
        self.sub_title = f"handover written to {path}"
        self.notify(f"handover written to {path}", timeout=10, markup=False)

    def open_agent(self, name: str) -> None:
        """Drill into an agent: the live thread loads the day while the screen is built."""
        self.live.focus(name)
        screen = getattr(self, "_agent_screen", None)
        if screen is None:  # one screen for every agent, installed so closing keeps it
            screen = self._agent_screen = AgentScreen(name)
            self.install_screen(screen, "agent")
        elif screen in self.screen_stack:  # an agent opened from above an agent's screen
            screen = AgentScreen(name)
        else:
            screen.show_agent(name)
        self.push_screen(screen)
        self.reread_past()  # rewound: the agent's day up to the rewound instant
