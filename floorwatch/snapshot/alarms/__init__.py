"""Alarms: rules over the floor (rules.py), raised and cleared with a minimum duration and
hysteresis (tracker.py), and the per-queue forecast of the next breach (forecast.py).

Pure: no SQLite, no Textual. The ingest's alarm monitor feeds them a snapshot and stores what
they decide; viewers only read the stored alarms.
"""

from floorwatch.snapshot.alarms.rules import Measurement, measure
from floorwatch.snapshot.alarms.tracker import Alarm, AlarmChanges, AlarmTracker

__all__ = ["Alarm", "AlarmChanges", "AlarmTracker", "Measurement", "measure"]
