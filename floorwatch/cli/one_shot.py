"""The commands that print once and exit: `snapshot`, `burnout`, `staffing` and `report`."""

from __future__ import annotations

import sys

import click

from floorwatch.cli.errors import FloorwatchError, errors
from floorwatch.cli.options import (
    Duration,
    config_option,
    database_path,
    db_option,
    load_config,
    parse_day,
    parse_duration,
    parse_instant,
)


@click.command()
@db_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option(
    "--at",
    "at",
    default=None,
    metavar="TIME",
    help="Evaluate the floor as it was at TIME: ISO 8601 local time, epoch seconds, -2h, "
    "14:00 or yesterday 14:00.",
)
@config_option()
def snapshot(db_path: str | None, as_json: bool, at: str | None, config_path: str | None) -> None:
    """Print the floor once (now, or --at a past instant) and exit."""
    import json

    from floorwatch.modes.one_shot import read_floor
    from floorwatch.reports.snapshot_text import print_snapshot

    config = load_config(config_path)
    database = database_path(db_path, config)
    instant = parse_instant(at, config) if at is not None else None
    with errors(database):
        floor = read_floor(database, config, at=instant)
    if as_json:
        click.echo(json.dumps(floor.to_dict(), indent=2))
    else:
        print_snapshot(floor, config.tzinfo())


@click.command("handover")
@db_option()
@config_option()
@click.option(
    "--since",
    "since",
    default="8h",
    show_default=True,
    metavar="DURATION",
    help="How long the shift was: 8h, 90m...",
)
@click.option(
    "--at",
    "at",
    default=None,
    metavar="TIME",
    help="The shift ended at TIME (ISO 8601 local time or epoch seconds); default: now.",
)
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write to FILE (- for standard output); default: handover-DATE-HHMM.md here.",
)
def handover(
    db_path: str | None, config_path: str | None, since: str, at: str | None, out: str | None
) -> None:
    """A Markdown digest of the shift: service level per queue against target, the worst half
    hours, burnout flags raised, long pauses, staffing gaps."""
    from floorwatch.modes.one_shot import read_shift
    from floorwatch.reports.handover import handover_markdown, handover_path

    config = load_config(config_path)
    database = database_path(db_path, config)
    since_s = parse_duration(since)
    instant = parse_instant(at, config) if at is not None else None
    with errors(database):
        floor, record = read_shift(database, config, since_s, at=instant)
    text = handover_markdown(floor, record, config, source=str(database))
    if out == "-":
        click.echo(text, nl=False)
        return
    path = handover_path(".", floor.at, config) if out is None else out
    try:
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        raise FloorwatchError(f"{path}: {error.strerror or error}") from None
    click.echo(f"handover written to {path}")


@click.command("burnout")
@db_option()
@config_option()
@click.option(
    "--since",
    "since",
    default="7d",
    show_default=True,
    type=Duration(),
    metavar="DURATION",
    help="How far back: 90m, 12h, 7d...",
)
@click.option("--agent", "agent", default=None, help="Only this agent, with every flag listed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def burnout_command(
    db_path: str | None, config_path: str | None, since: float, agent: str | None, as_json: bool
) -> None:
    """How often each agent was flagged for burnout (raised and cleared flags)."""
    import json

    from rich.console import Console

    from floorwatch.modes.one_shot import read_flags
    from floorwatch.reports.burnout_history import flag_history, history_table

    config = load_config(config_path)
    database = database_path(db_path, config)
    window_s = since
    with errors():
        window = read_flags(database, agent, window_s)
    flags = window.flags
    history = flag_history(flags, window.until)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "since": window.since,
                    "until": window.until,
                    "agents": history,
                    "flags": [dict(f.to_dict(), agent=f.agent) for f in flags],
                },
                indent=2,
            )
        )
        return
    Console(width=160, markup=False, emoji=False).print(
        history_table(history, flags if agent else [], config)
    )


@click.command("actions")
@db_option()
@config_option()
@click.option(
    "--since",
    "since",
    default="1d",
    show_default=True,
    metavar="DURATION",
    help="How far back: 90m, 12h, 1d...",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per action).")
def actions_command(
    db_path: str | None, config_path: str | None, since: str, as_json: bool
) -> None:
    """The audit of supervisor actions: who asked what, when, and what the PBX answered."""
    import json

    from rich.console import Console

    from floorwatch.modes.one_shot import read_actions
    from floorwatch.reports.actions_text import actions_table

    config = load_config(config_path)
    database = database_path(db_path, config)
    window_s = parse_duration(since)
    with errors():
        start, rows = read_actions(database, window_s)
    if as_json:
        click.echo(
            json.dumps({"since": start, "actions": [row.to_dict() for row in rows]}, indent=2)
        )
        return
    if not rows:
        click.echo(f"no supervisor actions in the last {since}")
        return
    Console(width=160, markup=False, emoji=False).print(actions_table(rows, config.tzinfo()))


@click.command()
@click.option(
    "--calls",
    "calls",
    required=True,
    type=click.FloatRange(min=0),
    help="Calls expected in the period.",
)
@click.option(
    "--per",
    "per",
    required=True,
    type=Duration(),
    metavar="DURATION",
    help="The period: 30m, 1h, 1800 (seconds).",
)
@click.option(
    "--aht",
    "aht",
    required=True,
    type=Duration(),
    metavar="DURATION",
    help="Average handle time (talk + wrap-up): 180, 3m, 2m30s.",
)
@click.option(
    "--target",
    default=0.8,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Service level to reach (share of calls).",
)
@click.option(
    "--within",
    default="20s",
    show_default=True,
    type=Duration(allow_zero=True),
    metavar="DURATION",
    help="...answered within this long.",
)
@click.option(
    "--max-occupancy",
    "max_occupancy",
    default=None,
    type=click.FloatRange(0, 1, min_open=True),
    help="Also keep occupancy at or under this.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def staffing(
    calls: float,
    per: float,
    aht: float,
    target: float,
    within: float,
    max_occupancy: float | None,
    as_json: bool,
) -> None:
    """Agents needed for a call volume (Erlang C), with the figures around that number."""
    import json

    from rich.console import Console

    from floorwatch.reports.staffing_text import staffing_table
    from floorwatch.snapshot.erlang import agents_needed, around, traffic

    erlangs = traffic(calls, per, aht)
    needed = agents_needed(erlangs, aht, target, within, max_occupancy)
    options = around(erlangs, aht, within, max(1, needed.agents))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "model": "erlang_c",
                    "traffic_erlangs": erlangs,
                    "agents_needed": needed.agents,
                    "target": target,
                    "within_s": within,
                    "max_occupancy": max_occupancy,
                    "options": [option.to_dict() for option in options],
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"{calls:g} calls per {per:g} s at {aht:g} s AHT = {erlangs:.2f} Erlangs: "
        f"{needed.agents} agents for {target:.0%} within {within:g} s"
        + (f" at most {max_occupancy:.0%} occupied" if max_occupancy else "")
    )
    Console().print(staffing_table(options, needed.agents))


def report_format(format: str, out: str | None) -> str:
    """The format written: --format on stdout, else --out's extension (which must be one we
    write; openpyxl, which writes .xlsx, is a dependency)."""
    if out is None:
        return format
    suffix = out.rsplit(".", 1)[-1].lower() if "." in out else ""
    if suffix not in ("csv", "json", "xlsx"):
        raise FloorwatchError(f"--out {out}: use a .csv, .json or .xlsx file")
    return suffix


@click.command()
@db_option()
@config_option("floorwatch.toml (thresholds, names, time zone).")
@click.option(
    "--date",
    "day",
    default=None,
    metavar="DAY",
    help="The day to report: 2026-11-24, today, yesterday, -3d.",
)
@click.option(
    "--management",
    is_flag=True,
    help="The report for upper management: one self-contained HTML file of --from..--to "
    "(charts, trends, a summary in words); --out FILE.html (and FILE.pdf if Chromium is there).",
)
@click.option("--from", "first", default=None, metavar="DAY", help="With --management: first day.")
@click.option("--to", "last", default=None, metavar="DAY", help="With --management: last day.")
@click.option(
    "--interval",
    default="30m",
    show_default=True,
    type=Duration(),
    metavar="DURATION",
    help="Interval length: 15m, 30m or 1h.",
)
@click.option(
    "--by",
    "by",
    default="queue",
    show_default=True,
    type=click.Choice(["queue", "agent"]),
    help="One row per queue or per agent.",
)
@click.option(
    "--format",
    "format",
    default="table",
    show_default=True,
    type=click.Choice(["table", "csv", "json"]),
    help="Output format on stdout.",
)
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write to FILE instead; the format from its extension (.csv, .json, .xlsx).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar (default: when stderr is a terminal).",
)
def report(
    db_path: str | None,
    config_path: str | None,
    day: str,
    interval: float,
    by: str,
    format: str,
    out: str | None,
    progress: bool | None,
    management: bool = False,
    first: str | None = None,
    last: str | None = None,
) -> None:
    """An interval report of a day: per queue (offered, answered, abandoned, service level,
    ASA, AHT, max wait, Erlang C agents required) or per agent (login, talk, wrap-up, pauses,
    idle, occupancy, calls, AHT, ring-no-answers), both with FCR and CSAT, with totals; or with
    --management a period for upper management as one HTML file."""
    from floorwatch.ingest.progress import IngestProgress
    from floorwatch.reports.intervals import agent_report, queue_report, report_day
    from floorwatch.reports.output import write_report
    from floorwatch.store.database import Store

    config = load_config(config_path)
    database = database_path(db_path, config)
    if management:
        from floorwatch.cli.management_report import management_report

        management_report(database, config, first, last, out, progress)
        return
    if day is None:
        raise FloorwatchError("--date DAY is needed (or --management --from DAY --to DAY)")
    wanted = parse_day(day, config)
    if interval not in (900, 1800, 3600):
        raise FloorwatchError("--interval: use 15m, 30m or 1h")
    target_format = report_format(format, out)
    show = sys.stderr.isatty() if progress is None else progress
    bar = IngestProgress(enabled=show)
    with errors(), bar:
        store = Store.open_readonly(database)
        try:
            bar.add("report", 0)
            builder = queue_report if by == "queue" else agent_report
            frame = builder(
                store,
                config,
                report_day(config, wanted, int(interval)),
                lambda done, total: bar.update("report", done, total),
            )
        finally:
            store.close()
    try:
        write_report(frame, target_format, out, by, config)
    except BrokenPipeError:
        sys.stderr.close()  # the reader (head, less) has had enough: not an error
    except OSError as error:
        raise FloorwatchError(f"{out}: {error.strerror or error}") from None
