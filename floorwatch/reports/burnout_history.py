"""Burnout flag history per agent (for `floorwatch burnout`): how often, how bad, how long.

Agent names and flag summaries (which quote pause reasons) are shown as text
(`reports.rich_text`), never as markup or raw control characters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Group
from rich.table import Table

from floorwatch.config import Config
from floorwatch.format import seconds
from floorwatch.reports.rich_text import rich_text
from floorwatch.snapshot.burnout import RANK, SEVERITIES, Flag, rule_title


def flag_history(flags: list[Flag], now: float) -> dict[str, dict[str, Any]]:
    """Per agent: flags raised, by severity and by rule, worst severity, time flagged."""
    history: dict[str, dict[str, Any]] = {}
    for flag in flags:
        entry = history.setdefault(
            flag.agent,
            {
                "flags": 0,
                "by_severity": {s: 0 for s in SEVERITIES},
                "by_rule": {},
                "worst": None,
                "flagged_s": 0.0,
                "open": 0,
            },
        )
        entry["flags"] += 1
        entry["by_severity"][flag.severity] += 1
        entry["by_rule"][flag.rule] = entry["by_rule"].get(flag.rule, 0) + 1
        if entry["worst"] is None or RANK[flag.severity] > RANK[entry["worst"]]:
            entry["worst"] = flag.severity
        # An open flag counts up to when its rule last found it true (not to an idle now).
        entry["flagged_s"] += (flag.cleared_at or flag.last_true_at or now) - flag.raised_at
        entry["open"] += flag.cleared_at is None
    return dict(
        sorted(
            history.items(), key=lambda item: (-RANK[item[1]["worst"]], -item[1]["flags"], item[0])
        )
    )


def history_table(history: dict[str, dict[str, Any]], flags: list[Flag], config: Config) -> Group:
    table = Table(title="burnout flags", title_justify="left")
    for column in (
        "agent",
        "flags",
        "worst",
        "critical",
        "warning",
        "watch",
        "flagged",
        "open",
        "rules",
    ):
        table.add_column(
            column, justify="left" if column in ("agent", "worst", "rules") else "right"
        )
    for agent, entry in history.items():
        by = entry["by_severity"]
        rules = ", ".join(f"{rule_title(r)} {n}" for r, n in sorted(entry["by_rule"].items()))
        _add_row(
            table,
            config.agent_name(agent),
            str(entry["flags"]),
            entry["worst"],
            str(by["critical"]),
            str(by["warning"]),
            str(by["watch"]),
            seconds(entry["flagged_s"]),
            str(entry["open"]),
            rules,
        )
    parts: list = [table]
    if flags:
        listing = Table(title="flags", title_justify="left")
        for column in ("raised", "cleared", "rule", "severity", "why"):
            listing.add_column(column)
        for flag in flags:
            _add_row(
                listing,
                f"{datetime.fromtimestamp(flag.raised_at, config.tzinfo()):%a %H:%M}",
                f"{datetime.fromtimestamp(flag.cleared_at, config.tzinfo()):%a %H:%M}"
                if flag.cleared_at
                else "open",
                rule_title(flag.rule),
                flag.severity,
                flag.summary,
            )
        parts.append(listing)
    return Group(*parts)


def _add_row(table: Table, *cells: object) -> None:
    table.add_row(*[rich_text(cell) for cell in cells])
