"""The command palette (ctrl+p): the dashboard's viewing actions, searchable by name.

Only actions that change what is shown are offered; nothing here writes or runs anything, so a
manager restricted to the dashboard over SSH can use the palette freely. Queue and agent names
are shown as text: the palette reads a str prompt or help as markup, so prompts are Content
(highlighted here) and help is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from floorwatch.safe_text import printable
from floorwatch.screens.floor import FloorScreen

if TYPE_CHECKING:
    from floorwatch.app import FloorwatchApp


class PaletteCommand(NamedTuple):
    name: str
    help: str
    action: Callable[[], object]


class FloorCommands(Provider):
    """Wallboard, freeze, help (the app's); search, filters, sorting and opening an agent (the
    floor screen's, whichever screen the palette is opened on)."""

    def _commands(self) -> Iterator[PaletteCommand]:
        app: FloorwatchApp = self.app  # type: ignore[assignment]
        yield PaletteCommand("Wallboard", "Big digits for the wall (w)", app.action_wallboard)
        yield PaletteCommand(
            "Freeze updates",
            "Hold the screen still, or let it move again (space)",
            app.action_freeze,
        )
        yield PaletteCommand("Keys", "Every key of this screen (?)", app.action_help)
        floor = FloorScreen.of(app)
        if floor is None:
            return
        yield PaletteCommand(
            "Find agent", "Search agents by name and open one (/)", floor.action_search
        )
        yield PaletteCommand(
            "Filter agents", "Show one queue's or one state's agents (f)", floor.action_filter
        )
        yield PaletteCommand(
            "Show all agents", "Remove the agent filter", partial(floor.filter_agents)
        )
        update = app.update
        if update is not None:
            for name, queue in update.snapshot.queues.items():
                yield PaletteCommand(
                    f"Filter: queue {printable(queue.display_name)}",
                    f"Only agents serving {printable(name)}",
                    partial(floor.filter_agents, queue=name),
                )
            for name, agent in update.snapshot.agents.items():
                yield PaletteCommand(
                    f"Open agent {printable(agent.display_name)}",
                    "Today's timeline, calls and pauses",
                    partial(floor.open_agent, name),
                )
        for column in floor.agent_sort_columns():
            yield PaletteCommand(
                f"Sort agents by {column}",
                "Sort the agent board",
                partial(floor.sort_agents, column),
            )

    async def discover(self) -> Hits:
        for name, help_text, action in self._commands():
            if not name.startswith(("Open agent", "Filter: queue")):
                yield DiscoveryHit(Content(name), action, text=name, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, name), action, text=name, help=escape(help_text)
                )


def highlight(matcher: Matcher, text: str) -> Content:
    """`text` with the matched letters styled, as Content (Matcher.highlight reads its
    argument as markup, so a name such as `[link=...]` would become a link)."""
    shown = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if not score:
        return shown
    for offset in offsets:
        if not text[offset].isspace():
            shown = shown.stylize(matcher.match_style, offset, offset + 1)
    return shown
