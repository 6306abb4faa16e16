"""The floor map's arithmetic: which agents go in which group, and the largest tile at which
every agent fits the screen (from 3-line tiles for a small floor to 5-column ones for 500).

Pure (no Textual): widgets/agent_tiles.py draws what this decides.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from floorwatch.format import STATE_ORDER
from floorwatch.snapshot.floor_snapshot import AgentSnapshot

GROUPINGS = ("queue", "team", "state", "none")
GAP = 1


@dataclass(frozen=True)
class TileSize:
    """A tile `width` columns by `height` rows; `name` is how much of the name it shows."""

    width: int
    height: int
    name: int


#: Largest first: the map takes the first at which every agent fits.
TILE_SIZES = (
    TileSize(26, 3, 24),
    TileSize(20, 2, 18),
    TileSize(17, 1, 9),
    TileSize(11, 1, 7),
    TileSize(7, 1, 4),
    TileSize(5, 1, 2),
)


@dataclass(frozen=True)
class Group:
    label: str
    agents: list[AgentSnapshot]


def group_key(agent: AgentSnapshot, grouping: str, teams: Mapping[str, str]) -> str:
    if grouping == "queue":
        return agent.queue or (sorted(agent.queues)[0] if agent.queues else "(no queue)")
    if grouping == "team":
        return teams.get(agent.name, "(no team)")
    if grouping == "state":
        return agent.state
    return "every agent"


def tile_order(agent: AgentSnapshot) -> tuple:
    """Within a group: by state (who is free first), then by name."""
    return (STATE_ORDER.get(agent.state, 9), agent.display_name.casefold(), agent.name)


def groups(
    agents: Iterable[AgentSnapshot],
    grouping: str,
    teams: Mapping[str, str],
    queue_names: Mapping[str, str] | None = None,
    order_of: Callable[[AgentSnapshot], tuple] = tile_order,
) -> list[Group]:
    """Each agent exactly once, in groups (by name; by state in the scan order of states),
    each group's agents by `order_of` (state then name; a caller may remember it per agent)."""
    found: dict[str, list[AgentSnapshot]] = {}
    for agent in agents:
        found.setdefault(group_key(agent, grouping, teams), []).append(agent)
    names = queue_names or {}

    def order(key: str) -> tuple:
        if grouping == "state":
            return (STATE_ORDER.get(key, 9), key)
        return (key.startswith("("), names.get(key, key).casefold())

    return [
        Group(names.get(key, key) if grouping == "queue" else key, sorted(found[key], key=order_of))
        for key in sorted(found, key=order)
    ]


def rows_needed(counts: list[int], size: TileSize, width: int) -> int:
    """Screen rows for groups of `counts` agents in tiles of `size` (a header row per group)."""
    across = max(1, (width + GAP) // (size.width + GAP))
    return sum(1 + math.ceil(count / across) * size.height for count in counts)


def choose_size(counts: list[int], width: int, height: int) -> TileSize:
    """The largest tile at which every group fits `width` x `height` (else the smallest)."""
    for size in TILE_SIZES:
        if size.width <= width and rows_needed(counts, size, width) <= height:
            return size
    return TILE_SIZES[-1]
