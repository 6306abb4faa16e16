"""A table for live data that renders only the lines on screen (Textual's line API).

Boards of thousands of agents update several times a second; a DataTable would rebuild or diff
every row. This table keeps the rows as plain objects, sorts and filters their keys, and turns
a row into text only when its line is painted, so the work per update grows with what is on
screen. The header row stays put while the body scrolls; the cursor stays on the same key when
rows move.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import ClassVar, Generic

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from floorwatch.safe_text import printable
from floorwatch.widgets.columns import Cell, Column, ColumnLayout, Key, Row, fit

__all__ = ["Cell", "Column", "LiveTable", "fit"]


class LiveTable(ScrollView, Generic[Row], can_focus=True):
    """Rows of live objects with a sticky header, a row cursor, sorting and filtering."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Open"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--header",
        "live-table--cursor",
        "live-table--muted",
        "live-table--ok",
        "live-table--warning",
        "live-table--critical",
        "live-table--good",
        "live-table--state-available",
        "live-table--state-ringing",
        "live-table--state-on_call",
        "live-table--state-wrapup",
        "live-table--state-paused",
        "live-table--state-offline",
        "live-table--flag-watch",
        "live-table--flag-warning",
        "live-table--flag-critical",
        "live-table--spark",
    }

    DEFAULT_CSS = """
    LiveTable {
        background: $surface;
        scrollbar-size-vertical: 1;
    }
    LiveTable > .live-table--header { text-style: bold; background: $panel; color: $foreground; }
    LiveTable > .live-table--cursor { background: $block-cursor-blurred-background; }
    LiveTable:focus > .live-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
        text-style: bold;
    }
    LiveTable > .live-table--muted { color: $text-muted; }
    LiveTable > .live-table--ok { }
    LiveTable > .live-table--good { color: $success; }
    LiveTable > .live-table--warning { color: $warning; text-style: bold; }
    LiveTable > .live-table--critical { color: $error; text-style: bold reverse; }
    LiveTable > .live-table--state-available { color: $success; }
    LiveTable > .live-table--state-ringing { color: $warning; }
    LiveTable > .live-table--state-on_call { color: $primary; }
    LiveTable > .live-table--state-wrapup { color: $secondary; }
    LiveTable > .live-table--state-paused { color: $warning; }
    LiveTable > .live-table--state-offline { color: $text-muted; }
    LiveTable > .live-table--flag-watch { color: $warning; }
    LiveTable > .live-table--flag-warning { color: $warning; text-style: bold; }
    LiveTable > .live-table--flag-critical { color: $error; text-style: bold; }
    LiveTable > .live-table--spark { color: $accent; }
    """

    class Selected(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: LiveTable, key: Key):
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LiveTable:
            return self.table

    cursor = reactive(0, repaint=False)
    #: More changed rows than this in one update: sort them all again (it is then cheaper).
    INCREMENTAL_LIMIT = 200

    def __init__(
        self,
        columns: list[Column[Row]],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(name=name, id=id, classes=classes)
        self.columns = columns
        self.rows: dict[Key, Row] = {}
        self.order: list[Key] = []
        self.now = 0.0
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.filter: Callable[[Row], bool] | None = None
        self.empty_message = "nothing to show"
        self.column_layout = ColumnLayout(columns)
        #: (sort value, str(key), key) of the shown rows, ascending; None when unsorted.
        self._sorted: list[tuple] | None = None
        self._sort: Column[Row] | None = None
        #: What each screen line showed when last painted (to repaint only what changed).
        self._painted: dict[int, object] = {}
        self._base_style: Style | None = None
        #: Why the last update could not be drawn (shown in the header line), if it could not.
        self.failure: str | None = None

    def show_failure(self, message: str | None) -> None:
        """Say in the header line why the rows are not current (None: they are again)."""
        self.failure = message
        self._painted.pop(0, None)
        self.refresh()

    # ----------------------------------------------------------------- data
    def update_rows(self, rows: Mapping[Key, Row], now: float) -> None:
        """New data: re-filter and re-sort, keep the cursor on the same row, repaint.

        Rows that are the same objects as last time (a snapshot shares the agents nothing
        happened to) keep their place; when only a few changed, just those are moved, so a
        board of thousands costs what changed."""
        current = self.cursor_key
        previous = self.rows
        self.rows = dict(rows)
        self.now = now
        if self._sorted is not None and previous.keys() == self.rows.keys():
            changed = [key for key, row in self.rows.items() if previous[key] is not row]
            if len(changed) <= self.INCREMENTAL_LIMIT:
                self._move_rows(changed, previous)
                self._place(current)
                return
        self._reorder(current)

    def tick(self, now: float) -> None:
        """Time passed (waits and times in state grow): repaint what changed on screen."""
        self.now = now
        self._repaint()

    def _repaint(self) -> None:
        """Repaint only the lines whose cells changed since they were last painted: an update
        then costs what changed on screen, and Textual redraws no more than that."""
        height = self.size.height
        if not height:
            self.refresh()
            return
        columns = self.shown(self.size.width)
        top = int(self.scroll_y)
        painted = self._painted
        for y in range(1, height):
            index = top + y - 1
            if index < len(self.order):
                row = self.rows[self.order[index]]
                key = (self.order[index], index == self.cursor, tuple(self._cells(columns, row)))
            else:
                key = None
            if painted.get(y) != key:
                painted[y] = key
                self._refresh_screen_line(y)
        header = (tuple(c.key for c in columns), self.sort_column, self.sort_reverse, self.failure)
        if painted.get(0) != header:
            painted[0] = header
            self._refresh_screen_line(0)

    def _refresh_screen_line(self, y: int) -> None:
        """Repaint line `y` of the widget as it is on screen. (ScrollView.refresh_lines takes
        a line of the content and subtracts the scroll offset itself: given a screen line, a
        scrolled board repainted lines off screen and showed stale ones, some rows twice.)"""
        self.refresh(Region(0, y, max(self.virtual_size.width, self.size.width), 1))

    def set_sort(self, column: str | None, reverse: bool = False) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        self._reorder(self.cursor_key)

    def set_filter(self, predicate: Callable[[Row], bool] | None) -> None:
        self.filter = predicate
        self._reorder(self.cursor_key)

    def sortable(self) -> list[Column[Row]]:
        return [column for column in self.columns if column.sort is not None]

    def _entry(self, key: Key, row: Row) -> tuple | None:
        """The row's place in the sorted list (ties broken by key), or None if filtered out."""
        if self.filter is not None and not self.filter(row):
            return None
        column = self._sort
        return (column.sort(row) if column is not None else 0, str(key), key)

    def _reorder(self, keep: Key | None) -> None:
        self._sort = next(
            (c for c in self.columns if c.key == self.sort_column and c.sort is not None), None
        )
        entries = [self._entry(key, row) for key, row in self.rows.items()]
        if self._sort is None:  # the rows' own order
            self._sorted = None
            self.order = [entry[2] for entry in entries if entry is not None]
        else:
            self._sorted = sorted(entry for entry in entries if entry is not None)
            self._set_order()
        self._place(keep)

    def _move_rows(self, keys: list[Key], previous: Mapping[Key, Row]) -> None:
        """Take the changed rows out of the sorted list and put them back where they now go."""
        entries = self._sorted
        for key in keys:
            old = self._entry(key, previous[key])
            if old is not None:
                index = bisect.bisect_left(entries, old)
                if index < len(entries) and entries[index][2] == key:
                    del entries[index]
            new = self._entry(key, self.rows[key])
            if new is not None:
                bisect.insort(entries, new)
        self._set_order()

    def _set_order(self) -> None:
        keys = [entry[2] for entry in self._sorted]
        self.order = keys[::-1] if self.sort_reverse else keys

    def _place(self, keep: Key | None) -> None:
        """After the order changed: the cursor back on `keep`, the scroll range, a repaint."""
        keys = self.order
        self.virtual_size = Size(self._total_width(self.size.width), len(keys) + 1)
        if keep is not None and keep in self.rows:
            try:
                self.cursor = keys.index(keep)
            except ValueError:
                self.cursor = min(self.cursor, max(0, len(keys) - 1))
        else:
            self.cursor = min(self.cursor, max(0, len(keys) - 1))
        self._scroll_to_cursor()
        self._repaint()

    @property
    def cursor_key(self) -> Key | None:
        if 0 <= self.cursor < len(self.order):
            return self.order[self.cursor]
        return None

    def move_to(self, key: Key) -> bool:
        """Put the cursor on `key` if it is shown."""
        if key in self.order:
            self.cursor = self.order.index(key)
            self._scroll_to_cursor()
            self.refresh()
            return True
        return False

    def visible_keys(self) -> list[Key]:
        top = int(self.scroll_y)
        return self.order[top : top + max(0, self.size.height - 1)]

    # ----------------------------------------------------------------- cursor
    def _scroll_to_cursor(self) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, force=True)
        elif self.cursor >= top + body:
            self.scroll_to(y=self.cursor - body + 1, animate=False, force=True)

    def _move(self, delta: int) -> None:
        if not self.order:
            return
        self.cursor = max(0, min(len(self.order) - 1, self.cursor + delta))
        self._scroll_to_cursor()
        self._repaint()

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-max(1, self.size.height - 2))

    def action_page_down(self) -> None:
        self._move(max(1, self.size.height - 2))

    def action_first(self) -> None:
        self._move(-len(self.order))

    def action_last(self) -> None:
        self._move(len(self.order))

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Selected(self, key))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if event.y >= 1 and 0 <= row < len(self.order):
            self.cursor = row
            self._repaint()
            if event.chain >= 2:
                self.action_select()

    def on_resize(self) -> None:
        self._painted.clear()
        self.virtual_size = Size(self._total_width(self.size.width), len(self.order) + 1)
        self._scroll_to_cursor()

    def watch_scroll_y(self, old: float, new: float) -> None:
        self._painted.clear()
        super().watch_scroll_y(old, new)

    def watch_scroll_x(self, old: float, new: float) -> None:
        self._painted.clear()
        super().watch_scroll_x(old, new)

    def notify_style_update(self) -> None:
        self._base_style = None
        self._painted.clear()
        super().notify_style_update()

    def on_focus(self) -> None:
        self._painted.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._painted.clear()
        self.refresh()

    # ----------------------------------------------------------------- painting
    def shown(self, width: int) -> list[Column[Row]]:
        """The columns that fit `width`: those that give way first are left out first."""
        return self.column_layout.shown(width)

    def _widths(self, width: int) -> list[int]:
        return self.column_layout.widths(width)

    def _total_width(self, width: int) -> int:
        return self.column_layout.total_width(width)

    def _cells(self, columns: list[Column[Row]], row: Row) -> list[Cell]:
        """The row's cells; a cell that cannot be computed (an odd value in one row) shows
        `?` in its column instead of ending the dashboard."""
        now = self.now
        cells = []
        for column in columns:
            try:
                cells.append(column.cell(row, now))
            except Exception as error:
                self.log.error(f"cell {column.key} failed", error)
                cells.append(("?", "critical"))
        return cells

    def _style(self, name: str | None) -> Style:
        if name is None:
            return Style()
        return self.get_component_rich_style(f"live-table--{name}", default=Style())

    def _strip(
        self, columns: list[Column[Row]], cells: list[Cell], base: Style, width: int
    ) -> Strip:
        segments = []
        for index, (column, (text, style_name), cell_width) in enumerate(
            zip(columns, cells, self._widths(self.size.width), strict=False)
        ):
            if index:
                segments.append(Segment(" ", base))
            text = fit(printable(text), cell_width, column.align)
            style = base + self._style(style_name) if style_name else base
            segments.append(Segment(text, style))
        scroll_x = int(self.scroll_x)
        return Strip(segments).crop_extend(scroll_x, scroll_x + width, base)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
        columns = self.shown(width)
        if y == 0:
            header = self._style("header")
            if self.failure:
                text = fit(printable(f"⚠ not current: {self.failure}"), width)
                return Strip([Segment(text, base + header + self._style("critical"))])
            labels = []
            for column in columns:
                mark = ""
                if column.key == self.sort_column:
                    mark = " ▼" if self.sort_reverse else " ▲"
                labels.append((column.label + mark, None))
            return self._strip(columns, labels, base + header, width)
        index = int(self.scroll_y) + y - 1
        if index >= len(self.order):
            if index == 0 and not self.order:
                return Strip(
                    [Segment(self.empty_message, base + self._style("muted"))]
                ).crop_extend(0, width, base)
            return Strip.blank(width, base)
        row = self.rows[self.order[index]]
        cells = self._cells(columns, row)
        style = base
        if index == self.cursor:
            style = base + self._style("cursor")
        return self._strip(columns, cells, style, width)
