"""Burnout rules: see an agent heading for exhaustion before they do.

Plain Python. Each rule reads one agent's facts (their day's availability, recent calls, missed
rings, occupancy, baseline) and returns nothing or a finding: a severity, since when, and the
evidence behind it (numbers and the calls or intervals that caused it). docs/burnout.md says
why each rule matters.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from floorwatch.config import BurnoutConfig
from floorwatch.events import AgentState
from floorwatch.snapshot.burnout.facts import CRITICAL, WARNING, WATCH, AgentFacts, Finding, Span

OFFLINE, AVAILABLE = AgentState.OFFLINE.value, AgentState.AVAILABLE.value
PAUSED, WRAPUP = AgentState.PAUSED.value, AgentState.WRAPUP.value


# ----------------------------------------------------------------- the rules
def _minutes(seconds: float) -> int:
    return int(round(seconds / 60))


def _last_break(facts: AgentFacts, config: BurnoutConfig) -> tuple[float, Span | None]:
    """When the agent's current stretch of work began, and the break (pause or logout of at
    least break_min_minutes) that ended before it, if any."""
    minimum = config.break_min_minutes * 60
    since = facts.now
    for span in reversed(facts.availability):
        end = span.end if span.end is not None else facts.now
        if span.state in (PAUSED, OFFLINE) and end - span.start >= minimum:
            return end, span
        if span.state == OFFLINE:
            return end, None
        since = span.start
    return since, None


def no_break(facts: AgentFacts, config: BurnoutConfig) -> Finding | None:
    """Logged in and unpaused for hours without a real break (a pause or logout of at least
    break_min_minutes; wrap-up is not a break)."""
    if not facts.availability or facts.availability[-1].state == OFFLINE:
        return None
    since, last_break = _last_break(facts, config)
    if since >= facts.now:
        return None
    worked = facts.now - since
    if worked >= config.no_break_critical_h * 3600:
        severity = CRITICAL
    elif worked >= config.no_break_warning_h * 3600:
        severity = WARNING
    else:
        return None
    if last_break is not None and last_break.state == PAUSED:
        before = f"last break: {last_break.reason or 'pause'} of {_minutes((last_break.end or facts.now) - last_break.start)} min"
    else:
        before = "no break since logging in"
    return Finding(
        severity,
        since,
        f"{_minutes(worked)} min without a break ({before})",
        {
            "minutes_without_break": _minutes(worked),
            "break_min_minutes": config.break_min_minutes,
            "last_break": None
            if last_break is None
            else {
                "start": last_break.start,
                "end": last_break.end,
                "reason": last_break.reason,
                "state": last_break.state,
            },
        },
        (since, facts.now),
    )


def sustained_occupancy(facts: AgentFacts, config: BurnoutConfig) -> Finding | None:
    """Busy (talking or wrapping up) nearly all of the last hour."""
    if facts.occupancy_60m is None:
        return None
    if facts.logged_in_60m_s < config.occupancy_min_logged_in_min * 60:
        return None
    if facts.occupancy_60m < config.occupancy_warning:
        return None
    return Finding(
        WARNING,
        facts.now - 3600,
        f"occupancy {facts.occupancy_60m:.0%} over the last 60 min",
        {
            "occupancy_60m": round(facts.occupancy_60m, 4),
            "logged_in_min": _minutes(facts.logged_in_60m_s),
            "threshold": config.occupancy_warning,
        },
        (facts.now - 3600, facts.now),
    )


def back_to_back(facts: AgentFacts, config: BurnoutConfig) -> Finding | None:
    """Call after call with no breathing room: the current run of calls each starting less than
    back_to_back_gap_s after the previous one ended."""
    calls = facts.calls
    if len(calls) < config.back_to_back_calls:
        return None
    last = calls[-1]
    if last.ended_at is not None and facts.now - last.ended_at >= config.back_to_back_gap_s:
        return None  # they have had their breath since
    run = [last]
    for previous in reversed(calls[:-1]):
        if previous.ended_at is None:
            break
        if run[0].answered_at - previous.ended_at >= config.back_to_back_gap_s:
            break
        run.insert(0, previous)
    if len(run) < config.back_to_back_calls:
        return None
    gaps = [
        b.answered_at - a.ended_at
        for a, b in zip(run, run[1:], strict=False)
        if a.ended_at is not None
    ]
    return Finding(
        WARNING,
        run[0].answered_at,
        f"{len(run)} calls back to back (gaps under {config.back_to_back_gap_s:g}s)",
        {
            "calls": len(run),
            "max_gap_s": max(gaps) if gaps else 0,
            "call_ids": [c.call_id for c in run],
        },
        (run[0].answered_at, last.ended_at or facts.now),
    )


def hard_calls(facts: AgentFacts, config: BurnoutConfig) -> Finding | None:
    """Several calls in the last hour far longer than their queue's AHT today."""
    start = facts.now - config.hard_calls_window_min * 60
    hard = []
    for call in facts.calls:
        if call.answered_at < start or call.handle_s is None:
            continue
        queue_aht = facts.queue_aht.get(call.queue)
        if queue_aht and call.handle_s > config.hard_calls_factor * queue_aht:
            hard.append((call, queue_aht))
    if len(hard) < config.hard_calls_count:
        return None
    return Finding(
        WATCH,
        hard[0][0].answered_at,
        f"{len(hard)} calls in {config.hard_calls_window_min:g} min over "
        f"{config.hard_calls_factor:g}x their queue's AHT",
        {
            "calls": [
                {
                    "call_id": c.call_id,
                    "queue": c.queue,
                    "handle_s": c.handle_s,
                    "queue_aht_s": round(aht, 1),
                }
                for c, aht in hard
            ]
        },
        (hard[0][0].answered_at, hard[-1][0].ended_at or facts.now),
    )


def slowing_down(facts: AgentFacts, config: BurnoutConfig) -> Finding | None:
    """Handle times rising: AHT over the last hours well above the agent's own baseline."""
    if facts.baseline_aht is None or facts.baseline_calls < config.slowing_baseline_min_calls:
        return None
    start = facts.now - config.slowing_window_h * 3600
    recent = [c.handle_s for c in facts.calls if c.answered_at >= start and c.handle_s is not None]
    if len(recent) < config.slowing_min_calls:
        return None
    aht = sum(recent) / len(recent)
    if aht < config.slowing_factor * facts.baseline_aht:
        return None
    return Finding(
        WATCH,
        start,
        f"AHT {aht:.0f}s over {config.slowing_window_h:g} h, "
        f"{aht / facts.baseline_aht:.1f}x their usual {facts.baseline_aht:.0f}s",
        {
            "aht_s": round(aht, 1),
            "calls": len(recent),
            "baseline_aht_s": round(facts.baseline_aht, 1),
            "baseline_calls": facts.baseline_calls,
            "baseline_days": config.slowing_baseline_days,
        },
        (start, facts.now),
    )


def missing_calls(facts: AgentFacts, config: BurnoutConfig) -> Finding | None:
    """Picking up less: several rings not answered in a short time."""
    start = facts.now - config.missing_calls_window_min * 60
    misses = [ts for ts in facts.misses if start <= ts <= facts.now]
    if len(misses) < config.missing_calls_count:
        return None
    return Finding(
        WATCH,
        misses[0],
        f"{len(misses)} rings not answered in {config.missing_calls_window_min:g} min",
        {"ring_no_answers": len(misses), "times": misses},
        (misses[0], misses[-1]),
    )


def long_day(facts: AgentFacts, config: BurnoutConfig) -> Finding | None:
    """Logged in for a very long day."""
    hours = facts.login_today_s / 3600
    if hours >= config.long_day_critical_h:
        severity = CRITICAL
    elif hours >= config.long_day_warning_h:
        severity = WARNING
    else:
        return None
    first = next((s.start for s in facts.availability if s.state != OFFLINE), facts.day_start)
    first = max(first, facts.day_start)
    return Finding(
        severity,
        first,
        f"logged in {hours:.1f} h today",
        {"logged_in_h": round(hours, 2)},
        (first, facts.now),
    )


def short_wrapup(facts: AgentFacts, config: BurnoutConfig) -> Finding | None:
    """Rushing the after-call work: median wrap-up of the last calls that report one."""
    reported = [c for c in facts.calls if c.wrapup_s is not None]
    recent = reported[-config.short_wrapup_calls :]
    if len(recent) < config.short_wrapup_calls:
        return None
    median = statistics.median(c.wrapup_s for c in recent)
    if median >= config.short_wrapup_s:
        return None
    return Finding(
        WATCH,
        recent[0].answered_at,
        f"median wrap-up {median:.1f}s over the last {len(recent)} calls",
        {"median_wrapup_s": median, "wrapups_s": [c.wrapup_s for c in recent]},
        (recent[0].answered_at, recent[-1].ended_at or facts.now),
    )


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    description: str
    check: Callable[[AgentFacts, BurnoutConfig], Finding | None]


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "no_break",
            "No break",
            "logged in and unpaused for hours without a real break",
            no_break,
        ),
        Rule(
            "sustained_occupancy",
            "Sustained occupancy",
            "busy nearly all of the last hour",
            sustained_occupancy,
        ),
        Rule(
            "back_to_back", "Back to back", "call after call with no breathing room", back_to_back
        ),
        Rule("hard_calls", "Hard calls", "several very long calls in the last hour", hard_calls),
        Rule(
            "slowing_down", "Slowing down", "handle times well above their own usual", slowing_down
        ),
        Rule("missing_calls", "Missing calls", "several rings not picked up", missing_calls),
        Rule("long_day", "Long day", "logged in for a very long day", long_day),
        Rule("short_wrapup", "Short wrap-up", "rushing the after-call work", short_wrapup),
    )
}


#: Rules the burnout monitor evaluates from other evidence than the day's facts (the
#: schedule's absences, survey scores), named here so every list of flags titles them too.
OTHER_TITLES = {"more_absences": "More absences", "low_scores": "Low scores"}


def rule_title(name: str) -> str:
    """How every screen and report names a burnout rule ("No break"); its name if unknown."""
    rule = RULES.get(name)
    return rule.title if rule is not None else OTHER_TITLES.get(name, name)


def evaluate(facts: AgentFacts, config: BurnoutConfig) -> dict[str, Finding]:
    """Every enabled rule's finding for one agent (rules that find nothing are absent)."""
    findings = {}
    for name, rule in RULES.items():
        if name in config.disabled:
            continue
        finding = rule.check(facts, config)
        if finding is not None:
            findings[name] = finding
    return findings


# ----------------------------------------------------------------- when to look again
def next_check(facts: AgentFacts, config: BurnoutConfig, findings: dict[str, Finding]) -> float:
    """The earliest instant at which, with nothing new happening to this agent, any rule could
    find something other than `findings`. Until then the agent need not be evaluated again:
    this is what makes a round cost what changed, not the size of the floor.

    Each bound is safe (never later than the real change), per rule:
    - a finding stands: every round (its summary moves with time, and it must clear on time);
    - no break and long day grow at one second per second while logged in;
    - occupancy over 60 min: in dt seconds busy time grows by at most 2*dt (talk and wrap-up
      can overlap in a feed) and idle shrinks by at most dt, so the ratio cannot reach the
      threshold before dt = (t*(busy+idle) - busy) / (2 - t); logged-in time grows by at most
      dt towards its minimum;
    - slowing down: the recent AHT moves with time only when a call leaves the window;
    - back to back, missing calls, hard calls, short wrap-up: time alone only clears them
      (hard calls also move with the queue's AHT: see hard_call_triggers).
    """
    now = facts.now
    enabled = [name for name in RULES if name not in config.disabled]
    if any(name in findings for name in enabled):
        return now
    wake = math.inf if facts.next_fact_at is None else facts.next_fact_at
    if facts.logged_in:
        if "no_break" in enabled:
            wake = min(wake, _last_break(facts, config)[0] + config.no_break_warning_h * 3600)
        if "long_day" in enabled:
            wake = min(wake, now + config.long_day_warning_h * 3600 - facts.login_today_s)
    if "sustained_occupancy" in enabled:
        busy, idle = facts.busy_60m_s, facts.idle_60m_s
        threshold = config.occupancy_warning
        occupancy_dt = max(0.0, (threshold * (busy + idle) - busy) / (2 - threshold))
        minimum = config.occupancy_min_logged_in_min * 60
        if facts.logged_in or facts.logged_in_60m_s >= minimum:
            login_dt = max(0.0, minimum - facts.logged_in_60m_s)
            wake = min(wake, now + max(occupancy_dt, login_dt))
    if "slowing_down" in enabled and facts.baseline_aht is not None:
        start = now - config.slowing_window_h * 3600
        recent = [c.answered_at for c in facts.calls if c.answered_at >= start]
        if len(recent) >= config.slowing_min_calls:
            wake = min(wake, recent[0] + config.slowing_window_h * 3600)
    return wake


def hard_call_triggers(facts: AgentFacts, config: BurnoutConfig) -> dict[str, float]:
    """Per queue, the AHT below which one more of the agent's calls of the last hour would count
    as hard: the only way "hard calls" can appear without an event of the agent's own is the
    queue's AHT of the day falling under one of these."""
    start = facts.now - config.hard_calls_window_min * 60
    triggers: dict[str, float] = {}
    for call in facts.calls:
        if call.answered_at < start or call.handle_s is None:
            continue
        queue_aht = facts.queue_aht.get(call.queue)
        if queue_aht and call.handle_s > config.hard_calls_factor * queue_aht:
            continue  # already hard
        trigger = call.handle_s / config.hard_calls_factor
        if trigger > triggers.get(call.queue, 0.0):
            triggers[call.queue] = trigger
    return triggers


# Availability states a break can be made of, for readers of this module.
BREAK_STATES = (PAUSED, OFFLINE)
WORK_STATES = (AVAILABLE, WRAPUP)
