"""Derived state: turn canonical events into calls, agent states and queue memberships.

Plain Python, no SQLite (the store writes what it derives): `deriver` applies events and
hands over the rows they changed; `calls` and `agents` are its rules; `entries` the objects it
keeps between events (their rows' columns come from store/schema.py); `recent` the finished
calls kept for late events; `changes` what crosses to the store and back on a restart.
"""

from floorwatch.config import DEFAULT_WRAPUP_REASONS, DeriveConfig
from floorwatch.store.derive.changes import Changes, LoadedState
from floorwatch.store.derive.deriver import Deriver
from floorwatch.store.derive.entries import (
    ABANDONED,
    AGENT_COLUMNS,
    ANSWERED,
    AVAILABLE,
    DONE,
    INTERVAL_COLUMNS,
    MISS_COLUMNS,
    OFFLINE,
    ON_CALL,
    PAUSED,
    RATING_COLUMNS,
    RINGING,
    TALKING,
    WAITING,
    WRAPUP,
    CallEntry,
    Interval,
    Membership,
    TrackedAgent,
)
from floorwatch.store.derive.recent import RecentCalls

__all__ = [
    "ABANDONED",
    "AGENT_COLUMNS",
    "ANSWERED",
    "AVAILABLE",
    "DEFAULT_WRAPUP_REASONS",
    "DONE",
    "INTERVAL_COLUMNS",
    "MISS_COLUMNS",
    "OFFLINE",
    "ON_CALL",
    "PAUSED",
    "RATING_COLUMNS",
    "RINGING",
    "TALKING",
    "WAITING",
    "WRAPUP",
    "CallEntry",
    "Changes",
    "DeriveConfig",
    "Deriver",
    "Interval",
    "LoadedState",
    "Membership",
    "RecentCalls",
    "TrackedAgent",
]
