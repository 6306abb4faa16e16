"""Names from the feed as Rich Text for the one-shot tables: never read as markup."""

from __future__ import annotations

from rich.text import Text

from floorwatch.safe_text import printable


def rich_text(text: object, style: str = "") -> Text:
    """`text` made printable, as a Rich Text: a table cell or line that is never read as
    markup (a str given to Rich is: `[link=...]` in a name would become a hyperlink)."""
    return Text(printable(text), style=style)
