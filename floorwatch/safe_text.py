"""Text that came from outside (a feed, a caller, a PBX admin), made safe to show in a terminal.

Agent, queue and caller names, pause reasons and the like are chosen by other people: a caller
picks their own display name. Written to a terminal as they are, an escape sequence in one can
set the clipboard (OSC 52), the window title or a hyperlink, clear the screen or move the
cursor; bidi overrides can make one name read as another. `printable` makes every control
character visible and drops the bidi controls, so what is shown is exactly the text, and nothing
the terminal would act on. (Markup is the renderer's part: show the result as plain text, never
as Rich or Textual markup: `rich_text` and `content` below build the renderers' text objects,
which are never parsed.) `--json` keeps the names as they are: JSON escapes them itself.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and the invisible bidi formatting characters (LRM, RLM, ALM,
#: the embeddings, overrides and isolates) plus the line and paragraph separators; and lone
#: surrogates (JSON can carry "\\ud800"), which no terminal encoding can write.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _BIDI:
        return ""
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ for ESC, ␇ for BEL...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: object) -> str:
    """`text` (None gives "") with every control character shown as a visible symbol and the
    bidi controls removed: safe to write to a terminal, and cheap when there is nothing to do."""
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    if value.isprintable() and value.isascii():
        return value
    return _UNSAFE.sub(_visible, value)


#: What a spreadsheet reads as the start of a formula.
_FORMULA_START = ("=", "+", "-", "@")


def spreadsheet_cell(text: object) -> str:
    """`text` made printable and never a formula: a name such as `=HYPERLINK(...)` opened in a
    spreadsheet is a formula unless it starts with an apostrophe, which spreadsheets hide."""
    shown = printable(text)
    return "'" + shown if shown.startswith(_FORMULA_START) else shown
