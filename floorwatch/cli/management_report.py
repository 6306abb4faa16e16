"""`floorwatch report --management`: the period's HTML file for upper management, and its PDF
where Chromium can print it (the report itself is reports/management.py)."""

from __future__ import annotations

import sys

import click

from floorwatch.cli.errors import FloorwatchError, errors
from floorwatch.cli.options import parse_day


def management_report(
    database: str,
    config,
    first: str | None,
    last: str | None,
    out: str | None,
    progress: bool | None,
) -> None:
    """`report --management`: the HTML file, and its PDF where Chromium can print it."""
    import shutil
    import subprocess
    from pathlib import Path

    from floorwatch.ingest.progress import IngestProgress
    from floorwatch.reports.management import management_html
    from floorwatch.store.database import Store

    if first is None or last is None:
        raise FloorwatchError("--management needs --from DAY and --to DAY")
    start, end = parse_day(first, config, option="--from"), parse_day(last, config, option="--to")
    if end < start:
        raise FloorwatchError(f"--to {last} is before --from {first}")
    if (end - start).days > 92:
        raise FloorwatchError("--management covers at most 93 days")
    if out is None or not out.lower().endswith((".html", ".htm")):
        raise FloorwatchError("--management writes an HTML file: give --out FILE.html")
    show = sys.stderr.isatty() if progress is None else progress
    bar = IngestProgress(enabled=show)
    with errors(database), bar, Store.open_readonly(database) as store:
        bar.add("days", 0)
        page, period = management_html(
            store, config, start, end, lambda done, total: bar.update("days", done, total)
        )
    try:
        Path(out).write_text(page, encoding="utf-8")
    except OSError as error:
        raise FloorwatchError(f"{out}: {error.strerror or error}") from None
    totals = period.totals
    click.echo(
        f"{out}: {start} to {end}, {totals.get('offered', 0)} calls offered, "
        f"{totals.get('answered', 0)} answered"
    )
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        click.echo("(no PDF: Chromium is not installed)")
        return
    pdf = str(Path(out).with_suffix(".pdf"))
    printed = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--print-to-pdf={pdf}",
            "--no-pdf-header-footer",
            Path(out).absolute().as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    click.echo(f"{pdf}" if printed.returncode == 0 else "(no PDF: Chromium could not print it)")
