"""The floor map's arithmetic: which agents go in which group, and the largest tile at which
every agent fits the screen (from 3-line tiles for a small floor to 5-column ones for 500).

Pure (no Textual): widgets/agent_tiles.py draws what this decides.
"""

from __future__ import annotations

import math
from bisect import bisect_left
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
    order = _group_order(grouping, names)
    return [
        Group(_label(key, grouping, names), sorted(found[key], key=order_of))
        for key in sorted(found, key=order)
    ]


def _label(key: str, grouping: str, names: Mapping[str, str]) -> str:
    """A group's label: a queue's shown name, else the key itself."""
    return names.get(key, key) if grouping == "queue" else key


def _group_order(grouping: str, names: Mapping[str, str]) -> Callable[[str], tuple]:
    """How groups follow one another: states in the scan order, others by shown name."""

    def order(key: str) -> tuple:
        if grouping == "state":
            return (STATE_ORDER.get(key, 9), key)
        return (key.startswith("("), names.get(key, key).casefold())

    return order


class Grouper:
    """`groups` kept from one update to the next, with the same result: an agent that is the
    same object as last time keeps its place; a changed one whose group and order are the
    same takes its old place; only the groups an agent joined or left are rebuilt, and a
    group nothing happened to is the same `Group` object as before. (Regrouping and sorting
    5,000 agents on every update was most of what the floor map cost.)"""

    def __init__(self) -> None:
        self._settings: tuple | None = None
        #: agent name -> (the agent object, its group key, its order key)
        self._placed: dict[str, tuple[AgentSnapshot, str, tuple]] = {}
        #: group key -> (its agents' order keys, its agents), both in order
        self._lists: dict[str, tuple[list[tuple], list[AgentSnapshot]]] = {}
        self._groups: dict[str, Group] = {}
        self._order: list[str] = []
        #: Agents placed afresh by the last call (for tests and benches: the work it did).
        self.placed_last = 0

    def groups(
        self,
        agents: Mapping[str, AgentSnapshot],
        grouping: str,
        teams: Mapping[str, str],
        queue_names: Mapping[str, str] | None = None,
    ) -> list[Group]:
        """What `groups(agents.values(), grouping, teams, queue_names)` returns."""
        names = dict(queue_names or {})
        settings = (grouping, teams, names)
        if settings != self._settings:
            self._settings = settings
            self._placed, self._lists, self._groups, self._order = {}, {}, {}, []
        placed, lists = self._placed, self._lists
        touched: set[str] = set()
        self.placed_last = 0
        for agent in agents.values():
            prior = placed.get(agent.name)
            if prior is not None and prior[0] is agent:
                continue
            self.placed_last += 1
            key, order = group_key(agent, grouping, teams), tile_order(agent)
            placed[agent.name] = (agent, key, order)
            if prior is not None:
                old_keys, old_members = lists[prior[1]]
                at = bisect_left(old_keys, prior[2])
                touched.add(prior[1])
                if prior[1] == key and prior[2] == order:
                    old_members[at] = agent
                    continue
                del old_keys[at], old_members[at]
            keys, members = lists.setdefault(key, ([], []))
            at = bisect_left(keys, order)
            keys.insert(at, order)
            members.insert(at, agent)
            touched.add(key)
        if len(placed) != len(agents):  # some agents left the floor
            for name in [name for name in placed if name not in agents]:
                _, key, order = placed.pop(name)
                keys, members = lists[key]
                at = bisect_left(keys, order)
                del keys[at], members[at]
                touched.add(key)
        regroup = False
        for key in touched:
            members = lists[key][1]
            if not members:
                del lists[key]
                regroup = regroup or self._groups.pop(key, None) is not None
                continue
            regroup = regroup or key not in self._groups
            self._groups[key] = Group(_label(key, grouping, names), list(members))
        if regroup:
            self._order = sorted(self._groups, key=_group_order(grouping, names))
        return [self._groups[key] for key in self._order]


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
