"""A live table's row cursor and view: moving the cursor (keys, clicks), keeping it on screen
through scrolls and resizes, Enter, and the repaints a scroll, a resize or focus calls for.

A mixin of LiveTable (which holds the `cursor` reactive, the `order` of the keys shown, the
bindings, and `_repaint`); kept apart so the table's file is about data and painting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.geometry import Size

from floorwatch.widgets.columns import Key

if TYPE_CHECKING:
    from floorwatch.widgets.live_table import LiveTable

    _Base = LiveTable
else:
    _Base = object


class TableCursor(_Base):
    """The cursor's keys and clicks; `Selected` is posted on Enter or a double click."""

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
        self.virtual_size = Size(self._total_width(self._width()), len(self.order) + 1)
        self._scroll_to_cursor()

    def watch_scroll_y(self, old: float, new: float) -> None:
        self._painted.clear()
        super().watch_scroll_y(old, new)

    def watch_scroll_x(self, old: float, new: float) -> None:
        self._painted.clear()
        super().watch_scroll_x(old, new)

    def notify_style_update(self) -> None:
        self._base_style = None
        self._styles.clear()
        self._painted.clear()
        super().notify_style_update()

    def on_focus(self) -> None:
        self._styles.clear()  # the cursor's style follows :focus
        self._painted.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._styles.clear()
        self._painted.clear()
        self.refresh()
