"""Schedules: the import (one message per bad line, nothing imported half-way), adherence states
at given instants, and the absence rule on a constructed history."""

from __future__ import annotations

import sqlite3
from datetime import date
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from floorwatch.cli import main
from floorwatch.config import from_table
from floorwatch.manager_config import ScheduleConfig
from floorwatch.snapshot.adherence import AgentNow, adherence_at
from floorwatch.snapshot.burnout.absence import ScheduledDay, absence_finding
from floorwatch.sources.schedule_csv import parse_schedule
from tests.helpers import ingest_file, write_lines

PARIS = ZoneInfo("Europe/Paris")
T0 = 1_795_478_400  # 2026-11-24 00:00 UTC = 01:00 in Paris
HEADER = "agent,date,start,end,activity"


def test_a_good_schedule_in_local_time_with_a_night_shift():
    text = "\n".join(
        [
            HEADER,
            "Ana,2026-11-24,08:00,12:00,phones",
            "Ana,2026-11-24,12:00,12:30,Lunch",
            "Ben,2026-11-24,22:00,06:00,phones",
        ]
    )
    parsed = parse_schedule(text, {"Ana", "Ben"}, PARIS)
    assert parsed.errors == []
    ana, lunch, ben = parsed.rows
    assert ana.start == T0 + 7 * 3600 and ana.end == T0 + 11 * 3600  # Paris is UTC+1
    assert lunch.activity == "lunch"
    assert ben.end - ben.start == 8 * 3600 and ben.day == "2026-11-24"


def test_every_bad_line_is_said_and_nothing_is_kept():
    text = "\n".join(
        [
            HEADER,
            "Ana,2026-11-24,08:00,12:00,phones",
            "Ana,2026-11-24,11:30,12:30,lunch",  # overlaps line 2
            "Zed,2026-11-24,08:00,12:00,phones",  # unknown
            "Ben,2026-02-30,08:00,12:00,phones",  # no such date
            "Ben,2026-11-24,8h,12:00,phones",  # not a time
            "Ben,2026-11-24,08:00,12:00",  # four fields
            "Ben,2026-11-24,08:00,12:00,",  # no activity
            "Ben,2026-11-24,08:00,12:00,phones",  # good
        ]
    )
    parsed = parse_schedule(text, {"Ana", "Ben"}, PARIS)
    assert parsed.rows == []
    assert parsed.errors == [
        "line 3: overlaps line 2 (Ana phones)",
        "line 4: unknown agent 'Zed' (not in the store or config)",
        "line 5: date '2026-02-30' is not a date such as 2026-11-24",
        "line 6: start/end '8h'-'12:00' are not times such as 08:30",
        "line 7: 4 fields, expected 5 (agent,date,start,end,activity)",
        "line 8: no activity (phones, lunch, training...)",
    ]


def test_the_import_command_writes_all_or_nothing(tmp_path):
    feed = write_lines(
        tmp_path / "q.log",
        [f"{T0 + 3600}|NONE|sales|Ana|ADDMEMBER|", f"{T0 + 3600}|NONE|sales|Ben|ADDMEMBER|"],
    )
    db = ingest_file(tmp_path / "s.db", feed)
    config = tmp_path / "f.toml"
    config.write_text('timezone = "Europe/Paris"\n')
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nAna,2026-11-24,08:00,12:00,phones\nZed,2026-11-24,08:00,09:00,x\n")
    runner = CliRunner()
    args = ["schedule", "import", "--db", str(db), "--config", str(config)]
    refused = runner.invoke(main, [*args, str(bad)])
    assert refused.exit_code == 2
    assert "line 3: unknown agent 'Zed'" in refused.output
    assert "1 bad line(s); nothing imported" in refused.output

    def rows():
        query = "SELECT agent, day, start, end, activity FROM schedules ORDER BY start"
        return sqlite3.connect(db).execute(query).fetchall()

    assert rows() == []
    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER}\nAna,2026-11-24,08:00,12:00,phones\nBen,2026-11-24,09:00,10:00,x\n")
    assert runner.invoke(main, [*args, str(good)]).exit_code == 0
    assert rows() == [
        ("Ana", "2026-11-24", T0 + 7 * 3600, T0 + 11 * 3600, "phones"),
        ("Ben", "2026-11-24", T0 + 8 * 3600, T0 + 9 * 3600, "x"),
    ]
    # Importing Ana's day again replaces it; Ben's stays.
    again = tmp_path / "again.csv"
    again.write_text(f"{HEADER}\nAna,2026-11-24,10:00,14:00,phones\n")
    assert runner.invoke(main, [*args, str(again)]).exit_code == 0
    assert [(r[0], r[2] - T0) for r in rows()] == [("Ben", 28800), ("Ana", 32400)]
    missing = runner.invoke(main, [*args, str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


class Plan:
    def __init__(self, agent, start_h, end_h, activity="phones"):
        self.agent, self.activity = agent, activity
        self.start, self.end = T0 + start_h * 3600, T0 + end_h * 3600


PLAN = [
    Plan("ana", 8, 12),
    Plan("ana", 12, 12.5, "lunch"),
    Plan("ana", 12.5, 16),
    Plan("ben", 8, 16),
    Plan("cleo", 9, 10, "training"),
    Plan("cleo", 10, 16),
]


def states(hour, agents):
    found = adherence_at(PLAN, agents, T0 + hour * 3600, ScheduleConfig())
    return {name: state.state for name, state in found.agents.items()}


def test_adherence_states_at_given_instants():
    nobody: dict = {}
    # 08:04: within the 5 minutes' grace; 08:10: late; 09:01: absent (over 60 min).
    assert states(8 + 4 / 60, nobody) == {"ana": "adherent", "ben": "adherent", "cleo": "off"}
    assert states(8 + 10 / 60, nobody)["ana"] == "late"
    assert states(9 + 1 / 60, nobody)["ben"] == "absent"
    late = adherence_at(PLAN, nobody, T0 + 8.5 * 3600, ScheduleConfig()).agents["ana"]
    assert late.late_s == 1800
    on = AgentNow(True, True, T0 + 7.9 * 3600)
    paused = AgentNow(True, False, T0 + 7.9 * 3600)
    gone = AgentNow(False, False, T0 + 7.9 * 3600)
    at_10 = states(9.5, {"ana": on, "ben": paused, "cleo": on, "dev": on})
    # cleo takes calls during training; dev is logged in with nothing planned.
    assert at_10 == {
        "ana": "adherent",
        "ben": "not_on_phones",
        "cleo": "off_activity",
        "dev": "unscheduled",
    }
    # At lunch ana paused is adherent, on the phones off activity; logged out after having
    # logged in is not late.
    assert states(12.25, {"ana": paused})["ana"] == "adherent"
    assert states(12.25, {"ana": on})["ana"] == "off_activity"
    assert states(13, {"ana": gone})["ana"] == "not_on_phones"
    # Lunch does not restart the shift: at 12:40 a not-logged-in ana is absent since 08:00.
    assert states(12 + 40 / 60, nobody)["ana"] == "absent"
    counts = adherence_at(PLAN, {"ben": paused}, T0 + 8.5 * 3600, ScheduleConfig()).counts()
    assert counts == {"late": 1, "not_on_phones": 1}


def day(n: int, late_min: float | None = 0.0) -> ScheduledDay:
    """Day n of November 2026, shift at 08:00 UTC, logged in `late_min` late (None: not)."""
    start = T0 + (n - 24) * 86400 + 8 * 3600
    return ScheduledDay(
        f"2026-11-{n:02d}" if n > 0 else f"2026-10-{31 + n:02d}",
        start,
        None if late_min is None else start + late_min * 60,
    )


def test_the_absence_rule_on_four_weeks_against_the_weeks_before():
    config = ScheduleConfig()
    today = date(2026, 11, 24)
    now = T0 + 12 * 3600
    # Oct 6 .. Oct 26 (before the last four weeks): 15 scheduled days, 1 late by 20 min.
    earlier = [day(n) for n in range(-24, -9)]
    earlier[3] = day(-21, 20)
    # Oct 27 .. Nov 24: 20 scheduled days; no login on Nov 10 and 17, late 30 on Nov 20, 10
    # minutes late (not an absence) on Nov 21, today on time.
    recent = [day(n) for n in range(3, 25) if n not in (8, 15)] + [day(-4), day(-3)]
    for n, late in ((10, None), (17, None), (20, 30), (21, 10)):
        recent = [d for d in recent if d.day != f"2026-11-{n:02d}"] + [day(n, late)]
    finding = absence_finding(earlier + recent, today, now, config)
    assert finding is not None
    # Recent: 3 absences in 22 days (13.6%) against 1 in 15 (6.7%): more than twice as often.
    assert finding.evidence["recent_days"] == 22 and finding.evidence["earlier_days"] == 15
    assert finding.evidence["absences"] == [
        {"day": "2026-11-10", "what": "no login"},
        {"day": "2026-11-17", "what": "no login"},
        {"day": "2026-11-20", "what": "late 30 min"},
    ]
    assert finding.severity == "watch" and "3 absences in 22 scheduled days" in finding.summary
    # The same three absences against an earlier share of 2 in 15 (13.3%): not "more than
    # usual" for this agent.
    earlier[5] = day(-19, None)
    assert absence_finding(earlier + recent, today, now, config) is None
    # No earlier weeks of their own: no "usual", no flag.
    assert absence_finding(recent, today, now, config) is None


def test_the_demo_config_compares_the_last_week():
    config = from_table({"schedule": {"absence_recent_days": 7}}).schedule
    days = [day(n) for n in range(10, 25)]
    days = [d for d in days if d.day not in ("2026-11-20", "2026-11-22")]
    days += [day(20, None), day(22, 45)]
    finding = absence_finding(days, date(2026, 11, 24), T0 + 12 * 3600, config)
    assert finding is not None and len(finding.evidence["absences"]) == 2
