"""The snapshot as compact text tables (for `floorwatch snapshot` and headless runs).

Every cell is a Rich Text made by `reports.rich_text`: names from the feed are shown as
text (no escape sequence, no markup read), whatever they hold.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from floorwatch.format import percent as _percent
from floorwatch.format import seconds
from floorwatch.reports.rich_text import rich_text
from floorwatch.snapshot.floor_snapshot import FloorSnapshot


def percent(value: float | None) -> str:
    return _percent(value, 1)


def render(snapshot: FloorSnapshot, tz=None) -> Group:
    """Header, queue table, agent table and feed health as one rich renderable."""
    when = datetime.fromtimestamp(snapshot.at, tz).astimezone(tz)
    totals = snapshot.totals
    today = totals.windows["today"]
    header = Text.assemble(
        (f"floor at {when:%Y-%m-%d %H:%M:%S %Z}", "bold"),
        f"  waiting {totals.calls_waiting}  longest {seconds(totals.longest_wait_s)}"
        f"  SL today {percent(today.service_level)}  offered {today.offered}"
        f"  answered {today.answered}  abandoned {today.abandoned}"
        f"  agents {totals.agents_logged_in} (available {totals.agents_available},"
        f" on call {totals.agents_on_call}, paused {totals.agents_paused})",
    )
    queues = Table(title="queues", title_justify="left", expand=False)
    for column in (
        "queue",
        "waiting",
        "longest",
        "SL today",
        "SL 30m",
        "target",
        "ASA",
        "AHT",
        "aband.",
        "offered",
        "answ.",
        "aband",
        "left",
        "avail",
        "on call",
        "paused",
    ):
        queues.add_column(column, justify="left" if column == "queue" else "right")
    for queue in snapshot.queues.values():
        day, half = queue.windows["today"], queue.windows["30m"]
        _add_row(
            queues,
            queue.display_name,
            str(queue.calls_waiting),
            seconds(queue.longest_wait_s),
            percent(day.service_level),
            percent(half.service_level),
            f"{queue.target:.0%}/{queue.threshold_s:g}s",
            seconds(day.asa_s),
            seconds(day.aht_s),
            percent(day.abandon_rate),
            str(day.offered),
            str(day.answered),
            str(day.abandoned),
            str(day.left),
            str(queue.agents_available),
            str(queue.agents_on_call),
            str(queue.agents_paused),
        )
    agents = Table(title="agents", title_justify="left")
    for column in (
        "agent",
        "state",
        "for",
        "reason",
        "queue",
        "calls",
        "AHT",
        "RNA",
        "occ 60m",
        "logged in",
    ):
        agents.add_column(
            column, justify="left" if column in ("agent", "state", "reason", "queue") else "right"
        )
    for agent in snapshot.agents.values():
        _add_row(
            agents,
            agent.display_name,
            agent.state.replace("_", " "),
            seconds(agent.time_in_state_s(snapshot.at)),
            agent.reason or "",
            agent.queue or "",
            str(agent.calls_today),
            seconds(agent.aht_today_s),
            str(agent.ring_no_answers_today),
            percent(agent.occupancy_60m),
            seconds(agent.login_today_s(snapshot.at)),
        )
    feeds = Table(title="feeds", title_justify="left")
    for column in ("feed", "status", "events", "rejects", "last event", "lag"):
        feeds.add_column(column)
    for feed in snapshot.feeds:
        _add_row(
            feeds,
            feed.name,
            feed.status or "",
            str(feed.events),
            str(feed.rejects),
            seconds(feed.last_event_age_s),
            seconds(feed.lag_s),
        )
    return Group(header, queues, agents, feeds)


def _add_row(table: Table, *cells: object) -> None:
    table.add_row(*[rich_text(cell) for cell in cells])


def print_snapshot(snapshot: FloorSnapshot, tz=None, width: int = 160) -> None:
    Console(width=width, soft_wrap=False, markup=False, emoji=False).print(render(snapshot, tz))
