"""The snapshot as compact text tables (for `floorwatch snapshot` and headless runs).

The tables fit the terminal's width: under WIDE columns only the columns a supervisor reads
first are printed (none of them cut), and the burnout flags are listed as the panel lists them
(agent, severity, rule, evidence), the evidence folded onto more lines when it is long.

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
from floorwatch.snapshot.burnout import rule_title
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.sites import site_figures

#: From this many columns on, every column is printed.
WIDE = 150
#: The columns kept below WIDE.
NARROW_QUEUE = (
    "queue",
    "waiting",
    "longest",
    "SL today",
    "ASA",
    "AHT",
    "offered",
    "answ.",
    "aband",
)
NARROW_AGENT = ("agent", "state", "for", "reason", "calls", "AHT", "RNA")


def percent(value: float | None) -> str:
    return _percent(value, 1)


def render(snapshot: FloorSnapshot, tz=None, width: int = WIDE) -> Group:
    """Header, queue table, agent table, burnout flags and feed health as one renderable,
    with the columns that fit in `width`."""
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
        manager_summary(snapshot),
    )
    narrow = width < WIDE
    queue_columns = (
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
        "FCR",
        "CSAT",
    )
    quality = snapshot.quality
    queue_rows = []
    for queue in snapshot.queues.values():
        day, half = queue.windows["today"], queue.windows["30m"]
        queue_rows.append(
            (
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
                percent(quality.queue(queue.name).fcr.rate) if quality else "-",
                percent(quality.queue(queue.name).csat.csat) if quality else "-",
            )
        )
    queues = _table("queues", queue_columns, queue_rows, NARROW_QUEUE, left=("queue",), width=width)
    agent_columns = (
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
        "FCR",
        "CSAT",
        "sched",
    )
    adherence = snapshot.adherence
    agent_rows = [
        (
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
            percent(quality.agent(agent.name).fcr.rate) if quality else "-",
            percent(quality.agent(agent.name).csat.csat) if quality else "-",
            adherence.agents[agent.name].state
            if adherence and agent.name in adherence.agents
            else "",
        )
        for agent in snapshot.agents.values()
    ]
    agents = _table(
        "agents",
        agent_columns,
        agent_rows,
        NARROW_AGENT,
        left=("agent", "state", "reason", "queue"),
        width=width,
    )
    flags = Table(title="burnout flags", title_justify="left", width=width if narrow else None)
    flags.add_column("agent", no_wrap=True, max_width=24)
    flags.add_column("severity", no_wrap=True)
    flags.add_column("rule", no_wrap=True)
    flags.add_column("evidence", overflow="fold", ratio=1)
    for agent in snapshot.agents.values():
        for flag in agent.flags:
            rule = rule_title(flag.rule)
            _add_row(flags, agent.display_name, flag.severity, rule, flag.summary)
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
    parts = [header, *site_table(snapshot), queues, agents]
    if flags.row_count:
        parts.append(flags)
    return Group(*parts, feeds)


def site_table(snapshot: FloorSnapshot) -> list[Table]:
    """On a replica of several sites: a line per site and the total (none otherwise)."""
    figures = site_figures(snapshot)
    if not figures:
        return []
    columns = ("site", "waiting", "longest", "SL today", "offered", "answ.", "aband", "agents")
    columns += ("avail", "feed", "lag")
    rows = [
        (
            site.site,
            str(site.calls_waiting),
            seconds(site.longest_wait_s),
            percent(site.today.service_level),
            str(site.today.offered),
            str(site.today.answered),
            str(site.today.abandoned),
            str(site.agents_logged_in),
            str(site.agents_available),
            "down" if site.connected is False else "connected",
            seconds(site.lag_s),
        )
        for site in figures
    ]
    totals, today = snapshot.totals, snapshot.totals.windows["today"]
    rows.append(
        (
            "all sites",
            str(totals.calls_waiting),
            seconds(totals.longest_wait_s),
            percent(today.service_level),
            str(today.offered),
            str(today.answered),
            str(today.abandoned),
            str(totals.agents_logged_in),
            str(totals.agents_available),
            "",
            "",
        )
    )
    return [_table("sites", columns, rows, None, left=("site", "feed"))]


def manager_summary(snapshot: FloorSnapshot) -> str:
    """FCR, CSAT and the schedule's count of late and absent agents, for the header line."""
    parts = []
    if snapshot.quality is not None:
        floor = snapshot.quality.floor
        parts.append(f"FCR {percent(floor.fcr.rate)} of {floor.fcr.calls}")
        mean = floor.csat.mean_score
        parts.append(
            f"CSAT {percent(floor.csat.csat)} of {floor.csat.rated}"
            + ("" if mean is None else f" (mean {mean:.2f})")
        )
    if snapshot.adherence is not None:
        counts = snapshot.adherence.counts()
        parts.append(", ".join(f"{n} {state}" for state, n in counts.items() if n) or "on plan")
    return ("  " + "  ".join(parts)) if parts else ""


def _table(
    title: str,
    columns: tuple[str, ...],
    rows: list[tuple],
    keep: tuple[str, ...] | None,
    left: tuple[str, ...],
    width: int | None = None,
) -> Table:
    """A table of `columns`, or only those in `keep` when every column would not fit in
    `width` (Rich would squeeze a name column to nothing): numbers never wrapped, names
    (the `left` columns) folded onto more lines in their column rather than cut."""
    if keep is not None and width is not None and _full_width(columns, rows, left) <= width:
        keep = None
    table = Table(title=title, title_justify="left")
    shown = [i for i, column in enumerate(columns) if keep is None or column in keep]
    for i in shown:
        name = columns[i]
        if name in left:
            longest = max((len(str(row[i])) for row in rows), default=0)
            cap = 40 if i == 0 else 16  # a name kept whole on its line, up to 40 characters
            table.add_column(name, overflow="fold", min_width=max(len(name), min(longest, cap)))
        else:
            table.add_column(name, justify="right", no_wrap=True)
    for row in rows:
        _add_row(table, *(row[i] for i in shown))
    return table


def _full_width(columns: tuple[str, ...], rows: list[tuple], left: tuple[str, ...]) -> int:
    """The columns a table of every column takes (names up to their fold width)."""
    total = 1
    for i, name in enumerate(columns):
        longest = max((len(str(row[i])) for row in rows), default=0)
        if name in left:
            longest = min(longest, 40 if i == 0 else 16)
        total += max(len(name), longest) + 3
    return total


def _add_row(table: Table, *cells: object) -> None:
    table.add_row(*[rich_text(cell) for cell in cells])


def print_snapshot(snapshot: FloorSnapshot, tz=None, width: int | None = None) -> None:
    """Print the floor at `width` columns, else the terminal's (80 when not a terminal)."""
    console = Console(width=width, soft_wrap=False, markup=False, emoji=False)
    console.print(render(snapshot, tz, console.width))
