"""One queue in big digits, for the wall: calls waiting, the oldest wait, service level.

The panel builds its children when it is made, not when it is composed, so a snapshot can be
shown at any moment of its life (before it is mounted, while the wallboard lays out a page);
a snapshot it cannot draw is said in the panel, not raised.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Digits, Label

from floorwatch.config import Config
from floorwatch.format import clock, level, service_level_state
from floorwatch.snapshot.floor_snapshot import QueueSnapshot
from floorwatch.widgets.guard import shielded
from floorwatch.widgets.safe_content import content

LEVELS = ("-ok", "-warning", "-critical")


class Metric(Vertical):
    """A caption over big digits; its class says ok, warning or critical."""

    def __init__(self, caption: str, *, id: str | None = None):
        super().__init__(id=id, classes="metric")
        self.caption = caption
        self._digits = Digits("-")

    def compose(self) -> ComposeResult:
        yield Label(self.caption, classes="caption")
        yield self._digits

    @property
    def value(self) -> str:
        return self._digits.value

    def set(self, text: str, state: str) -> None:
        if text != self._digits.value:  # five updates a second: lay out only on a change
            self._digits.update(text)
        for name in LEVELS:
            self.set_class(name == f"-{state}", name)


class WallPanel(Widget):
    """A queue's panel on the wallboard."""

    def __init__(self, config: Config, queue: str, *, id: str | None = None):
        super().__init__(id=id, classes="wall-panel")
        self.config = config
        self.queue = queue
        self.name_label = Label(content(config.queue_name(queue)), classes="queue-name")
        self.waiting = Metric("waiting")
        self.oldest = Metric("oldest")
        self.level = Metric("service level")
        self.agents_line = Label("", classes="agents")
        self._said: dict[int, Content] = {}

    def _say(self, label: Label, text: Content) -> None:
        """Update a label only when its text changes, and lay the wall out again only when
        its length does (a layout of a big wall costs far more than a repaint)."""
        before = self._said.get(id(label))
        if before != text:
            self._said[id(label)] = text
            label.update(text, layout=before is None or before.cell_length != text.cell_length)

    def compose(self) -> ComposeResult:
        yield self.name_label
        with Horizontal(classes="metrics"):
            yield self.waiting
            yield self.oldest
            yield self.level
        yield self.agents_line

    @shielded
    def show(self, queue: QueueSnapshot | None) -> None:
        """Draw `queue` (None: the queue asked for has no data on this floor yet)."""
        if queue is None:
            for metric in (self.waiting, self.oldest, self.level):
                metric.set("-", "ok")
            self._say(self.agents_line, content("no calls or agents in this queue yet"))
            return
        colors = self.config.colors
        self._say(self.name_label, content(queue.display_name))
        self.waiting.set(
            str(queue.calls_waiting),
            level(queue.calls_waiting, colors.calls_waiting.warning, colors.calls_waiting.critical),
        )
        self.oldest.set(
            clock(queue.longest_wait_s) if queue.longest_wait_s is not None else "0:00",
            level(
                queue.longest_wait_s, colors.longest_wait_s.warning, colors.longest_wait_s.critical
            ),
        )
        value = queue.windows["today"].service_level
        state = service_level_state(value, queue.target, colors.service_level.critical)
        self.level.set("-" if value is None else f"{value * 100:.0f}%", state)
        self._say(
            self.agents_line,
            content(
                f"● {queue.agents_available} free   ◆ {queue.agents_on_call} on call   "
                f"‖ {queue.agents_paused} paused   target {queue.target:.0%} in {queue.threshold_s:g}s"
            ),
        )

    def show_failure(self, message: str | None) -> None:
        self.set_class(message is not None, "-failed")
        if message is not None:
            self._say(
                self.agents_line, content(f"⚠ cannot show this queue: {message}", "bold $error")
            )
