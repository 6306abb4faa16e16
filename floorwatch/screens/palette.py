"""The command palette (ctrl+p): the dashboard's viewing actions, searchable by name.

Only actions that change what is shown are offered; nothing here writes or runs anything, so a
manager restricted to the dashboard over SSH can use the palette freely. Queue and agent names
are shown as text: the palette reads a str prompt or help as markup, so prompts are Content
(highlighted here) and help is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from floorwatch.safe_text import printable

if TYPE_CHECKING:
    from floorwatch.app import FloorwatchApp


class FloorCommands(Provider):
    """Wallboard, freeze, help, search, filters, sorting and opening an agent."""

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app: FloorwatchApp = self.app  # type: ignore[assignment]
        yield "Wallboard", "Big digits for the wall (w)", app.action_wallboard
        yield "Freeze updates", "Hold the screen still, or let it move again (space)", \
            app.action_freeze
        yield "Keys", "Every key of this screen (?)", app.action_help
        yield "Find agent", "Search agents by name and open one (/)", app.action_search
        yield "Filter agents", "Show one queue's or one state's agents (f)", app.action_filter
        yield "Show all agents", "Remove the agent filter", partial(app.filter_agents)
        update = app.update
        if update is not None:
            for name, queue in update.snapshot.queues.items():
                yield (f"Filter: queue {printable(queue.display_name)}",
                       f"Only agents serving {printable(name)}",
                       partial(app.filter_agents, queue=name))  # fmt: skip
            for name, agent in update.snapshot.agents.items():
                yield (f"Open agent {printable(agent.display_name)}",
                       "Today's timeline, calls and pauses",
                       partial(app.open_agent, name))  # fmt: skip
        for column in app.agent_sort_columns():
            yield (f"Sort agents by {column}", "Sort the agent board",
                   partial(app.sort_agents, column))  # fmt: skip

    async def discover(self) -> Hits:
        for name, help_text, action in self._commands():
            if not name.startswith(("Open agent", "Filter: queue")):
                yield DiscoveryHit(Content(name), action, text=name, help=escape(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, highlight(matcher, name), action, text=name,
                          help=escape(help_text))


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
