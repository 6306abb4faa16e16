"""Erlang C against published worked examples (each cited) and an independent exact method.

Independent method: the textbook closed form with exact rational arithmetic (math.factorial
and fractions.Fraction), a different algorithm from the module's Erlang B recursion.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from floorwatch.snapshot.erlang import agents_needed, around, erlang_b, erlang_c, traffic


def exact_wait_probability(agents: int, erlangs: Fraction) -> float:
    """P(wait) = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! * N/(N-A)), exactly."""
    top = erlangs**agents / math.factorial(agents) * Fraction(agents) / (agents - erlangs)
    return float(top / (sum(erlangs**k / math.factorial(k) for k in range(agents)) + top))


def test_call_centre_helper_worked_example():
    """Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example"
    (callcentrehelper.com): 100 calls per 30 minutes, AHT 180 s, target 80 % in 20 s.
    Traffic 10 Erlangs; with 11 agents the probability a call waits is 68.21 %; the service
    level target is first met with 14 agents, at 88.84 %."""
    erlangs = traffic(100, 1800, 180)
    assert erlangs == pytest.approx(10.0)
    eleven = erlang_c(11, erlangs, 180, 20)
    assert round(eleven.wait_probability, 4) == 0.6821
    assert eleven.wait_probability == pytest.approx(exact_wait_probability(11, Fraction(10)))
    needed = agents_needed(erlangs, 180, 0.80, 20)
    assert needed.agents == 14
    assert round(needed.service_level, 4) == 0.8884
    assert erlang_c(13, erlangs, 180, 20).service_level < 0.80
    assert needed.occupancy == pytest.approx(10 / 14)


def test_westbay_erlang_c_example():
    """Westbay Engineers, "The Erlang-C Formula" (erlang.com): 360 calls per half hour of 4
    minutes each, 55 agents, answer within 15 s. Traffic 48 Erlangs, occupancy 87.3 %;
    the figures below are computed here with the exact closed form."""
    erlangs = traffic(360, 1800, 240)
    assert erlangs == pytest.approx(48.0)
    result = erlang_c(55, erlangs, 240, 15)
    exact = exact_wait_probability(55, Fraction(48))
    assert result.wait_probability == pytest.approx(exact, rel=1e-12)
    assert round(result.wait_probability, 4) == 0.2387
    assert result.asa_s == pytest.approx(exact * 240 / 7)
    assert result.service_level == pytest.approx(1 - exact * math.exp(-7 * 15 / 240))
    assert round(result.occupancy, 3) == 0.873


def test_erlang_b_table_value():
    """Erlang B tables (e.g. the table in Wikipedia's "Erlang (unit)" article and every
    traffic engineering handbook): 5 Erlangs on 10 trunks block 1.84 % of calls."""
    assert round(erlang_b(10, 5.0), 4) == 0.0184


def test_textbook_m_m_3():
    """M/M/c with c = 3 and offered load 2 (Gross & Harris, Fundamentals of Queueing
    Theory): P(wait) = 4/9, and ASA = P(wait) * AHT / (c - A)."""
    result = erlang_c(3, 2.0, 60, 0)
    assert result.wait_probability == pytest.approx(4 / 9)
    assert result.asa_s == pytest.approx(4 / 9 * 60 / 1)
    assert result.service_level == pytest.approx(1 - 4 / 9)  # T = 0: answered at once


def test_a_large_floor_2000_calls_an_hour_at_300_seconds():
    erlangs = traffic(2000, 3600, 300)  # 166.7 Erlangs
    needed = agents_needed(erlangs, 300, 0.80, 20)
    exact_at = exact_wait_probability(needed.agents, Fraction(500, 3))
    assert needed.wait_probability == pytest.approx(exact_at, rel=1e-9)
    assert needed.service_level >= 0.80
    assert erlang_c(needed.agents - 1, erlangs, 300, 20).service_level < 0.80
    assert needed.agents == 176


@pytest.mark.parametrize("erlangs", [0.1, 1, 42.5, 500, 2000, 5000])
def test_no_overflow_up_to_5000_erlangs(erlangs):
    needed = agents_needed(erlangs, 300, 0.80, 20)
    assert erlangs < needed.agents < erlangs + 6 * math.sqrt(erlangs) + 10
    assert 0.80 <= needed.service_level <= 1.0
    assert 0 < needed.wait_probability < 1 and math.isfinite(needed.asa_s)
    below = erlang_c(needed.agents - 1, erlangs, 300, 20)
    assert below.service_level < 0.80


def test_edge_cases():
    none = agents_needed(0, 180, 0.8, 20)
    assert (none.agents, none.service_level, none.wait_probability) == (0, 1.0, 0.0)
    short = erlang_c(10, 10.0, 180, 20)  # agents == traffic: the queue never settles
    assert (short.wait_probability, short.service_level, short.asa_s) == (1.0, 0.0, math.inf)
    assert erlang_c(8, 10.0, 180, 20).service_level == 0.0
    assert agents_needed(10, 180, 1.0, 20).service_level > 0.999999  # target 100 % ends
    with_cap = agents_needed(10, 180, 0.5, 20, max_occupancy=0.7)
    assert with_cap.occupancy <= 0.7 and with_cap.agents == 15
    for bad in ((-1, 180, 0.8, 20), (10, 0, 0.8, 20), (10, 180, 1.5, 20)):
        with pytest.raises(ValueError):
            agents_needed(*bad)


def test_service_level_rises_with_agents():
    levels = [erlang_c(n, 30, 200, 20).service_level for n in range(30, 60)]
    assert levels == sorted(levels) and levels[0] == 0.0 and levels[-1] > 0.999
    options = around(10, 180, 20, 14)
    assert [o.agents for o in options] == [12, 13, 14, 15, 16]
