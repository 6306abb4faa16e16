"""First-call resolution: a proxy read from the feed (docs/metrics.md says what it is not).

An answered call is resolved first time unless the same caller calls the same queue group
again within the window after it ended. What is not a repeat: the call's own other legs (the
same call id in another queue, or a call entering within TRANSFER_GRACE_S of the end of a call
that was transferred: the transfer's new leg), and a call that entered before this one ended (a
second line, not a call back). Withheld numbers are left out: their callers cannot be told
apart. Each answered call counts for its queue and for the agent who answered it, in the
interval its wait ended (as every other call metric), resolved or not as far as the calls
known at the time tell (today's calls can still be repeated until the window has passed).

Pure: rows in, tallies out; the reports, `snapshot` and the dashboard all count with this.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from floorwatch.manager_config import FcrConfig

#: A call entering this soon after a transferred call ended is that transfer's new leg.
TRANSFER_GRACE_S = 60.0


class CallLike(Protocol):
    id: int
    call_id: str
    queue: str
    caller: str | None
    enqueued_at: float
    outcome: str | None
    wait_end_at: float | None
    answered_at: float | None
    agent: str | None
    ended_at: float | None
    ended_by: str | None


@dataclass(frozen=True, slots=True)
class Resolution:
    """One answered call of a known caller: resolved first time, or repeated by `repeat_id`."""

    call_id: int
    queue: str
    agent: str | None
    at: float  # when its wait ended (the interval it counts in)
    repeat_id: int | None
    #: When a repeat was first known (the earliest wait end of the calls that repeat it):
    #: before that instant the call counted as resolved, from it on as repeated.
    repeat_known_at: float | None = None

    @property
    def resolved(self) -> bool:
        return self.repeat_id is None

    def resolved_at(self, instant: float) -> bool:
        """Resolved as far as the calls known at `instant` tell (those whose wait had ended)."""
        return self.repeat_known_at is None or self.repeat_known_at > instant


@dataclass(slots=True)
class FcrTally:
    """Answered calls of known callers, and how many of them were resolved first time."""

    calls: int = 0
    resolved: int = 0

    def add(self, resolution: Resolution, as_of: float | None = None) -> None:
        """Count a call, resolved as far as every call tells, or (`as_of`) the calls known at
        that instant."""
        self.calls += 1
        self.resolved += resolution.resolved if as_of is None else resolution.resolved_at(as_of)

    @property
    def rate(self) -> float | None:
        """The share resolved first time; None with no call."""
        return self.resolved / self.calls if self.calls else None

    def to_dict(self) -> dict:
        return {"fcr_calls": self.calls, "fcr_resolved": self.resolved, "fcr": self.rate}


def _same_contact(first: CallLike, later: CallLike) -> bool:
    if later.call_id == first.call_id:
        return True
    end = first.ended_at
    return (
        first.ended_by == "transfer"
        and end is not None
        and end <= later.enqueued_at <= end + TRANSFER_GRACE_S
    )


def _thread_of(
    call: CallLike, config: FcrConfig, keys: dict, groups: dict
) -> tuple[str, str] | None:
    """The (queue group, caller) a call with an outcome is threaded under, None if it is not
    (no outcome yet, a withheld number). `keys` and `groups` remember each number and queue
    seen: a day holds a few thousand of them but hundreds of thousands of calls."""
    if call.outcome is None:
        return None
    caller = call.caller
    if caller not in keys:
        keys[caller] = config.caller_key(caller)
    key = keys[caller]
    if key is None:
        return None
    queue = call.queue
    if queue not in groups:
        groups[queue] = config.group_of(queue)
    return (groups[queue], key)


def resolutions(
    calls: Iterable[CallLike], config: FcrConfig, period: tuple[float, float] | None = None
) -> list[Resolution]:
    """Every answered call of a known caller with its resolution, given every call (of any
    outcome) that could repeat it: those up to the window after the last one's end.

    Each also says when its first repeat became known, so that one list answers for any
    earlier instant as well (a rewound floor, `snapshot --at`): the calls known at an instant
    are those whose wait had ended by then, and a repeat enters after the call it repeats
    ended, so by the time a repeat is known the call's end is too. `period` (start, end):
    only the callers with an answered call whose wait ended in it are threaded (the calls
    after it are read to find repeats, not to be counted)."""
    window = config.window_h * 3600
    threads: dict[tuple[str, str], list[CallLike]] = defaultdict(list)
    keys: dict[str | None, str | None] = {}
    groups: dict[str, str] = {}
    for call in calls:
        thread_key = _thread_of(call, config, keys, groups)
        if thread_key is not None:
            threads[thread_key].append(call)
    if period is not None:  # only the threads with an answered call in the period count
        first, last = period
        threads = {
            thread_key: thread
            for thread_key, thread in threads.items()
            if any(
                c.outcome == "answered"
                and c.wait_end_at is not None
                and first <= c.wait_end_at < last
                for c in thread
            )
        }
    out: list[Resolution] = []
    for thread in threads.values():
        thread.sort(key=lambda c: (c.enqueued_at, c.id))
        for index, call in enumerate(thread):
            if call.outcome != "answered" or call.wait_end_at is None:
                continue
            repeat = known = None
            end = call.ended_at
            if end is not None:
                for position in range(index + 1, len(thread)):  # (a slice would copy the rest)
                    later = thread[position]
                    if later.enqueued_at > end + window:
                        break
                    if known is not None and later.enqueued_at >= known:
                        break  # waits end after they begin: none later is known sooner
                    if later.enqueued_at >= end and not _same_contact(call, later):
                        repeat = later.id if repeat is None else repeat
                        seen = later.wait_end_at
                        seen = later.enqueued_at if seen is None else seen
                        known = seen if known is None else min(known, seen)
            out.append(Resolution(call.id, call.queue, call.agent, call.wait_end_at, repeat, known))
    return out


def tally(
    found: Iterable[Resolution],
    key: Callable[[Resolution], object],
    start: float | None = None,
    end: float | None = None,
) -> dict:
    """Tallies by `key` (a queue, an agent, (queue, interval)...) of the calls whose wait ended
    in [start, end)."""
    tallies: dict = defaultdict(FcrTally)
    for resolution in found:
        if (start is None or resolution.at >= start) and (end is None or resolution.at < end):
            tallies[key(resolution)].add(resolution)
    return dict(tallies)


class DayThreads:
    """A day's calls threaded by caller, kept up to date from the rows that changed, so that
    a viewer refreshing its FCR works out again only the callers whose calls changed (a busy
    day holds hundreds of thousands of calls; a refresh brings a few hundred).

    `resolutions()` equals `resolutions(every call taken)`; a row taken again (its outcome or
    end changed) replaces the one taken before."""

    def __init__(self, config: FcrConfig):
        self.config = config
        self._threads: dict[tuple[str, str], dict[int, CallLike]] = defaultdict(dict)
        self._resolved: dict[tuple[str, str], list[Resolution]] = {}
        self._thread_of: dict[int, tuple[str, str]] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._keys: dict[str | None, str | None] = {}
        self._groups: dict[str, str] = {}
        self._all: list[Resolution] | None = None

    def take(self, calls: Iterable[CallLike]) -> None:
        config, keys, groups = self.config, self._keys, self._groups
        for call in calls:
            thread = _thread_of(call, config, keys, groups)
            if thread is None:
                continue
            before = self._thread_of.get(call.id)
            if before is not None and before != thread:
                del self._threads[before][call.id]
                self._dirty.add(before)
            self._threads[thread][call.id] = call
            self._thread_of[call.id] = thread
            self._dirty.add(thread)

    def resolutions(self) -> list[Resolution]:
        """Every answered call's resolution (the changed threads' worked out again)."""
        if self._dirty or self._all is None:
            for thread in self._dirty:
                calls = self._threads.get(thread)
                self._resolved[thread] = resolutions(calls.values(), self.config) if calls else []
            self._dirty.clear()
            self._all = [found for part in self._resolved.values() for found in part]
        return self._all
