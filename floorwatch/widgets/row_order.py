"""Which rows a live table shows, in which order: filter, sort, and moving only what changed.

Plain Python (no Textual), so the order a board shows can be tested without a screen. A board
of thousands of agents updates several times a second, most of them the same objects as last
time (a snapshot shares the agents nothing happened to): when only a few rows changed, just
those are taken out of the sorted list and put back where they now go.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import Generic

from floorwatch.widgets.columns import Column, Key, Row


class RowOrder(Generic[Row]):
    """The rows, the filter and the sort column; `order` is the keys shown, top to bottom."""

    #: More changed rows than this in one update, or more than a quarter of them: sort them
    #: all again (it is then cheaper: moving a row works out its sort value twice and shifts
    #: the list twice; a board of 200 queues, every one with a caller's wait ticking, changes
    #: every row every time).
    INCREMENTAL_LIMIT = 200

    def __init__(self, columns: list[Column[Row]]):
        self.columns = columns
        self.rows: dict[Key, Row] = {}
        self.order: list[Key] = []
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.filter: Callable[[Row], bool] | None = None
        #: (sort value, str(key), key) of the shown rows, ascending; None when unsorted.
        self._sorted: list[tuple] | None = None
        self._sort: Column[Row] | None = None

    def update(self, rows: Mapping[Key, Row]) -> list[Key] | None:
        """New rows; returns the keys whose rows changed (None: the set of keys changed, or
        so many rows did that everything was sorted again)."""
        previous = self.rows
        self.rows = dict(rows)
        if previous.keys() == self.rows.keys():
            changed = [key for key, row in self.rows.items() if previous[key] is not row]
            few = min(self.INCREMENTAL_LIMIT, len(self.rows) // 4 + 1)
            if self._sorted is not None and len(changed) <= few:
                self._move_rows(changed, previous)
                return changed
            self.reorder()
            return changed if len(changed) <= self.INCREMENTAL_LIMIT else None
        self.reorder()
        return None

    def set_sort(self, column: str | None, reverse: bool = False) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        self.reorder()

    def set_filter(self, predicate: Callable[[Row], bool] | None) -> None:
        self.filter = predicate
        self.reorder()

    def sortable(self) -> list[Column[Row]]:
        return [column for column in self.columns if column.sort is not None]

    def _entry(self, key: Key, row: Row) -> tuple | None:
        """The row's place in the sorted list (ties broken by key), or None if filtered out."""
        if self.filter is not None and not self.filter(row):
            return None
        column = self._sort
        return (column.sort(row) if column is not None else 0, str(key), key)

    def reorder(self) -> None:
        """Filter and sort every row again."""
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
