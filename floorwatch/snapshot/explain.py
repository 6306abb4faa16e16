"""Why a number is what it is (`e` on the queue board or the header): its definition in words,
its numerator and denominator, its window, and the calls it counted.

The calls are summed with `metrics.contribution`, the very definition every window of the
floor model is built from, so the figure recomputed here is the figure on the board; the
explanation carries both, and a test holds them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from floorwatch.config import Config
from floorwatch.snapshot.floor_snapshot import WINDOWS, FloorSnapshot
from floorwatch.snapshot.metrics import (
    VECTOR_SIZE,
    WindowStats,
    answered_within,
    contribution,
    short_abandon,
)
from floorwatch.store.rows import CallRow

#: What can be explained, in the order `left`/`right` go through them.
METRICS = ("service_level", "abandon_rate", "asa", "aht", "need_have")
LABELS = {
    "service_level": "service level",
    "abandon_rate": "abandon rate",
    "asa": "ASA (average speed of answer)",
    "aht": "AHT (average handle time)",
    "need_have": "need/have (agents needed / staffed)",
}
#: The queue board's columns and the number (and window) each shows.
COLUMN_METRICS = {
    "sl_today": ("service_level", "today"),
    "sl_30m": ("service_level", "30m"),
    "asa": ("asa", "today"),
    "abandon": ("abandon_rate", "today"),
    "staffing": ("need_have", "30m"),
}

IN_BOTH = "numerator and denominator"
IN_DENOMINATOR = "denominator only"


@dataclass(frozen=True)
class CountedCall:
    """A call of the window and what it counted as for this number."""

    call: CallRow
    role: str


@dataclass
class Explanation:
    metric: str
    label: str
    scope: str
    window: str
    start: float
    end: float
    definition: str
    numerator_label: str
    numerator: float
    denominator_label: str
    denominator: float
    #: The number from the counted calls, and the number the board shows.
    value: float | None
    shown: float | None
    calls: list[CountedCall] = field(default_factory=list)
    #: Lines that say more (the Erlang C inputs of need/have).
    notes: list[str] = field(default_factory=list)

    def counted(self, role: str) -> int:
        return sum(1 for call in self.calls if call.role == role)


def window_bounds(window: str, snapshot: FloorSnapshot, seconds: float | None = None) -> tuple:
    """The window's start and end (the snapshot's instant); `today` starts at local midnight."""
    span = WINDOWS[window] if seconds is None else seconds
    start = snapshot.day_start if span is None else snapshot.at - span
    return start, snapshot.at


def _sum(calls: Sequence[CallRow], config: Config) -> tuple[list[float], float | None]:
    vector = [0.0] * VECTOR_SIZE
    longest: float | None = None
    for call in calls:
        added = contribution(call, config.queue_service_level(call.queue))
        if added is None:
            continue
        vector = [a + b for a, b in zip(vector, added, strict=True)]
        wait = call.wait_s or 0.0
        longest = wait if longest is None else max(longest, wait)
    return vector, longest


def explain(
    metric: str,
    window: str,
    queue: str | None,
    snapshot: FloorSnapshot,
    calls: Sequence[CallRow],
    config: Config,
) -> Explanation:
    """Explain `metric` over `window` for `queue` (None: the whole floor, as the header) from
    the calls whose wait ended in the window (Lookback.calls_counted)."""
    seconds = config.staffing.arrival_window_min * 60 if metric == "need_have" else None
    start, end = window_bounds(window, snapshot, seconds)
    mine = [
        call
        for call in calls
        if (queue is None or call.queue == queue)
        and call.outcome is not None
        and call.wait_end_at is not None
        and start <= call.wait_end_at <= end
    ]
    level = config.queue_service_level(queue) if queue else config.service_level
    vector, longest = _sum(mine, config)
    stats = WindowStats.from_vector(vector, longest, level.formula)
    if queue is None:
        scope, shown_stats = "the whole floor", snapshot.totals.windows.get(window)
    else:
        figures = snapshot.queues.get(queue)
        scope = config.queue_name(queue)
        shown_stats = figures.windows.get(window) if figures else None
    build = {
        "service_level": _service_level,
        "abandon_rate": _abandon_rate,
        "asa": _asa,
        "aht": _aht,
        "need_have": _need_have,
    }[metric]
    explanation = build(stats, shown_stats, mine, config, level, snapshot, queue)
    explanation.metric, explanation.label, explanation.scope = metric, LABELS[metric], scope
    explanation.window = f"last {seconds / 60:g} min" if seconds else window
    explanation.start, explanation.end = start, end
    return explanation


def _blank(**values) -> Explanation:
    return Explanation(metric="", label="", scope="", window="", start=0.0, end=0.0, **values)


def _left(call: CallRow) -> bool:
    return call.outcome in ("timeout", "key", "empty", "withdraw")


def _service_level(stats, shown, calls, config, level, snapshot, queue) -> Explanation:
    formula = level.formula
    counted = []
    for call in calls:
        wait = call.wait_s or 0.0
        call_level = config.queue_service_level(call.queue)
        within = call.outcome == "answered" and answered_within(wait, call_level)
        short = call.outcome == "abandoned" and short_abandon(wait, call_level)
        if within:
            role = IN_BOTH
        elif formula == "answered":
            role = IN_DENOMINATOR if call.outcome == "answered" else "not counted (not answered)"
        elif formula == "offered":
            role = IN_DENOMINATOR
        elif short:
            role = f"not counted (short abandon, under {call_level.short_abandon_s:g} s)"
        else:
            role = IN_DENOMINATOR
        counted.append(CountedCall(call, role))
    denominators = {
        "answered": ("answered", stats.answered),
        "offered": ("offered (every call whose wait ended)", stats.offered),
    }
    label, denominator = denominators.get(
        formula,
        (
            "answered + abandoned + left (short abandons in neither)",
            stats.answered + stats.abandoned + stats.left,
        ),
    )
    return _blank(
        definition=(
            f"the share of calls answered within the threshold ({level.threshold_s:g} s for "
            f"this queue; each call by its own queue's), formula `{formula}`; target "
            f"{level.target:.0%}"
        ),
        numerator_label=f"answered within {level.threshold_s:g} s",
        numerator=stats.answered_within,
        denominator_label=label,
        denominator=denominator,
        value=stats.service_level,
        shown=None if shown is None else shown.service_level,
        calls=counted,
    )


def _abandon_rate(stats, shown, calls, config, level, snapshot, queue) -> Explanation:
    counted = []
    for call in calls:
        short = call.outcome == "abandoned" and short_abandon(
            call.wait_s or 0.0, config.queue_service_level(call.queue)
        )
        if call.outcome == "abandoned" and not short:
            role = IN_BOTH
        elif short:
            role = "not counted (short abandon)"
        elif call.outcome == "answered" or _left(call):
            role = IN_DENOMINATOR
        else:
            role = "not counted"
        counted.append(CountedCall(call, role))
    return _blank(
        definition=(
            "callers who hung up while waiting (after the short-abandon limit), out of the "
            "calls answered, abandoned or that left the queue otherwise (timeout, key, empty)"
        ),
        numerator_label="abandoned (not short)",
        numerator=stats.abandoned,
        denominator_label="answered + abandoned + left",
        denominator=stats.answered + stats.abandoned + stats.left,
        value=stats.abandon_rate,
        shown=None if shown is None else shown.abandon_rate,
        calls=counted,
    )


def _asa(stats, shown, calls, config, level, snapshot, queue) -> Explanation:
    counted = [
        CountedCall(call, IN_BOTH if call.outcome == "answered" else "not counted (not answered)")
        for call in calls
    ]
    return _blank(
        definition="the mean wait of the answered calls, from entering the queue to being answered",
        numerator_label="seconds waited by the answered calls",
        numerator=stats.wait_answered_s,
        denominator_label="answered calls",
        denominator=stats.answered,
        value=stats.asa_s,
        shown=None if shown is None else shown.asa_s,
        calls=counted,
    )


def _aht(stats, shown, calls, config, level, snapshot, queue) -> Explanation:
    counted = []
    for call in calls:
        if call.outcome != "answered":
            role = "not counted (not answered)"
        elif call.talk_s is None:
            role = "not counted (still talking)"
        else:
            role = IN_BOTH
        counted.append(CountedCall(call, role))
    return _blank(
        definition="the mean talk plus wrap-up of the answered calls that have ended",
        numerator_label="seconds of talk + wrap-up",
        numerator=stats.talk_s + stats.wrapup_s,
        denominator_label="answered calls that ended",
        denominator=stats.handled,
        value=stats.aht_s,
        shown=None if shown is None else shown.aht_s,
        calls=counted,
    )


def _need_have(stats, shown, calls, config, level, snapshot, queue) -> Explanation:
    figures = snapshot.queues.get(queue) if queue else None
    staffing = (figures.staffing if figures else None) or {}
    minutes = config.staffing.arrival_window_min
    notes = []
    if staffing:
        notes = [
            f"{staffing['calls_per_hour']:.1f} calls an hour at an AHT of "
            f"{staffing['aht_s'] or 0:.0f} s = {staffing['traffic_erlangs']:.2f} Erlangs",
            f"Erlang C: {staffing['agents_needed']} agents answer {level.target:.0%} within "
            f"{level.threshold_s:g} s; {staffing['agents_staffed']} staffed, gap "
            f"{staffing['gap']:+d}",
        ]
    elif queue is None:
        notes = ["need/have is per queue: press e on a queue's row"]
    else:
        notes = ["staffing is off ([staffing] enabled = false) or there were no calls"]
    return _blank(
        definition=(
            f"agents the last {minutes:g} minutes' calls need (Erlang C at the queue's target) "
            "against agents staffed now"
        ),
        numerator_label=f"calls offered in the last {minutes:g} min",
        numerator=stats.offered,
        denominator_label="agents staffed now",
        denominator=staffing.get("agents_staffed", 0),
        value=staffing.get("agents_needed"),
        shown=staffing.get("agents_needed"),
        calls=[CountedCall(call, "offered") for call in calls],
        notes=notes,
    )
