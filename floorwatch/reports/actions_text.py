"""`floorwatch actions`: the audit of supervisor actions as a table (every text from a request
or the PBX shown printable, never as markup)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.table import Table

from floorwatch.reports.rich_text import rich_text
from floorwatch.store.rows import ActionRow


def _what(row: ActionRow) -> str:
    if row.alarm_id is not None:
        note = f" note {row.reason}" if row.reason else ""
        return f"{row.action} alarm {row.alarm_id}{note}"
    parts = [row.action, row.agent or ""]
    if row.queue:
        parts.append(f"queue {row.queue}")
    if row.reason:
        parts.append(f"reason {row.reason}")
    if row.penalty is not None:
        parts.append(f"penalty {row.penalty}")
    if row.extension:
        parts.append(f"from {row.extension}")
    return " ".join(part for part in parts if part)


def actions_table(rows: list[ActionRow], zone: tzinfo | None) -> Table:
    """One line per request: when, who (the OS user of the socket's peer), what, the outcome
    and the PBX's answer or why floorwatch refused it."""
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for name in ("when", "who", "what", "outcome", "answer"):
        table.add_column(name, overflow="fold")
    for row in rows:
        when = datetime.fromtimestamp(row.at, zone).astimezone(zone)
        style = {"done": "", "failed": "red", "refused": "yellow"}.get(row.outcome, "")
        table.add_row(
            f"{when:%Y-%m-%d %H:%M:%S}",
            rich_text(row.user),
            rich_text(_what(row)),
            rich_text(row.outcome, style),
            rich_text(row.answer or ""),
        )
    return table
