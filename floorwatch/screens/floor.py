"""The floor: header, queue board with trends, agent board. The screen a supervisor lives in.

Its boards sit in one grid that the terminal's width arranges (app.tcss): one under the other
under 130 columns, agents beside the burnout flags from 130, and from 160 the queues and the
flags on the left with the agents beside them, each board as wide as its columns want.

It owns what acts on its boards: the agent board's filter, sort and search (from its keys and
the command palette), the queue board's sort, opening an agent from either agent board, and
opening a queue (its callers waiting and its agents) from the queue board.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer

from floorwatch.screens.pickers import FilterScreen, SearchScreen
from floorwatch.screens.rewind import rewound_marker
from floorwatch.screens.supervisor_actions import ActionFlow
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.snapshot.sites import site_snapshot, sites_of
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.alarm_strip import AlarmStrip
from floorwatch.widgets.burnout_panel import BurnoutPanel
from floorwatch.widgets.floor_header import FloorHeader
from floorwatch.widgets.live_table import LiveTable
from floorwatch.widgets.queue_board import QueueBoard

if TYPE_CHECKING:
    from textual.app import App


class FloorScreen(Screen):
    """Draws each FloorUpdate the app receives; opens agents, search and filters."""

    #: Under 130 columns (a laptop over SSH) the boards stack; from 160 they sit side by side.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (130, "-wide"),
        (160, "-side"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "burnout", "Burnout"),
        Binding("r", "report", "Report"),
        Binding("e", "explain_floor", "Explain a number", show=False),
        Binding("tab", "focus_next", "Next board", show=False),
        Binding("shift+tab", "focus_previous", "Previous board", show=False),
    ]

    @classmethod
    def of(cls, app: App) -> FloorScreen | None:
        """The app's floor screen, whatever is above it (None before it is pushed)."""
        return next((screen for screen in app.screen_stack if isinstance(screen, cls)), None)

    def compose(self) -> ComposeResult:
        config = self.app.config
        yield FloorHeader(config, id="floor-header")
        yield AlarmStrip()
        with Container(id="floor-body"):
            yield QueueBoard(config, id="queues")
            yield AgentBoard(config, id="agents")
            yield BurnoutPanel(config, id="burnout")
        yield Footer()

    #: On a replica of several sites: the one site the boards show (`f`), None for all.
    site: str | None = None

    def on_mount(self) -> None:
        self.query_one(AgentBoard).focus()
        self.watch(self.app, "update", self.show_update)
        self.watch(self.app, "frozen", self._frozen_changed)
        self.watch(self.app, "problem", self._problem_changed)
        self.watch(self.app, "rewound_at", self._rewound_changed, init=False)

    def show_update(self, update: FloorUpdate | None) -> None:
        if update is None or self._hidden():
            return
        snapshot = update.snapshot
        if self.site is not None:
            snapshot = site_snapshot(snapshot, self.site)
        header = self.query_one(FloorHeader)
        replay = self.app.replay
        header.banner = replay.describe() if replay is not None else self.app.banner
        header.rewound = rewound_marker(self.app)
        header.hooks_failing = update.hooks_failing
        with self.app.batch_update():  # one frame for the whole floor
            header.show(snapshot)
            silenced = self.app.silenced
            for board in (self.query_one(QueueBoard), self.query_one(AgentBoard)):
                board.mark_alarms(update.alarms, silenced)
                board.show(snapshot)
            panel = self.query_one(BurnoutPanel)
            panel.show(snapshot)
            self.query_one("#floor-body").set_class(not panel.rows, "-calm")
        self.sub_title = self._subtitle()

    def _hidden(self) -> bool:
        """Under another full screen (the wallboard, an agent, a report). Textual counts the
        screen just below the top one as visible, so every floor update would repaint the
        wallboard above it: a hidden floor is drawn again when it is back on top instead."""
        stack = self.app.screen_stack
        if self not in stack:
            return True
        above = stack[stack.index(self) + 1 :]
        return any(not isinstance(screen, ModalScreen) for screen in above)

    def on_screen_resume(self) -> None:
        if self.app.update is not None:
            self.show_update(self.app.update)

    def _subtitle(self) -> str:
        board = self.query_one(AgentBoard)
        queues = self.query_one(QueueBoard)
        queue_sort = (
            "worst first"
            if queues.sort_column == "severity" and not queues.sort_reverse
            else queues.sort_label()
        )
        parts = [f"queues: {queue_sort}", f"agents: {board.sort_label()}"]
        if self.site is not None:
            parts.append(f"site: {self.site}")
        if board.filter_label:
            parts.append(f"filter: {board.filter_label}")
        return "  ".join(parts)

    def _frozen_changed(self, frozen: bool) -> None:
        header = self.query_one(FloorHeader)
        header.frozen = frozen
        if self.app.update is not None:
            header.show(self.app.update.snapshot)

    def _rewound_changed(self, rewound_at: float | None) -> None:
        header = self.query_one(FloorHeader)
        header.rewound = rewound_marker(self.app)
        if self.app.update is not None:
            header.show(self.app.update.snapshot)

    def _problem_changed(self, problem: str | None) -> None:
        header = self.query_one(FloorHeader)
        header.problem = problem
        if self.app.update is not None:
            header.show(self.app.update.snapshot)
        elif problem:
            header.show_problem(problem)  # nothing to show yet, so say why

    @on(AgentBoard.ActRequested)
    def _act(self, event: AgentBoard.ActRequested) -> None:
        ActionFlow(self, event.agent).start(event.action)

    def action_report(self) -> None:
        """Today's intervals for the queue under the queue board's cursor."""
        queue = self.query_one(QueueBoard).cursor_key
        if queue is not None:
            from floorwatch.screens.report import ReportScreen

            self.app.push_screen(ReportScreen(str(queue)))

    def action_burnout(self) -> None:
        """Jump to the burnout panel (b again goes back to the agents)."""
        panel = self.query_one(BurnoutPanel)
        if panel.has_focus:
            self.query_one(AgentBoard).focus()
        else:
            panel.focus()

    # ----------------------------------------------------------------- the agent board
    def open_agent(self, name: str) -> None:
        """Drill into `name`, the agent board's cursor on it for when we are back."""
        self.query_one(AgentBoard).move_to(name)
        self.app.open_agent(name)

    def action_search(self) -> None:
        """Find an agent by name and open it."""
        snapshot = self.app.update.snapshot if self.app.update else None
        names = {n: a.display_name for n, a in snapshot.agents.items()} if snapshot else {}

        def chosen(name: str | None) -> None:
            if name:
                self.open_agent(name)

        self.app.push_screen(SearchScreen(names), chosen)

    def action_filter(self) -> None:
        """Choose a queue or a state to show the agents of (or all of them), or on a replica
        of several sites the one site every board shows."""
        snapshot = self.app.update.snapshot if self.app.update else None
        queues = {n: q.display_name for n, q in snapshot.queues.items()} if snapshot else {}
        sites = sites_of(snapshot) if snapshot else []

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            kind, _, value = choice.partition(":")
            if kind == "site":
                self.show_site(value or None)
            elif kind == "queue":
                self.filter_agents(queue=value)
            elif kind == "state":
                self.filter_agents(state=value)
            else:
                self.show_site(None)
                self.filter_agents()

        self.app.push_screen(FilterScreen(queues, sites, self.site), chosen)

    def show_site(self, site: str | None) -> None:
        """Every board narrowed to one site's queues and agents (None: every site)."""
        self.site = site
        self._redraw()

    def filter_agents(self, queue: str | None = None, state: str | None = None) -> None:
        """Only `queue`'s agents, or only those in `state`; neither: every agent."""
        self.query_one(AgentBoard).filter_agents(queue=queue, state=state)
        self._redraw()

    def sort_agents(self, column: str) -> None:
        self.query_one(AgentBoard).sort_by(column)
        self._redraw()

    def agent_sort_columns(self) -> list[str]:
        return self.query_one(AgentBoard).sort_columns()

    def _redraw(self) -> None:
        if self.app.update is not None:
            self.show_update(self.app.update)

    @on(LiveTable.Selected, "#agents, #burnout")
    def _agent_selected(self, event: LiveTable.Selected) -> None:
        self.open_agent(str(event.key))

    @on(LiveTable.Selected, "#queues")
    def open_queue(self, event: LiveTable.Selected) -> None:
        """Enter on a queue: its callers waiting above its agents (`f` filters the floor's
        agent board to a queue instead)."""
        from floorwatch.screens.queue import QueueScreen

        self.app.push_screen(QueueScreen(str(event.key)))

    def action_explain_floor(self) -> None:
        """`e` outside the queue board: the header's numbers (the whole floor)."""
        self.explain(None, "service_level", "today")

    @on(QueueBoard.ExplainRequested)
    def _explain_queue(self, event: QueueBoard.ExplainRequested) -> None:
        """`e` on the queue board: the number of the column it is sorted by, else SL today."""
        from floorwatch.snapshot.explain import COLUMN_METRICS

        board = self.query_one(QueueBoard)
        metric, window = COLUMN_METRICS.get(board.sort_column or "", ("service_level", "today"))
        self.explain(event.queue, metric, window)

    def explain(self, queue: str | None, metric: str, window: str) -> None:
        from floorwatch.screens.explain import ExplainScreen

        update = self.app.update
        if update is not None:
            self.app.push_screen(ExplainScreen(update.snapshot, queue, metric, window))

    @on(AgentBoard.SearchRequested)
    def search(self) -> None:
        self.action_search()

    @on(AgentBoard.FilterRequested)
    def choose_filter(self) -> None:
        self.action_filter()
