"""A live table's columns: what a cell shows, and which columns fit a width, how wide.

Plain Python (no Textual): LiveTable paints rows with them; the boards declare theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from rich.cells import cell_len, set_cell_size

from floorwatch.safe_text import printable

Row = TypeVar("Row")
Key = Hashable

#: A cell: its text and an optional style name ("warning", "critical", "state-on_call", ...)
#: looked up as the component class `live-table--NAME`. The text may be anything a feed sent:
#: it is made printable (safe_text) when painted, the one place every board's cells pass.
Cell = tuple[str, str | None]


def fit(text: str, width: int, align: Literal["left", "right"] = "left") -> str:
    """`text` in exactly `width` terminal cells: cut with an ellipsis if longer (wide
    characters count as two), padded on the side away from `align` if shorter."""
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
    if length == width:
        return text
    padding = " " * (width - length)
    return padding + text if align == "right" else text + padding


@dataclass(frozen=True)
class Column(Generic[Row]):
    key: str
    label: str
    #: The narrowest the column gets (a content-sized column shrinks to it before any column
    #: is left out).
    width: int
    cell: Callable[[Row, float], Cell]
    align: Literal["left", "right"] = "left"
    #: Sort key (None: the column cannot be sorted on).
    sort: Callable[[Row], Any] | None = None
    #: The flexible column takes the width the others leave (up to `max_width`).
    flex: bool = False
    #: 0: always shown; higher numbers give way first when the terminal is too narrow.
    drop: int = 0
    #: Sized to its widest cell (names, reasons) rather than fixed at `width`.
    content: bool = False
    #: The widest a content-sized or flexible column gets (None: no limit).
    max_width: int | None = None


class ColumnLayout(Generic[Row]):
    """Which of `columns` fit a width and how wide each is (cached per width).

    A content-sized column is as wide as its widest cell (measured when the rows change, see
    `measure`) between its `width` and `max_width`. When the columns do not fit, the columns
    that give way first are left out first (a name is worth more than a trend), and only then
    do the content-sized columns give back their width, down to `width`. Spare width goes to the flexible columns up to their `max_width`; what is left stays
    empty on the right (a name column stretched to 90 characters reads no better)."""

    def __init__(self, columns: list[Column[Row]]):
        self.columns = columns
        self._cache: dict[tuple[str, int], list] = {}
        #: The widest cell (or label) of each content-sized column, as last measured.
        self._content: dict[str, int] = {}

    # ----------------------------------------------------------------- content widths
    def measure(self, rows: Iterable[Row], now: float, *, grow_only: bool = False) -> bool:
        """Measure the content-sized columns over `rows` (all of a board's rows, or with
        `grow_only` just those that changed); True if a width changed."""
        measured = {}
        rows = list(rows)
        for column in self.columns:
            if not column.content:
                continue
            widest = cell_len(column.label)
            for row in rows:
                try:
                    text = column.cell(row, now)[0]
                except Exception:  # LiveTable shows the failure in the cell itself
                    continue
                widest = max(widest, cell_len(printable(text)))
            if grow_only:
                widest = max(widest, self._content.get(column.key, 0))
            measured[column.key] = widest
        if measured == {k: self._content.get(k) for k in measured}:
            return False
        self._content.update(measured)
        self._cache.clear()
        return True

    def natural(self, column: Column[Row]) -> int:
        """The width `column` wants: its content's (within its limits), else its `width`."""
        if not column.content:
            return column.width
        wanted = max(column.width, self._content.get(column.key, cell_len(column.label)))
        return min(wanted, column.max_width) if column.max_width else wanted

    def natural_width(self) -> int:
        """The width every column wants at its natural width, the gaps between included."""
        return sum(self.natural(c) for c in self.columns) + len(self.columns) - 1

    # ----------------------------------------------------------------- fitting a width
    def shown(self, width: int) -> list[Column[Row]]:
        """The columns that fit `width` at their natural widths: those that give way first
        are left out first."""
        cached = self._cache.get(("shown", width))
        if cached is not None:
            return cached
        columns = list(self.columns)
        while len(columns) > 1:
            needed = sum(self.natural(c) for c in columns) + len(columns) - 1
            droppable = [c for c in columns if c.drop > 0]
            if needed <= width or not droppable:
                break
            columns.remove(max(droppable, key=lambda c: (c.drop, self.columns.index(c))))
        self._cache[("shown", width)] = columns
        return columns

    def widths(self, width: int) -> list[int]:
        cached = self._cache.get(("widths", width))
        if cached is not None:
            return cached
        columns = self.shown(width)
        widths = [self.natural(column) for column in columns]
        spare = width - sum(widths) - (len(widths) - 1)
        while spare < 0:  # the column with the most to give gives first, one cell at a time
            slack = max(((widths[i] - c.width, i) for i, c in enumerate(columns)), default=(0, 0))
            if slack[0] <= 0:
                break
            widths[slack[1]] -= 1
            spare += 1
        flex = [index for index, column in enumerate(columns) if column.flex]
        while spare > 0 and flex:
            room = [i for i in flex if not columns[i].max_width or widths[i] < columns[i].max_width]
            if not room:
                break
            share, extra = divmod(spare, len(room))
            for position, index in enumerate(room):
                limit = columns[index].max_width
                add = share + (1 if position < extra else 0)
                if limit:
                    add = min(add, limit - widths[index])
                widths[index] += add
                spare -= add
            if share == 0 and extra == 0:
                break
        self._cache[("widths", width)] = widths
        return widths

    def total_width(self, width: int) -> int:
        return sum(self.widths(width)) + len(self.shown(width)) - 1
