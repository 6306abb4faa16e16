"""The management report's paragraph: the period in words, made only from its numbers (the
floor's totals, its best and worst interval, and the biggest change against the period before)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from floorwatch.config import Config
from floorwatch.format import percent, seconds

if TYPE_CHECKING:
    from floorwatch.reports.management import Period

#: An interval needs this many calls offered to be the period's best or worst.
MIN_OFFERED = 10
#: The figures compared with the period before, how each reads, and whether up is good.
COMPARED = {
    "service_level": ("service level", percent, True),
    "asa_s": ("ASA", seconds, False),
    "aht_s": ("AHT", seconds, False),
    "fcr": ("first-call resolution", percent, True),
    "csat": ("satisfaction", percent, True),
    "offered_per_day": ("calls offered per day", lambda v: f"{v:.0f}", None),
}


def period_summary(period: Period, previous: Period, config: Config) -> str:
    totals = period.totals
    if not totals:
        return f"No calls from {period.first} to {period.last}."
    words = [
        f"From {period.first:%d %b} to {period.last:%d %b} the floor was offered "
        f"{totals['offered']} calls and answered {totals['answered']}, "
        f"{percent(totals['service_level'])} within the target time "
        f"(target {percent(config.service_level.target)}), with an ASA of "
        f"{seconds(totals['asa_s'])} and an AHT of {seconds(totals['aht_s'])}."
    ]
    if totals.get("fcr") is not None:
        words.append(f"First-call resolution was {percent(totals['fcr'])}.")
    if totals.get("csat") is not None:
        words.append(
            f"Satisfaction was {percent(totals['csat'])} top scores of {totals['rated']} "
            f"surveys (mean {totals['mean_score']:.2f})."
        )
    frame = period.queues
    intervals = frame[
        (frame["interval"] != "total")
        & (frame["offered"] >= MIN_OFFERED)
        & frame["service_level"].notna()
    ]
    if not intervals.empty:
        best = intervals.loc[intervals["service_level"].idxmax()]
        worst = intervals.loc[intervals["service_level"].idxmin()]
        words.append(
            f"The best interval was {config.queue_name(best['queue'])} on {best['day']} at "
            f"{best['interval']} ({percent(best['service_level'])}); the worst "
            f"{config.queue_name(worst['queue'])} on {worst['day']} at {worst['interval']} "
            f"({percent(worst['service_level'])}, {int(worst['offered'])} calls offered)."
        )
    change = biggest_change(period.totals, previous.totals)
    if change is not None:
        words.append(change)
    return " ".join(words)


def biggest_change(now: dict, before: dict) -> str | None:
    """The figure that moved most (relatively) against the period before, said plainly."""
    moves = []
    for key, (name, show, up_good) in COMPARED.items():
        a, b = now.get(key), before.get(key)
        if a is None or b is None or not b:
            continue
        moves.append((abs(a - b) / abs(b), key, name, show, up_good, a, b))
    if not moves:
        return None
    move, key, name, show, up_good, a, b = max(moves)
    if move < 0.02:
        return "No figure moved by more than 2% against the period before."
    direction = "rose" if a > b else "fell"
    verdict = "" if up_good is None else (" (better)" if (a > b) == up_good else " (worse)")
    return (
        f"The biggest change against the period before was {name}, which {direction} from "
        f"{show(b)} to {show(a)}{verdict}."
    )
