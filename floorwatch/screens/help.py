"""`?`: every key of the screen underneath, generated from its bindings (never out of date)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def key_table(screen: Screen) -> Table:
    """The bindings active on `screen` (its widgets', its own and the app's), one per key."""
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description or binding.description in seen:
            continue
        seen.add(binding.description)
        table.add_row(binding.key_display or screen.app.get_key_display(binding), binding.description)
    table.add_row("ctrl+p", "command palette: the same actions, and the theme")
    return table


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened from."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, underneath: Screen):
        super().__init__()
        self.underneath = underneath

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static("[b]floorwatch keys[/b]  (escape closes)", id="help-title")
            yield Static(key_table(self.underneath), id="help-keys")
            yield Static(
                "States: ● available  ◎ ringing  ◆ on call  ✎ wrap-up  ‖ paused  ○ offline\n"
                "Burnout: △ watch  ▲ warning  ■ critical.  Numbers turn amber, then red, as they "
                "pass their thresholds (floorwatch.toml [colors]).",
                id="help-legend",
            )
