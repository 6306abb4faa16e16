"""Interval reports (pandas): a day in 15, 30 or 60 minute intervals, per queue or per agent.

FCR and CSAT columns come from reports/quality_columns.py. The same definitions as the live
snapshot: each call's numbers come from
`metrics.contribution` and count in the interval its wait ended, agent time comes from the same
stretches the drill-down draws, so a report's totals equal `floorwatch snapshot` for that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime

import numpy as np
import pandas as pd

from floorwatch.clock import local_day_end
from floorwatch.config import Config
from floorwatch.events import AgentState
from floorwatch.reports.quality_columns import add_quality, quality_by_interval
from floorwatch.snapshot.erlang import staffing_for
from floorwatch.snapshot.metrics import (
    VECTOR_SIZE,
    WindowStats,
    contribution,
    mean_seconds,
)
from floorwatch.snapshot.sites import known_sites, on, site_total
from floorwatch.snapshot.timeline import agent_stretches
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.rows import CallRow, IntervalRow
from floorwatch.store.schema import AGENT_STATES

Progress = Callable[[int, int], None]
INTERVALS = {"15m": 900, "30m": 1800, "60m": 3600}


@dataclass
class Day:
    start: float
    end: float
    interval_s: int

    @property
    def buckets(self) -> int:
        return int(np.ceil((self.end - self.start) / self.interval_s))

    def labels(self, zone) -> list[str]:
        return [
            datetime.fromtimestamp(self.start + i * self.interval_s, zone).strftime("%H:%M")
            for i in range(self.buckets)
        ]


def report_day(config: Config, day: date, interval: str | int) -> Day:
    """Local midnight to midnight of `day` in the config's zone, in intervals of `interval`
    ("30m", or seconds)."""
    zone = config.tzinfo()
    midnight = (
        datetime.combine(day, dtime(0), zone)
        if zone
        else datetime.combine(day, dtime(0)).astimezone()
    )
    start = midnight.timestamp()
    return Day(
        start,
        local_day_end(start, zone),
        INTERVALS[interval] if isinstance(interval, str) else int(interval),
    )


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def queue_report(
    store: ReadOnlyStore, config: Config, day: Day, progress: Progress | None = None
) -> pd.DataFrame:
    """Per queue per interval, then a day total per queue and a floor total (interval "total")."""
    rows = store.queries.calls_with_outcome(day.start, day.end)
    sums: dict[tuple[str, int], np.ndarray] = defaultdict(lambda: np.zeros(VECTOR_SIZE))
    top: dict[tuple[str, int], float] = {}
    levels = {}
    buckets = day.buckets
    for index, call in enumerate(rows):
        level = levels.get(call.queue) or levels.setdefault(
            call.queue, config.queue_service_level(call.queue)
        )
        vector = contribution(call, level)
        if vector is None:
            continue
        bucket = min(buckets - 1, int((call.wait_end_at - day.start) // day.interval_s))
        key = (call.queue, bucket)
        sums[key] += vector
        top[key] = max(top.get(key, 0.0), call.wait_s or 0.0)
        if progress is not None and index % 20000 == 0:
            progress(index, len(rows))
    if progress is not None:
        progress(len(rows), len(rows))
    labels = day.labels(config.tzinfo())
    records = []
    queues = sorted({queue for queue, _ in sums}, key=lambda q: config.queue_name(q).casefold())
    floor = np.zeros(VECTOR_SIZE)
    floor_top = 0.0
    for queue in queues:
        level = config.queue_service_level(queue)
        day_sum = np.zeros(VECTOR_SIZE)
        day_top = 0.0
        for bucket in range(buckets):
            vector = sums.get((queue, bucket))
            if vector is None:
                continue
            records.append(
                _queue_record(
                    queue, labels[bucket], vector, top[(queue, bucket)], level, day.interval_s
                )
            )
            day_sum += vector
            day_top = max(day_top, top[(queue, bucket)])
        records.append(_queue_record(queue, "total", day_sum, day_top, level, None))
        floor += day_sum
        floor_top = max(floor_top, day_top)
    for site in report_sites(store, queues):  # a replica of several sites: each site's total
        mine = [queue for queue in queues if on(site, queue)]
        site_sum = sum((sums[key] for key in sums if key[0] in mine), np.zeros(VECTOR_SIZE))
        site_top = max((top[key] for key in top if key[0] in mine), default=0.0)
        records.append(
            _queue_record(site_total(site), "total", site_sum, site_top, config.service_level, None)
        )
    records.append(_queue_record("ALL", "total", floor, floor_top, config.service_level, None))
    frame = pd.DataFrame.from_records(records)
    quality = quality_by_interval(store, config, day, "queue", rows)
    return add_quality(frame, quality, "queue")


def _queue_record(
    queue: str, interval: str, vector: np.ndarray, max_wait: float, level, interval_s: int | None
) -> dict:
    stats = WindowStats.from_vector(vector, max_wait or None, level.formula)
    staffing = (
        staffing_for(stats.offered, interval_s, stats.aht_s, level.target, level.threshold_s)
        if interval_s
        else None
    )
    required = staffing.agents if staffing is not None else None
    return {
        "queue": queue,
        "interval": interval,
        "offered": stats.offered,
        "answered": stats.answered,
        "answered_within": stats.answered_within,
        "abandoned": stats.abandoned,
        "short_abandoned": stats.short_abandoned,
        "left": stats.left,
        "service_level": stats.service_level,
        "asa_s": stats.asa_s,
        "aht_s": stats.aht_s,
        "max_wait_s": stats.max_wait_s,
        "abandon_rate": stats.abandon_rate,
        "agents_required": required,
    }


def agent_report(
    store: ReadOnlyStore, config: Config, day: Day, progress: Progress | None = None
) -> pd.DataFrame:
    """Per agent per interval: login, talk, wrap-up, pauses by reason, idle, occupancy, calls,
    AHT, ring-no-answers; then each agent's day total and the floor's."""
    queries = store.queries
    availability: dict[str, list[IntervalRow]] = defaultdict(list)
    for interval in queries.intervals_overlapping(AGENT_STATES, day.start, day.end):
        availability[interval.agent].append(interval)
    calls: dict[str, list[CallRow]] = defaultdict(list)
    for call in queries.answered_calls(day.start - 4 * 3600, day.end):
        if call.agent:
            calls[call.agent].append(call)
    misses: dict[str, list[float]] = defaultdict(list)
    for miss in queries.missed_rings(day.start, day.end):
        misses[miss.agent].append(miss.ts)
    now = min(
        day.end,
        max(
            [day.start]
            + [c.ended_at or c.answered_at for cs in calls.values() for c in cs if c.answered_at]
            + [i.end or i.start for rows in availability.values() for i in rows]
        ),
    )
    labels = day.labels(config.tzinfo())
    buckets, width = day.buckets, day.interval_s
    records = []
    floor = defaultdict(float)
    agents = sorted(set(availability) | set(calls), key=lambda a: config.agent_name(a).casefold())
    sites = report_sites(store, agents)
    site_floors: dict[str, dict[str, float]] = {site: defaultdict(float) for site in sites}
    for number, agent in enumerate(agents):
        stretches = agent_stretches(
            availability.get(agent, []), calls.get(agent, []), day.start, now
        )
        seconds = defaultdict(lambda: np.zeros(buckets))
        for stretch in stretches:
            key = _time_key(stretch)
            if key is None:
                continue
            first = int((stretch.start - day.start) // width)
            last = min(buckets - 1, int((stretch.end - day.start) // width))
            for bucket in range(max(0, first), last + 1):
                low = max(stretch.start, day.start + bucket * width)
                high = min(stretch.end, day.start + (bucket + 1) * width)
                if high > low:
                    seconds[key][bucket] += high - low
        handled = np.zeros(buckets)
        handle = np.zeros(buckets)
        answered = np.zeros(buckets)
        for call in calls.get(agent, []):
            if not day.start <= call.answered_at < day.end:
                continue
            bucket = min(buckets - 1, int((call.answered_at - day.start) // width))
            answered[bucket] += 1
            if call.talk_s is not None:
                handled[bucket] += 1
                handle[bucket] += call.talk_s + (call.wrapup_s or 0.0)
        missed = np.zeros(buckets)
        for ts in misses.get(agent, []):
            missed[min(buckets - 1, int((ts - day.start) // width))] += 1
        for bucket in range(buckets):
            values = {key: float(array[bucket]) for key, array in seconds.items()}
            if not any(values.values()) and not answered[bucket] and not missed[bucket]:
                continue
            records.append(
                _agent_record(
                    agent,
                    labels[bucket],
                    values,
                    answered[bucket],
                    handled[bucket],
                    handle[bucket],
                    missed[bucket],
                )
            )
        day_values = {key: float(array.sum()) for key, array in seconds.items()}
        summary = _agent_record(
            agent, "total", day_values, answered.sum(), handled.sum(), handle.sum(), missed.sum()
        )
        records.append(summary)
        site = next((site for site in sites if on(site, agent)), None)
        for total in (floor, site_floors[site]) if site is not None else (floor,):
            for key, value in day_values.items():
                total[key] += value
            total["calls"] += answered.sum()
            total["handled"] += handled.sum()
            total["handle"] += handle.sum()
            total["missed"] += missed.sum()
        if progress is not None:
            progress(number + 1, len(agents))
    for site, site_floor in site_floors.items():  # a replica of several sites: their totals
        records.append(_floor_agent_record(site_total(site), site_floor))
    records.append(_floor_agent_record("ALL", floor))
    frame = pd.DataFrame.from_records(records)
    frame = frame.fillna({c: 0.0 for c in frame.columns if c.startswith("pause_")})
    return add_quality(frame, quality_by_interval(store, config, day, "agent"), "agent")


def _floor_agent_record(name: str, floor: dict) -> dict:
    pauses = {k: v for k, v in floor.items() if k.startswith("pause:")}
    times = {k: floor[k] for k in ("talk", "wrapup", "idle")} | pauses
    return _agent_record(
        name, "total", times, floor["calls"], floor["handled"], floor["handle"], floor["missed"]
    )


def report_sites(store: ReadOnlyStore, names) -> list[str]:
    """The sites of a replica's report (none for one PBX's store)."""
    return known_sites((row.name for row in store.sources()), names)


def _time_key(stretch) -> str | None:
    if stretch.state == AgentState.ON_CALL:
        return "talk"
    if stretch.state == AgentState.WRAPUP:
        return "wrapup"
    if stretch.state == AgentState.AVAILABLE:
        return "idle"
    if stretch.state == AgentState.PAUSED:
        return f"pause:{stretch.reason or 'Paused'}"
    if stretch.state == AgentState.OFFLINE:
        return None
    return "idle"


def _agent_record(
    agent: str,
    interval: str,
    seconds: dict[str, float],
    calls: float,
    handled: float,
    handle: float,
    missed: float,
) -> dict:
    talk, wrapup, idle = (
        seconds.get("talk", 0.0),
        seconds.get("wrapup", 0.0),
        seconds.get("idle", 0.0),
    )
    pauses = {key[6:]: value for key, value in seconds.items() if key.startswith("pause:")}
    login = talk + wrapup + idle + sum(pauses.values())
    record = {
        "agent": agent,
        "interval": interval,
        "login_s": login,
        "talk_s": talk,
        "wrapup_s": wrapup,
        "idle_s": idle,
        "pause_s": sum(pauses.values()),
        "occupancy": _ratio(talk + wrapup, talk + wrapup + idle),
        "calls": int(calls),
        "aht_s": mean_seconds(handle, handled),
        "ring_no_answers": int(missed),
    }
    for reason, value in sorted(pauses.items()):
        record[f"pause_{reason}_s"] = value
    return record
