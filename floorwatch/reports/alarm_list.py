"""The alarm list as text (for `floorwatch alarms`): newest first, what, where, how long.

Queue, agent and feed names come from the feed, so every cell is shown as text
(`reports.rich_text`), never as markup or raw control characters.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.table import Table

from floorwatch.format import seconds
from floorwatch.reports.rich_text import rich_text
from floorwatch.snapshot.alarms import Alarm

SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def where(alarm: Alarm) -> str:
    """The queue, agent or feed the alarm is about."""
    parts = [p for p in (alarm.queue, alarm.agent, alarm.source) if p]
    return " / ".join(parts) or "floor"


def alarm_table(alarms: list[Alarm], until: float, zone: tzinfo | None) -> Table:
    table = Table(title=f"alarms ({sum(a.is_open for a in alarms)} open)", title_justify="left")
    for column in ("raised", "cleared", "for", "severity", "rule", "where", "what", "taken"):
        table.add_column(column, justify="right" if column == "for" else "left")
    for alarm in alarms:
        end = alarm.cleared_ts if alarm.cleared_ts is not None else until
        table.add_row(
            rich_text(f"{datetime.fromtimestamp(alarm.raised_ts, zone):%a %H:%M:%S}"),
            rich_text(
                f"{datetime.fromtimestamp(alarm.cleared_ts, zone):%H:%M:%S}"
                if alarm.cleared_ts is not None
                else "open",
                "bold" if alarm.cleared_ts is None else "",
            ),
            rich_text(seconds(max(0.0, end - alarm.raised_ts))),
            rich_text(alarm.severity, SEVERITY_STYLE.get(alarm.severity, "")),
            rich_text(alarm.rule),
            rich_text(where(alarm)),
            rich_text(alarm.summary),
            rich_text(alarm.acknowledgement().removeprefix("ack ")),
        )
    return table
