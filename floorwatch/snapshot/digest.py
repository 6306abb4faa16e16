"""What changed while nobody looked: the floor when the last key was pressed against the floor
now, in a few lines ("since 10:42: Sales SL 30m 91 -> 78 %, 3 burnout flags raised, Ana
flagged (no break), Ben paused 25 min (Break)"). Pure: two snapshots in, lines out."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from floorwatch.config import Config
from floorwatch.snapshot.burnout import rule_title
from floorwatch.snapshot.floor_snapshot import FloorSnapshot

#: A service level that moved less than this (a share) is not news.
SL_MOVE = 0.01
#: A pause started while away and at least this long is listed.
PAUSE_S = 5 * 60


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}"


def digest(
    before: FloorSnapshot, after: FloorSnapshot, config: Config, zone: ZoneInfo | None
) -> list[str]:
    """The changes from `before` to `after`, most telling first; the first line says since
    when. Only the first line when nothing changed."""
    since = f"{datetime.fromtimestamp(before.at, zone).astimezone(zone):%H:%M}"
    lines = [f"since {since} ({(after.at - before.at) / 60:.0f} min ago):"]
    for name, queue in after.queues.items():
        old = before.queues.get(name)
        for window in ("30m", "today"):
            new_level = queue.windows[window].service_level
            old_level = old.windows[window].service_level if old else None
            if new_level is None and old_level is None:
                continue
            if new_level is None or old_level is None or abs(new_level - old_level) >= SL_MOVE:
                lines.append(
                    f"{queue.display_name} SL {window} {_percent(old_level)} -> "
                    f"{_percent(new_level)} %"
                )
            break
    waiting = (before.totals.calls_waiting, after.totals.calls_waiting)
    if waiting[0] != waiting[1]:
        lines.append(f"calls waiting {waiting[0]} -> {waiting[1]}")
    raised = [
        (agent, flag)
        for agent in after.agents.values()
        for flag in agent.flags
        if before.at < flag.raised_at <= after.at
    ]
    if raised:
        lines.append(f"{len(raised)} burnout flag{'s' if len(raised) != 1 else ''} raised")
        for agent, flag in sorted(raised, key=lambda pair: pair[1].raised_at):
            rule = rule_title(flag.rule).lower()
            lines.append(f"{agent.display_name} flagged ({rule}, {flag.severity})")
    for agent in sorted(after.agents.values(), key=lambda a: a.since or 0):
        if agent.state != "paused" or agent.since is None or agent.since <= before.at:
            continue
        paused = agent.time_in_state_s(after.at) or 0.0
        if paused >= PAUSE_S:
            reason = f" ({agent.reason})" if agent.reason else ""
            lines.append(f"{agent.display_name} paused {paused / 60:.0f} min{reason}")
    logged = (before.totals.agents_logged_in, after.totals.agents_logged_in)
    if logged[0] != logged[1]:
        lines.append(f"agents logged in {logged[0]} -> {logged[1]}")
    return lines
