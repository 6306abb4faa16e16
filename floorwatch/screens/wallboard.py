"""The wallboard: the few numbers that matter, as big as the screen allows, across the room."""

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

from floorwatch.screens.rewind import rewound_marker
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.snapshot.sites import site_snapshot, sites_of
from floorwatch.widgets.alarm_marks import AlarmMarks
from floorwatch.widgets.alarm_strip import AlarmStrip
from floorwatch.widgets.guard import describe
from floorwatch.widgets.rewound_line import follow_rewind
from floorwatch.widgets.wall_figures import FIGURES
from floorwatch.widgets.wall_layout import WallLayout, paged
from floorwatch.widgets.wall_panel import WallPanel
from floorwatch.widgets.wall_status import status_line

#: A panel is a queue's name, or None for the floor-total panel.
PanelKey = str | None


class WallboardScreen(Screen):
    """One panel per queue (or the chosen one) and a floor-total panel, the grid and the digit
    size chosen for the screen's shape (widgets/wall_layout.py); pages of panels turn every
    `rotate_s` seconds when asked (one panel a page), or every PAGE_TURN_S when not all fit.

    Laying out a page (removing panels, mounting others) takes several steps of the event
    loop, so it runs in one task at a time that awaits each step; a resize, a page turn or a
    new queue arriving meanwhile asks for one more pass, never a second layout at once. Panels
    take a snapshot whenever it comes, composed or not."""

    CSS_PATH = "wallboard.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,w", "app.pop_screen", "Floor"),
        Binding("right,n", "next_page", "Next", show=False),
        Binding("left,p", "previous_page", "Previous", show=False),
        Binding("f", "next_site", "Site", show=False),
    ]

    #: When the panels do not all fit and no rotation was asked for, pages still turn this
    #: often, so no queue stays hidden from the room.
    PAGE_TURN_S = 10.0

    def __init__(self, queue: str | None = None, rotate_s: float | None = None):
        super().__init__()
        self.only_queue = queue
        self.rotate_s = rotate_s
        self.page = 0
        self.queues: list[str] = []
        self.layout_plan: WallLayout | None = None
        self._pages: list[list[PanelKey]] = [[]]
        #: The panels mounted now, in order: their keys, and the widgets (kept here, not
        #: queried: a query matches every node of the wall on every update).
        self.shown: list[PanelKey] = []
        self._panels: list[WallPanel] = []
        self._layout_wanted = False
        self._laying_out = False
        self._failure: str | None = None
        #: Queues with an alarm up: their panels are marked.
        self.marks = AlarmMarks()
        #: Rows the alarm strip took when the page was laid out.
        self._strip_rows = 0
        self._status_text = None
        self._feed_level = ""
        #: On a replica of several sites: the one site the wall shows (`f`), None for all.
        self.site: str | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="wall-status")
        yield AlarmStrip()
        yield Grid(id="wall-grid")

    def on_mount(self) -> None:
        follow_rewind(self.query_one("#wall-status"))
        self.set_class(self.app.glyphs.ascii, "-ascii")
        self.watch(self.app, "update", self.show_update)
        self.watch(self.app, "problem", lambda problem: self._refill())
        self.watch(self.app, "rewound_at", lambda at: self._refill(), init=False)
        self.watch(self.app, "alarms", self._alarms_changed, init=False)
        self.set_interval(self.rotate_s or self.PAGE_TURN_S, self._turn)
        self.request_layout()

    def _alarms_changed(self, alarms) -> None:
        if (1 if alarms else 0) != self._strip_rows:
            self.request_layout()  # the strip came or went: one row more or less for digits

    def _turn(self) -> None:
        if len(self._pages) > 1:
            self.action_next_page()

    def on_resize(self) -> None:
        self.request_layout()

    # ----------------------------------------------------------------- layout
    def panel_keys(self) -> list[PanelKey]:
        """Every panel of the wall, the floor total first (when there is more than one queue)."""
        total = self.app.config.wallboard.floor_total and self.only_queue is None
        return ([None] if total and len(self.queues) > 1 else []) + list(self.queues)

    def plan_pages(self, width: int, height: int) -> tuple[WallLayout, list[list[PanelKey]]]:
        """The layout for this size and the panels of each page: all on one page when they fit
        with digits at least one size up; else the floor total on every page beside as many
        queues as fit; one panel a page when rotating."""
        keys = self.panel_keys()
        wallboard = self.app.config.wallboard
        figure_names = {
            name for key in keys or [self.only_queue] for name in wallboard.figures_of(key)
        }
        templates = [FIGURES[name].template for name in figure_names]
        figures = max(len(wallboard.figures_of(key)) for key in keys or [self.only_queue])
        ascii_only = self.app.glyphs.ascii
        if self.rotate_s and len(keys) > 1:
            layout = paged(1, figures, templates, width, height, ascii_only)
            return layout, [[key] for key in keys]
        layout = paged(len(keys), figures, templates, width, height, ascii_only)
        per_page = layout.panels
        if per_page >= len(keys):
            return layout, [keys]
        if keys and keys[0] is None and per_page >= 3:
            queues = keys[1:]
            step = per_page - 1
            return layout, [
                [None, *queues[start : start + step]] for start in range(0, len(queues), step)
            ]
        return layout, [keys[start : start + per_page] for start in range(0, len(keys), per_page)]

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
        """Choose the grid and digit size, and mount the current page's panels."""
        try:
            grid = self.query_one("#wall-grid", Grid)
        except NoMatches:  # not composed yet: on_mount asks again
            return
        if not self.size.width or not self.size.height:
            return
        # The alarm strip takes a row while an alarm is up: the digits fit what is left.
        self._strip_rows = 1 if self.app.alarms else 0
        layout, pages = self.plan_pages(self.size.width, self.size.height - self._strip_rows)
        self.layout_plan, self._pages = layout, pages
        self.page %= len(pages)
        wanted = pages[self.page]
        count = max(1, len(wanted))
        columns = min(count, layout.columns)
        grid.styles.grid_size_columns = columns
        grid.styles.grid_size_rows = math.ceil(count / columns)
        scale = max(0, layout.scale)
        panels_now = list(self._panels)
        if (
            wanted != self.shown
            and len(wanted) == len(panels_now)
            and all(panel.retarget(key) for panel, key in zip(panels_now, wanted, strict=False))
        ):  # a page turn to as many panels with the same figures: the same widgets
            self.shown = wanted
            for panel in panels_now:
                panel.set_layout(scale, layout.figure_columns, layout.tall)
        elif wanted != self.shown:
            self._panels = []
            await grid.remove_children()
            self.shown = []
            panels = [
                WallPanel(
                    self.app.config,
                    key,
                    scale=scale,
                    tall=layout.tall,
                    glyphs=self.app.glyphs,
                    figure_columns=layout.figure_columns,
                )
                for key in wanted
            ]
            latest = self.app.update
            if latest is not None:  # drawn before they are even composed
                for panel in panels:
                    panel.show(self._narrowed(latest.snapshot))
            self._panels = panels
            await grid.mount_all(panels)
            self.shown = wanted
        else:
            for panel in panels_now:
                panel.set_layout(scale, layout.figure_columns, layout.tall)

    def _refill(self) -> None:
        self.show_update(self.app.update)

    def on_screen_resume(self) -> None:
        self.request_layout()

    # ----------------------------------------------------------------- drawing
    def show_update(self, update: FloorUpdate | None) -> None:
        if self.app.screen is not self:
            return  # under an agent or the help: drawn again when back on top
        snapshot = self._narrowed(update.snapshot) if update is not None else None
        if snapshot is not None:
            queues = [self.only_queue] if self.only_queue else list(snapshot.queues)
            if queues != self.queues:
                self.queues = queues
                self.request_layout()
            self.marks.take(update.alarms, self.app.silenced)
            for panel in self._panels:
                panel.alarm = self.marks.queues.get(panel.queue) if panel.queue else None
                panel.show(snapshot)
        self._status(snapshot)

    def _status(self, snapshot) -> None:
        app = self.app
        text, feed_level = status_line(
            snapshot,
            app.config,
            app.glyphs,
            zone=app.config.tzinfo(),
            problem=app.problem,
            page=(self.page, len(self._pages)),
            frozen=app.frozen,
            note=f"layout: {self._failure}" if self._failure else self._site_note(),
            rewound=rewound_marker(app),
        )
        if feed_level != self._feed_level:
            self._feed_level = feed_level
            for name in ("ok", "warning", "critical"):
                self.set_class(name == feed_level, f"-feed-{name}")
        if text == self._status_text:
            return  # the same words: no repaint, and never a layout of the whole wall
        try:
            self.query_one("#wall-status", Static).update(text, layout=False)
            self._status_text = text
        except NoMatches:
            pass

    def _narrowed(self, snapshot):
        """The floor as this wall shows it: one site's, or every site's."""
        return snapshot if self.site is None else site_snapshot(snapshot, self.site)

    def _site_note(self) -> str | None:
        return None if self.site is None else f"site {self.site} (f: next site)"

    def action_next_page(self) -> None:
        self.page = (self.page + 1) % len(self._pages)
        self.request_layout()

    def action_previous_page(self) -> None:
        self.page = (self.page - 1) % len(self._pages)
        self.request_layout()

    def action_next_site(self) -> None:
        """On a replica of several sites: the next site alone, then every site again."""
        update = self.app.update
        sites = sites_of(update.snapshot) if update is not None else []
        if not sites:
            self.notify("this floor has one site", timeout=3)
            return
        order: list[str | None] = [None, *sites]
        at = order.index(self.site) if self.site in order else 0
        self.site = order[(at + 1) % len(order)]
        self.page = 0
        self._refill()
        self.request_layout()
