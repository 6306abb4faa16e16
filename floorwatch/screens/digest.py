"""After a while without a key, the first key shows what changed meanwhile (snapshot/digest.py)
on one screen; any key closes it."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from floorwatch.widgets.safe_content import content


class DigestScreen(ModalScreen[None]):
    """The lines of a digest; any key (or a click) goes back to where the viewer was."""

    def __init__(self, lines: list[str]):
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="digest-box"):
            yield Static(content(self.lines[0]), classes="picker-title")
            body = self.lines[1:] or ["nothing changed"]
            yield Static(Content("\n").join(content(f"• {line}") for line in body), id="digest")
            yield Static("any key closes", id="digest-hint")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss()

    def on_click(self) -> None:
        self.dismiss()
