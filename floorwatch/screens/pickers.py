"""Small modal pickers: find an agent by name (`/`), filter the agent board (`f`)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from floorwatch.events import AgentState
from floorwatch.format import state_label
from floorwatch.widgets.safe_content import content


class SearchScreen(ModalScreen[str | None]):
    """Type part of a name; Enter opens the highlighted agent."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "down", show=False),
        Binding("up", "up", show=False),
    ]

    def __init__(self, names: dict[str, str]):
        """`names`: agent name -> name shown."""
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("find an agent", classes="picker-title")
            yield Input(placeholder="name…", id="search-input")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, text: str) -> None:
        needle = text.casefold().strip()
        matches = [
            (name, shown)
            for name, shown in sorted(self.names.items(), key=lambda i: i[1].casefold())
            if needle in shown.casefold() or needle in name.casefold()
        ]
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options(
            [
                Option(content(shown if shown == name else f"{shown}  ({name})"), id=name)
                for name, shown in matches[:200]
            ]
        )
        if matches:
            results.highlighted = 0

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is not None and results.option_count:
            self.dismiss(results.get_option_at_index(results.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilterScreen(ModalScreen[str | None]):
    """Choose `all`, a queue (`queue:NAME`), a state (`state:NAME`), or on a replica of
    several sites a site (`site:NAME`; `site:` is every site again)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, queues: dict[str, str], sites: list[str] | None = None, site: str | None = None
    ):
        """`queues`: queue name -> name shown; `sites`: the floor's sites, `site` the one shown."""
        super().__init__()
        self.queues = queues
        self.sites = sites or []
        self.site = site

    def compose(self) -> ComposeResult:
        options = [Option("all agents", id="all")]
        if self.site is not None:
            options.append(Option("site: every site", id="site:"))
        options += [
            Option(content(f"site: {site}"), id=f"site:{site}")
            for site in self.sites
            if site != self.site
        ]
        options += [
            Option(content(f"queue: {shown}"), id=f"queue:{name}")
            for name, shown in self.queues.items()
        ]
        options += [
            Option(f"state: {state_label(state.value)}", id=f"state:{state.value}")
            for state in AgentState
        ]
        with Vertical(id="picker"):
            yield Static("filter the agent board", classes="picker-title")
            yield OptionList(*options, id="filter-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
