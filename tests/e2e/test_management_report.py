"""The management report on a simulated fortnight: one self-contained HTML file whose numbers
equal `floorwatch report`'s, rendered by headless Chromium (and printed to PDF)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from tests.helpers import run

DAYS = [f"2026-11-{day}" for day in range(11, 25)]


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fortnight")
    feed, plan, db = folder / "f.log", folder / "plan.csv", folder / "s.db"
    made = run(
        "simulate",
        "--out",
        str(feed),
        "--start",
        "2026-11-24",
        "--history-days",
        "14",
        "--agents",
        "10",
        "--queues",
        "2",
        "--schedule",
        str(plan),
    )
    assert made.returncode == 0, made.stderr
    # The store first (an empty feed), the plan in it, then the fortnight with the burnout
    # rules evaluated hourly, the absence rule comparing the last week with the one before.
    config = folder / "floorwatch.toml"
    config.write_text('timezone = "UTC"\n[schedule]\nabsence_recent_days = 7\n')
    (folder / "empty.log").write_text("")
    base = ["--db", str(db), "--config", str(config)]
    assert run("ingest", "--once", *base, f"queue_log:{folder / 'empty.log'}").returncode == 0
    imported = run("schedule", "import", str(plan), *base, "--any-agent")
    assert imported.returncode == 0, imported.stderr
    loaded = run("ingest", "--once", *base, "--burnout-every", "1h", f"queue_log:{feed}")
    assert loaded.returncode == 0, loaded.stderr
    return folder, db


def numbers(page: str) -> dict:
    found = re.search(
        r"<script type='application/json' id='floorwatch-numbers'>(.*?)</script>", page
    )
    assert found is not None
    return json.loads(found.group(1).replace("<\\/", "</"))


def test_the_report_equals_floorwatch_report_and_renders(fortnight):
    folder, db = fortnight
    out = folder / "m.html"
    result = run(
        "report",
        "--management",
        "--from",
        DAYS[0],
        "--to",
        DAYS[-1],
        "--db",
        str(db),
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text()
    # Self-contained: charts inline, nothing fetched, no code.
    assert page.count("<svg") >= 4
    assert not re.search(r"(src|href)=[\"']https?://", page) and "<script src" not in page
    found = numbers(page)
    for day in (DAYS[0], DAYS[6], DAYS[-1]):
        rows = json.loads(run("report", "--db", str(db), "--date", day, "--format", "json").stdout)
        floor = next(r for r in rows if r["queue"] == "ALL")
        assert found["days"][day] == {
            "offered": floor["offered"],
            "answered": floor["answered"],
            "abandoned": floor["abandoned"],
        }
    offered = sum(day["offered"] for day in found["days"].values())
    assert found["totals"]["offered"] == offered and len(found["days"]) == 14
    summary = re.search(r"<p class='summary'>(.*?)</p>", page).group(1)
    assert (
        f"offered {offered} calls" in summary
        and "biggest change" in summary.lower()
        or ("No figure moved" in summary)
    )
    assert "more_absences" in page  # Farid's absences, raised per week
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed")
    assert (folder / "m.pdf").stat().st_size > 10_000
    shot = folder / "m.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1200,2400",
            out.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 50_000


def test_management_report_refuses_bad_periods(fortnight):
    folder, db = fortnight
    base = ["report", "--management", "--db", str(db), "--out", str(folder / "x.html")]
    for args, message in (
        (["--from", DAYS[0]], "needs --from DAY and --to DAY"),
        (["--from", DAYS[5], "--to", DAYS[0]], "is before --from"),
        (["--from", "someday", "--to", DAYS[0]], "--from"),
    ):
        result = run(*base, *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    csv = run(
        "report",
        "--management",
        "--db",
        str(db),
        "--from",
        DAYS[0],
        "--to",
        DAYS[1],
        "--out",
        str(folder / "x.csv"),
    )
    assert csv.returncode == 2 and "FILE.html" in csv.stderr
