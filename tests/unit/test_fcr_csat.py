"""First-call resolution and satisfaction, hand-computed on a small constructed day.

The day (2026-11-24, UTC), caller numbers normalised to their last 7 digits, the support group
being the queues support and support-en, a 24 h window:

  c1  5550001      support    Agent/1  09:00 answered, ends 09:01:50  REPEATED by c2
  c2  +1 555 0001  support-en Agent/2  10:00 answered (same caller, same group)
  c3  5550002      support    Agent/1  11:00 answered, ends 11:05     c4 enters 24h01m later: not a repeat
  c5  anonymous    support    Agent/2  12:00 answered                 withheld: left out
  c6  anonymous    support             12:30 abandoned
  c7  5550003      support    Agent/1  13:00 answered, blind transfer at 13:03
  c7b 5550003      support-en Agent/2  13:03:05 the transfer's new leg: not a repeat of c7
  c8  5550004      sales      Agent/3  14:00 answered                 (another group)
  c9  5550004      support    Agent/1  15:00 answered                 not a repeat of c8
  c10 5550005      support             16:00 abandoned                (not answered: not counted)
  c11 5550006      support    Agent/2  16:30 answered, ends 16:35     REPEATED by c12
  c12 5550006      support             17:00 abandoned (a call back that gave up is a repeat)
  c4  5550002      support             next day 11:06 abandoned

Answered calls of known callers: c1 c2 c3 c7 c7b c8 c9 c11 = 8, resolved 6: FCR 75%.
support: c1 c3 c7 c9 c11 = 3/5; support-en: c2 c7b = 2/2; sales: c8 = 1/1.
Agent/1: c1 c3 c7 c9 = 3/4; Agent/2: c2 c7b c11 = 2/3; Agent/3: c8 = 1/1.

Survey scores (SURVEY lines on 1-5, one JSON Lines call_rated 9 of 10):
  c1 2, c2 5, c3 4, c9 1, c11 2 (queue_log), c8 9/10 (JSON Lines = 4.5 of 5); "x" rejected.
Top scores (share >= 0.8): 5, 4, 9/10 = 3 of 6: CSAT 50%, mean (2+5+4+1+2+4.5)/6 = 3.0833.
Agent/1: 2 4 1: CSAT 1/3, mean 7/3; Agent/2: 5 2: 1/2, mean 3.5; Agent/3: 1/1, mean 4.5.
support: 2 4 1 2: CSAT 1/4.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from floorwatch.config import from_table
from floorwatch.events import Kind
from floorwatch.reports.intervals import agent_report, queue_report, report_day
from floorwatch.snapshot.csat import CsatTally, low_score_run
from floorwatch.snapshot.fcr import DayThreads, resolutions
from floorwatch.snapshot.quality_reader import QualityCache, load_day_quality
from floorwatch.snapshot.reader import FloorReader
from floorwatch.sources.jsonl import parse_line
from floorwatch.store.database import Store
from tests.helpers import ingest_file, write_lines

T0 = 1_795_478_400  # 2026-11-24 00:00 UTC
DAY = date(2026, 11, 24)
CONFIG = from_table(
    {
        "timezone": "UTC",
        "fcr": {"groups": {"support": ["support", "support-en"]}, "caller_digits": 7},
        "satisfaction": {"queue_log_event": "SURVEY"},
    }
)


def at(hh: int, mm: int = 0, ss: int = 0) -> int:
    return T0 + hh * 3600 + mm * 60 + ss


def answered(cid, queue, caller, agent, start, wait=10, talk=100, end="COMPLETECALLER"):
    lines = [
        f"{start}|{cid}|{queue}|NONE|ENTERQUEUE||{caller}|1",
        f"{start + wait}|{cid}|{queue}|{agent}|CONNECT|{wait}|{cid}.m|1",
    ]
    if end == "transfer":
        lines.append(
            f"{start + wait + talk}|{cid}|{queue}|{agent}|BLINDTRANSFER|700|from-internal|{wait}|{talk}|1"
        )
    else:
        lines.append(f"{start + wait + talk}|{cid}|{queue}|{agent}|{end}|{wait}|{talk}|1")
    return lines


def abandoned(cid, queue, caller, start, wait=20):
    return [
        f"{start}|{cid}|{queue}|NONE|ENTERQUEUE||{caller}|1",
        f"{start + wait}|{cid}|{queue}|NONE|ABANDON|1|1|{wait}",
    ]


def survey(cid, queue, agent, ts, score):
    return f"{ts}|{cid}|{queue}|{agent}|SURVEY|{score}|thanks"


def day_lines() -> list[str]:
    lines = [
        *answered("c1", "support", "5550001", "Agent/1", at(9)),
        survey("c1", "support", "Agent/1", at(9, 2), 2),
        *answered("c2", "support-en", "+1 555 0001", "Agent/2", at(10)),
        survey("c2", "support-en", "Agent/2", at(10, 3), 5),
        *answered("c3", "support", "5550002", "Agent/1", at(11), talk=290),
        survey("c3", "support", "NONE", at(11, 6), 4),  # the agent comes from the call
        *answered("c5", "support", "anonymous", "Agent/2", at(12)),
        *abandoned("c6", "support", "anonymous", at(12, 30)),
        *answered("c7", "support", "5550003", "Agent/1", at(13), talk=170, end="transfer"),
        *answered("c7b", "support-en", "5550003", "Agent/2", at(13, 3, 5), wait=5),
        *answered("c8", "sales", "5550004", "Agent/3", at(14)),
        *answered("c9", "support", "5550004", "Agent/1", at(15)),
        survey("c9", "support", "Agent/1", at(15, 6), 1),
        *abandoned("c10", "support", "5550005", at(16)),
        *answered("c11", "support", "5550006", "Agent/2", at(16, 30), talk=290),
        survey("c11", "support", "Agent/2", at(16, 36), 2),
        f"{at(16, 37)}|c11|support|Agent/2|SURVEY|x|",
        *abandoned("c12", "support", "5550006", at(17)),
        *abandoned("c4", "support", "5550002", at(11, 5) + 300 + 86400 + 60),
    ]
    return lines


@pytest.fixture(scope="module")
def day_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fcr")
    db = ingest_file(folder / "s.db", write_lines(folder / "q.log", day_lines()), CONFIG)
    rated = {
        "ts": at(14, 3),
        "kind": "call_rated",
        "call_id": "c8",
        "queue": "sales",
        "data": {"score": 9, "scale_max": 10},
    }
    ingest_file(db, write_lines(folder / "r.jsonl", [json.dumps(rated)]), CONFIG, kind="jsonl")
    return db


def test_fcr_and_csat_of_the_day(day_db):
    with Store.open_readonly(day_db) as store:
        quality = load_day_quality(store, CONFIG, T0, T0 + 86400)
    floor = quality.floor
    assert (floor.fcr.calls, floor.fcr.resolved) == (8, 6)
    assert floor.fcr.rate == 0.75
    support, english, sales = (quality.queue(q).fcr for q in ("support", "support-en", "sales"))
    assert (support.calls, support.resolved) == (5, 3)
    assert (english.calls, english.resolved) == (2, 2)
    assert (sales.calls, sales.resolved) == (1, 1)
    agents = {a: quality.agent(a).fcr for a in ("Agent/1", "Agent/2", "Agent/3")}
    assert [(t.calls, t.resolved) for t in agents.values()] == [(4, 3), (3, 2), (1, 1)]
    assert (floor.csat.rated, floor.csat.top) == (6, 3)
    assert floor.csat.mean_score == pytest.approx(18.5 / 6)
    one, two, three = (quality.agent(a).csat for a in ("Agent/1", "Agent/2", "Agent/3"))
    assert (one.rated, one.top, one.mean_score) == (3, 1, pytest.approx(7 / 3))
    assert (two.rated, two.top, two.mean_score) == (2, 1, 3.5)
    assert (three.rated, three.top, three.mean_score) == (1, 1, 4.5)
    assert quality.queue("support").csat.csat == 0.25  # c1 2, c3 4, c9 1, c11 2


def test_a_bad_survey_line_is_a_reject_and_costs_nothing_else(day_db):
    with Store.open_readonly(day_db) as store:
        ratings = store.queries.ratings(T0, T0 + 86400)
    assert len(ratings) == 6
    reasons = [r for (r,) in sqlite3.connect(day_db).execute("SELECT reason FROM rejects")]
    assert any("score is not a number" in reason for reason in reasons)


def test_fcr_at_an_instant_knows_only_what_had_happened(day_db):
    with Store.open_readonly(day_db) as store:
        before = FloorReader(store, CONFIG, at=at(9, 30)).snapshot()
        after = FloorReader(store, CONFIG, at=at(10, 30)).snapshot()
    # At 09:30 c1 had not been called back: resolved so far. At 10:30 c2 had repeated it.
    assert (before.quality.floor.fcr.calls, before.quality.floor.fcr.resolved) == (1, 1)
    assert (after.quality.floor.fcr.calls, after.quality.floor.fcr.resolved) == (2, 1)
    assert after.to_dict()["quality"]["queues"]["support"]["fcr"] == 0.0


def test_one_read_of_the_day_counts_any_instant_as_a_read_at_that_instant(day_db):
    """A rewound floor moves one QualityCache from instant to instant (a tally of the day read
    once); each figure equals the day read afresh as the store knew it then."""
    instants = [at(9, 5), at(10, 0, 10), at(10, 30), *range(at(11), at(18), 97), at(23, 59)]
    with Store.open_readonly(day_db) as store:
        moving = QualityCache(store, CONFIG)
        for instant in [*instants, *reversed(instants)]:
            counted = moving.at(T0, instant, fixed=True)
            read = load_day_quality(store, CONFIG, T0, instant, instant)
            assert counted.to_dict() == read.to_dict(), instant
    # Back at 09:05: c1 answered and not called back yet (by 10:30 c2 had repeated it).
    assert (counted.floor.fcr.calls, counted.floor.fcr.resolved) == (1, 1)


def test_a_live_cache_kept_up_to_date_counts_as_a_fresh_read(tmp_path):
    """A live viewer reads the day once and then only the rows that changed: fed the day in
    three commits (a call answered in one and ended in the next, a repeat arriving later),
    its figures after each equal the day read afresh; the threads taken in pieces resolve as
    the rows taken at once."""
    lines = day_lines()[:-1]  # (the last is the next day's)
    db = tmp_path / "live.db"
    ingest_file(db, write_lines(tmp_path / "a.log", lines[:9]), CONFIG)  # c1 to c3 answered...
    with Store.open_readonly(db) as store:
        live = QualityCache(store, CONFIG)
        for part, instant in ((None, at(11, 3)), (lines[9:20], at(13, 10)), (lines[20:], at(18))):
            if part is not None:
                feed = write_lines(tmp_path / f"{instant}.log", part)
                ingest_file(db, feed, CONFIG)
            counted = live.at(T0, instant)
            read = load_day_quality(store, CONFIG, T0, instant, instant)
            assert counted.to_dict() == read.to_dict(), instant
        everything = store.queries.calls_with_outcome(T0, T0 + 3 * 86400)
    assert (counted.floor.fcr.calls, counted.floor.fcr.resolved) == (8, 6)
    pieces = DayThreads(CONFIG.fcr)
    for start in range(0, len(everything), 3):
        pieces.take(everything[start : start + 3])
    pieces.take(everything[:5])  # taken again, unchanged
    key = lambda r: r.call_id  # noqa: E731
    assert sorted(pieces.resolutions(), key=key) == sorted(
        resolutions(everything, CONFIG.fcr), key=key
    )


def test_reports_carry_the_same_figures(day_db):
    with Store.open_readonly(day_db) as store:
        queues = queue_report(store, CONFIG, report_day(CONFIG, DAY, "60m"))
        agents = agent_report(store, CONFIG, report_day(CONFIG, DAY, "60m"))
    totals = queues[queues["interval"] == "total"].set_index("queue")
    assert totals.loc["ALL", "fcr"] == 0.75 and totals.loc["ALL", "fcr_calls"] == 8
    assert totals.loc["support", "fcr"] == 0.6
    assert totals.loc["ALL", "csat"] == 0.5 and totals.loc["ALL", "rated"] == 6
    # Per interval: support's 09:00 hour holds c1 (repeated), its 16:00 hour c11 (repeated).
    support = queues[queues["queue"] == "support"].set_index("interval")
    assert support.loc["09:00", "fcr"] == 0.0 and support.loc["11:00", "fcr"] == 1.0
    assert support.loc["09:00", "mean_score"] == 2.0
    one = agents[(agents["agent"] == "Agent/1") & (agents["interval"] == "total")].iloc[0]
    assert one["fcr"] == 0.75 and one["csat"] == pytest.approx(1 / 3)


def test_withheld_and_short_numbers_are_no_caller():
    fcr = CONFIG.fcr
    assert fcr.caller_key("Anonymous") is None and fcr.caller_key("") is None
    assert fcr.caller_key("204") == "204"
    assert fcr.caller_key("12") is None
    assert fcr.caller_key("+44 20 7946 0000") == "9460000"
    assert fcr.caller_key("(555) 000-1") == "5550001"


def test_call_rated_from_json_lines_is_checked():
    event = parse_line(
        '{"ts": 1795530000, "kind": "call_rated", "call_id": "c1", "queue": "q",'
        ' "data": {"score": 4, "comment": "quick"}}'
    )
    assert event.kind == Kind.CALL_RATED and event.data["score"] == 4
    with pytest.raises(ValueError, match="out of range"):
        parse_line(
            '{"ts": 1795530000, "kind": "call_rated", "call_id": "c1", "queue": "q",'
            ' "data": {"score": 400}}'
        )


class Score:
    def __init__(self, score, scale_max=None):
        self.score, self.scale_max = score, scale_max
        self.queue = self.agent = None
        self.ts = 0.0


def test_csat_on_two_scales_and_the_run_of_low_scores():
    scale = CONFIG.satisfaction
    tally = CsatTally()
    for score in (Score(5), Score(3), Score(8, 10), Score(7, 10)):
        tally.add(score, scale)
    # Top: 5 of 5 and 8 of 10; mean on 1-5: (5 + 3 + 4 + 3.5) / 4.
    assert (tally.rated, tally.top, tally.csat) == (4, 2, 0.5)
    assert tally.mean_score == pytest.approx(15.5 / 4)
    scores = [Score(s) for s in (1, 5, 2, 1, 2)]
    assert [s.score for s in low_score_run(scores, scale)] == [2, 1, 2]
    assert low_score_run([Score(s) for s in (1, 2, 5)], scale) == []


def test_a_run_of_low_scores_is_burnout_evidence(tmp_path):
    from floorwatch.snapshot.absence_reader import low_score_findings

    db = ingest_file(tmp_path / "s.db", write_lines(tmp_path / "q.log", day_lines()), CONFIG)
    scores = [(at(14, 3), 9, 10), (at(14, 4), 1, None), (at(14, 5), 2, None), (at(14, 6), 1, None)]
    lines = [
        json.dumps(
            {
                "ts": ts,
                "kind": "call_rated",
                "call_id": "c8",
                "queue": "sales",
                "data": {"score": score, "scale_max": top},
            }
        )
        for ts, score, top in scores
    ]
    ingest_file(db, write_lines(tmp_path / "r.jsonl", lines), CONFIG, kind="jsonl")
    with Store.open_readonly(db) as store:
        found = low_score_findings(store, CONFIG, at(18))
    # Agent/1's latest run is one score (1 after a 4), Agent/2's one (2 after a 5): no flag.
    assert set(found) == {"Agent/3"}
    finding = found["Agent/3"]
    assert [s["score"] for s in finding.evidence["scores"]] == [1, 2, 1]
    assert finding.summary == "3 low survey scores in a row (1, 2, 1 of 5)"
