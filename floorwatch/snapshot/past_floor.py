"""A floor model at a past instant that steps forward cheaply (the rewind's `]`, and its `[`
from a model built a little further back).

It is built as `floorwatch snapshot --at` builds the floor (FloorReader with `at`: the day's
rows clipped to that instant), and keeps those rows as read. Stepping from `at` to a later
instant applies only the rows whose clipped form differs between the two, the rows with a
moment (entered, wait ended, ended, wrap-up over; an interval begun or ended; a membership;
a ring-no-answer; a flag raised or cleared) in between, each clipped to the new instant: the
model then sees the floor change as a live viewer saw it change, row by row, and a test holds
the stepped floor to the one built at once. Rows the ingest committed since are read by
commit (as a live viewer reads them) and applied clipped to the model's instant first.
"""

from __future__ import annotations

from floorwatch.config import Config
from floorwatch.snapshot.model.changes import Changes, clip_changes
from floorwatch.snapshot.quality_reader import QualityCache
from floorwatch.snapshot.reader import FloorReader, _flag
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.rows import CallRow, IntervalRow, MembershipRow
from floorwatch.store.schema import AGENT_STATES, PAUSES

#: Stepping further than this forward costs about what building the floor again costs.
MAX_STEP_S = 15 * 60


def _between(ts: float | None, after: float, until: float) -> bool:
    return ts is not None and after < ts <= until


def _call_moved(call: CallRow, after: float, until: float) -> bool:
    """Whether the call's clipped form differs between `after` and `until` (clip_call's
    moments: entered, wait ended, ended, wrap-up over)."""
    ended = call.ended_at
    return (
        _between(call.enqueued_at, after, until)
        or _between(call.wait_end_at, after, until)
        or _between(ended, after, until)
        or (
            ended is not None
            and call.wrapup_s is not None
            and _between(ended + call.wrapup_s, after, until)
        )
    )


def _interval_moved(interval: IntervalRow, after: float, until: float) -> bool:
    return _between(interval.start, after, until) or _between(interval.end, after, until)


def _membership_moved(membership: MembershipRow, after: float, until: float) -> bool:
    return _between(membership.joined_at, after, until) or _between(
        membership.left_at, after, until
    )


def _call_done(call: CallRow, at: float) -> bool:
    """Nothing about the call can change after `at`."""
    if call.status != "done" or call.enqueued_at > at:
        return False
    moments = [call.wait_end_at, call.ended_at]
    if call.ended_at is not None and call.wrapup_s is not None:
        moments.append(call.ended_at + call.wrapup_s)
    return all(moment is None or moment <= at for moment in moments)


def _interval_done(interval: IntervalRow, at: float) -> bool:
    return interval.end is not None and interval.end <= at


def _membership_done(membership: MembershipRow, at: float) -> bool:
    return membership.left_at is not None and membership.left_at <= at


def _split(rows: dict, moved: list, after: float, until: float, moves, done) -> dict:
    """Add to `moved` the rows that move between `after` and `until`; the rows that may still
    move after `until`, by id."""
    kept = {}
    for key, row in rows.items():
        if moves(row, after, until):
            moved.append(row)
        if not done(row, until):
            kept[key] = row
    return kept


class PastFloor:
    """The floor model at `at`, and the rows it was built from."""

    def __init__(
        self, store: ReadOnlyStore, config: Config, at: float, quality: QualityCache | None = None
    ):
        self.reader = FloorReader(store, config, at=at, keep_rows=True, quality=quality)
        rows = self.reader.rows
        assert rows is not None
        self.calls = {call.id: call for call in rows.calls}
        self.availability = {row.id: row for row in rows.availability}
        self.pauses = {row.id: row for row in rows.pauses}
        self.memberships = {row.id: row for row in rows.memberships}
        self.misses = {row.id: row for row in rows.misses}
        self.flags = {flag.store_id: flag for flag in rows.flags}
        self.reader.rows = None  # kept here, by id, from now on
        self.seq = self.reader.seq
        self.miss_id = self.reader.miss_id
        self.at = at

    @property
    def model(self):
        return self.reader.model

    def can_reach(self, at: float) -> bool:
        """Whether `at` is reached by stepping forward (same day, not too far)."""
        return self.at <= at < self.model.day_end and at - self.at <= MAX_STEP_S

    def step_to(self, store: ReadOnlyStore, at: float) -> None:
        """Move the model forward to `at` (self.at <= at). Rows that can change no more after
        `at` (done, every moment of theirs behind it) are let go: a step looks at the rows
        still to move, not at the day."""
        self._catch_up(store)
        after = self.at
        moved = Changes()
        self.calls = _split(self.calls, moved.calls, after, at, _call_moved, _call_done)
        self.availability = _split(
            self.availability, moved.availability, after, at, _interval_moved, _interval_done
        )
        self.pauses = _split(self.pauses, moved.pauses, after, at, _interval_moved, _interval_done)
        self.memberships = _split(
            self.memberships, moved.memberships, after, at, _membership_moved, _membership_done
        )
        self.misses = _split(
            self.misses,
            moved.misses,
            after,
            at,
            lambda row, a, u: _between(row.ts, a, u),
            lambda row, u: row.ts <= u,
        )
        self.flags = _split(
            self.flags,
            moved.flags,
            after,
            at,
            lambda f, a, u: _between(f.raised_at, a, u) or _between(f.cleared_at, a, u),
            lambda f, u: f.cleared_at is not None and f.cleared_at <= u,
        )
        self._apply(moved, at)
        self.model.trend.forget()
        self.at = at

    def _apply(self, changes: Changes, at: float) -> None:
        """`changes` as they stood at `at`, into the model."""
        self.model.apply(clip_changes(changes, at))

    def _catch_up(self, store: ReadOnlyStore) -> None:
        """Rows committed since the model was built or last caught up: kept, and applied as
        they stood at the model's instant (a late row about the past is not lost)."""
        queries = store.queries
        if queries.seq() == self.seq:
            return
        last = self.seq
        with queries.read_transaction():
            seq = queries.seq()
            changes = Changes(
                calls=queries.calls_changed(last),
                availability=queries.intervals_changed(AGENT_STATES, last),
                pauses=queries.intervals_changed(PAUSES, last),
                memberships=queries.memberships_changed(last),
                misses=queries.misses_after(self.miss_id),
                flags=[_flag(row) for row in queries.flags_changed(last)],
            )
        self.seq = seq
        for call in changes.calls:
            self.calls[call.id] = call
        for row in changes.availability:
            self.availability[row.id] = row
        for row in changes.pauses:
            self.pauses[row.id] = row
        for row in changes.memberships:
            self.memberships[row.id] = row
        for row in changes.misses:
            self.misses[row.id] = row
            self.miss_id = max(self.miss_id, row.id)
        for flag in changes.flags:
            self.flags[flag.store_id] = flag
        self._apply(changes, self.at)
