"""A number in big digits (widgets/big_font.py) at the scale its wall chose, under a caption.

Its height is fixed by the scale, so a new value only repaints it: a wall of panels updating
five times a second never lays itself out again for a changed digit. A value wider than the
room at that scale is drawn at the largest scale that fits. Caption and digits are one widget
(a wall of 20 panels of 3 figures would otherwise composite 120 more widgets every frame).
The drawn lines are shared by every BigNumber (`STRIPS`): a value drawn once at a size and in a
style is not laid out again, in this panel or another (a wall's oldest waits all count through
the same clock faces, and turning text into styled, centred lines was most of a repaint).
"""

from __future__ import annotations

from typing import ClassVar

from textual.cache import LRUCache
from textual.content import Content
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual, visualize
from textual.widget import Widget

from floorwatch.widgets import big_font

#: Drawn lines by what decides them (BigNumber._drawn_key), shared by every BigNumber.
STRIPS: LRUCache[tuple, list[Strip]] = LRUCache(2048)


class BigNumber(Widget):
    """`value` drawn `scale` big (scale 0: as plain text, one row), its pixels `tall`
    half-rows high (default: as high as wide), under `caption` (its style: the component
    class big-number--caption) when there is one."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"big-number--caption"}
    DEFAULT_CSS = """
    BigNumber { width: 100%; height: 3; text-align: center; }
    """

    def __init__(
        self,
        value: str = "-",
        *,
        scale: int = 1,
        tall: int | None = None,
        ascii_only: bool = False,
        caption: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(classes=classes)
        self.value = value
        self.scale = scale
        self.tall = tall or scale
        self.ascii_only = ascii_only
        self.caption = caption
        #: (the size, the lines) last drawn, until the next refresh.
        self._drawn: tuple | None = None
        self.styles.height = self.total_rows()

    def refresh(
        self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False
    ):
        """Any refresh (a new value, caption, scale, size or style) looks the lines up again."""
        self._drawn = None
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        self._drawn = None
        super().notify_style_update()

    @property
    def digit_rows(self) -> int:
        """Rows of the digits alone (without the caption)."""
        return big_font.rows(self.scale, self.ascii_only, self.tall)

    def total_rows(self) -> int:
        return self.digit_rows + (1 if self.caption is not None else 0)

    def set_scale(self, scale: int, tall: int | None = None) -> None:
        tall = tall or scale
        if (scale, tall) != (self.scale, self.tall):
            self.scale, self.tall = scale, tall
            self.styles.height = self.total_rows()
            self.refresh(layout=True)

    def update(self, value: str) -> None:
        if value != self.value:
            self.value = value
            self.refresh()

    def set_caption(self, caption: str) -> None:
        """A new caption of the same one row: a repaint."""
        if caption != self.caption:
            self.caption = caption
            self.refresh()

    def drawn_scale(self) -> int:
        """The scale the value is drawn at: the wall's, or less if it is wider than the room."""
        room = self.content_region.width or self.size.width
        scale = self.scale
        while scale > 0 and room and big_font.width(self.value, scale) > room:
            scale -= 1
        return scale

    def _drawn_key(self) -> tuple:
        """Everything the drawn lines depend on: the text, the size, the styles."""
        styles = self.styles
        caption_style = (
            None if self.caption is None else self.get_component_rich_style("big-number--caption")
        )
        return (
            self.value,
            self.caption,
            caption_style,
            self.scale,
            self.tall,
            self.ascii_only,
            self.size,
            self.content_region.width,
            self.visual_style,
            styles.text_align,
            styles.content_align,
            styles.text_wrap,
            styles.text_overflow,
            styles.line_pad,
        )

    def render_line(self, y: int) -> Strip:
        """A line of the digits, from STRIPS when this value was drawn so before (as Textual
        draws it otherwise: `render` to lines at the widget's size and style)."""
        if self.text_selection is not None:
            return super().render_line(y)
        drawn = self._drawn
        if drawn is None or drawn[0] != self.size:  # the first line asked since a refresh
            key = self._drawn_key()
            strips = STRIPS.get(key)
            if strips is None:
                width, height = self.size
                visual = visualize(self, self.render())
                strips = Visual.to_strips(self, visual, width, height, self.visual_style)
                STRIPS[key] = strips
            drawn = self._drawn = (self.size, strips)
        strips = drawn[1]
        if y < len(strips):
            return strips[y]
        return Strip.blank(self.size.width, self.visual_style.rich_style)

    def render(self) -> Content:
        scale = self.drawn_scale()
        lines = big_font.render(self.value, scale, self.ascii_only, min(self.tall, 2 * scale))
        digits = Content(self.value if scale == 0 else "\n".join(lines))
        if self.caption is None:
            return digits
        style = Style.from_rich_style(self.get_component_rich_style("big-number--caption"))
        return Content.assemble(Content.styled(self.caption, style), "\n", digits)
