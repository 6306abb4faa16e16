"""The definitions in floorwatch/snapshot/metrics.py, on single calls and on sums."""

from __future__ import annotations

from dataclasses import dataclass

from floorwatch.config import ServiceLevel
from floorwatch.snapshot.metrics import (
    ABANDONED,
    ANSWERED,
    HANDLED,
    OFFERED,
    SHORT,
    TALK,
    WITHIN,
    WRAPUP,
    WindowStats,
    contribution,
    occupancy,
)

LEVEL = ServiceLevel(threshold_s=20, short_abandon_s=5)


@dataclass
class C:
    outcome: str | None
    wait_s: float | None = 0
    talk_s: float | None = None
    wrapup_s: float | None = None


def test_a_waiting_call_adds_nothing():
    assert contribution(C(None), LEVEL) is None


def test_boundaries_of_within_and_short():
    assert contribution(C("answered", 20), LEVEL)[WITHIN] == 1
    assert contribution(C("answered", 20.01), LEVEL)[WITHIN] == 0
    assert contribution(C("abandoned", 4.99), LEVEL)[SHORT] == 1
    five = contribution(C("abandoned", 5), LEVEL)
    assert five[SHORT] == 0 and five[ABANDONED] == 1 and five[OFFERED] == 1


def test_talk_and_wrapup_count_once_the_call_has_ended():
    talking = contribution(C("answered", 3), LEVEL)
    assert talking[ANSWERED] == 1 and talking[HANDLED] == 0 and talking[TALK] == 0
    ended = contribution(C("answered", 3, 100, 15), LEVEL)
    assert (ended[HANDLED], ended[TALK], ended[WRAPUP]) == (1, 100, 15)


def test_empty_windows_have_no_ratios():
    empty = WindowStats.from_vector([0] * 14, None, "abandoned")
    assert empty.service_level is None and empty.asa_s is None and empty.aht_s is None
    assert empty.abandon_rate is None
    assert occupancy(0, 0, 0) is None
    assert occupancy(30, 10, 40) == 0.5
