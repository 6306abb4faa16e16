"""Which state an agent shows: events.shown_state is the one rule (the store's agents table and
the floor model both call it). Its tie-breaks, pinned, and the model's book following them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from floorwatch.events import shown_state
from floorwatch.snapshot.model.agent_book import AgentBook
from floorwatch.store.rows import AgentRow, CallRow, IntervalRow


@dataclass
class Answered:
    id: int
    answered_at: float | None


@pytest.mark.parametrize(("availability", "calls", "ringing", "state", "call_id"), [
    # A call wins even over logged out: a member removed from their queues mid-call is on that
    # call until it ends (issue 18), then offline.
    ("offline", [Answered(1, 100.0)], True, "on_call", 1),
    (None, [Answered(1, 100.0)], True, "on_call", 1),
    # Logged out with no call shows offline, ringing or not.
    ("offline", [], True, "offline", None),
    # A call wins over a ring, and over paused or wrap-up underneath.
    ("available", [Answered(1, 100.0)], True, "on_call", 1),
    ("paused", [Answered(1, 100.0)], False, "on_call", 1),
    ("wrapup", [Answered(1, 100.0)], False, "on_call", 1),
    # Of two calls, the latest answered; on a tie, the newest entry (highest id).
    ("available", [Answered(1, 200.0), Answered(2, 100.0)], False, "on_call", 1),
    ("available", [Answered(5, 100.0), Answered(7, 100.0), Answered(6, 100.0)], False, "on_call", 7),
    # A call whose answer time is unknown counts as answered at 0: any other call wins.
    ("available", [Answered(9, None), Answered(3, 50.0)], False, "on_call", 3),
    # A ring wins over the availability underneath, even a pause.
    ("available", [], True, "ringing", None),
    ("paused", [], True, "ringing", None),
    # Otherwise the availability itself.
    ("paused", [], False, "paused", None),
    ("wrapup", [], False, "wrapup", None),
    ("available", [], False, "available", None),
])  # fmt: skip
def test_shown_state_tie_breaks(availability, calls, ringing, state, call_id):
    shown, call = shown_state(availability, calls, ringing)
    assert shown == state
    assert (call.id if call is not None else None) == call_id


def _call(store_id: int, answered_at: float, queue: str) -> CallRow:
    return CallRow(store_id, f"c{store_id}", queue, "caller", answered_at - 10, "talking",
                   "answered", answered_at, 10.0, answered_at, "a1", None, None, None, None, 0,
                   1, None)  # fmt: skip


def test_the_models_book_shows_the_same_state_and_call():
    """Two calls answered in the same second: the board shows the newer entry's queue (as the
    store's agents table does), with `since` its answer time; removed mid-call, still on that
    call; logged out with no call, offline."""
    book = AgentBook("a1")
    book.availability = [IntervalRow(1, "a1", "available", None, None, 0.0, None)]
    book.starts = [0.0]
    book.row = AgentRow("a1", "sales", 90.0)
    book.talking = {8: _call(8, 100.0, "sales"), 4: _call(4, 100.0, "billing")}
    shown = book.shown(150.0)
    assert (shown.state, shown.queue, shown.since, shown.call.id) == ("on_call", "sales", 100.0, 8)
    book.talking = {}
    shown = book.shown(150.0)
    assert (shown.state, shown.queue, shown.since) == ("ringing", "sales", 90.0)
    book.availability = [IntervalRow(1, "a1", "offline", None, None, 0.0, None)]
    book.talking = {8: _call(8, 100.0, "sales")}
    shown = book.shown(150.0)
    assert (shown.state, shown.since, shown.call.id) == ("on_call", 100.0, 8)  # removed mid-call
    book.talking = {}
    shown = book.shown(150.0)
    assert (shown.state, shown.since, shown.call) == ("offline", 0.0, None)
