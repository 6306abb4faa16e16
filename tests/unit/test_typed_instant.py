"""The rewind's `t` (issue 24): the instants a supervisor types, and what is refused."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from floorwatch.clock import typed_instant

BERLIN = ZoneInfo("Europe/Berlin")
NOW = 1795530910.0  # 2026-11-24 15:35:10 in Berlin


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("-15m", 900),
        ("-15", 900),
        ("-90s", 90),
        ("-2h", 7200),
        (" -1.5m ", 90),
        ("15:30", 310),
        ("15:35:10", 0),
        ("00:00", 15 * 3600 + 35 * 60 + 10),
    ],
)
def test_typed_instants(text, back):
    assert typed_instant(text, NOW, BERLIN) == NOW - back


@pytest.mark.parametrize("text", ["10:99", "25:00", "10", "soon", "-", "-0m", "-xm", "1:2:3:4"])
def test_what_is_not_an_instant_says_why(text):
    with pytest.raises(ValueError, match="not a time|more than zero"):
        typed_instant(text, NOW, BERLIN)


def test_a_time_of_the_day_is_of_the_day_of_now_in_the_zone():
    utc = typed_instant("15:30", NOW, ZoneInfo("UTC"))
    assert utc == NOW - 310 + 3600  # 15:30 UTC is an hour after 15:30 in Berlin
