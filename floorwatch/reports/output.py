"""Writing an interval report: a rich table, CSV, JSON or a spreadsheet.

Queue and agent names (and pause reasons, which become column names) come from the feed: the
table shows them as text (`reports.rich_text`), CSV and spreadsheets get them printable and
never as a formula (`safe_text.spreadsheet_cell`); numbers are written as they are, and JSON
keeps every name exactly as it came.
"""

from __future__ import annotations

import math
import sys

import pandas as pd
from rich.console import Console
from rich.table import Table

from floorwatch.config import Config
from floorwatch.format import percent, seconds
from floorwatch.reports.rich_text import rich_text
from floorwatch.safe_text import printable, spreadsheet_cell

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


def for_spreadsheet(frame: pd.DataFrame) -> pd.DataFrame:
    """The report with its text cells and column names printable and never a formula."""
    safe = frame.copy()
    safe.columns = [printable(column) for column in frame.columns]
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = [
                spreadsheet_cell(value) if isinstance(value, str) else value
                for value in safe[column]
            ]
    return safe


def write_report(
    frame: pd.DataFrame, format: str, out: str | None, by: str, config: Config
) -> None:
    if format == "csv":
        for_spreadsheet(frame).to_csv(out if out else sys.stdout, index=False)
    elif format == "json":
        text = frame.to_json(orient="records", indent=2)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            sys.stdout.write(text + "\n")
    elif format == "xlsx":
        for_spreadsheet(frame).to_excel(out, index=False)
    else:
        table = Table(title=f"interval report by {by}", title_justify="left")
        for column in frame.columns:
            table.add_column(
                rich_text(column.removesuffix("_s")),
                justify="left" if column in ("queue", "agent", "interval") else "right",
            )
        key = "queue" if by == "queue" else "agent"
        for record in frame.to_dict(orient="records"):
            name = record[key]
            record[key] = (
                (config.queue_name(name) if by == "queue" else config.agent_name(name))
                if name != "ALL"
                else "ALL"
            )
            style = "bold" if record["interval"] == "total" else None
            table.add_row(*[rich_text(_cell(c, record[c])) for c in frame.columns], style=style)
        Console(width=max(100, 14 * len(frame.columns)), markup=False, emoji=False).print(table)
