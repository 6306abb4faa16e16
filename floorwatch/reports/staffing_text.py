"""Erlang C staffing as a table (for `floorwatch staffing`): the figures for a few agents
either side of the number needed."""

from __future__ import annotations

from rich.table import Table

from floorwatch.format import percent, seconds
from floorwatch.snapshot.erlang import Staffing


def staffing_table(options: list[Staffing], needed: int) -> Table:
    """One row per number of agents, the one needed marked ◀."""
    table = Table()
    for column in ("agents", "service level", "ASA", "P(wait)", "occupancy"):
        table.add_column(column, justify="right")
    for option in options:
        mark = " ◀" if option.agents == needed else ""
        table.add_row(
            f"{option.agents}{mark}",
            percent(option.service_level, 1),
            seconds(option.asa_s) if option.asa_s != float("inf") else "∞",
            percent(option.wait_probability, 1),
            percent(option.occupancy, 1),
        )
    return table
