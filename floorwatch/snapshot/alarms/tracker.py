"""Raising and clearing alarms: a minimum duration before raising, hysteresis before clearing.

An alarm raises when its rule's reading has been tripped (at or past the threshold) for the
rule's `min_duration_s`, and clears when the reading has been back past the clear level (or
absent: the queue emptied, the call ended) for `clear_after_s`. While it stays raised it is one
alarm, never raised again: its `value` is what tripped it, `peak` the worst seen since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from floorwatch.snapshot.alarms.measurement import Measurement

Key = tuple[str, str | None, str | None, str | None]
#: An open alarm's growing peak is stored at most this often (and when it clears).
PEAK_EVERY_S = 60.0


@dataclass
class Alarm:
    """One alarm, raised (and perhaps cleared). `store_id` is its row in the store."""

    rule: str
    severity: str
    queue: str | None
    agent: str | None
    source: str | None
    raised_ts: float
    value: float
    threshold: float
    summary: str
    cleared_ts: float | None = None
    peak: float | None = None
    store_id: int | None = None
    #: Acknowledged for every viewer (a supervisor's action): when, by what name, the note.
    acked_ts: float | None = None
    acked_by: str | None = None
    ack_note: str | None = None

    @property
    def key(self) -> Key:
        return (self.rule, self.queue, self.agent, self.source)

    @property
    def is_open(self) -> bool:
        return self.cleared_ts is None

    @property
    def acknowledged(self) -> bool:
        return self.acked_ts is not None

    def acknowledgement(self) -> str:
        """Who took it and what they said, in a few words ("" if nobody has)."""
        if self.acked_ts is None:
            return ""
        note = f": {self.ack_note}" if self.ack_note else ""
        return f"ack {self.acked_by}{note}"

    def to_dict(self) -> dict[str, Any]:
        """The alarm as `floorwatch alarms --json` and the hooks send it."""
        return {
            "id": self.store_id,
            "rule": self.rule,
            "severity": self.severity,
            "queue": self.queue,
            "agent": self.agent,
            "source": self.source,
            "raised_ts": self.raised_ts,
            "cleared_ts": self.cleared_ts,
            "value": self.value,
            "peak": self.peak if self.peak is not None else self.value,
            "threshold": self.threshold,
            "summary": self.summary,
            "acked_ts": self.acked_ts,
            "acked_by": self.acked_by,
            "ack_note": self.ack_note,
        }


@dataclass
class AlarmChanges:
    """What one round decided: alarms newly raised, cleared, and open ones whose peak moved."""

    raised: list[Alarm] = field(default_factory=list)
    cleared: list[Alarm] = field(default_factory=list)
    updated: list[Alarm] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.raised or self.cleared or self.updated)


def _worse(measurement: Measurement, value: float, than: float) -> bool:
    return value < than if measurement.lower_is_worse else value > than


class AlarmTracker:
    """Remembers what is pending, open and clearing between rounds."""

    def __init__(self, clear_after: Mapping[str, float], open_alarms: Iterable[Alarm] = ()):
        #: Per rule: how long its reading must stay clear before its alarm clears (seconds).
        self._clear_after = dict(clear_after)
        self.open: dict[Key, Alarm] = {alarm.key: alarm for alarm in open_alarms}
        #: Since when a key's reading has been tripped without an alarm yet.
        self._pending: dict[Key, float] = {}
        #: Since when an open alarm's reading has been back past its clear level.
        self._clearing: dict[Key, float] = {}
        #: When an open alarm's peak was last handed over to be stored.
        self._peak_stored: dict[Key, float] = {}

    def update(self, now: float, readings: Iterable[Measurement]) -> AlarmChanges:
        """One round at `now` with every reading that is not plainly fine."""
        changes = AlarmChanges()
        held: set[Key] = set()
        # Hundreds of readings a round on a big floor: the look-ups bound once.
        hold, open_alarms, pending = held.add, self.open, self._pending
        for reading in readings:
            key = reading.key
            hold(key)
            alarm = open_alarms.get(key)
            if alarm is not None:
                self._clearing.pop(key, None)
                peak = alarm.peak if alarm.peak is not None else alarm.value
                if _worse(reading, reading.value, peak):
                    alarm.peak = reading.value
                    # Stored at most once a minute (and with the clear): a growing wait
                    # must not cost a write every round.
                    if now - self._peak_stored.get(key, alarm.raised_ts) >= PEAK_EVERY_S:
                        self._peak_stored[key] = now
                        changes.updated.append(alarm)
                continue
            if not reading.tripped:
                pending.pop(key, None)
                continue
            since = pending.setdefault(key, now)
            if now - since >= reading.min_duration_s:
                del pending[key]
                alarm = Alarm(
                    reading.rule,
                    reading.severity,
                    reading.queue,
                    reading.agent,
                    reading.source,
                    now,
                    reading.value,
                    reading.threshold,
                    reading.summary,
                )
                self.open[key] = alarm
                changes.raised.append(alarm)
        for key in [key for key in self._pending if key not in held]:
            del self._pending[key]
        for key, alarm in list(self.open.items()):
            if key in held:
                continue
            since = self._clearing.setdefault(key, now)
            if now - since >= self._clear_after.get(alarm.rule, 0.0):
                del self.open[key]
                del self._clearing[key]
                self._peak_stored.pop(key, None)
                alarm.cleared_ts = now
                changes.cleared.append(alarm)
        return changes

    def forget_pending(self) -> None:
        """A new day or time going back: what was pending proves nothing now."""
        self._pending.clear()
