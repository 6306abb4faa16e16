"""The dashboard application: wires the live floor to the screens. Nothing else lives here.

It holds what every screen shares: the latest floor (`update`), whether it is frozen, why the
store cannot be read (`problem`), the replay's keys, and the one handler of worker failures.
The agent board's filter, sort and search belong to the floor screen (screens/floor.py).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from typing import ClassVar

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from floorwatch.config import Config
from floorwatch.glyphs import Glyphs
from floorwatch.safe_text import printable
from floorwatch.screens.app_keys import ReplayKeyActions, ReplayKeys, ViewKeys
from floorwatch.screens.floor import FloorScreen
from floorwatch.screens.floor_map import FloorMapScreen
from floorwatch.screens.palette import FloorCommands
from floorwatch.screens.rewind import REWIND_BINDINGS, Rewinding
from floorwatch.screens.wallboard import WallboardScreen
from floorwatch.severity import severity_variables
from floorwatch.snapshot.alarms import Alarm
from floorwatch.snapshot.control_client import ControlAccess, control_access
from floorwatch.snapshot.live import FeedProblem, FloorUpdate, LiveFloor
from floorwatch.snapshot.lookback import Lookback
from floorwatch.widgets.guard import describe


def _no_color() -> bool:
    """NO_COLOR set (to anything): no blinking either (no-color.org asks for calm output)."""
    return bool(os.environ.get("NO_COLOR"))


class FloorwatchApp(ViewKeys, ReplayKeyActions, Rewinding, App):
    """A read-only viewer of one floorwatch store."""

    CSS_PATH = ["app.tcss", "severity.tcss"]
    TITLE = "floorwatch"
    #: Under 130 columns (a laptop over SSH) the agent board and the burnout panel stack
    #: instead of sitting side by side; under 30 rows the queue board gets less room.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (130, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    COMMANDS = App.COMMANDS | {FloorCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("space", "freeze", "Freeze"),
        Binding("w", "wallboard", "Wallboard"),
        Binding("m", "floor_map", "Map"),
        Binding("a", "alarms", "Alarms", show=False),
        Binding("p", "replay_pause", "Pause replay"),
        Binding("plus,equals_sign", "replay_faster", "Faster", key_display="+"),
        Binding("minus", "replay_slower", "Slower", key_display="-"),
        *REWIND_BINDINGS,
        Binding("H", "handover", "Shift handover", show=False),
    ]

    #: The latest floor shown (held back while frozen).
    update: var[FloorUpdate | None] = var(None)
    frozen: var[bool] = var(False)
    #: Why the store cannot be read right now, if it cannot.
    problem: var[str | None] = var(None)
    #: The instant the floor is rewound to (screens/rewind.py); None: live.
    rewound_at: var[float | None] = var(None)
    #: The alarms up now (the ingest's), newest first, and those this viewer silenced.
    alarms: var[tuple[Alarm, ...]] = var(())
    silenced: var[frozenset[int]] = var(frozenset())
    #: Seconds before a live-floor worker that failed is started again.
    LIVE_RETRY_S = 2.0

    class UpdateReady(Message):
        """A new floor from the live worker (posted from its thread)."""

        def __init__(self, update: FloorUpdate | FeedProblem):
            super().__init__()
            self.update = update

    def __init__(
        self,
        live: LiveFloor,
        config: Config,
        *,
        wall: bool = False,
        wall_queue: str | None = None,
        rotate_s: float | None = None,
        replay: ReplayKeys | None = None,
        banner: str | None = None,
        start: str = "floor",
        theme: str | None = None,
        glyphs: Glyphs | None = None,
        control: ControlAccess | None = None,
        bell: bool | None = None,
        blink: bool | None = None,
    ):
        super().__init__()
        #: One terminal bell per newly raised alarm (`--bell/--no-bell`, `[alarms] bell`).
        self.ring_bell = config.alarms.bell if bell is None else bell
        #: Marked alarms blink unless `--no-blink`, NO_COLOR or `[alarms] blink = false`.
        self.blink = (config.alarms.blink if blink is None else blink) and not _no_color()
        #: Alarms this viewer has seen raised (a bell rings once for each new one).
        self._alarms_seen: set[int] | None = None
        #: Unicode, or ASCII when the terminal's locale is not UTF-8 (`[display] ascii`).
        self.glyphs = glyphs or Glyphs.choose(config.display.ascii)
        #: The screen to open on: floor, wall or map (--wall is `wall`).
        self.start = "wall" if wall or wall_queue is not None else start
        self._theme_name = theme or config.display.theme
        self.live = live
        #: The replay's pause and speed, when showing a replay.
        self.replay = replay
        #: A word in the header saying what this is (demo, replay) when not a live floor.
        self.banner = banner
        self.config = config
        #: Whether this viewer can act through the ingest (the action keys), and if not why.
        self.control = control or control_access(config.control_socket(live.db_path))
        #: The supervisor's extension for listen / whisper / barge, once asked.
        self.supervisor_extension: str | None = None
        #: The name this viewer's acknowledgements are signed with, once asked.
        self.supervisor_name: str | None = None
        self.wall = self.start == "wall"
        self.wall_queue = wall_queue
        self.rotate_s = rotate_s
        self._stop = threading.Event()
        self._latest: FloorUpdate | None = None
        #: The past of the same store, on a connection of its own (rewind, explain).
        self.lookback = Lookback(live.db_path, config)
        #: When (monotonic) a key was last pressed, and the floor then: the first key after
        #: `[display] idle_digest_s` without one shows what changed since (snapshot/digest.py).
        self.monotonic = time.monotonic
        self._last_key_at = self.monotonic()
        self._floor_at_last_key: FloorUpdate | None = None
        #: The last handover file `H` wrote.
        self.handover_file: str | None = None
        #: The error that ended the app, if one did (the command line says it in one line).
        self.failure: BaseException | None = None

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables and floorwatch's severity colours for its darkness."""
        return {**super().get_css_variables(), **severity_variables(self.current_theme.dark)}

    def _handle_exception(self, error: Exception) -> None:
        """An error nothing caught ends the app, as in Textual, but without the traceback
        on the terminal: the command line reports `failure` in one line and exits non-zero.
        (TEXTUAL=debug keeps Textual's traceback, for whoever is looking into it.)"""
        if self.failure is None:
            self.failure = error
        super()._handle_exception(error)
        if "debug" not in self.features:
            self._exit_renderables.clear()

    def on_mount(self) -> None:
        if self._theme_name in self.available_themes:
            self.theme = self._theme_name
        else:
            self.notify(
                f"no theme {self._theme_name!r}; themes: "
                f"{', '.join(sorted(self.available_themes))}",
                severity="warning",
                timeout=15,
                markup=False,
            )
        self.push_screen(FloorScreen())
        if self.wall:
            self.push_screen(WallboardScreen(self.wall_queue, self.rotate_s))
        elif self.start == "map":
            self.push_screen(FloorMapScreen())
        self.follow()

    def on_unmount(self) -> None:
        self._stop.set()
        self.live.wake()
        self.lookback.close()

    @work(thread=True, exclusive=True, group="live", exit_on_error=False, name="live floor")
    def follow(self) -> None:
        """Poll the store in a thread; each update arrives as a message on the main thread."""
        self.live.run(lambda update: self.post_message(self.UpdateReady(update)), self._stop)

    async def on_event(self, event: events.Event) -> None:
        """Every key passes here first: after an idle while, the first one shows the digest
        of what changed instead of acting."""
        if isinstance(event, events.Key):
            if self._digest_first(event):
                return
            self.keep_rewind_ready(event.key)
        await super().on_event(event)

    def _digest_first(self, event: events.Key) -> bool:
        now = self.monotonic()
        idle = now - self._last_key_at
        before, after = self._floor_at_last_key, self._latest
        self._last_key_at = now
        self._floor_at_last_key = after
        limit = self.config.display.idle_digest_s
        if not limit or idle < limit or before is None or after is None:
            return False
        if self.rewound_at is not None or before.snapshot.at >= after.snapshot.at:
            return False
        from floorwatch.screens.digest import DigestScreen
        from floorwatch.snapshot.digest import digest

        self.push_screen(
            DigestScreen(digest(before.snapshot, after.snapshot, self.config, self.config.tzinfo()))
        )
        return True

    def on_floorwatch_app_update_ready(self, message: UpdateReady) -> None:
        update = message.update
        if isinstance(update, FeedProblem):
            self.problem = update.message
            return
        self.problem = None
        self._latest = update
        if self._floor_at_last_key is None:
            self._floor_at_last_key = update
        self._new_alarms(update.alarms)
        if not self.frozen and self.rewound_at is None:
            self.update = update

    def _new_alarms(self, alarms: list[Alarm]) -> None:
        """Take the alarms up now; ring once per alarm raised since the last look (those
        already up when the viewer started are not news)."""
        ids = {alarm.store_id for alarm in alarms if alarm.store_id is not None}
        seen = self._alarms_seen
        if seen is not None and self.ring_bell:
            for _ in range(len(ids - seen)):
                self.bell()
        self._alarms_seen = ids if seen is None else seen | ids
        if tuple(alarms) != self.alarms:
            self.alarms = tuple(alarms)

    def toggle_silence(self, alarm_id: int) -> None:
        """Silence (or not) an alarm's bell and blink on this viewer only."""
        silenced = set(self.silenced)
        silenced.symmetric_difference_update({alarm_id})
        self.silenced = frozenset(silenced)

    class Notice(Message):
        """Something to tell the person watching, from another thread (the ingest)."""

        def __init__(self, text: str, title: str):
            super().__init__()
            self.text = text
            self.title = title

    def tell(self, text: str, title: str = "") -> None:
        """Show `text` as an error notification; safe from any thread, never blocks (an app
        that has ended simply drops it: the command line reports it then)."""
        self.post_message(self.Notice(printable(text), printable(title)))

    def on_floorwatch_app_notice(self, message: Notice) -> None:
        self.notify(message.text, title=message.title, severity="error", timeout=30, markup=False)

    # ----------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The replay keys exist only in a replay; `live` only while rewound."""
        if action.startswith("replay_"):
            return self.replay is not None
        if action == "live":
            return self.rewound_at is not None
        if action == "handover":
            return not self.is_web  # a browser's viewer writes nothing on the server's disk
        return True

    def action_freeze(self) -> None:
        self.frozen = not self.frozen
        if self.frozen:
            return
        if self.rewound_at is not None:
            self.reread_past()
        elif self._latest is not None:
            self.update = self._latest

    # ----------------------------------------------------------------- worker failures
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.worker_state_changed(event)

    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a worker's failure is handled, for the app's workers and those of its
        screens (which hand their Worker.StateChanged here: Textual tells only the worker's
        own node, and with exit_on_error=False a failure nobody handles is lost).

        The live floor says it in the header and starts again; a worker whose node can show
        it (`show_worker_failure`, e.g. the report screen's title) says it there; any other
        is a notification. A worker already superseded (cancelled) is not news."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.is_cancelled:
            return
        error = worker.error
        what = worker.name or worker.group
        self.log.error(f"worker {what} failed", error)
        line = describe(error) if error is not None else "failed"
        if worker.group == "live":
            self.problem = f"the live floor stopped: {line}"
            if not self._stop.is_set():
                self.set_timer(self.LIVE_RETRY_S, self._follow_again)
            return
        node = worker.node
        show = getattr(node, "show_worker_failure", None)
        if show is not None and node.is_attached:
            show(line)
        else:
            self.notify(
                f"{what}: {line}", title="failed", severity="error", timeout=30, markup=False
            )

    def _follow_again(self) -> None:
        if not self._stop.is_set():
            self.follow()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Theme, keys and quit only: a viewer offers nothing that writes (no screenshots to
        the server's disk)."""
        for command in super().get_system_commands(screen):
            if command.title in ("Theme", "Quit", "Keys"):
                yield command
