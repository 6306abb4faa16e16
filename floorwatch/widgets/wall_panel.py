"""One panel of the wallboard: a queue (or the whole floor) in big digits.

It shows the figures `[wallboard]` gives it, each with its caption, a symbol for its level
(▲ warning, ✖ critical: a shape, not only a colour) and its digits at the wall's scale. A
panel with a figure over its critical threshold is drawn unmistakably: its border and name
line in the critical colour with a CRITICAL tag, the critical digits on a solid block.

The panel builds its children when it is made, not when it is composed, so a snapshot can be
shown at any moment of its life (before it is mounted, while the wallboard lays out a page);
a snapshot it cannot draw is said in the panel, not raised.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Label

from floorwatch.config import Config
from floorwatch.format import clock
from floorwatch.glyphs import UNICODE, Glyphs
from floorwatch.snapshot.alarms.forecast import next_over, sl_below
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.widgets.big_number import BigNumber
from floorwatch.widgets.guard import shielded
from floorwatch.widgets.safe_content import content
from floorwatch.widgets.wall_figures import FIGURES, Reading, worst

LEVELS = ("-ok", "-warning", "-critical")


class Metric(BigNumber):
    """A figure: its caption over its big digits; its class says ok, warning or critical."""

    def __init__(self, name: str, glyphs: Glyphs, scale: int, tall: int | None = None):
        figure = FIGURES[name]
        super().__init__(
            "-",
            scale=scale,
            tall=tall,
            ascii_only=glyphs.ascii,
            caption=figure.caption,
            classes="metric -ok",
        )
        self.figure = figure
        self.glyphs = glyphs
        self.state = "ok"

    @property
    def digits(self) -> Metric:
        """The digits (the figure itself: one widget)."""
        return self

    def set(self, reading: Reading) -> None:
        text, state = reading
        self.update(text)
        if state != self.state:
            self.state = state
            symbol = self.glyphs.severity[state]
            self.set_caption(f"{symbol} {self.figure.caption}" if symbol else self.figure.caption)
            self.update_classes({name: name == f"-{state}" for name in LEVELS})  # one restyle


class WallPanel(Widget):
    """A queue's panel on the wallboard (`queue` None: the floor's totals)."""

    def __init__(
        self,
        config: Config,
        queue: str | None,
        *,
        scale: int = 1,
        tall: int | None = None,
        figure_columns: int = 1,
        glyphs: Glyphs = UNICODE,
        id: str | None = None,
    ):
        super().__init__(id=id, classes="wall-panel -ok")
        self.config = config
        self.queue = queue
        self.glyphs = glyphs
        self.label = "whole floor" if queue is None else config.queue_name(queue)
        self.title_line = Label(content(self.label), classes="queue-name")
        self.metrics = [
            Metric(name, glyphs, scale, tall) for name in config.wallboard.figures_of(queue)
        ]
        self.body = Grid(*self.metrics, classes="metrics")
        self.body.styles.grid_size_columns = figure_columns
        self.state = "ok"
        self._said: Content | None = None
        if queue is None:
            self.add_class("-floor")

    def compose(self) -> ComposeResult:
        yield self.title_line
        yield self.body

    def set_layout(self, scale: int, figure_columns: int, tall: int | None = None) -> None:
        """The wall's digit size and how many figures go across (a resize, a new page)."""
        self.body.styles.grid_size_columns = figure_columns
        for metric in self.metrics:
            metric.digits.set_scale(scale, tall)

    def _title(self, text: Content) -> None:
        """A new name line: a repaint, never a layout (the line is one row, full width)."""
        if text != self._said:
            self._said = text
            self.title_line.update(text, layout=False)

    @shielded
    def show(self, snapshot: FloorSnapshot) -> None:
        """Draw this panel's queue (or the floor) from `snapshot`."""
        glyphs, config = self.glyphs, self.config
        if self.queue is None:
            readings = [metric.figure.floor(snapshot, config) for metric in self.metrics]
            totals = snapshot.totals
            free, on_call, paused = (
                totals.agents_available,
                totals.agents_on_call,
                totals.agents_paused + totals.agents_wrapup,
            )
        else:
            queue = snapshot.queues.get(self.queue)
            if queue is None:
                for metric in self.metrics:
                    metric.set(("-", "ok"))
                self._set_state("ok", content(f"{self.label}: no calls or agents yet"))
                return
            self.label = queue.display_name
            readings = [metric.figure.queue(queue, config) for metric in self.metrics]
            free, on_call = queue.agents_available, queue.agents_on_call
            paused = queue.agents_paused
            ahead = self._forecast(queue, snapshot.at)
        for metric, reading in zip(self.metrics, readings, strict=False):
            metric.set(reading)
        state = worst([reading[1] for reading in readings])
        states = glyphs.states
        agents = (
            f"   {states['available']} {free} free  {states['on_call']} {on_call} on call"
            f"  {states['paused']} {paused} paused"
        )
        if self.queue is not None and ahead:
            agents += f"   {ahead}"
        alarm = self.alarm if self.queue is not None else None
        self.set_class(alarm is not None, "-alarm")
        flag = [Content.styled(" ⚑ ALARM ", "bold reverse"), " "] if alarm else []
        self._set_state(
            state, Content.assemble(*flag, *self._tag(state), content(self.label), agents)
        )

    @staticmethod
    def _forecast(queue, now: float) -> str:
        """The queue's forecast in words (snapshot/alarms/forecast.py), empty if none."""
        over, below = next_over(queue, now), sl_below(queue, now)
        parts = []
        if over is not None:
            parts.append("a caller over SL now" if over == 0 else f"next over SL in {clock(over)}")
        if below is not None:
            parts.append(
                "SL 30m below goal"
                if below == 0
                else f"SL below goal in ~{max(1, round(below / 60))} min"
            )
        return ", ".join(parts)

    #: The worst severity of the queue's unsilenced alarms up now (None: none); the
    #: wallboard sets it before each `show`.
    alarm: str | None = None

    def _tag(self, state: str) -> list:
        symbol = self.glyphs.severity[state]
        if state == "critical":
            return [Content.styled(f" {symbol} CRITICAL ", "bold reverse"), " "]
        if state == "warning":
            return [Content.styled(f"{symbol} warning", "bold"), "  "]
        return []

    def _set_state(self, state: str, title: Content) -> None:
        if state != self.state:
            self.state = state
            self.update_classes({name: name == f"-{state}" for name in LEVELS})  # one restyle
        if self.has_class("-failed"):
            self.set_class(False, "-failed")
        self._title(title)

    def retarget(self, queue: str | None) -> bool:
        """Show `queue` in this panel instead (a page turn), if it has the same figures: no
        widget is removed or mounted. False: it does not, make a new panel."""
        names = [metric.figure.name for metric in self.metrics]
        if names != self.config.wallboard.figures_of(queue):
            return False
        self.queue = queue
        self.label = "whole floor" if queue is None else self.config.queue_name(queue)
        self.set_class(queue is None, "-floor")
        self._said = None
        return True

    def show_failure(self, message: str | None) -> None:
        if message is None and not self.has_class("-failed"):
            return
        self.set_class(message is not None, "-failed")
        if message is not None:
            self._said = None
            self.title_line.update(
                Content.styled(
                    f"{self.glyphs.severity['warning']} cannot show {self.label}: {message}", "bold"
                )
            )
