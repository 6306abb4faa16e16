"""Writing an interval report: a rich table, CSV, JSON or a spreadsheet."""

from __future__ import annotations

import math
import sys

import pandas as pd
from rich.console import Console
from rich.table import Table

from floorwatch.config import Config
from floorwatch.format import percent, seconds

PERCENT_COLUMNS = {"service_level", "abandon_rate", "occupancy"}


def _cell(column: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if column in PERCENT_COLUMNS:
        return percent(value, 1)
    if column.endswith("_s"):
        return seconds(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_report(frame: pd.DataFrame, format: str, out: str | None, by: str,
                 config: Config) -> None:  # fmt: skip
    if format == "csv":
        frame.to_csv(out if out else sys.stdout, index=False)
    elif format == "json":
        text = frame.to_json(orient="records", indent=2)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            sys.stdout.write(text + "\n")
    elif format == "xlsx":
        frame.to_excel(out, index=False)
    else:
        table = Table(title=f"interval report by {by}", title_justify="left")
        for column in frame.columns:
            table.add_column(column.removesuffix("_s"), justify="left" if column in (
                "queue", "agent", "interval") else "right")  # fmt: skip
        key = "queue" if by == "queue" else "agent"
        for record in frame.to_dict(orient="records"):
            name = record[key]
            record[key] = (config.queue_name(name) if by == "queue" else config.agent_name(name)
                           ) if name != "ALL" else "ALL"  # fmt: skip
            style = "bold" if record["interval"] == "total" else None
            table.add_row(*[_cell(c, record[c]) for c in frame.columns], style=style)
        Console(width=max(100, 14 * len(frame.columns))).print(table)
