"""The wallboard: the few numbers that matter, in big digits, readable across the room."""

from __future__ import annotations

import math
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Static

from floorwatch.live import FloorUpdate
from floorwatch.widgets.wall_panel import WallPanel


class WallboardScreen(Screen):
    """One panel per queue (or the chosen one); rotates through pages of panels every
    `rotate_s` seconds when asked, or when they do not fit."""

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

    def compose(self) -> ComposeResult:
        yield Static("", id="wall-status")
        yield Grid(id="wall-grid")

    def on_mount(self) -> None:
        self.watch(self.app, "update", self.show_update)
        self.set_interval(self.rotate_s or self.PAGE_TURN_S, self._turn)

    def _turn(self) -> None:
        if self._pages() > 1:
            self.action_next_page()

    def on_resize(self) -> None:
        self._layout(force=True)

    def _pages(self) -> int:
        return max(1, math.ceil(len(self.queues) / self._per_page))

    def _layout(self, force: bool = False) -> None:
        """Choose how many panels fit and arrange the grid for the current page."""
        width, height = self.size.width, max(1, self.size.height - 1)
        across = max(1, width // self.PANEL_SIZE[0])
        down = max(1, height // self.PANEL_SIZE[1])
        # Rotating shows one queue at a time, as big as the screen; otherwise all that fit.
        per_page = 1 if self.rotate_s and len(self.queues) > 1 else max(1, across * down)
        if per_page != self._per_page or force:
            self._per_page = per_page
            self.page %= self._pages()
            self._mount_page()

    def _mount_page(self) -> None:
        grid = self.query_one("#wall-grid", Grid)
        shown = self.queues[self.page * self._per_page : (self.page + 1) * self._per_page]
        count = max(1, len(shown))
        columns = min(count, max(1, self.size.width // self.PANEL_SIZE[0]))
        grid.styles.grid_size_columns = columns
        grid.styles.grid_size_rows = math.ceil(count / columns)
        grid.remove_children()
        grid.mount_all([WallPanel(self.app.config, queue) for queue in shown])
        self.call_after_refresh(self._refill)

    def _refill(self) -> None:
        if self.app.update is not None:
            self.show_update(self.app.update)

    def show_update(self, update: FloorUpdate | None) -> None:
        if update is None:
            return
        snapshot = update.snapshot
        queues = [self.only_queue] if self.only_queue else list(snapshot.queues)
        if queues != self.queues:
            self.queues = queues
            self._layout(force=True)
            return
        for panel in self.query(WallPanel):
            queue = snapshot.queues.get(panel.queue)
            if queue is not None:
                panel.show(queue)
        pages = self._pages()
        status = f"page {self.page + 1}/{pages}  " if pages > 1 else ""
        frozen = "  FROZEN" if self.app.frozen else ""
        self.query_one("#wall-status", Static).update(
            f"{status}floor: {snapshot.totals.calls_waiting} waiting{frozen}"
        )

    def action_next_page(self) -> None:
        self.page = (self.page + 1) % self._pages()
        self._mount_page()

    def action_previous_page(self) -> None:
        self.page = (self.page - 1) % self._pages()
        self._mount_page()
