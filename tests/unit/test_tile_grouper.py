"""The floor map's groups kept from one update to the next (widgets/tile_layout.Grouper): the
same groups as computing them afresh, and only the agents that changed are placed again."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from floorwatch.snapshot.floor_snapshot import AgentSnapshot
from floorwatch.widgets.tile_layout import GROUPINGS, Grouper, groups

STATES = ("available", "ringing", "on_call", "wrapup", "paused", "offline")
QUEUES = [f"q{n:02d}" for n in range(12)]


def agent(number: int, rng: random.Random) -> AgentSnapshot:
    queue = rng.choice(QUEUES)
    return AgentSnapshot(
        name=f"agent{number:04d}",
        display_name=rng.choice(["Ann", "bob", "Cy", "dee", "Eve"]) + f" {number}",
        state=rng.choice(STATES),
        since=1000.0,
        reason=None,
        queue=rng.choice([queue, None]),
        call=None,
        queues=[queue, rng.choice(QUEUES)],
        paused_in={},
        calls_today=0,
        aht_today_s=None,
        ring_no_answers_today=0,
    )


def shape(found) -> list[tuple[str, list[int]]]:
    """Groups as labels and the identities of their agents, in order."""
    return [(group.label, [id(a) for a in group.agents]) for group in found]


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_grouper_matches_a_fresh_grouping_through_changes(grouping):
    rng = random.Random(7)
    teams = {f"agent{n:04d}": f"team {n % 5}" for n in range(0, 400, 2)}
    names = {queue: f"Queue {queue[::-1]}" for queue in QUEUES}
    floor = {a.name: a for a in (agent(n, rng) for n in range(400))}
    grouper = Grouper()
    for step in range(60):
        found = grouper.groups(floor, grouping, teams, names)
        assert shape(found) == shape(groups(floor.values(), grouping, teams, names)), step
        floor = dict(floor)
        for name in rng.sample(sorted(floor), 15):  # state changes, queue moves, renames
            change = rng.choice(["state", "queue", "name", "same"])
            old = floor[name]
            if change == "state":
                floor[name] = replace(old, state=rng.choice(STATES))
            elif change == "queue":
                floor[name] = replace(old, queue=rng.choice(QUEUES))
            elif change == "name":
                floor[name] = replace(old, display_name=rng.choice(["Zed", "amy"]))
            else:
                floor[name] = replace(old)  # a new object, the same figures
        for name in rng.sample(sorted(floor), 2):  # some leave, some arrive
            del floor[name]
        for number in range(400 + step * 3, 400 + step * 3 + 3):
            new = agent(number, rng)
            floor[new.name] = new


def test_an_unchanged_floor_places_nothing_and_keeps_its_groups():
    rng = random.Random(3)
    floor = {a.name: a for a in (agent(n, rng) for n in range(5000))}
    grouper = Grouper()
    first = grouper.groups(floor, "queue", {})
    assert grouper.placed_last == 5000
    again = grouper.groups(dict(floor), "queue", {})
    assert grouper.placed_last == 0
    assert all(a is b for a, b in zip(first, again, strict=True))  # the same Group objects
    one = next(iter(floor))
    changed = dict(floor, **{one: replace(floor[one], state="offline")})
    after = grouper.groups(changed, "queue", {})
    assert grouper.placed_last == 1
    rebuilt = [a for a, b in zip(again, after, strict=True) if a is not b]
    assert [group.label for group in rebuilt] == [
        group.label for group in after if any(x.name == one for x in group.agents)
    ]
