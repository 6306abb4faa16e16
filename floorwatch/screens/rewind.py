"""Rewind in place: `[` and `]` step the whole floor back and forward, `t` jumps to a typed time,
`l` (or Escape on the floor) returns to live.

The app mixes `Rewinding` in. While rewound, the app's `update` (what every screen draws) is the
floor at `rewound_at`, read by the Lookback (snapshot/lookback.py) exactly as `floorwatch
snapshot --at` reads it, in a worker of its own; the live link goes on underneath and its
latest floor is shown again on return. Keys pressed faster than the floor is read (a held key)
move the target at once and only the last target is read.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from floorwatch.clock import typed_instant
from floorwatch.snapshot.live import FloorUpdate

if TYPE_CHECKING:
    from textual.timer import Timer

    from floorwatch.snapshot.lookback import Lookback

#: The keys, for the app's BINDINGS.
#: (Out of the footer, which has no room for them on a laptop; `?` lists them, and `l` shows
#: while rewound.)
REWIND_BINDINGS: list[BindingType] = [
    Binding("left_square_bracket", "rewind_back", "Rewind a step", key_display="[", show=False),
    Binding(
        "right_square_bracket", "rewind_forward", "Forward a step", key_display="]", show=False
    ),
    Binding("t", "rewind_prompt", "Rewind to a time", show=False),
    Binding("l", "live", "Live"),
    Binding("escape", "live", "Live", show=False),
]


#: The keys that leave live for the past at once.
REWIND_KEYS = frozenset(("left_square_bracket", "t"))


def clock_text(at: float, zone) -> str:
    return f"{datetime.fromtimestamp(at, zone).astimezone(zone):%H:%M:%S}"


def rewound_marker(app) -> str | None:
    """`REWOUND 10:40:00` while the app is rewound (with `…` until that floor is read), else
    None: every screen puts it first on its top line."""
    at = getattr(app, "rewound_at", None)
    if at is None:
        return None
    update = app.update
    shown = update is not None and update.snapshot.at == at
    return f"REWOUND {clock_text(at, app.config.tzinfo())}" + ("" if shown else " …")


class TimePrompt(ModalScreen[str | None]):
    """`t`: type a time of the day ("10:40") or a time back ("-15m"); Enter goes there."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, error: str | None = None):
        super().__init__()
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("rewind to (10:40, 10:40:30, -15m, -90s)", classes="picker-title")
            yield Input(placeholder="time…", id="rewind-input")
            yield Static(self.error or "", id="rewind-error")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Rewinding:
    """The rewind's keys and state, mixed into the app (which declares the `rewound_at` var,
    holds `_latest`, the live floor's last update, and `lookback`)."""

    rewound_at: float | None
    lookback: Lookback
    _latest: FloorUpdate | None
    _last_key_at: float

    class PastReady(Message):
        """The floor at `at`, read by the rewind's worker (posted from its thread)."""

        def __init__(self, at: float, update: FloorUpdate):
            super().__init__()
            self.at = at
            self.update = update

    def live_now(self) -> float:
        """Now, as the live floor last showed it (its feed clock in a demo or a replay)."""
        latest = self._latest
        return latest.snapshot.at if latest is not None else self.live.clock()

    def _say(self, text: str) -> None:
        self.notify(text, timeout=3, markup=False)

    def action_rewind_back(self) -> None:
        base = self.rewound_at if self.rewound_at is not None else self.live_now()
        self.rewind_to(base - self.config.display.rewind_step_s)

    def action_rewind_forward(self) -> None:
        if self.rewound_at is None:
            self._say("live already: there is nothing after now")
            return
        self.rewind_to(self.rewound_at + self.config.display.rewind_step_s)

    def rewind_to(self, at: float) -> bool:
        """Show the floor as it was at `at`; refused (and said) for an instant after now."""
        now = self.live_now()
        if at > now:
            zone = self.config.tzinfo()
            self._say(
                f"{clock_text(at, zone)} is after now ({clock_text(now, zone)}): "
                "the floor cannot be shown ahead of time; l returns to live"
            )
            return False
        self.rewound_at = at
        self._read_past(at, self.live.focused)
        return True

    def action_rewind_prompt(self, error: str | None = None) -> None:
        def chosen(text: str | None) -> None:
            if not text:
                return
            try:
                at = typed_instant(text, self.live_now(), self.config.tzinfo())
            except ValueError as problem:
                self.action_rewind_prompt(str(problem))
                return
            self.rewind_to(at)

        self.push_screen(TimePrompt(error), chosen)

    def action_live(self) -> None:
        if self.rewound_at is None:
            return
        self.rewound_at = None
        if self._latest is not None and not self.frozen:
            self.update = self._latest
        self._arm_release()

    #: With no key for this long and live, the past floors kept for stepping are let go (their
    #: memory back); a wall screen nobody presses keys on keeps none.
    RELEASE_AFTER_S = 120.0
    #: While keys are pressed, a spare floor is kept at most this far behind a step from live.
    WARM_SLACK_S = 60.0
    _release_timer: Timer | None = None

    def keep_rewind_ready(self, key: str) -> None:
        """After a key, live: a floor a step behind live is built, or stepped up to it, in a
        worker, so that the first `[` steps a few seconds forward from it instead of building
        the day (docs/investigate.md). Only for a viewer someone is using, and not for a key
        that rewinds (its own read would wait for the worker)."""
        if self.rewound_at is not None or self._latest is None or key in REWIND_KEYS:
            return
        at = self.live_now() - self.config.display.rewind_step_s
        if not self.lookback.ready_for(at, self.WARM_SLACK_S):
            self._warm(at)
        self._arm_release()

    @work(thread=True, exclusive=True, group="rewind-spare", exit_on_error=False, name="warm")
    def _warm(self, at: float) -> None:
        if self.rewound_at is None:
            self.lookback.warm(at)

    def _arm_release(self) -> None:
        if self._release_timer is None:
            self._release_timer = self.set_timer(self.RELEASE_AFTER_S, self._release_past)

    def _release_past(self) -> None:
        self._release_timer = None
        idle = self.monotonic() - self._last_key_at
        if self.rewound_at is not None:
            return  # rewound: the floors are in use (going live arms this again)
        if idle < self.RELEASE_AFTER_S:
            self._release_timer = self.set_timer(self.RELEASE_AFTER_S - idle, self._release_past)
            return
        self._release_in_worker()

    @work(thread=True, group="rewind-release", exit_on_error=False, name="rewind release")
    def _release_in_worker(self) -> None:
        self.lookback.release()

    def reread_past(self) -> None:
        """Read the rewound instant again (another agent is looked at)."""
        if self.rewound_at is not None:
            self._read_past(self.rewound_at, self.live.focused)

    @work(thread=True, exclusive=True, group="rewind", exit_on_error=False, name="rewind")
    def _read_past(self, at: float, focus: str | None) -> None:
        if at != self.rewound_at:
            return  # a later key moved on already (a held key): only its instant is read
        update = self.lookback.floor_at(at, focus)
        self.post_message(self.PastReady(at, update))

    @work(thread=True, exclusive=True, group="rewind-spare", exit_on_error=False, name="spare")
    def _prepare_spare(self, at: float) -> None:
        """The next step back, ready: built once the floor at `at` is on screen (building it
        while the screen draws would slow the drawing: one interpreter lock)."""
        if at == self.rewound_at:
            self.lookback.prepare(at)

    def on_rewinding_past_ready(self, message: PastReady) -> None:
        if message.at == self.rewound_at and not self.frozen:
            self.update = message.update
            self.call_after_refresh(self._prepare_spare, message.at)
