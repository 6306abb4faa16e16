"""What happens after a simulated call: some callers call back (the first call was not
resolved: what first-call resolution counts) and some answer the post-call survey, which the
dialplan writes as a queue_log `SURVEY|score|comment` line (`[satisfaction] queue_log_event`).

Its dice are its own (`_extras`), so a seed's calls, agents and pauses are the same with or
without it: only the callers' numbers of the call-backs and the survey lines are added.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable

from floorwatch.sources.simulator.profiles import HARD, Agent, Call

#: The survey's event name in the queue_log (the config's default `queue_log_event`).
SURVEY_EVENT = "SURVEY"
CALL_BACK_SHARE = 0.12
SURVEY_SHARE = 0.35
#: Scores 1-5 and their weights, for most agents and for the one having a hard time.
SCORES = (1, 2, 3, 4, 5)
USUAL = (0.04, 0.06, 0.15, 0.35, 0.40)
STRUGGLING = (0.35, 0.30, 0.20, 0.10, 0.05)
COMMENTS = {1: "not solved", 2: "long wait", 3: "ok", 4: "helpful", 5: "great, thanks"}


class Aftercare:
    """Call-backs and survey scores (a mixin of the Simulator)."""

    now: float
    _emit: Callable[[float, str], None]
    _push: Callable[..., None]
    _extras: random.Random
    _served: deque

    def _caller_for(self, queue: str, fresh: str) -> str:
        """A caller already served in this queue, now and then; else the fresh number."""
        served = self._served
        if served and self._extras.random() < CALL_BACK_SHARE:
            matches = [caller for q, caller in served if q == queue]
            if matches:
                return self._extras.choice(matches)
        return fresh

    def _after_call(self, call: Call, agent: Agent, wait: float) -> None:
        """Remember the caller for a call-back; maybe a survey score a little later."""
        self._served.append((call.queue, call.caller))
        extras = self._extras
        if extras.random() >= SURVEY_SHARE:
            return
        weights = STRUGGLING if agent.persona == HARD else USUAL
        score = extras.choices(SCORES, weights=weights)[0]
        if wait > 120 and score > 1:
            score -= 1
        self._push(self.now + extras.uniform(20, 90), "survey", (call, agent.name, score))

    def _on_survey(self, payload) -> None:
        call, agent, score = payload
        self._emit(
            self.now,
            f"{call.call_id}|{call.queue}|{agent}|{SURVEY_EVENT}|{score}|{COMMENTS[score]}",
        )
