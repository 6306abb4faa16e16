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
    UNANSWERED_WITHIN,
    VECTOR_SIZE,
    WITHIN,
    WRAPUP,
    WindowStats,
    contribution,
    contribution_sql,
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
    empty = WindowStats.from_vector([0] * VECTOR_SIZE, None, "abandoned")
    assert empty.service_level is None and empty.asa_s is None and empty.aht_s is None
    assert empty.abandon_rate is None
    assert occupancy(0, 0, 0) is None
    assert occupancy(30, 10, 40) == 0.5


# Hand-counted: answered after 5, 25 and 20 s; abandoned after 3 (short), 10 and 30 s; a timeout
# after 300 s and a key press after 15 s. T = 20 s, short abandons under 5 s.
MIXED = [
    C("answered", 5),
    C("answered", 25),
    C("answered", 20),
    C("abandoned", 3),
    C("abandoned", 10),
    C("abandoned", 30),
    C("timeout", 300),
    C("key", 15),
]


def window(calls, formula: str) -> WindowStats:
    vector = [0.0] * VECTOR_SIZE
    for call in calls:
        vector = [a + b for a, b in zip(vector, contribution(call, LEVEL), strict=True)]
    return WindowStats.from_vector(vector, None, formula)


def test_sl2_counts_callers_who_gave_up_within_the_threshold_as_served_in_time():
    # Answered within T: 5 and 20 (2). Unanswered within T: the abandon after 10 s and the key
    # press after 15 s (2); the short abandon is in neither part. Over 3 + 2 + 2 = 7.
    sl2 = window(MIXED, "sl2")
    assert (sl2.answered_within, sl2.unanswered_within) == (2, 2)
    assert sl2.service_level == 4 / 7
    assert window(MIXED, "abandoned").service_level == 2 / 7
    assert window(MIXED, "answered").service_level == 2 / 3
    assert window(MIXED, "offered").service_level == 2 / 8


def test_the_sql_form_of_every_contribution_is_the_python_one():
    """snapshot/metrics.contribution_sql sums the calls settled long ago in the store: on the
    same rows it must give the vector contribution() gives, position by position."""
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE calls (outcome TEXT, wait_s REAL, talk_s REAL, wrapup_s REAL)")
    rows = [*MIXED, C("answered", 7, 100, 12), C(None, 4), C("empty", 2), C("withdraw", None)]
    conn.executemany(
        "INSERT INTO calls VALUES (?, ?, ?, ?)",
        [(c.outcome, c.wait_s, c.talk_s, c.wrapup_s) for c in rows],
    )
    sums = ", ".join(f"total({expression})" for expression in contribution_sql("20", "5"))
    # The store sums only settled calls, as contribution() gives nothing for one still waiting.
    settled = "WHERE outcome IS NOT NULL"
    from_sql = list(conn.execute(f"SELECT {sums} FROM calls {settled}").fetchone())
    from_python = [0.0] * VECTOR_SIZE
    for call in rows:
        vector = contribution(call, LEVEL)
        if vector is not None:
            from_python = [a + b for a, b in zip(from_python, vector, strict=True)]
    assert from_sql == from_python
    assert from_sql[UNANSWERED_WITHIN] == 4  # 10 s abandon, 15 s key, 2 s empty, withdraw at 0
