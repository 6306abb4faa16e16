"""How a LiveTable paints: only the lines on screen, a row turned into text as it is drawn.

Mixed into widgets/live_table.py's LiveTable (which holds the rows, their order, the cursor and
the column layout); here is the line API's side: the content size, the columns that fit, a
row's cells (a cell that fails shows `?`) and the strip of each line.
"""

from __future__ import annotations

from typing import Generic

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip

from floorwatch.safe_text import printable
from floorwatch.widgets.columns import Cell, Column, Row, fit


class TablePainting(Generic[Row]):
    """The painting half of LiveTable (which supplies the rows, order, cursor and layout)."""

    def _width(self) -> int:
        """The width the columns have: the widget's, less its vertical scrollbar (which
        would otherwise cover the last column)."""
        return max(1, self.size.width - self.scrollbar_size_vertical)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """As wide as the columns want (at their content's widths) and the scrollbar: an
        `auto` width or grid column fits the board instead of stretching it."""
        return self.column_layout.natural_width() + self.styles.scrollbar_size_vertical

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.order) + 1

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
        """A component class's style, looked up once until the styles change (a lookup
        walks the CSS: it was a quarter of painting a line)."""
        if name is None:
            return Style()
        styles = self._styles
        style = styles.get(name)
        if style is None:
            style = styles[name] = self.get_component_rich_style(
                f"live-table--{name}", default=Style()
            )
        return style

    def _strip(
        self,
        columns: list[Column[Row]],
        cells: list[Cell],
        base: Style,
        width: int,
        content_width: int,
    ) -> Strip:
        segments = []
        for index, (column, (text, style_name), cell_width) in enumerate(
            zip(columns, cells, self._widths(content_width), strict=False)
        ):
            if index:
                segments.append(Segment(" ", base))
            text = fit(printable(text), cell_width, column.align)
            style = base + self._style(style_name) if style_name else base
            segments.append(Segment(text, style))
        scroll_x = int(self.scroll_x)
        return Strip(segments).crop_extend(scroll_x, scroll_x + width, base)

    def render_line(self, y: int) -> Strip:
        width = self.size.width  # the line, under the scrollbar too; the columns fit _width()
        base = self._base_style
        if base is None:
            base = self._base_style = self.rich_style
        content_width = self._width()
        columns = self.shown(content_width)
        if y == 0:
            header = self._style("header")
            if self.failure:
                text = fit(printable(f"⚠ not current: {self.failure}"), content_width)
                return Strip([Segment(text, base + header + self._style("critical"))])
            labels = []
            for column in columns:
                mark = ""
                if column.key == self.sort_column:
                    mark = " ▼" if self.sort_reverse else " ▲"
                labels.append((column.label + mark, None))
            return self._strip(columns, labels, base + header, width, content_width)
        index = int(self.scroll_y) + y - 1
        if index >= len(self.order):
            if index == 0 and not self.order:
                return Strip(
                    [Segment(self.empty_message, base + self._style("muted"))]
                ).crop_extend(0, width, base)
            return Strip.blank(width, base)
        key = self.order[index]
        painted = self._painted.get(y)
        if painted is not None and painted[0] == key and painted[1] == (index == self.cursor):
            cells = list(painted[2])  # as _repaint just worked them out to compare
        else:
            cells = self._cells(columns, self.rows[key])
        style = base
        if index == self.cursor:
            style = base + self._style("cursor")
        return self._strip(columns, cells, style, width, content_width)
