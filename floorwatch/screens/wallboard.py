"""The wallboard: the few numbers that matter, in big digits, readable across the room."""

from __future__ import annotations

import math
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker

from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.widgets.guard import describe
from floorwatch.widgets.safe_content import content
from floorwatch.widgets.wall_panel import WallPanel


class WallboardScreen(Screen):
    """One panel per queue (or the chosen one); rotates through pages of panels every
    `rotate_s` seconds when asked, or when they do not fit.

    Laying out a page (removing panels, mounting others) takes several steps of the event
    loop, so it runs in one task at a time that awaits each step; a resize, a page turn or a
    new queue arriving meanwhile asks for one more pass, never a second layout at once. Panels
    take a snapshot whenever it comes, composed or not."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,w", "app.pop_screen", "Floor"),
        Binding("right,n", "next_page", "Next", show=False),
        Binding("left,p", "previous_page", "Previous", show=False),
    ]

    #: The smallest panel that still shows its digits (columns, rows).
    PANEL_SIZE = (50, 8)
    #: When the panels do not all fit and no rotation was asked for, pages still turn this
    #: often, so no queue stays hidden from the room.
    PAGE_TURN_S = 10.0

    def __init__(self, queue: str | None = None, rotate_s: float | None = None):
        super().__init__()
        self.only_queue = queue
        self.rotate_s = rotate_s
        self.page = 0
        self.queues: list[str] = []
        self._per_page = 1
        #: The queues of the panels mounted now, in order.
        self.shown: list[str] = []
        self._layout_wanted = False
        self._laying_out = False
        self._failure: str | None = None
        self._status_text = ""

    def compose(self) -> ComposeResult:
        yield Static("", id="wall-status")
        yield Grid(id="wall-grid")

    def on_mount(self) -> None:
        self.watch(self.app, "update", self.show_update)
        self.set_interval(self.rotate_s or self.PAGE_TURN_S, self._turn)
        self.request_layout()

    def _turn(self) -> None:
        if self._pages() > 1:
            self.action_next_page()

    def on_resize(self) -> None:
        self.request_layout()

    def _pages(self) -> int:
        return max(1, math.ceil(len(self.queues) / self._per_page))

    # ----------------------------------------------------------------- layout
    def request_layout(self) -> None:
        """Lay the current page out again (soon, after any layout under way)."""
        self._layout_wanted = True
        if not self._laying_out:
            self._laying_out = True
            self.run_worker(
                self._lay_out(), group="wall-layout", exit_on_error=False, name="wallboard layout"
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.worker_state_changed(event)  # (a layout's own failures are said below)

    async def _lay_out(self) -> None:
        try:
            while self._layout_wanted:
                self._layout_wanted = False
                await self._mount_page()
            self._failure = None
        except Exception as error:  # said on the status line; the next request tries again
            self.log.error("wallboard layout failed", error)
            self._failure = describe(error)
        finally:
            self._laying_out = False
        self._refill()

    async def _mount_page(self) -> None:
        """Choose how many panels fit, and mount the current page's (awaiting each step)."""
        try:
            grid = self.query_one("#wall-grid", Grid)
        except NoMatches:  # not composed yet: on_mount asks again
            return
        width, height = self.size.width, max(1, self.size.height - 1)
        across = max(1, width // self.PANEL_SIZE[0])
        down = max(1, height // self.PANEL_SIZE[1])
        # Rotating shows one queue at a time, as big as the screen; otherwise all that fit.
        self._per_page = 1 if self.rotate_s and len(self.queues) > 1 else max(1, across * down)
        self.page %= self._pages()
        start = self.page * self._per_page
        wanted = self.queues[start : start + self._per_page]
        count = max(1, len(wanted))
        columns = min(count, across)
        grid.styles.grid_size_columns = columns
        grid.styles.grid_size_rows = math.ceil(count / columns)
        if wanted != self.shown:
            await grid.remove_children()
            self.shown = []
            panels = [WallPanel(self.app.config, queue) for queue in wanted]
            latest = self.app.update
            if latest is not None:  # drawn before they are even composed
                for panel in panels:
                    panel.show(latest.snapshot.queues.get(panel.queue))
            await grid.mount_all(panels)
            self.shown = wanted

    def _refill(self) -> None:
        if self.app.update is not None:
            self.show_update(self.app.update)

    # ----------------------------------------------------------------- drawing
    def show_update(self, update: FloorUpdate | None) -> None:
        if update is None:
            return
        snapshot = update.snapshot
        queues = [self.only_queue] if self.only_queue else list(snapshot.queues)
        if queues != self.queues:
            self.queues = queues
            self.request_layout()
        for panel in self.query(WallPanel):
            panel.show(snapshot.queues.get(panel.queue))
        self._status(snapshot)

    def _status(self, snapshot: FloorSnapshot) -> None:
        pages = self._pages()
        parts = [
            f"page {self.page + 1}/{pages}  " if pages > 1 else "",
            f"floor: {snapshot.totals.calls_waiting} waiting",
            "  FROZEN" if self.app.frozen else "",
        ]
        if self._failure:
            parts.append(f"  (layout: {self._failure})")
        text = "".join(parts)
        if text == self._status_text:
            return  # the same words: no repaint, and never a layout of the whole wall
        try:
            self.query_one("#wall-status", Static).update(content(text), layout=False)
            self._status_text = text
        except NoMatches:
            pass

    def action_next_page(self) -> None:
        self.page = (self.page + 1) % self._pages()
        self.request_layout()

    def action_previous_page(self) -> None:
        self.page = (self.page - 1) % self._pages()
        self.request_layout()
