"""What one commit of the ingest writes, as plain data: a batch's events (as columns, or as
the lines they came from), its rejects, checkpoint and health, and the derived rows changed.

Plain data (lists of column values, tuples of derived rows) so that it crosses to the writer
process (store/writer.py) cheaply; store/commit.py writes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from floorwatch.events import Event, Kind
from floorwatch.sources import stored_row_for
from floorwatch.sources.base import Batch, Checkpoint, FeedLoss
from floorwatch.store.derive import Changes

#: Kinds as the plain strings stored: one shared object per kind, which binds faster than the
#: enum and pickles once per commit however many events carry it.
_KIND_TEXT = {kind: kind.value for kind in Kind}
#: Compact JSON, as every JSON column of the store holds it.
compact_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
#: A reject keeps at most this much of its line's text.
MAX_REJECT_TEXT = 2000


@dataclass(slots=True)
class EventColumns:
    """A batch's events as the columns of the `events` table, in order."""

    ts: list[float]
    kinds: list[str]
    call_ids: list[str | None]
    queues: list[str | None]
    agents: list[str | None]
    data: list[str | None]
    #: Each event's origin (its `source`), or None when all are the batch's own.
    origins: list[str] | None = None

    @classmethod
    def of(cls, events: list[Event], source: str) -> EventColumns:
        kind_text = _KIND_TEXT
        origins = [e.source for e in events]
        dumps = compact_json
        return cls(
            [e.ts for e in events],
            [kind_text[e.kind] for e in events],
            [e.call_id for e in events],
            [e.queue for e in events],
            [e.agent for e in events],
            # A source's own compact form when it has one (queue_log's EVENT|fields), or JSON.
            [e.raw if e.raw is not None else dumps(e.data) if e.data else None for e in events],
            None if all(origin == source for origin in origins) else origins,
        )


@dataclass(slots=True)
class EventLines:
    """A batch's events as the lines they came from, each one event (`Batch.lines`): the
    writer makes the rows itself with the format's `stored_row`, so the events need not be
    sent."""

    format: str
    lines: list[str]


@dataclass(slots=True)
class BatchRows:
    """What one source batch writes: its events, rejects, checkpoint and health."""

    source: str
    format: str | None
    events: EventColumns | EventLines | None
    #: (offset, text, reason, bytes when the text cannot be them)
    rejects: list[tuple[int | None, str, str, bytes | None]]
    checkpoint: Checkpoint | None
    status: str | None
    status_detail: str | None
    losses: list[FeedLoss] = field(default_factory=list)
    start: int | None = None

    @classmethod
    def of(cls, batch: Batch) -> BatchRows:
        events: EventColumns | EventLines | None = None
        if batch.events:
            if batch.lines is not None and stored_row_for(batch.format) is not None:
                events = EventLines(batch.format, batch.lines)
            else:
                events = EventColumns.of(batch.events, batch.source)
        return cls(
            batch.source,
            batch.format,
            events,
            [(r.offset, r.raw, r.reason, r.raw_bytes) for r in batch.rejects],
            batch.checkpoint,
            batch.status,
            batch.status_detail,
            batch.losses,
            batch.start,
        )

    def drop_events(self, failed: list[tuple[int, str]]) -> None:
        """Take the events at these indexes out of the batch, as rejects (their reasons given):
        what derivation could not take must not be stored as if it had (the rare path)."""
        drop = dict(failed)
        events = self.events
        if isinstance(events, EventLines):
            offset = self.start
            for index, line in enumerate(events.lines):
                if index in drop:
                    self.rejects.append((offset, line[:MAX_REJECT_TEXT], drop[index], None))
                if offset is not None:
                    offset += len(line.encode("utf-8", "surrogateescape")) + 1
            events.lines = [line for i, line in enumerate(events.lines) if i not in drop]
            if not events.lines:
                self.events = None
        elif isinstance(events, EventColumns):
            columns = ("ts", "kinds", "call_ids", "queues", "agents", "data", "origins")
            for index in drop:
                ts, kind, call_id, queue, agent, data = (
                    getattr(events, name)[index] for name in columns[:6]
                )
                if self.format == "queue_log":  # the line as the PBX wrote it
                    stamp = int(ts) if ts == int(ts) else ts
                    text = f"{stamp}|{call_id or 'NONE'}|{queue or 'NONE'}|{agent or 'NONE'}|{data}"
                else:  # the event as JSON Lines has it
                    source = events.origins[index] if events.origins else self.source
                    record = {
                        "ts": ts,
                        "source": source,
                        "kind": kind,
                        "call_id": call_id,
                        "queue": queue,
                        "agent": agent,
                        "data": json.loads(data) if data else None,
                    }
                    text = compact_json({k: v for k, v in record.items() if v is not None})
                self.rejects.append((None, text[:MAX_REJECT_TEXT], drop[index], None))
            for name in columns:
                values = getattr(events, name)
                if values is not None:
                    setattr(events, name, [v for i, v in enumerate(values) if i not in drop])
            if not events.ts:
                self.events = None


@dataclass(slots=True)
class Commit:
    """Everything one transaction writes: the batches, then the derived rows they changed."""

    batches: list[BatchRows]
    changes: Changes = field(default_factory=Changes)
    #: When the feed handed these over, by the feed's clock (a demo's, a replay's); None:
    #: the writer's wall clock at the commit.
    received_at: float | None = None
