"""What derivation hands the store (the rows it changed) and gets back on a restart."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Changes:
    """Rows changed since the last `take_changes`, ready for executemany."""

    calls: list[tuple] = field(default_factory=list)
    agents: list[tuple] = field(default_factory=list)
    agent_states: list[tuple] = field(default_factory=list)
    pauses: list[tuple] = field(default_factory=list)
    memberships: list[tuple] = field(default_factory=list)
    misses: list[tuple] = field(default_factory=list)
    #: Survey scores (the ratings table's columns but id and seq).
    ratings: list[tuple] = field(default_factory=list)
    #: Calls closed so far, and the close number at or before which a call is no longer
    #: recent: the store keeps where each count was reached, to find the recent ones again.
    closes: int = 0
    recent_floor: int = 0
    #: (agent, queue, penalty) kept aside for a member not yet seen; penalty None: taken.
    pending_penalties: list[tuple] = field(default_factory=list)


@dataclass
class LoadedState:
    """The open rows a store hands back on restart."""

    open_calls: list[dict] = field(default_factory=list)
    agents: list[dict] = field(default_factory=list)
    open_agent_states: list[dict] = field(default_factory=list)
    open_pauses: list[dict] = field(default_factory=list)
    active_memberships: list[dict] = field(default_factory=list)
    next_ids: dict[str, int] = field(default_factory=dict)
    #: Finished calls that may still be recent (a superset: `load` keeps the recent ones),
    #: the calls agents' wrap-ups would go to, and the number of closes so far.
    done_calls: list[dict] = field(default_factory=list)
    closes: int = 0
    pending_penalties: list[dict] = field(default_factory=list)
