"""Adherence: what each agent does now against what the imported schedule planned.

States, at an instant (`[schedule]` sets the minutes):
- `adherent`: doing what is planned (on the phones for a phone activity; paused or logged out
  for anything else), or within `late_after_min` of a shift's start;
- `late`: planned since more than `late_after_min` but not logged in since the day's first
  planned start;
- `absent`: the same for more than `absent_after_min`;
- `not_on_phones`: a phone activity planned, but paused or logged out (after having logged in);
- `off_activity`: on the phones while planned for something else (a meeting, training, a break);
- `unscheduled`: logged in with nothing planned now;
- `off`: nothing planned and logged out.

Pure: the plan, each agent's first login of the day and state now in; states out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from floorwatch.manager_config import ScheduleConfig

#: The states counted in the header, in the order it says them.
HEADER_STATES = ("late", "absent", "not_on_phones", "off_activity", "unscheduled")


class PlannedLike(Protocol):
    agent: str
    start: float
    end: float
    activity: str


@dataclass(frozen=True)
class AgentNow:
    """What adherence needs to know of an agent at the instant."""

    logged_in: bool
    on_phones: bool  # logged in and not paused
    first_login: float | None  # today's first login, None: not yet


@dataclass(frozen=True)
class AgentAdherence:
    state: str
    activity: str | None
    #: Seconds since the planned start for `late` and `absent`.
    late_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "activity": self.activity, "late_s": self.late_s}


@dataclass
class Adherence:
    at: float
    agents: dict[str, AgentAdherence] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many agents are in each state that needs a look (the header's "3 late")."""
        seen = Counter(state.state for state in self.agents.values())
        return {state: seen[state] for state in HEADER_STATES if seen[state]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "agents": {name: state.to_dict() for name, state in self.agents.items()},
        }


def adherence_at(
    plan: Iterable[PlannedLike],
    agents: Mapping[str, AgentNow],
    now: float,
    config: ScheduleConfig,
) -> Adherence:
    """Every planned or logged-in agent's state at `now`."""
    phones = {activity.lower() for activity in config.phone_activities}
    late_after, absent_after = config.late_after_min * 60, config.absent_after_min * 60
    by_agent: dict[str, list[PlannedLike]] = {}
    for row in plan:
        by_agent.setdefault(row.agent, []).append(row)
    out = Adherence(now)
    for name in sorted(set(by_agent) | {n for n, a in agents.items() if a.logged_in}):
        rows = sorted(by_agent.get(name, []), key=lambda r: r.start)
        agent = agents.get(name, AgentNow(False, False, None))
        current = next((r for r in rows if r.start <= now < r.end), None)
        if current is None:
            out.agents[name] = AgentAdherence("unscheduled" if agent.logged_in else "off", None)
            continue
        activity = current.activity
        on_phones_planned = activity.lower() in phones
        # The start of this stretch of planned work: back through activities that follow
        # one another without a gap (a shift's phones, lunch, phones again).
        shift_start = current.start
        for row in reversed([r for r in rows if r.start < current.start]):
            if row.end >= shift_start - 1:
                shift_start = row.start
            else:
                break
        logged_today = agent.first_login is not None and agent.first_login <= now
        if not agent.logged_in and not logged_today:
            waited = now - shift_start
            if waited <= late_after:
                state = "adherent"
            else:
                state = "absent" if waited > absent_after else "late"
            out.agents[name] = AgentAdherence(
                state, activity, None if state == "adherent" else waited
            )
        elif on_phones_planned:
            state = "adherent" if agent.on_phones else "not_on_phones"
            out.agents[name] = AgentAdherence(state, activity)
        else:
            state = "off_activity" if agent.on_phones else "adherent"
            out.agents[name] = AgentAdherence(state, activity)
    return out
