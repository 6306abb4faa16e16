"""The characters the screens draw with: Unicode, or plain ASCII for a terminal whose locale
is not UTF-8 (box characters and block digits would come out as question marks or mojibake).

Chosen once when a viewer starts (`Glyphs.choose`) and handed to the widgets that draw
symbols, so a state, a severity or a burnout marker always has a shape as well as a colour,
in either set.
"""

from __future__ import annotations

import codecs
import locale
import os
from dataclasses import dataclass, field

from floorwatch.events import AgentState


def locale_is_utf8(environ: dict[str, str] | None = None) -> bool:
    """Whether the terminal's locale says UTF-8 (LC_ALL, else LC_CTYPE, else LANG; with none
    set, Python's own preferred encoding)."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(name)
        if value:
            charset = value.partition(".")[2].partition("@")[0]
            if value in ("C", "POSIX") or not charset:
                return False
            try:
                return codecs.lookup(charset).name == "utf-8"
            except LookupError:
                return False
    return codecs.lookup(locale.getpreferredencoding(False)).name == "utf-8"


@dataclass(frozen=True)
class Glyphs:
    """One set of symbols: per agent state, per severity, and the burnout marker."""

    ascii: bool
    states: dict[str, str]
    #: ok, warning, critical: a shape each, so severity never rests on colour alone.
    severity: dict[str, str]
    burnout: dict[str, str]
    ellipsis: str
    bullet: str = field(default="·")

    @classmethod
    def choose(cls, setting: str = "auto", environ: dict[str, str] | None = None) -> Glyphs:
        """`[display] ascii`: auto (by the locale), yes or no."""
        use_ascii = setting == "yes" or (setting == "auto" and not locale_is_utf8(environ))
        return ASCII if use_ascii else UNICODE


UNICODE = Glyphs(
    ascii=False,
    states={
        AgentState.AVAILABLE: "●",
        AgentState.RINGING: "◎",
        AgentState.ON_CALL: "◆",
        AgentState.WRAPUP: "✎",
        AgentState.PAUSED: "‖",
        AgentState.OFFLINE: "○",
    },
    severity={"ok": "", "warning": "▲", "critical": "✖"},
    burnout={"watch": "△", "warning": "▲", "critical": "■"},
    ellipsis="…",
)
ASCII = Glyphs(
    ascii=True,
    states={
        AgentState.AVAILABLE: "*",
        AgentState.RINGING: "@",
        AgentState.ON_CALL: "#",
        AgentState.WRAPUP: "~",
        AgentState.PAUSED: "=",
        AgentState.OFFLINE: "o",
    },
    severity={"ok": "", "warning": "/!\\", "critical": "XX"},
    burnout={"watch": ".", "warning": "!", "critical": "#!"},
    ellipsis="~",
    bullet="-",
)
