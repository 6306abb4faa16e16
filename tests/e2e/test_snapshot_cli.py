"""Hand-computed floors: every number asserted against docs/metrics.md, through the real
ingest and a real store. Times are UTC unless a test says otherwise."""

from __future__ import annotations

import json

import pytest

from tests.helpers import ROOT, ingest_file, run

# ----------------------------------------------------------------- the CLI


def test_snapshot_json_keys_match_the_docs(tmp_path, samples):
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log")
    result = run("snapshot", "--db", str(db), "--json", "--at", "1795530500")
    assert result.returncode == 0
    floor = json.loads(result.stdout)
    docs = (ROOT / "docs" / "metrics.md").read_text()
    for key in floor["queues"]["orders"]["windows"]["today"]:
        assert f"`{key}`" in docs, key
    for key in (
        "calls_waiting",
        "longest_wait_s",
        "waiting",
        "state",
        "time_in_state_s",
        "calls_today",
        "talk_today_s",
        "aht_today_s",
        "ring_no_answers_today",
        "pause_today_s",
        "login_today_s",
        "occupancy_60m",
        "last_event_age_s",
        "lag_s",
    ):
        assert f"`{key}`" in docs, key
    assert floor["at"] == 1795530500
    assert floor["totals"]["calls_waiting"] == sum(
        q["calls_waiting"] for q in floor["queues"].values()
    )


def test_snapshot_at_takes_iso_local_time_and_epoch(tmp_path, samples):
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log")
    config = tmp_path / "floorwatch.toml"
    config.write_text('timezone = "Europe/Berlin"\n')
    epoch = json.loads(
        run(
            "snapshot", "--db", str(db), "--json", "--at", "1795530500", "--config", str(config)
        ).stdout
    )
    iso = json.loads(
        run(
            "snapshot",
            "--db",
            str(db),
            "--json",
            "--at",
            "2026-11-24T15:28:20",
            "--config",
            str(config),
        ).stdout
    )
    assert iso["at"] == epoch["at"] == 1795530500
    assert iso["queues"] == epoch["queues"]
    table = run("snapshot", "--db", str(db), "--at", "1795530500")
    assert table.returncode == 0 and "orders" in table.stdout and "agents" in table.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--at", "teatime"], "not epoch seconds, an ISO 8601 time"),
        (["--config", "/nonexistent.toml"], "no such config file"),
    ],
)
def test_snapshot_cli_errors(tmp_path, samples, args, message):
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log")
    result = run("snapshot", "--db", str(db), *args)
    assert result.returncode == 2 and message in result.stderr
    assert result.stderr.count("\n") == 1


def test_snapshot_of_a_missing_or_foreign_database_exits_2(tmp_path):
    result = run("snapshot", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 2 and "no such database" in result.stderr
    foreign = tmp_path / "foreign.db"
    import sqlite3

    sqlite3.connect(foreign).execute("CREATE TABLE x (y)")
    result = run("snapshot", "--db", str(foreign))
    assert result.returncode == 2 and "not a floorwatch database" in result.stderr
