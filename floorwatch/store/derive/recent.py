"""The recently finished calls derivation keeps for late events."""

from __future__ import annotations

from floorwatch.store.derive.entries import CallEntry


class RecentCalls:
    """Finished entries by key, for late events: an entry is recent while its latest close is
    among the last `size` closes.

    That rule depends only on the entry's close number and the count of closes so far, both
    stored, so a restarted deriver holds exactly the recent entries an uninterrupted one would
    (Store._load_state reads them back). Entries no longer recent are dropped in bulk once
    there are twice as many as needed, which costs less than evicting one at a time.
    """

    __slots__ = ("size", "closes", "entries")

    def __init__(self, size: int):
        self.size = size
        self.closes = 0  # closes so far; an entry's `closed_no` is the number of its latest
        self.entries: dict = {}

    def get(self, key) -> CallEntry | None:
        entry = self.entries.get(key)
        if entry is not None and entry.closed_no > self.closes - self.size:
            return entry
        return None

    def add(self, key, entry: CallEntry) -> None:
        self.closes += 1
        entry.closed_no = self.closes
        entries = self.entries
        entries[key] = entry
        if len(entries) >= 2 * self.size:
            floor = self.closes - self.size
            self.entries = {k: e for k, e in entries.items() if e.closed_no > floor}

    def discard(self, key) -> None:
        self.entries.pop(key, None)

    @property
    def floor(self) -> int:
        """Entries closed at or before this close number are no longer recent."""
        return self.closes - self.size
