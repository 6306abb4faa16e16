"""Burnout flags over time: raised at once, cleared only after the condition has stayed clear
for `clear_after_min` (no flapping), and the agent's overall level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from floorwatch.config import BurnoutConfig
from floorwatch.snapshot.burnout.facts import CRITICAL, RANK, SEVERITIES, WATCH, Finding
from floorwatch.snapshot.burnout.rules import rule_title


@dataclass
class Flag:
    """A raised burnout flag: what the snapshot, the board and the drill-down show."""

    agent: str
    rule: str
    severity: str
    since: float
    raised_at: float
    summary: str
    evidence: dict[str, Any]
    stretch: tuple[float, float] | None = None
    cleared_at: float | None = None
    #: When the condition was last seen true (for clearing without flapping).
    last_true_at: float = 0.0
    #: Its row in the store's burnout_flags, once written.
    store_id: int | None = None

    def describe(self) -> str:
        return f"{self.severity.upper():8} {rule_title(self.rule)}: {self.summary}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "since": self.since,
            "raised_at": self.raised_at,
            "cleared_at": self.cleared_at,
            "summary": self.summary,
            "evidence": self.evidence,
            "stretch": list(self.stretch) if self.stretch else None,
        }


def overall_level(flags: Iterable[Flag], config: BurnoutConfig) -> str | None:
    """The highest severity; enough watch flags raise it one step."""
    flags = [flag for flag in flags if flag.cleared_at is None]
    if not flags:
        return None
    top = max(RANK[flag.severity] for flag in flags)
    watches = sum(1 for flag in flags if flag.severity == WATCH)
    if watches >= config.watch_escalation_count and top < RANK[CRITICAL]:
        top += 1
    return SEVERITIES[top - 1]


@dataclass
class FlagChanges:
    """What one round of evaluation changed, for the store."""

    raised: list[Flag] = field(default_factory=list)
    updated: list[Flag] = field(default_factory=list)
    cleared: list[Flag] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.raised or self.updated or self.cleared)


class FlagTracker:
    """Flags over time: raised when a rule finds something, cleared after it has stayed clear
    for clear_after_min, so a flag does not flap on and off."""

    def __init__(self, config: BurnoutConfig, open_flags: Iterable[Flag] = ()):
        self.config = config
        self.active: dict[tuple[str, str], Flag] = {(f.agent, f.rule): f for f in open_flags}

    def update(
        self, agent: str, now: float, findings: dict[str, Finding], changes: FlagChanges
    ) -> None:
        """Apply one agent's findings at `now`."""
        hold = self.config.clear_after_min * 60
        for rule, finding in findings.items():
            key = (agent, rule)
            flag = self.active.get(key)
            if flag is None:
                flag = Flag(
                    agent,
                    rule,
                    finding.severity,
                    finding.since,
                    now,
                    finding.summary,
                    finding.evidence,
                    finding.stretch,
                    last_true_at=now,
                )
                self.active[key] = flag
                changes.raised.append(flag)
                continue
            escalated = RANK[finding.severity] > RANK[flag.severity]
            flag.last_true_at = now
            if escalated or finding.summary != flag.summary:
                if escalated:
                    flag.severity = finding.severity
                flag.summary, flag.evidence, flag.stretch = (
                    finding.summary,
                    finding.evidence,
                    finding.stretch,
                )
                changes.updated.append(flag)
        for key in [k for k in self.active if k[0] == agent and k[1] not in findings]:
            flag = self.active[key]
            if now - flag.last_true_at >= hold:
                flag.cleared_at = now
                del self.active[key]
                changes.cleared.append(flag)

    def flags(self, agent: str) -> list[Flag]:
        return sorted(
            (f for (a, _), f in self.active.items() if a == agent),
            key=lambda f: (-RANK[f.severity], f.rule),
        )

    def agents(self) -> set[str]:
        return {agent for agent, _ in self.active}
