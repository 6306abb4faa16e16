"""The report for upper management: a period's numbers, per queue and for the floor, as one
self-contained HTML file (`floorwatch report --management --from DAY --to DAY --out FILE.html`).

Every figure comes from the interval reports (`reports/intervals.py`), day by day, so its totals
are `floorwatch report`'s and the snapshot's: service level and ASA per interval against target,
offered/answered/abandoned, staffing need (Erlang C) against agents logged in, AHT, FCR and CSAT
by day, adherence to the schedule, and the burnout flags raised per week. The charts are drawn by
matplotlib (the plotting library most used and kept in Python; SVG inlined, no code, no
network), and a paragraph says the period in words, made from the numbers.
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from floorwatch.config import Config
from floorwatch.events import AgentState
from floorwatch.reports.intervals import queue_report, report_day
from floorwatch.reports.management_text import period_summary
from floorwatch.snapshot.absence_reader import scheduled_days
from floorwatch.snapshot.burnout.absence import absence
from floorwatch.store.reading import ReadOnlyStore
from floorwatch.store.schema import AGENT_STATES

Progress = Callable[[int, int], None]


@dataclass
class Period:
    """The days of a period, each day's queue and agent reports and the period's totals."""

    first: date
    last: date
    queues: pd.DataFrame  # every day's queue report, with a `day` column
    agents: pd.DataFrame  # agents logged in per interval of every day
    totals: dict = field(default_factory=dict)  # floor totals of the period

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _totals(frame: pd.DataFrame) -> dict:
    """The floor's totals over the period: sums of the daily ALL lines, ratios recomputed."""
    floor = frame[(frame["queue"] == "ALL") & (frame["interval"] == "total")]
    if floor.empty:
        return {}
    offered = int(floor["offered"].sum())
    answered = int(floor["answered"].sum())
    asa = (floor["asa_s"].fillna(0) * floor["answered"]).sum() / answered if answered else None
    aht = (floor["aht_s"].fillna(0) * floor["answered"]).sum() / answered if answered else None
    fcr_calls = int(floor["fcr_calls"].sum())
    rated = int(floor["rated"].sum())
    return {
        "offered": offered,
        "answered": answered,
        "abandoned": int(floor["abandoned"].sum()),
        "answered_within": int(floor["answered_within"].sum()),
        "service_level": _weighted(floor, "service_level", "offered"),
        "asa_s": asa,
        "aht_s": aht,
        "fcr": (floor["fcr"].fillna(0) * floor["fcr_calls"]).sum() / fcr_calls
        if fcr_calls
        else None,
        "csat": (floor["csat"].fillna(0) * floor["rated"]).sum() / rated if rated else None,
        "mean_score": (floor["mean_score"].fillna(0) * floor["rated"]).sum() / rated
        if rated
        else None,
        "rated": rated,
        "fcr_calls": fcr_calls,
        # Per day with calls: a period before that the store holds only part of compares.
        "offered_per_day": offered / max(1, int((floor["offered"] > 0).sum())),
    }


def _weighted(frame: pd.DataFrame, column: str, weight: str) -> float | None:
    known = frame[frame[column].notna()]
    total = known[weight].sum()
    return float((known[column] * known[weight]).sum() / total) if total else None


def read_period(
    store: ReadOnlyStore,
    config: Config,
    first: date,
    last: date,
    interval: int = 1800,
    progress: Progress | None = None,
) -> Period:
    """Each day's interval reports from `first` to `last` (inclusive)."""
    queues, agents = [], []
    days = (last - first).days + 1
    for number in range(days):
        day = first + timedelta(days=number)
        span = report_day(config, day, interval)
        frame = queue_report(store, config, span)
        frame.insert(0, "day", day.isoformat())
        queues.append(frame)
        have = logged_in_per_interval(store, span)
        labels = span.labels(config.tzinfo())
        agents.append(
            pd.DataFrame(
                {
                    "day": day.isoformat(),
                    "interval": labels[: len(have)],
                    "agents_have": [seconds / interval for seconds in have],
                }
            )
        )
        if progress is not None:
            progress(number + 1, days)
    queue_frame = pd.concat(queues, ignore_index=True)
    agent_frame = pd.concat(agents, ignore_index=True) if agents else pd.DataFrame()
    return Period(first, last, queue_frame, agent_frame, _totals(queue_frame))


def logged_in_per_interval(store: ReadOnlyStore, span) -> list[float]:
    """Agent-seconds logged in per interval of `span` (the agent report's login, without the
    calls it also reads): divided by the interval's length, the agents there were."""
    buckets = [0.0] * span.buckets
    width = span.interval_s
    for row in store.queries.intervals_overlapping(AGENT_STATES, span.start, span.end):
        if row.state == AgentState.OFFLINE:
            continue
        low, high = max(row.start, span.start), min(row.end or span.end, span.end)
        bucket = int((low - span.start) // width)
        while low < high and bucket < len(buckets):
            edge = min(high, span.start + (bucket + 1) * width)
            buckets[bucket] += edge - low
            low, bucket = edge, bucket + 1
    return buckets


def adherence_by_day(store: ReadOnlyStore, config: Config, first: date, last: date) -> pd.DataFrame:
    """Per day: agents scheduled, absent (no login), late (absence rule's minutes)."""
    zone = config.tzinfo()
    start = datetime.combine(first, datetime.min.time(), zone).timestamp()
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone).timestamp()
    rows: dict[str, list[int]] = {}
    for days in scheduled_days(store, start, end).values():
        for day in days:
            counts = rows.setdefault(day.day, [0, 0, 0])
            counts[0] += 1
            what = absence(day, config.schedule)
            if what == "no login":
                counts[1] += 1
            elif what is not None:
                counts[2] += 1
    return pd.DataFrame(
        [(day, *counts) for day, counts in sorted(rows.items())],
        columns=["day", "scheduled", "absent", "late"],
    )


def flags_by_week(store: ReadOnlyStore, config: Config, first: date, last: date) -> pd.DataFrame:
    """Burnout flags raised per ISO week and rule."""
    zone = config.tzinfo()
    start = datetime.combine(first, datetime.min.time(), zone).timestamp()
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone).timestamp()
    rows = [
        (datetime.fromtimestamp(flag.raised_at, zone).strftime("%G-W%V"), flag.rule)
        for flag in store.queries.flags(None, start)
        if flag.raised_at < end
    ]
    frame = pd.DataFrame(rows, columns=["week", "rule"])
    if frame.empty:
        return pd.DataFrame(columns=["week", "rule", "flags"])
    return frame.groupby(["week", "rule"]).size().reset_index(name="flags")


# ----------------------------------------------------------------- charts
def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    import matplotlib.pyplot as plt

    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _charts(period: Period, config: Config, flags: pd.DataFrame) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts = []
    frame = period.queues
    by_interval = frame[frame["interval"] != "total"].copy()
    by_interval["when"] = pd.to_datetime(by_interval["day"] + " " + by_interval["interval"])
    queues = [q for q in frame["queue"].unique() if q != "ALL"]

    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 5.5), sharex=True)
    for queue in queues:
        rows = by_interval[by_interval["queue"] == queue]
        label = config.queue_name(queue)
        top.plot(rows["when"], rows["service_level"] * 100, label=label, linewidth=1)
        bottom.plot(rows["when"], rows["asa_s"], label=label, linewidth=1)
    top.axhline(config.service_level.target * 100, color="black", linestyle="--", label="target")
    top.set_ylabel("service level %")
    top.set_ylim(0, 105)
    bottom.set_ylabel("ASA (s)")
    top.legend(loc="lower left", fontsize=8, ncol=len(queues) + 1)
    charts.append(("Service level and ASA per interval", _svg(figure)))

    daily = frame[frame["interval"] == "total"]
    floor = daily[daily["queue"] == "ALL"]
    figure, axis = plt.subplots(figsize=(11, 3.2))
    x = range(len(floor))
    axis.bar([i - 0.27 for i in x], floor["offered"], width=0.27, label="offered")
    axis.bar(list(x), floor["answered"], width=0.27, label="answered")
    axis.bar([i + 0.27 for i in x], floor["abandoned"], width=0.27, label="abandoned")
    axis.set_xticks(list(x), [d[5:] for d in floor["day"]])
    axis.legend(fontsize=8)
    axis.set_ylabel("calls")
    charts.append(("Calls per day (floor)", _svg(figure)))

    need = by_interval[by_interval["queue"] != "ALL"].groupby("when")["agents_required"].sum()
    have = period.agents.copy()
    figure, axis = plt.subplots(figsize=(11, 3.2))
    axis.plot(need.index, need.to_numpy(), label="needed (Erlang C)", linewidth=1)
    if not have.empty:
        have["when"] = pd.to_datetime(have["day"] + " " + have["interval"])
        axis.plot(have["when"], have["agents_have"], label="logged in", linewidth=1)
    axis.set_ylabel("agents")
    axis.legend(fontsize=8)
    charts.append(("Staffing: agents needed against agents logged in", _svg(figure)))

    figure, axes = plt.subplots(1, 3, figsize=(11, 3))
    days = [d[5:] for d in floor["day"]]
    axes[0].plot(days, floor["aht_s"], marker="o")
    axes[0].set_title("AHT (s)", fontsize=9)
    axes[1].plot(days, floor["fcr"] * 100, marker="o")
    axes[1].set_title("FCR %", fontsize=9)
    axes[2].plot(days, floor["csat"] * 100, marker="o")
    axes[2].set_title("CSAT %", fontsize=9)
    for axis in axes:
        axis.tick_params(axis="x", labelrotation=60, labelsize=7)
    charts.append(("AHT, first-call resolution and satisfaction by day", _svg(figure)))

    if not flags.empty:
        pivot = flags.pivot_table(index="week", columns="rule", values="flags", fill_value=0)
        figure, axis = plt.subplots(figsize=(11, 3))
        pivot.plot(kind="bar", stacked=True, ax=axis)
        axis.set_ylabel("flags raised")
        axis.legend(fontsize=7, ncol=4)
        charts.append(("Burnout flags raised per week", _svg(figure)))
    return charts


# ----------------------------------------------------------------- the page
def _table(frame: pd.DataFrame) -> str:
    from floorwatch.reports.output import readable

    return readable(frame).to_html(index=False, na_rep="-", border=0, classes="numbers")


def _plain(value):
    """A number as JSON has it (numpy's are not)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def management_html(
    store: ReadOnlyStore,
    config: Config,
    first: date,
    last: date,
    progress: Progress | None = None,
) -> tuple[str, Period]:
    """The report's HTML and the period it was made of."""
    period = read_period(store, config, first, last, progress=progress)
    length = (last - first).days + 1
    previous = read_period(store, config, first - timedelta(days=length), first - timedelta(days=1))
    flags = flags_by_week(store, config, first, last)
    adherence = adherence_by_day(store, config, first, last)
    summary = period_summary(period, previous, config)
    totals = period.queues[period.queues["interval"] == "total"]
    per_queue = (
        totals.groupby("queue")[["offered", "answered", "abandoned", "fcr_calls", "rated"]]
        .sum()
        .reset_index()
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>floorwatch: {first} to {last}</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
        "table.numbers{border-collapse:collapse;font-size:12px}"
        "table.numbers td,table.numbers th{padding:2px 8px;border-bottom:1px solid #ddd;"
        "text-align:right}h2{margin-top:1.6em}.summary{font-size:15px;line-height:1.5}"
        "</style></head><body>",
        f"<h1>Floor report, {first:%d %b %Y} to {last:%d %b %Y}</h1>",
        f"<p class='summary'>{html.escape(summary)}</p>",
    ]
    for title, svg in _charts(period, config, flags):
        parts += [f"<h2>{html.escape(title)}</h2>", svg]
    parts += ["<h2>Per queue, the period</h2>", _table(per_queue)]
    daily_floor = totals[totals["queue"] == "ALL"].drop(columns=["queue", "interval"])
    parts += ["<h2>The floor by day</h2>", _table(daily_floor)]
    parts += ["<h2>Adherence to the schedule</h2>"]
    parts += [_table(adherence) if not adherence.empty else "<p>No schedule imported.</p>"]
    parts += ["<h2>Burnout flags raised per week</h2>"]
    parts += [_table(flags) if not flags.empty else "<p>No flags raised.</p>"]
    # The numbers as data too (a JSON block, never run), for a script or a test to check.
    days = {
        row["day"]: {key: _plain(row[key]) for key in ("offered", "answered", "abandoned")}
        for row in daily_floor.to_dict(orient="records")
    }
    data = json.dumps({"totals": {k: _plain(v) for k, v in period.totals.items()}, "days": days})
    data = data.replace("</", "<\\/")
    parts += [f"<script type='application/json' id='floorwatch-numbers'>{data}</script>"]
    parts += ["</body></html>"]
    return "\n".join(parts), period
