"""The interval reports' FCR and CSAT columns: the same counting as the snapshot's
(snapshot/quality.py), per queue or per agent, per interval and for the day."""

from __future__ import annotations

import pandas as pd

from floorwatch.config import Config
from floorwatch.snapshot.fcr import resolutions
from floorwatch.snapshot.quality import QualityFigures, day_quality, interval_quality
from floorwatch.snapshot.quality_reader import load_quality_rows
from floorwatch.snapshot.sites import known_sites, on, site_total
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.rows import CallRow

QUALITY_COLUMNS = ("fcr_calls", "fcr", "rated", "csat", "mean_score")


def quality_by_interval(
    store: ReadOnlyStore, config: Config, day, by: str, calls: list[CallRow] | None = None
) -> dict[tuple[str, str], QualityFigures]:
    """Figures by (queue or agent, interval label or "total"), and ("ALL", "total"); on a
    replica of several sites, each site's day too ("<site>/ALL", "total"). `calls`: the day's
    calls with an outcome, if the report read them already."""
    rows = load_quality_rows(store, config, day.start, day.end, period_calls=calls)
    # Once, for the day and its intervals.
    resolved = resolutions(rows.calls, config.fcr, (day.start, day.end))
    whole = day_quality(rows.calls, rows.ratings, config, day.start, day.end, resolved)
    parts = interval_quality(
        rows.calls, rows.ratings, config, day.start, day.end, day.interval_s, resolved
    )
    labels = day.labels(config.tzinfo())
    out: dict[tuple[str, str], QualityFigures] = {}
    for (kind, name, bucket), figures in parts.items():
        if kind == by:
            out[(name, labels[min(bucket, len(labels) - 1)])] = figures
    for name, figures in (whole.queues if by == "queue" else whole.agents).items():
        out[(name, "total")] = figures
    out[("ALL", "total")] = whole.floor
    names = whole.queues if by == "queue" else whole.agents
    for site in known_sites((row.name for row in store.sources()), names):
        mine = [resolution for resolution in resolved if on(site, resolution.queue)]
        ratings = [
            rating
            for rating in rows.ratings
            if on(site, rating.queue or "") or on(site, rating.agent or "")
        ]
        site_day = day_quality(rows.calls, ratings, config, day.start, day.end, mine)
        out[(site_total(site), "total")] = site_day.floor
    return out


def add_quality(frame: pd.DataFrame, figures: dict, key: str) -> pd.DataFrame:
    """The report with FCR and CSAT columns for each of its rows (None where nothing counts)."""
    empty = QualityFigures()
    values = {column: [] for column in QUALITY_COLUMNS}
    for name, interval in zip(frame[key], frame["interval"], strict=True):
        row = figures.get((name, interval), empty).to_dict()
        for column in QUALITY_COLUMNS:
            values[column].append(row[column])
    out = frame.copy()
    for column in QUALITY_COLUMNS:
        out[column] = values[column]
    out["fcr_calls"] = out["fcr_calls"].astype("int64")
    out["rated"] = out["rated"].astype("int64")
    return out
