"""A live table's columns: what a cell shows, and which columns fit a width, how wide.

Plain Python (no Textual): LiveTable paints rows with them; the boards declare theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from rich.cells import cell_len, set_cell_size

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
    width: int
    cell: Callable[[Row, float], Cell]
    align: Literal["left", "right"] = "left"
    #: Sort key (None: the column cannot be sorted on).
    sort: Callable[[Row], Any] | None = None
    #: The flexible column takes the width the others leave (at least `width`).
    flex: bool = False
    #: 0: always shown; higher numbers give way first when the terminal is too narrow.
    drop: int = 0


class ColumnLayout(Generic[Row]):
    """Which of `columns` fit a width and how wide each is (cached per width)."""

    def __init__(self, columns: list[Column[Row]]):
        self.columns = columns
        self._cache: dict[tuple[str, int], list] = {}

    def shown(self, width: int) -> list[Column[Row]]:
        """The columns that fit `width`: those that give way first are left out first."""
        cached = self._cache.get(("shown", width))
        if cached is not None:
            return cached
        columns = list(self.columns)
        while len(columns) > 1:
            needed = sum(c.width for c in columns) + len(columns) - 1
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
        widths = [column.width for column in columns]
        spare = width - sum(widths) - (len(widths) - 1)
        flex = [index for index, column in enumerate(columns) if column.flex]
        if spare > 0 and flex:
            share, extra = divmod(spare, len(flex))
            for position, index in enumerate(flex):
                widths[index] += share + (1 if position < extra else 0)
        self._cache[("widths", width)] = widths
        return widths

    def total_width(self, width: int) -> int:
        return sum(self.widths(width)) + len(self.shown(width)) - 1
