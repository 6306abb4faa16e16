"""The floor model's names where they have always been imported from.

The model lives in snapshot/model/, one module per concern (see its __init__); FloorModel, the
viewers' model, is in snapshot/model/floor.py. Importing this module brings numpy (the queues'
windows): the ingest imports snapshot/model/agent_floor.py instead.
"""

from floorwatch.snapshot.model.agent_floor import AgentFloor
from floorwatch.snapshot.model.agents import RECENT_CALLS
from floorwatch.snapshot.model.changes import (
    ALL,
    LOOKBACK_S,
    Changes,
    Settled,
    SettledAgent,
    SettledQueue,
    clip_call,
    clip_changes,
    clip_interval,
    clip_membership,
    is_settled,
)
from floorwatch.snapshot.model.floor import FloorModel
from floorwatch.snapshot.model.today_windows import RING_MINUTES

__all__ = [
    "ALL",
    "LOOKBACK_S",
    "RECENT_CALLS",
    "RING_MINUTES",
    "AgentFloor",
    "Changes",
    "FloorModel",
    "Settled",
    "SettledAgent",
    "SettledQueue",
    "clip_call",
    "clip_changes",
    "clip_interval",
    "clip_membership",
    "is_settled",
]
