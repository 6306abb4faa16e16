"""The shift handover (`H` in the dashboard, `floorwatch handover`): a short Markdown digest of a
shift, ready to paste into a message to the next shift or to management.

Service level per queue against its target (over the shift, and today as `floorwatch snapshot`
prints it at the shift's end), the worst half hours, the burnout flags raised, the long pauses
and the staffing gaps at the end. Every figure of the shift is summed with
`metrics.contribution`, like every other number of floorwatch.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from floorwatch.config import Config
from floorwatch.format import percent, seconds
from floorwatch.safe_text import printable
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.lookback import ShiftRecord
from floorwatch.snapshot.metrics import VECTOR_SIZE, WindowStats, contribution
from floorwatch.store.rows import CallRow

#: Half hours, as the interval reports count them.
INTERVAL_S = 1800
#: A pause (not wrap-up) at least this long is listed (longer than the usual 15-minute break).
LONG_PAUSE_S = 20 * 60
#: The worst intervals listed, and the fewest calls an interval needs to be one of them (a
#: half hour of one unlucky call says nothing).
WORST = 5
MIN_CALLS = 5


@dataclass(frozen=True)
class Interval:
    queue: str
    start: float
    stats: WindowStats


def _cell(text: str) -> str:
    """Text from a feed, safe in a Markdown table cell (no markup, no control characters)."""
    return printable(text).replace("|", "\\|").replace("`", "'")


def shift_stats(calls: list[CallRow], config: Config, queue: str | None) -> WindowStats:
    vector = [0.0] * VECTOR_SIZE
    longest = None
    for call in calls:
        if queue is not None and call.queue != queue:
            continue
        added = contribution(call, config.queue_service_level(call.queue))
        if added is None:
            continue
        vector = [a + b for a, b in zip(vector, added, strict=True)]
        longest = max(longest or 0.0, call.wait_s or 0.0)
    formula = (config.queue_service_level(queue) if queue else config.service_level).formula
    return WindowStats.from_vector(vector, longest, formula)


def worst_intervals(record: ShiftRecord, config: Config, day_start: float) -> list[Interval]:
    """The half hours (on the local clock, from `day_start`) of at least MIN_CALLS calls in
    which a queue missed its target by the most calls."""
    by_slot: dict[tuple[str, float], list[CallRow]] = defaultdict(list)
    for call in record.calls:
        if call.wait_end_at is not None:
            slot = day_start + (call.wait_end_at - day_start) // INTERVAL_S * INTERVAL_S
            by_slot[(call.queue, slot)].append(call)
    under = []
    for (queue, slot), calls in by_slot.items():
        stats = shift_stats(calls, config, queue)
        level = stats.service_level
        if (
            level is not None
            and stats.offered >= MIN_CALLS
            and level < config.queue_service_level(queue).target
        ):
            under.append(Interval(queue, slot, stats))
    under.sort(key=lambda i: (-shortfall(i, config), i.stats.service_level or 0.0, i.start))
    return under[:WORST]


def shortfall(interval: Interval, config: Config) -> float:
    """Calls the interval missed its target by: answered within the threshold had it met the
    target, less those that were (a busy half hour at 55 % before a quiet one at 0 %)."""
    stats = interval.stats
    level = stats.service_level or 0.0
    counted = stats.answered_within / level if level else stats.offered
    return config.queue_service_level(interval.queue).target * counted - stats.answered_within


def handover_markdown(
    floor: FloorSnapshot, record: ShiftRecord, config: Config, source: str = ""
) -> str:
    """The handover of the shift `record` covers, the floor at its end being `floor`."""
    zone = config.tzinfo()

    def when(ts: float, pattern: str = "%H:%M") -> str:
        return f"{datetime.fromtimestamp(ts, zone).astimezone(zone):{pattern}}"

    lines = [
        f"# Shift handover {when(record.start, '%Y-%m-%d %H:%M')} to {when(record.end)}"
        f" ({floor.timezone})",
        "",
        f"Written by floorwatch at {when(record.end, '%H:%M:%S')}"
        + (f" from {_cell(source)}" if source else "")
        + '. "today" is the day so far, as `floorwatch snapshot` gives it at that time.',
        "",
        "## Service level per queue",
        "",
        "| queue | calls | answered | abandoned | SL shift | SL today | target | ASA today "
        "| abandon rate today |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, queue in floor.queues.items():
        shift = shift_stats(record.calls, config, name)
        today = queue.windows["today"]
        below = today.service_level is not None and today.service_level < queue.target
        lines.append(
            f"| {_cell(queue.display_name)} | {shift.offered} | {shift.answered} | "
            f"{shift.abandoned} | {percent(shift.service_level)} | "
            f"{'**' if below else ''}{percent(today.service_level)}{'**' if below else ''} | "
            f"{queue.target:.0%} in {queue.threshold_s:g} s | {seconds(today.asa_s)} | "
            f"{percent(today.abandon_rate)} |"
        )
    shift = shift_stats(record.calls, config, None)
    today = floor.totals.windows["today"]
    lines += [
        f"| **whole floor** | {shift.offered} | {shift.answered} | {shift.abandoned} | "
        f"{percent(shift.service_level)} | {percent(today.service_level)} | "
        f"{config.service_level.target:.0%} | {seconds(today.asa_s)} | "
        f"{percent(today.abandon_rate)} |",
        "",
        "## Worst half hours",
        "",
    ]
    worst = worst_intervals(record, config, floor.day_start)
    if worst:
        lines += [
            "| queue | interval | calls | SL | target |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for interval in worst:
            lines.append(
                f"| {_cell(config.queue_name(interval.queue))} | {when(interval.start)}-"
                f"{when(min(interval.start + INTERVAL_S, record.end))} | {interval.stats.offered} | "
                f"{percent(interval.stats.service_level)} | "
                f"{config.queue_service_level(interval.queue).target:.0%} |"
            )
    else:
        lines.append(f"Every half hour of {MIN_CALLS} calls or more met its queue's target.")
    lines += ["", "## Alarms: burnout flags raised", ""]
    if record.flags:
        for flag in sorted(record.flags, key=lambda f: f.raised_at):
            cleared = (
                f", cleared {when(flag.cleared_at)}"
                if flag.cleared_at is not None and flag.cleared_at <= record.end
                else ""
            )
            lines.append(
                f"- {when(flag.raised_at)} **{_cell(config.agent_name(flag.agent))}**: "
                f"{flag.severity} {_cell(flag.rule)} - {_cell(flag.summary)}{cleared}"
            )
    else:
        lines.append("None raised.")
    lines += ["", f"## Long pauses (over {LONG_PAUSE_S // 60} min, wrap-up not counted)", ""]
    wrapup = {reason.casefold() for reason in config.agents.wrapup_reasons}
    seen: set[tuple] = set()
    long_pauses = []
    for pause in record.pauses:
        key = (pause.agent, pause.start, pause.reason)
        length = (pause.end or record.end) - pause.start
        if key in seen or length < LONG_PAUSE_S or (pause.reason or "").casefold() in wrapup:
            continue
        seen.add(key)
        long_pauses.append((pause, length))
    if long_pauses:
        for pause, length in sorted(long_pauses, key=lambda item: item[0].start):
            end = when(pause.end) if pause.end is not None else "still paused"
            lines.append(
                f"- **{_cell(config.agent_name(pause.agent))}** {when(pause.start)}-{end}: "
                f"{seconds(length)} ({_cell(pause.reason or 'no reason')})"
            )
    else:
        lines.append("None.")
    lines += ["", "## Staffing at the end (agents needed by the last half hour's calls)", ""]
    gaps = [
        (queue, queue.staffing)
        for queue in floor.queues.values()
        if queue.staffing and queue.staffing.get("gap", 0) < 0
    ]
    if gaps:
        for queue, staffing in gaps:
            lines.append(
                f"- {_cell(queue.display_name)}: {staffing['agents_needed']} needed, "
                f"{staffing['agents_staffed']} staffed ({staffing['gap']:+d})"
            )
    elif any(queue.staffing for queue in floor.queues.values()):
        lines.append("No queue short of agents.")
    else:
        lines.append("Not computed (staffing is off, or no calls).")
    return "\n".join(lines) + "\n"


def handover_path(directory: str | Path, end: float, config: Config) -> Path:
    """`handover-2026-11-24-1535.md` in `directory`."""
    zone = config.tzinfo()
    stamp = f"{datetime.fromtimestamp(end, zone).astimezone(zone):%Y-%m-%d-%H%M}"
    return Path(directory) / f"handover-{stamp}.md"
