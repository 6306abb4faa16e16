"""`e`: explain a number of the queue board (the queue under the cursor) or of the header (the
whole floor): its definition, numerator and denominator, window, and the calls it counted.
Enter on a call opens its agent; left/right explain the next number, `w` the next window.

The number explained is the one on screen when `e` was pressed (a rewound floor's too); the
calls are read by the app's Lookback, summed by snapshot/explain.py with the metric definitions
every board is built from.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from floorwatch.format import percent, seconds
from floorwatch.screens.rewind import rewound_marker
from floorwatch.snapshot.explain import METRICS, Explanation, explain, window_bounds
from floorwatch.snapshot.floor_snapshot import WINDOWS, FloorSnapshot
from floorwatch.widgets.guard import describe
from floorwatch.widgets.live_table import Column, LiveTable
from floorwatch.widgets.safe_content import content

#: The windows `w` goes through.
WINDOW_ORDER = list(WINDOWS)


def figure(metric: str, value: float | None) -> str:
    """A number as the boards write it."""
    if metric in ("service_level", "abandon_rate"):
        return percent(value)
    if metric in ("asa", "aht"):
        return seconds(value)
    return "-" if value is None else f"{value:g}"


def amount(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


class ExplainScreen(Screen):
    """One number, taken apart."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,e", "back", "Back"),
        Binding("right", "metric(1)", "Next number"),
        Binding("left", "metric(-1)", "Previous number", show=False),
        Binding("w", "next_window", "Window"),
    ]

    def __init__(self, snapshot: FloorSnapshot, queue: str | None, metric: str, window: str):
        super().__init__()
        self.snapshot = snapshot
        self.queue = queue
        self.metric = metric
        self.window = window
        self.explanation: Explanation | None = None
        self._calls: list | None = None
        self._calls_from: float | None = None

    def compose(self) -> ComposeResult:
        self.zone = self.app.config.tzinfo()
        yield Static("", id="explain-title")
        yield Static("reading the calls…", id="explain-body")
        yield Static("the calls counted (Enter opens the agent)", classes="list-title")
        yield LiveTable(self._columns(), id="explain-calls")
        yield Footer()

    def _time(self, ts: float | None) -> str:
        if ts is None:
            return "-"
        return f"{datetime.fromtimestamp(ts, self.zone).astimezone(self.zone):%H:%M:%S}"

    def _columns(self) -> list[Column]:
        return [
            Column(
                "ended", "wait ended", 10, lambda c, now: (self._time(c.call.wait_end_at), None)
            ),
            Column("queue", "queue", 8, lambda c, now: (c.call.queue, None), content=True),
            Column("outcome", "outcome", 9, lambda c, now: (c.call.outcome or "", None)),
            Column("wait", "wait", 6, lambda c, now: (seconds(c.call.wait_s), None), "right"),
            Column(
                "handle",
                "talk+wrap",
                9,
                lambda c, now: (
                    seconds(
                        None if c.call.talk_s is None else c.call.talk_s + (c.call.wrapup_s or 0)
                    ),
                    None,
                ),
                "right",
            ),
            Column("agent", "agent", 8, lambda c, now: (c.call.agent or "", None), content=True),
            Column(
                "role",
                "counted as",
                14,
                lambda c, now: (c.role, None if c.role.startswith("n") else "muted"),
                content=True,
            ),
            Column("caller", "caller", 8, lambda c, now: (c.call.caller or "", None), drop=1),
        ]

    def on_mount(self) -> None:
        self.query_one(LiveTable).focus()
        self._load()

    def _load(self) -> None:
        """The calls of the widest window the numbers here need (today), read once."""
        start, at = window_bounds("today", self.snapshot)
        self._read(start, at)

    @work(thread=True, exclusive=True, group="explain", exit_on_error=False, name="explain")
    def _read(self, start: float, at: float) -> None:
        calls = self.app.lookback.calls_counted(min(start, at - 3600), at)
        self.app.call_from_thread(self._loaded, calls)

    def on_worker_state_changed(self, event) -> None:
        self.app.worker_state_changed(event)

    def show_worker_failure(self, line: str) -> None:
        self.query_one("#explain-body", Static).update(
            content(f"cannot read the calls: {line}", "bold $error")
        )

    def _loaded(self, calls: list) -> None:
        self._calls = calls
        self._draw()

    def _draw(self) -> None:
        if self._calls is None:
            return
        try:
            explanation = explain(
                self.metric, self.window, self.queue, self.snapshot, self._calls, self.app.config
            )
        except Exception as error:  # said in place; the dashboard goes on
            self.log.error("explain failed", error)
            self.show_worker_failure(describe(error))
            return
        self.explanation = explanation
        marker = rewound_marker(self.app)
        title = (
            f"{explanation.label}: {explanation.scope}, {explanation.window} "
            f"({self._time(explanation.start)} to {self._time(explanation.end)})"
        )
        self.query_one("#explain-title", Static).update(
            content(f"{marker}  {title}" if marker else title)
        )
        lines = [
            Content.styled(explanation.definition, "italic"),
            content(f"numerator    {explanation.numerator_label}: {amount(explanation.numerator)}"),
            content(
                f"denominator  {explanation.denominator_label}: {amount(explanation.denominator)}"
            ),
            content(
                f"=            {figure(explanation.metric, explanation.value)} from the "
                f"{len(explanation.calls)} calls below; the board shows "
                f"{figure(explanation.metric, explanation.shown)}"
            ),
            *(content(note) for note in explanation.notes),
        ]
        self.query_one("#explain-body", Static).update(Content("\n").join(lines))
        table = self.query_one(LiveTable)
        table.update_rows({c.call.id: c for c in reversed(explanation.calls)}, self.snapshot.at)

    def action_metric(self, step: int) -> None:
        self.metric = METRICS[(METRICS.index(self.metric) + step) % len(METRICS)]
        self._draw()

    def action_next_window(self) -> None:
        self.window = WINDOW_ORDER[(WINDOW_ORDER.index(self.window) + 1) % len(WINDOW_ORDER)]
        self._draw()

    def action_back(self) -> None:
        self.dismiss()

    @on(LiveTable.Selected, "#explain-calls")
    def _open_agent(self, event: LiveTable.Selected) -> None:
        explanation = self.explanation
        if explanation is None:
            return
        call = next((c.call for c in explanation.calls if c.call.id == event.key), None)
        if call is not None and call.agent:
            self.app.open_agent(call.agent)
        else:
            self.notify("nobody answered this call", timeout=2)
