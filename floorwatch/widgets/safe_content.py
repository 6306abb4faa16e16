"""Names from the feed as Textual Content for the screens: never parsed as markup."""

from __future__ import annotations

from textual.content import Content

from floorwatch.safe_text import printable


def content(text: object, style: str = "") -> Content:
    """`text` made printable, as Textual Content (a str given to a Static, Label or Option is
    parsed as markup; Content is not)."""
    shown = printable(text)
    return Content.styled(shown, style) if style else Content(shown)
