"""Enter on a queue: its callers waiting (first in line first, waits ticking) above its agents.
Escape goes back to the floor, Enter on an agent opens the agent.

Caller numbers show in full on a personal viewer and masked where a room or a browser sees
them (`[callers]` in the config: the wallboard, `serve-web`).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from floorwatch.format import clock, percent
from floorwatch.screens.rewind import rewound_marker
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.snapshot.pbx_counters import PbxCounters
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.alarm_strip import AlarmStrip
from floorwatch.widgets.guard import describe
from floorwatch.widgets.live_table import LiveTable
from floorwatch.widgets.rewound_line import follow_rewind
from floorwatch.widgets.safe_content import content
from floorwatch.widgets.waiting_callers import WaitingCallers


class QueueScreen(Screen):
    """One queue: who is waiting, and who is there to answer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, queue: str):
        super().__init__()
        self.queue = queue

    def compose(self) -> ComposeResult:
        config = self.app.config
        masked = config.callers.masked(
            wallboard=bool(getattr(self.app, "wall", False)), browser=self.app.is_web
        )
        yield Static("", id="queue-title")
        yield Static("", id="queue-pbx")
        yield AlarmStrip()
        yield WaitingCallers(config, masked=masked, id="queue-waiting")
        yield Static("agents", classes="list-title")
        yield AgentBoard(config, id="queue-agents")
        yield Footer()

    def on_mount(self) -> None:
        follow_rewind(self.query_one("#queue-title"))
        queue = self.queue
        board = self.query_one(AgentBoard)
        board.filter_agents(queue=queue)
        board.focus()
        self.app.live.focus_queue(queue)
        self.watch(self.app, "update", self.show_update)

    def on_unmount(self) -> None:
        self.app.live.focus_queue(None)

    def action_back(self) -> None:
        self.app.live.focus_queue(None)
        self.dismiss()

    def show_update(self, update: FloorUpdate | None) -> None:
        if update is None:
            return
        snapshot = update.snapshot
        queue = snapshot.queues.get(self.queue)
        try:
            self._title(snapshot)
            self.query_one("#queue-pbx", Static).update(content(pbx_line(update.queue_pbx)))
        except Exception as error:  # the title says it; the tables below go on
            self.log.error("queue screen: title failed", error)
            self.query_one("#queue-title", Static).update(
                content(f"{self.queue}: cannot show its numbers: {describe(error)}", "bold $error")
            )
        with self.app.batch_update():
            self.query_one(WaitingCallers).show(queue.waiting if queue else (), snapshot.at)
            self.query_one(AgentBoard).show(snapshot)

    def _title(self, snapshot: FloorSnapshot) -> None:
        queue = snapshot.queues.get(self.queue)
        name = self.app.config.queue_name(self.queue)
        if queue is None:
            text = f"{name}: no calls or agents today"
        else:
            today, half = queue.windows["today"], queue.windows["30m"]
            oldest = clock(queue.longest_wait_s) if queue.longest_wait_s is not None else "-"
            text = (
                f"{queue.display_name}  waiting {queue.calls_waiting}  oldest {oldest}  "
                f"SL today {percent(today.service_level)} (30m "
                f"{percent(half.service_level)})  free {queue.agents_available}  "
                f"on call {queue.agents_on_call}  paused {queue.agents_paused}"
            )
        marker = rewound_marker(self.app)
        text = f"{marker}  {text}" if marker else text
        self.query_one("#queue-title", Static).update(content(text))

    @on(LiveTable.Selected, "#queue-agents")
    def _agent_selected(self, event: LiveTable.Selected) -> None:
        self.app.open_agent(str(event.key))


def pbx_line(counters: PbxCounters | None) -> str:
    """Asterisk's own counters of the queue, as `queue show` prints them, to hold beside ours."""
    if counters is None:
        return "queue show: reading Asterisk's counters..."

    def tenths(
        share: float | None,
    ) -> str:  # as `queue show` prints them, to compare digit by digit
        return "-" if share is None else f"{100 * share:.1f}%"

    return (
        f"queue show (today): C {counters.completed}  A {counters.abandoned}  "
        f"SL {tenths(counters.service_level)}  SL2 {tenths(counters.service_level2)}  "
        f"within {counters.threshold_s:g}s"
    )
