"""A board sorted by one of its columns, with the same keys on every board: `s` the next sortable
column, `S` the other direction. The agent board and the queue board are such boards."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from floorwatch.widgets.columns import Row
from floorwatch.widgets.live_table import LiveTable


class SortableBoard(LiveTable[Row]):
    """A LiveTable whose keys change its sort; `sort_label` says it (for a title or a note)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "next_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse", show=False),
    ]

    def action_next_sort(self) -> None:
        keys = self.sort_columns()
        index = keys.index(self.sort_column) if self.sort_column in keys else -1
        self.set_sort(keys[(index + 1) % len(keys)], self.sort_reverse)
        self.notify(f"sorted by {self.sort_label()}", timeout=1.5, markup=False)

    def action_reverse_sort(self) -> None:
        self.set_sort(self.sort_column, not self.sort_reverse)

    def sort_label(self) -> str:
        column = next((c for c in self.columns if c.key == self.sort_column), None)
        label = (column.label.strip() or column.key) if column else "-"
        return f"{label} {'▼' if self.sort_reverse else '▲'}"

    def sort_by(self, column: str) -> None:
        """Sort on `column`, the direction kept."""
        self.set_sort(column, self.sort_reverse)

    def sort_columns(self) -> list[str]:
        """The keys of the columns the board can be sorted on."""
        return [column.key for column in self.sortable()]
