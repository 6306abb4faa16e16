"""One queue in big digits, for the wall: calls waiting, the oldest wait, service level."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Digits, Label

from floorwatch.config import Config
from floorwatch.format import clock, level, service_level_state
from floorwatch.snapshot import QueueSnapshot

LEVELS = ("-ok", "-warning", "-critical")


class Metric(Vertical):
    """A caption over big digits; its class says ok, warning or critical."""

    def __init__(self, caption: str, *, id: str | None = None):
        super().__init__(id=id, classes="metric")
        self.caption = caption

    def compose(self) -> ComposeResult:
        yield Label(self.caption, classes="caption")
        yield Digits("-")

    def set(self, text: str, state: str) -> None:
        self.query_one(Digits).update(text)
        for name in LEVELS:
            self.set_class(name == f"-{state}", name)


class WallPanel(Widget):
    """A queue's panel on the wallboard."""

    def __init__(self, config: Config, queue: str, *, id: str | None = None):
        super().__init__(id=id, classes="wall-panel")
        self.config = config
        self.queue = queue

    def compose(self) -> ComposeResult:
        yield Label(self.config.queue_name(self.queue), classes="queue-name")
        with Horizontal(classes="metrics"):
            yield Metric("waiting", id="waiting")
            yield Metric("oldest", id="oldest")
            yield Metric("service level", id="level")
        yield Label("", classes="agents")

    def show(self, queue: QueueSnapshot) -> None:
        colors = self.config.colors
        self.query_one("#waiting", Metric).set(
            str(queue.calls_waiting),
            level(queue.calls_waiting, colors.calls_waiting.warning, colors.calls_waiting.critical),
        )
        self.query_one("#oldest", Metric).set(
            clock(queue.longest_wait_s) if queue.longest_wait_s is not None else "0:00",
            level(queue.longest_wait_s, colors.longest_wait_s.warning,
                  colors.longest_wait_s.critical),  # fmt: skip
        )
        value = queue.windows["today"].service_level
        state = service_level_state(value, queue.target, colors.service_level.critical)
        self.query_one("#level", Metric).set(
            "-" if value is None else f"{value * 100:.0f}%", state
        )
        self.query_one(".agents", Label).update(
            f"● {queue.agents_available} free   ◆ {queue.agents_on_call} on call   "
            f"‖ {queue.agents_paused} paused   target {queue.target:.0%} in {queue.threshold_s:g}s"
        )
