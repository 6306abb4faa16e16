"""Alarms as the store keeps them, read back as the tracker's Alarms (restart, viewers, CLI)."""

from __future__ import annotations

from floorwatch.snapshot.alarms.tracker import Alarm
from floorwatch.store.rows import AlarmRow


def alarm_from_row(row: AlarmRow) -> Alarm:
    return Alarm(
        rule=row.rule,
        severity=row.severity,
        queue=row.queue,
        agent=row.agent,
        source=row.source,
        raised_ts=row.raised_ts,
        value=row.value if row.value is not None else 0.0,
        threshold=row.threshold if row.threshold is not None else 0.0,
        summary=row.summary or row.rule,
        cleared_ts=row.cleared_ts,
        peak=row.peak,
        store_id=row.id,
        acked_ts=row.acked_ts,
        acked_by=row.acked_by,
        ack_note=row.ack_note,
    )
