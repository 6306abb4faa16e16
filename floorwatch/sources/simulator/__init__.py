"""A simulated call-center floor that writes real Asterisk queue_log lines.

A discrete-event simulation, seeded (a seed and the settings give the same day, byte for byte):
- queues with an intraday arrival curve (Poisson arrivals, rate following the day: a morning
  ramp, a lunch peak, a quieter afternoon), callers with limited patience (abandon), a queue
  timeout (EXITWITHTIMEOUT) and a few key presses (EXITWITHKEY);
- agents with names and skills (the queues they serve), shifts with logins (ADDMEMBER) and
  logouts (REMOVEMEMBER), breaks and lunch (PAUSEALL and PAUSE per queue, as Asterisk writes
  them), log-normal talk times per queue, wrap-up as an ACW pause after each call,
  ring-no-answers (in milliseconds) followed by an auto-pause, and blind transfers that re-enter
  another queue with the same call id;
- a few agents who drift into burnout patterns, so that every rule of docs/burnout.md fires at
  some point of a day: one skips breaks on a ten-hour shift, one works without breathing room,
  one slows down through the afternoon, one starts missing calls, one takes the hard calls.

Lines come out in time order as simulated time passes (`run_until`), so a live demo can write
them to a file at any speed and the ingest reads them like a PBX's log.
"""

from floorwatch.sources.simulator.engine import Simulator, day_bounds, write_floor
from floorwatch.sources.simulator.profiles import QueueProfile, SimConfig

__all__ = ["QueueProfile", "SimConfig", "Simulator", "day_bounds", "write_floor"]
