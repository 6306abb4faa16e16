"""One duration syntax for every option, relative days and instants, and reports a person can
open (rounded numbers under readable headers)."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from click.testing import CliRunner

from floorwatch.cli import main
from floorwatch.reports.output import label, readable
from floorwatch.when import parse_day, parse_duration, parse_instant

PARIS = ZoneInfo("Europe/Paris")
# 2026-11-24 15:30:00 in Paris (UTC+1) = 14:30 UTC.
NOW = 1_795_530_600.0


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("90", 90),
        ("90s", 90),
        ("15m", 900),
        ("1.5h", 5400),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("7d", 604800),
        ("2w", 1209600),
        ("0.5", 0.5),
        ("30M", 1800),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "15x", "m", "15 m x", "1m30", "-5m"])
def test_bad_durations_say_what_one_looks_like(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_zero_duration_only_where_allowed():
    with pytest.raises(ValueError, match="positive"):
        parse_duration("0s")
    assert parse_duration("0s", allow_zero=True) == 0


def test_days_relative_to_today():
    today = date(2026, 11, 24)
    assert parse_day("today", today) == today
    assert parse_day("Yesterday", today) == date(2026, 11, 23)
    assert parse_day("-3d", today) == date(2026, 11, 21)
    assert parse_day("-1w", today) == date(2026, 11, 17)
    assert parse_day("2026-11-01", today) == date(2026, 11, 1)
    with pytest.raises(ValueError, match="today, yesterday"):
        parse_day("24/11/2026", today)


def test_instants_relative_to_now_in_the_floor_zone():
    assert parse_instant("now", NOW, PARIS) == NOW
    assert parse_instant("-2h", NOW, PARIS) == NOW - 7200
    assert parse_instant("1795530000", NOW, PARIS) == 1795530000
    # 14:00 Paris = 13:00 UTC on the 24th.
    assert parse_instant("14:00", NOW, PARIS) == NOW - 5400
    assert parse_instant("yesterday 14:00", NOW, PARIS) == NOW - 5400 - 86400
    assert parse_instant("-2d 09:30:15", NOW, PARIS) == NOW - 6 * 3600 + 15 - 2 * 86400
    assert parse_instant("today", NOW, PARIS) == NOW - 15.5 * 3600
    assert parse_instant("2026-11-24T14:00", NOW, PARIS) == NOW - 5400
    with pytest.raises(ValueError, match="yesterday 14:00"):
        parse_instant("teatime", NOW, PARIS)


def test_staffing_takes_the_same_durations_as_since():
    runner = CliRunner()
    words = runner.invoke(
        main, ["staffing", "--calls", "100", "--per", "30m", "--aht", "3m", "--json"]
    )
    seconds = runner.invoke(
        main, ["staffing", "--calls", "100", "--per", "1800", "--aht", "180", "--json"]
    )
    assert words.exit_code == 0, words.output
    assert words.output == seconds.output
    refused = runner.invoke(main, ["staffing", "--calls", "1", "--per", "soon", "--aht", "3m"])
    assert refused.exit_code == 2 and "not a duration such as 90" in refused.output


def test_labels():
    assert label("asa_s") == "ASA (s)"
    assert label("service_level") == "Service level (%)"
    assert label("pause_Lunch_s") == "Pause: Lunch (s)"
    assert label("fcr") == "FCR (%)"
    assert label("asa_s", unit=False) == "ASA"


def test_readable_rounds_and_labels():
    frame = pd.DataFrame(
        {
            "queue": ["sales", "ALL"],
            "offered": [3.0, 3.0],
            "service_level": [2 / 3, None],
            "asa_s": [12.345, 7.0],
            "mean_score": [4.3333, 4.0],
        }
    )
    text = io.StringIO()
    readable(frame).to_csv(text, index=False)
    assert text.getvalue().splitlines() == [
        "Queue,Offered,Service level (%),ASA (s),Mean score",
        "sales,3,66.7,12.3,4.33",
        "ALL,3,,7.0,4.0",
    ]
