"""Burnout: see an agent heading for exhaustion before they do.

- facts.py: what the rules read (one agent's facts at an instant) and what they find;
- rules.py: the rules themselves, when to look at an agent again, and the hard-call triggers;
- flags.py: findings over time as flags (raised at once, cleared without flapping) and an
  agent's overall level.

docs/burnout.md says why each rule matters. Everything is importable from here (BurnoutConfig too, the rules' settings).
"""

from floorwatch.config import BurnoutConfig
from floorwatch.snapshot.burnout.facts import (
    CRITICAL,
    RANK,
    SEVERITIES,
    WARNING,
    WATCH,
    AgentFacts,
    CallFact,
    Finding,
    Span,
)
from floorwatch.snapshot.burnout.flags import Flag, FlagChanges, FlagTracker, overall_level
from floorwatch.snapshot.burnout.rules import (
    BREAK_STATES,
    RULES,
    WORK_STATES,
    Rule,
    back_to_back,
    evaluate,
    hard_call_triggers,
    hard_calls,
    long_day,
    missing_calls,
    next_check,
    no_break,
    rule_title,
    short_wrapup,
    slowing_down,
    sustained_occupancy,
)

__all__ = [
    "BREAK_STATES",
    "BurnoutConfig",
    "CRITICAL",
    "RANK",
    "RULES",
    "rule_title",
    "SEVERITIES",
    "WARNING",
    "WATCH",
    "WORK_STATES",
    "AgentFacts",
    "CallFact",
    "Finding",
    "Flag",
    "FlagChanges",
    "FlagTracker",
    "Rule",
    "Span",
    "back_to_back",
    "evaluate",
    "hard_call_triggers",
    "hard_calls",
    "long_day",
    "missing_calls",
    "next_check",
    "no_break",
    "overall_level",
    "short_wrapup",
    "slowing_down",
    "sustained_occupancy",
]
