"""Interval reports reconcile exactly with the snapshot of the same day; the live staffing gap;
the report command's formats and errors; the dashboard's report view."""

from __future__ import annotations

import json

import pandas as pd

from floorwatch.config import from_table
from tests.helpers import ingest_file, run

UTC = from_table({"timezone": "UTC", "queues": {"vip": {"service_level": {"threshold_s": 15}}}})


def test_report_command_formats_and_errors(tmp_path, samples):
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log", UTC)
    base = ["--db", str(db), "--date", "2026-11-24"]
    table = run("report", *base, "--interval", "15m")
    assert table.returncode == 0 and "orders" in table.stdout and "total" in table.stdout
    rows = json.loads(run("report", *base, "--format", "json").stdout)
    assert {r["queue"] for r in rows} == {"orders", "returns", "vip", "ALL"}
    assert next(r for r in rows if r["queue"] == "ALL")["offered"] == 199
    csv = run("report", *base, "--by", "agent", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith(
        "Agent,Interval,Login (s),Talk (s),Wrap-up (s),Idle (s),Paused (s),Occupancy (%)"
    )
    out = tmp_path / "r.csv"
    assert run("report", *base, "--out", str(out)).returncode == 0
    assert pd.read_csv(out)["Offered"].iloc[-1] == 199
    out_json = tmp_path / "r.json"
    assert run("report", *base, "--by", "agent", "--out", str(out_json)).returncode == 0
    assert json.loads(out_json.read_text())[-1]["agent"] == "ALL"
    # A spreadsheet out of the box (openpyxl is a dependency), rounded, under readable headers.
    assert run("report", *base, "--out", str(tmp_path / "r.xlsx")).returncode == 0
    sheet = pd.read_excel(tmp_path / "r.xlsx")
    assert sheet["Offered"].iloc[-1] == 199 and "Service level (%)" in sheet.columns
    assert all(round(v, 1) == v for v in sheet["ASA (s)"].dropna())
    for args, message in (
        (["--date", "24/11/2026"], "not a date"),
        (["--date", "2026-11-24", "--interval", "20m"], "use 15m, 30m or 1h"),
        (["--date", "2026-11-24", "--out", str(tmp_path / "r.pdf")], ".csv, .json or .xlsx"),
    ):
        result = run("report", "--db", str(db), *args)
        assert result.returncode == 2 and message in result.stderr
