"""Writing an interval report: a rich table, CSV, JSON or a spreadsheet.

Queue and agent names (and pause reasons, which become column names) come from the feed: the
table shows them as text (`reports.rich_text`), CSV and spreadsheets get them printable and
never as a formula (`safe_text.spreadsheet_cell`); CSV and spreadsheets get rounded numbers under
readable headers (`readable`), and JSON keeps every name and number exactly as it came.
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

PERCENT_COLUMNS = {"service_level", "abandon_rate", "occupancy", "fcr", "csat"}
#: What a person reads at the top of a column (CSV, spreadsheet, table); JSON keeps the names.
LABELS = {
    "queue": "Queue",
    "agent": "Agent",
    "interval": "Interval",
    "offered": "Offered",
    "answered": "Answered",
    "answered_within": "Answered in SL",
    "abandoned": "Abandoned",
    "short_abandoned": "Short abandons",
    "left": "Left queue",
    "service_level": "Service level",
    "asa_s": "ASA",
    "aht_s": "AHT",
    "max_wait_s": "Max wait",
    "abandon_rate": "Abandon rate",
    "agents_required": "Agents required",
    "login_s": "Login",
    "talk_s": "Talk",
    "wrapup_s": "Wrap-up",
    "idle_s": "Idle",
    "pause_s": "Paused",
    "occupancy": "Occupancy",
    "calls": "Calls",
    "ring_no_answers": "Ring-no-answers",
    "fcr_calls": "FCR calls",
    "fcr": "FCR",
    "rated": "Rated",
    "csat": "CSAT",
    "mean_score": "Mean score",
}


def label(column: str, unit: bool = True) -> str:
    """`asa_s` -> "ASA (s)", `service_level` -> "Service level (%)", a pause reason's column
    `pause_Lunch_s` -> "Pause: Lunch (s)"; `unit=False` leaves the unit off (a table shows it
    in every cell)."""
    if column.startswith("pause_") and column.endswith("_s") and column != "pause_s":
        name = f"Pause: {column[6:-2]}"
    else:
        name = LABELS.get(column, column.replace("_", " ").capitalize())
    if not unit:
        return name
    if column in PERCENT_COLUMNS:
        return f"{name} (%)"
    if column.endswith("_s"):
        return f"{name} (s)"
    return name


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The report as a person opens it: shares as percentages to one decimal, seconds to one
    decimal, other fractions to two, whole counts as integers, and labelled columns."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            continue
        if column in PERCENT_COLUMNS:
            out[column] = (out[column] * 100).round(1)
        elif column.endswith("_s"):
            out[column] = out[column].round(1)
        else:
            values = out[column].dropna()
            if len(values) and (values == values.round()).all() and out[column].notna().all():
                out[column] = out[column].astype("int64")
            else:
                out[column] = out[column].round(2)
    out.columns = [label(column) for column in frame.columns]
    return out


def _cell(column: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if column in PERCENT_COLUMNS:
        return percent(value, 1)
    if column.endswith("_s"):
        return seconds(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.2f}"
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
        for_spreadsheet(readable(frame)).to_csv(out if out else sys.stdout, index=False)
    elif format == "json":
        text = frame.to_json(orient="records", indent=2)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            sys.stdout.write(text + "\n")
    elif format == "xlsx":
        for_spreadsheet(readable(frame)).to_excel(out, index=False)
    else:
        table = Table(title=f"interval report by {by}", title_justify="left")
        for column in frame.columns:
            table.add_column(
                rich_text(label(column, unit=False)),
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
