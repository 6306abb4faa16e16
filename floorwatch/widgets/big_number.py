"""A number in big digits (widgets/big_font.py) at the scale its wall chose.

Its height is fixed by the scale, so a new value only repaints it: a wall of panels updating
five times a second never lays itself out again for a changed digit. A value wider than the
room at that scale is drawn at the largest scale that fits.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from floorwatch.widgets import big_font


class BigNumber(Widget):
    """`value` drawn `scale` big (scale 0: as plain text, one row), its pixels `tall`
    half-rows high (default: as high as wide)."""

    DEFAULT_CSS = """
    BigNumber { width: 100%; height: 3; content-align: center middle; }
    """

    def __init__(self, value: str = "-", *, scale: int = 1, tall: int | None = None,
                 ascii_only: bool = False, classes: str | None = None):  # fmt: skip
        super().__init__(classes=classes)
        self.value = value
        self.scale = scale
        self.tall = tall or scale
        self.ascii_only = ascii_only
        self.styles.height = big_font.rows(scale, ascii_only, self.tall)

    def set_scale(self, scale: int, tall: int | None = None) -> None:
        tall = tall or scale
        if (scale, tall) != (self.scale, self.tall):
            self.scale, self.tall = scale, tall
            self.styles.height = big_font.rows(scale, self.ascii_only, tall)
            self.refresh(layout=True)

    def update(self, value: str) -> None:
        if value != self.value:
            self.value = value
            self.refresh()

    def drawn_scale(self) -> int:
        """The scale the value is drawn at: the wall's, or less if it is wider than the room."""
        room = self.content_region.width or self.size.width
        scale = self.scale
        while scale > 0 and room and big_font.width(self.value, scale) > room:
            scale -= 1
        return scale

    def render(self) -> Content:
        scale = self.drawn_scale()
        lines = big_font.render(self.value, scale, self.ascii_only, min(self.tall, 2 * scale))
        if scale == 0:
            return Content(self.value)
        return Content("\n".join(lines))
