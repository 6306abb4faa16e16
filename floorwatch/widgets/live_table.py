"""A table for live data that renders only the lines on screen (Textual's line API).

Boards of thousands of agents update several times a second; a DataTable would rebuild or diff
every row. This table keeps the rows as plain objects, sorts and filters their keys, and turns
a row into text only when its line is painted, so the work per update grows with what is on
screen. The header row stays put while the body scrolls; the cursor stays on the same key when
rows move. Which rows show in which order is widgets/row_order.py's; which columns fit and how
wide, widgets/columns.py's (content-sized columns are measured here when the rows change).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar, Generic

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView

from floorwatch.widgets.columns import Cell, Column, ColumnLayout, Key, Row, fit
from floorwatch.widgets.row_order import RowOrder
from floorwatch.widgets.table_cursor import TableCursor
from floorwatch.widgets.table_painting import TablePainting

__all__ = ["Cell", "Column", "LiveTable", "fit"]


class LiveTable(TableCursor, TablePainting[Row], ScrollView, Generic[Row], can_focus=True):
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
        "live-table--changed",
        "live-table--alarm",
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
    LiveTable > .live-table--changed { text-style: bold underline; color: $accent; }
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
        self.ordering: RowOrder[Row] = RowOrder(columns)
        self.now = 0.0
        self.empty_message = "nothing to show"
        self.column_layout = ColumnLayout(columns)
        self._measures = any(column.content for column in columns)
        #: What each screen line showed when last painted (to repaint only what changed).
        self._painted: dict[int, object] = {}
        self._base_style: Style | None = None
        #: Component styles by name, until the styles change (table_painting.py).
        self._styles: dict[str, Style] = {}
        #: Why the last update could not be drawn (shown in the header line), if it could not.
        self.failure: str | None = None

    # The rows, their order, the sort and the filter live in `ordering` (a RowOrder).
    @property
    def rows(self) -> dict[Key, Row]:
        return self.ordering.rows

    @property
    def order(self) -> list[Key]:
        return self.ordering.order

    @property
    def sort_column(self) -> str | None:
        return self.ordering.sort_column

    @sort_column.setter
    def sort_column(self, column: str | None) -> None:
        self.ordering.sort_column = column

    @property
    def sort_reverse(self) -> bool:
        return self.ordering.sort_reverse

    @property
    def filter(self) -> Callable[[Row], bool] | None:
        return self.ordering.filter

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
        self.now = now
        changed = self.ordering.update(rows)
        if self._measures:
            self._measure(changed)
        self._place(current)

    def _measure(self, changed: list[Key] | None) -> None:
        """Size the content-sized columns to the rows (all of them when the keys changed,
        else only the changed rows can widen a column): a new width is a new layout."""
        rows = self.rows
        if changed is None:
            moved = self.column_layout.measure(rows.values(), self.now)
        elif changed:
            moved = self.column_layout.measure([rows[k] for k in changed], self.now, grow_only=True)
        else:
            return
        if moved:
            self._painted.clear()
            self.refresh(layout=True)

    def remeasure(self) -> None:
        """Cells changed with the rows unchanged (a mark came or went): size and paint anew."""
        if self._measures:
            self._measure(None)
        self._painted.clear()
        self.refresh()

    def tick(self, now: float) -> None:
        """Time passed (waits and times in state grow): repaint what changed on screen."""
        self.now = now
        self._repaint()

    def _repaint(self) -> None:
        """Repaint only the lines whose cells changed since they were last painted: an update
        then costs what changed on screen, and Textual redraws no more than that."""
        size = self.size
        height = size.height
        if not height:
            self.refresh()
            return
        columns = self.shown(self._width())
        top = int(self.scroll_y)
        painted = self._painted
        order, rows, cursor = self.order, self.rows, self.cursor
        changed: list[int] = []
        for y in range(1, height):
            index = top + y - 1
            if index < len(order):
                key = order[index]
                line = (key, index == cursor, tuple(self._cells(columns, rows[key])))
            else:
                line = None
            if painted.get(y) != line:
                painted[y] = line
                changed.append(y)
        header = (tuple(c.key for c in columns), self.sort_column, self.sort_reverse, self.failure)
        if painted.get(0) != header:
            painted[0] = header
            changed.append(0)
        if changed:  # one refresh for all of them (each call has its own bookkeeping)
            width = max(self.virtual_size.width, size.width)
            self.refresh(*(self._screen_line(y, width) for y in changed))

    def _screen_line(self, y: int, width: int) -> Region:
        """Line `y` of the widget as it is on screen. (ScrollView.refresh_lines takes a line
        of the content and subtracts the scroll offset itself: given a screen line, a
        scrolled board repainted lines off screen and showed stale ones, some rows twice.)"""
        return Region(0, y, width, 1)

    def set_sort(self, column: str | None, reverse: bool = False) -> None:
        keep = self.cursor_key
        self.ordering.set_sort(column, reverse)
        self._place(keep)

    def set_filter(self, predicate: Callable[[Row], bool] | None) -> None:
        keep = self.cursor_key
        self.ordering.set_filter(predicate)
        self._place(keep)

    def sortable(self) -> list[Column[Row]]:
        return self.ordering.sortable()

    def _place(self, keep: Key | None) -> None:
        """After the order changed: the cursor back on `keep`, the scroll range, a repaint."""
        keys = self.order
        if len(keys) + 1 != self.virtual_size.height and self.styles.is_auto_height:
            self.refresh(layout=True)  # an auto height follows the number of rows
        self.virtual_size = Size(self._total_width(self._width()), len(keys) + 1)
        if keep is not None and keep in self.rows:
            try:
                self.cursor = keys.index(keep)
            except ValueError:
                self.cursor = min(self.cursor, max(0, len(keys) - 1))
        else:
            self.cursor = min(self.cursor, max(0, len(keys) - 1))
        self._scroll_to_cursor()
        self._repaint()
