"""`floorwatch db ...`: the store over years. `prune` (the [retention] policy, beside the
ingest), `check`, `vacuum`, `export`, `backup`, `restore`; the work is in floorwatch/store/
(retention.py, maintenance.py, export.py, backup.py), the words here."""

from __future__ import annotations

import contextlib
import json
import sys
from datetime import datetime
from pathlib import Path

import click

from floorwatch.cli.errors import FloorwatchError, errors
from floorwatch.cli.options import config_option, database_path, db_option, load_config
from floorwatch.config import Config
from floorwatch.safe_text import printable

WRITE_DB_HELP = "The floorwatch database; default: the config's."


def _when(ts: float | None, config: Config) -> str:
    if ts is None:
        return "-"
    zone = config.tzinfo()
    moment = datetime.fromtimestamp(ts, zone) if zone else datetime.fromtimestamp(ts)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _text_out(out: str | None):
    """FILE opened for text, or standard output (left open)."""
    if out is None:
        return contextlib.nullcontext(sys.stdout)
    return open(out, "w", newline="", encoding="utf-8")  # noqa: SIM115 (the caller's `with`)


@click.group("db")
def db_group() -> None:
    """The store over years: prune, check, vacuum, export, back up and restore it."""


@db_group.command("prune")
@db_option(WRITE_DB_HELP)
@config_option("floorwatch.toml: its [retention] policy and time zone.")
@click.option("--dry-run", is_flag=True, help="Count what would go; remove nothing.")
@click.option(
    "--archive",
    "archive",
    default=None,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write the events removed to DIR, a gzipped JSON Lines file per month "
    "(replay: zcat FILE | floorwatch ingest --once jsonl:-).",
)
def prune(db_path: str | None, config_path: str | None, dry_run: bool, archive: str | None) -> None:
    """Remove what is past the [retention] policy, beside a running ingest and its viewers.

    Never today, never an open call, interval, membership or flag, never a feed's checkpoint;
    in short transactions, so the ingest goes on writing. One prune at a time.
    """
    from floorwatch.store.lock import TaskLock
    from floorwatch.store.maintenance import open_store
    from floorwatch.store.retention import Pruner

    config = load_config(config_path)
    database = Path(database_path(db_path, config))
    if not config.retention.policies():
        raise FloorwatchError(
            "no [retention] policy in the config (events_days, derived_days, rejects_days): "
            "nothing to prune"
        )
    with errors(str(database)):
        conn = open_store(database, write=True)
        lock = TaskLock(database, "prune")
        try:
            pruner = Pruner(
                conn,
                database,
                config.retention,
                config.tzinfo(),
                archive=Path(archive) if archive else None,
            )
            report = pruner.run(dry_run=dry_run)
        finally:
            lock.release()
            conn.close()
    verb = "would remove" if dry_run else "removed"
    for table, rows in report.removed.items():
        click.echo(f"{table}: {verb} {rows:,} rows over before {_when(report.cuts[table], config)}")
    total = sum(report.removed.values())
    if dry_run:
        click.echo(f"dry run: {total:,} rows would go; nothing was removed")
        return
    rate = report.removed.get("events", 0) / report.elapsed_s if report.elapsed_s else 0.0
    click.echo(
        f"{total:,} rows removed in {report.elapsed_s:.1f} s ({report.transactions} "
        f"transactions, the longest {report.longest_transaction_s * 1000:.0f} ms; "
        f"{rate:,.0f} events/s)"
    )
    if report.archive_files:
        click.echo(
            f"archived {report.archived:,} events to "
            + ", ".join(printable(str(path)) for path in report.archive_files)
        )


@db_group.command("check")
@db_option()
@config_option("floorwatch.toml (its database and time zone).")
@click.option("--quick", is_flag=True, help="PRAGMA quick_check instead of the full check.")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
def check_command(db_path: str | None, config_path: str | None, quick: bool, as_json: bool) -> None:
    """Integrity, schema version, rows per table, size, oldest and newest event, the feeds and
    their checkpoints. Exit status 1 when the integrity check finds damage."""
    from floorwatch.store.maintenance import check

    config = load_config(config_path)
    database = database_path(db_path, config)
    with errors(database):
        report = check(database, quick=quick)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(f"database:   {printable(str(report.path))}")
        click.echo(f"integrity:  {printable('; '.join(report.integrity))}")
        click.echo(f"schema:     version {report.schema_version}")
        click.echo(
            f"size:       {_mb(report.size_bytes)} ({_mb(report.free_bytes)} free inside; "
            f"auto_vacuum {report.auto_vacuum})"
        )
        click.echo(
            f"events:     {_when(report.oldest_event, config)} to "
            f"{_when(report.newest_event, config)}"
        )
        click.echo("rows:")
        for table, rows in report.counts.items():
            click.echo(f"  {table:<18} {rows:>14,}")
        click.echo("feeds:")
        for feed in report.feeds:
            click.echo(
                f"  {printable(feed.name)}: {feed.events:,} events, at byte {feed.offset} of "
                f"{printable(feed.path or '-')}, last event {_when(feed.last_event_ts, config)}"
                + (f", {printable(feed.status)}" if feed.status else "")
            )
    if not report.ok:
        sys.exit(1)


@db_group.command("vacuum")
@db_option(WRITE_DB_HELP)
@config_option()
@click.option(
    "--full",
    is_flag=True,
    help="Rewrite the whole file (the ingest stopped): once, for a store made without "
    "incremental vacuum.",
)
def vacuum_command(db_path: str | None, config_path: str | None, full: bool) -> None:
    """Give the space freed by prune back to the file system, in small steps beside the
    ingest and its readers."""
    from floorwatch.store.maintenance import vacuum

    database = database_path(db_path, load_config(config_path))
    with errors(database):
        report = vacuum(database, full=full)
    click.echo(
        f"{_mb(report.before_bytes)} before, {_mb(report.after_bytes)} after "
        f"({'full VACUUM' if report.full else f'{report.steps} incremental steps'})"
    )


@db_group.command("export")
@db_option()
@config_option()
@click.argument("table")
@click.option("--csv", "format", flag_value="csv", help="CSV, a header line first.")
@click.option("--json", "format", flag_value="json", help="A JSON array of objects.")
@click.option("--xlsx", "format", flag_value="xlsx", help="A spreadsheet (needs --out).")
@click.option("--where", default=None, metavar="SQL", help="Only rows matching this SQL.")
@click.option(
    "--out",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write to FILE (default: standard output; --xlsx needs a file).",
)
def export_command(
    db_path: str | None,
    config_path: str | None,
    table: str,
    format: str | None,
    where: str | None,
    out: str | None,
) -> None:
    """Hand one TABLE to other tools, streamed (for example: floorwatch db export calls --csv
    --where "enqueued_at >= 1795478400")."""
    from floorwatch.store.export import Export

    if format is None:
        raise FloorwatchError("give --csv, --json or --xlsx")
    if format == "xlsx" and out is None:
        raise FloorwatchError("--xlsx writes a file: give --out FILE.xlsx")
    database = database_path(db_path, load_config(config_path))
    with errors(database):
        export = Export(database, table, where)
        try:
            if format == "xlsx":
                count = export.write_xlsx(Path(out))  # type: ignore[arg-type]
            else:
                write = export.write_csv if format == "csv" else export.write_json
                with _text_out(out) as stream:
                    try:
                        count = write(stream)
                    except BrokenPipeError:
                        sys.stderr.close()  # the reader (head, less) has had enough
                        return
        except OSError as error:
            raise FloorwatchError(f"{out or 'stdout'}: {error.strerror or error}") from None
        finally:
            export.close()
    if out:
        click.echo(f"{count:,} rows of {table} written to {printable(out)}", err=True)


@db_group.command("backup")
@db_option()
@config_option()
@click.argument("file", type=click.Path(dir_okay=False))
def backup_command(db_path: str | None, config_path: str | None, file: str) -> None:
    """Copy the store to FILE, consistent while the ingest writes (SQLite's online backup)."""
    from floorwatch.store.backup import backup

    database = database_path(db_path, load_config(config_path))
    with errors(database):
        report = backup(database, file)
    click.echo(
        f"backed up {report.events:,} events (commit {report.seq}) to "
        f"{printable(str(report.target))}, {_mb(report.size_bytes)}"
    )


@db_group.command("restore")
@db_option(WRITE_DB_HELP)
@config_option()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def restore_command(db_path: str | None, config_path: str | None, file: str) -> None:
    """Put the backup FILE back as the store (stop the ingest first); the next ingest resumes
    every feed from the backup's checkpoints, losing and doubling nothing."""
    from floorwatch.store.backup import restore

    database = database_path(db_path, load_config(config_path))
    with errors(database):
        report = restore(file, database)
    click.echo(
        f"restored {report.events:,} events (commit {report.seq}) into "
        f"{printable(str(report.target))}; start the ingest to resume its feeds"
    )
