"""`?`: every key of the screen underneath, generated from its bindings (never out of date)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from floorwatch.safe_text import printable


def key_rows(screen: Screen) -> list[tuple[str, str]]:
    """(keys, what they do) for the bindings active on `screen`: its widgets', its own and the
    app's, one row per action, the keys shown in the footer first."""
    keys: dict[str, list[str]] = {}
    for _, active in sorted(
        screen.active_bindings.items(), key=lambda item: not item[1].binding.show
    ):
        binding = active.binding
        if not binding.description:
            continue
        display = binding.key_display or screen.app.get_key_display(binding)
        if display not in keys.setdefault(binding.description, []):
            keys[binding.description].append(display)
    rows = [(", ".join(shown), description) for description, shown in keys.items()]
    rows.append(("ctrl+p", "command palette: the same actions, and the theme"))
    return rows


def key_table(rows: list[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for key, description in rows:
        table.add_row(key, description)
    return table


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened from."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, underneath: Screen):
        super().__init__()
        self.rows = key_rows(underneath)
        control = getattr(underneath.app, "control", None)
        #: Why the action keys (pause, unpause, queues, listen...) are not here, if they are not.
        self.no_actions = (
            f"No action keys (pause, queues, listen, whisper, barge, acknowledge): {control.why}"
            if control is not None and not control.usable
            else ""
        )

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static("[b]floorwatch keys[/b]  (escape closes)", id="help-title")
            if self.no_actions:
                yield Static(printable(self.no_actions), id="help-no-actions", markup=False)
            yield Static(key_table(self.rows), id="help-keys")
            yield Static(
                "States: ● available  ◎ ringing  ◆ on call  ✎ wrap-up  ‖ paused  ○ offline\n"
                "Burnout: △ watch  ▲ warning  ■ critical.  Numbers turn amber, then red, as they "
                "pass their thresholds (floorwatch.toml [colors]).",
                id="help-legend",
            )
