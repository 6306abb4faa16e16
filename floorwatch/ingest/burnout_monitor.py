"""Runs the burnout rules for every agent inside the ingest, once per change of the floor, and
keeps the flags in the store, so every viewer just reads them (twenty viewers do not evaluate
the rules twenty times) and `floorwatch burnout` can show the week's history.

The monitor keeps only the agents' side of the floor model (AgentFloor: agents, their burnout
facts and the queues' AHT of the day), not the viewers' queue windows: the ingest runs without
numpy.
"""

from __future__ import annotations

import heapq
import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path

from floorwatch.clock import local_day_start
from floorwatch.config import Config
from floorwatch.snapshot.absence_reader import absence_findings, low_score_findings
from floorwatch.snapshot.burnout import (
    FlagChanges,
    FlagTracker,
    evaluate,
    hard_call_triggers,
    next_check,
)
from floorwatch.snapshot.burnout.absence import RULE as ABSENCE_RULE
from floorwatch.snapshot.model.agent_floor import AgentFloor
from floorwatch.snapshot.reader import FloorReader, load_flags
from floorwatch.store.database import Store

log = logging.getLogger(__name__)
ABSENCE_EVERY_S = 300.0
LOW_SCORES_RULE = "low_scores"


def agent_baselines(store: Store, day_start: float, days: int) -> dict[str, tuple[float, int]]:
    """Each agent's AHT (talk + wrap-up) over the `days` days before `day_start`, with its
    number of calls: the yardstick of the "slowing down" rule, once a day. SQLite sums them
    as it reads, so two weeks of a busy floor never sit in memory (the ingest's budget)."""
    sums = store.queries.handle_sums(day_start - days * 86400, day_start)
    return {agent: (total / count, count) for agent, (total, count) in sums.items()}


class BurnoutMonitor:
    """Evaluates the floor at `now` every `every_s` seconds (of the clock it is given) and
    writes what changed. Without a clock it follows the feed's own time (bulk loads, replays).

    A round evaluates only the agents whose facts could have moved: those the store changed
    since the last round, those with a flag up, those whose next_check time has come, and those
    whose queue's AHT fell under one of their hard-call triggers. Everyone else would get the
    same answer as last time (tests hold the incremental rounds to full ones)."""

    def __init__(
        self,
        db_path: str | Path,
        config: Config,
        *,
        clock: Callable[[], float] | None = None,
        every_s: float | None = 5.0,
    ):
        self.db_path = Path(db_path)
        self.config = config
        self.clock = clock
        self.every_s = every_s
        self.last_run: float | None = None
        self._reader: FloorReader | None = None
        self._tracker: FlagTracker | None = None
        self._baselines: tuple[float, dict[str, tuple[float, int]]] | None = None
        self._absences: tuple[float, dict] | None = None
        self._model: AgentFloor | None = None
        self._seen_version = 0  # the model's version at the last round
        #: (instant, agent): when to look at an agent again though nothing happened to them
        #: (burnout.next_check); an entry is stale unless it matches _wake[agent].
        self._wakes: list[tuple[float, str]] = []
        self._wake: dict[str, float] = {}
        #: Per queue, per agent: the queue AHT under which "hard calls" could appear for them.
        self._hard_triggers: dict[str, dict[str, float]] = {}
        self._agent_triggers: dict[str, dict[str, float]] = {}
        self._queue_aht: dict[str, float] = {}
        self.last_seconds = 0.0
        #: Agents evaluated by the last round (the rest were known not to have changed).
        self.last_evaluated = 0

    def _feed_time(self, store: Store) -> float | None:
        return store.queries.feed_time()

    def now(self, store: Store) -> float | None:
        return self.clock() if self.clock is not None else self._feed_time(store)

    def after_commit(self, store: Store) -> FlagChanges | None:
        """Called by the ingest after each commit: evaluate if it is time to."""
        if self.every_s is None:
            return None
        now = self.now(store)
        if now is None or (self.last_run is not None and now - self.last_run < self.every_s):
            return None
        return self.run(store, now)

    def run(
        self, store: Store, now: float | None = None, *, full: bool = False
    ) -> FlagChanges | None:
        """Evaluate the floor at `now` and record the changes in `store` (the writer's).
        `full` evaluates every agent, whether or not anything changed for them."""
        now = self.now(store) if now is None else now
        if now is None:
            return None
        started = time.perf_counter()
        if self._reader is None:
            # The first round reads the whole floor; the baselines (the days before) are read
            # beside it, on a connection of their own: SQLite lets go of the GIL for both.
            beside = self._read_baselines_beside(local_day_start(now, self.config.tzinfo()))
            self._reader = FloorReader(
                Store.open_readonly(self.db_path),
                self.config,
                clock=lambda: now,
                model_type=AgentFloor,
            )
            self._tracker = FlagTracker(
                self.config.burnout,
                [flag for flag in load_flags(store) if flag.cleared_at is None],
            )
            if beside is not None:
                beside.join()
        reader = self._reader
        reader.clock = lambda: now
        reader.refresh()
        model = reader.model
        if model is not self._model or (self.last_run is not None and now < self.last_run):
            # A new day (or time going back, in a replay): nothing remembered holds.
            self._model = model
            self._forget()
            full = True
        model.forget_settled(now)
        baselines = self.baselines(reader.store, model.day_start)
        queue_aht = model.queue_aht_today()
        tracker = self._tracker
        due = set(model.agents) if full else self._due(model, now, queue_aht)
        due |= tracker.agents()
        absences = self.absences(reader.store, now)
        due |= set(absences)
        self._seen_version = model.version
        self._queue_aht = queue_aht
        changes = FlagChanges()
        burnout = self.config.burnout
        for name in sorted(due):
            facts = model.agent_facts(name, now, queue_aht)
            absent = absences.get(name, {})
            if facts is None:
                tracker.update(name, now, absent, changes)
                self._remember(name, math.inf, {})
                continue
            facts.baseline_aht, facts.baseline_calls = baselines.get(name, (None, 0))
            findings = evaluate(facts, burnout) | absent
            tracker.update(name, now, findings, changes)
            self._remember(
                name, next_check(facts, burnout, findings), hard_call_triggers(facts, burnout)
            )
        self.last_evaluated = len(due)
        store.write_flags(changes)
        self.last_run = now
        self.last_seconds = time.perf_counter() - started
        return changes

    def _due(self, model: AgentFloor, now: float, queue_aht: dict[str, float]) -> set[str]:
        """Agents whose findings could differ from last round's: their book changed, their
        next_check instant has come, or their queue's AHT fell under a hard-call trigger."""
        due = set(model.touched_since(self._seen_version))
        wakes = self._wakes
        while wakes and wakes[0][0] <= now:
            instant, name = heapq.heappop(wakes)
            if self._wake.get(name) == instant:
                del self._wake[name]
                due.add(name)
        for queue, aht in queue_aht.items():
            if aht >= self._queue_aht.get(queue, math.inf):
                continue  # only a fall can make a call hard
            for name, trigger in self._hard_triggers.get(queue, {}).items():
                if aht < trigger:
                    due.add(name)
        return due

    def _remember(self, name: str, wake: float, triggers: dict[str, float]) -> None:
        if self._wake.get(name) != wake:
            self._wake[name] = wake
            if wake != math.inf:
                heapq.heappush(self._wakes, (wake, name))
        old = self._agent_triggers.get(name, {})
        if old == triggers:
            return
        for queue in old:
            if queue not in triggers:
                self._hard_triggers[queue].pop(name, None)
        for queue, trigger in triggers.items():
            self._hard_triggers.setdefault(queue, {})[name] = trigger
        self._agent_triggers[name] = triggers

    def _forget(self) -> None:
        self._seen_version = 0
        self._wakes.clear()
        self._wake.clear()
        self._hard_triggers.clear()
        self._agent_triggers.clear()
        self._queue_aht = {}

    def _read_baselines_beside(self, day_start: float) -> threading.Thread | None:
        """Start reading the baselines of `day_start` in a thread (None: known already)."""
        if self._baselines is not None and self._baselines[0] == day_start:
            return None
        days = self.config.burnout.slowing_baseline_days

        def read() -> None:
            try:
                with Store.open_readonly(self.db_path) as store:
                    self._baselines = (day_start, agent_baselines(store, day_start, days))
            except Exception:  # baselines() reads them itself, and says what is wrong
                log.debug("baselines beside the first round failed", exc_info=True)

        thread = threading.Thread(target=read, name="burnout baselines", daemon=True)
        thread.start()
        return thread

    def baselines(self, store: Store, day_start: float) -> dict[str, tuple[float, int]]:
        if self._baselines is None or self._baselines[0] != day_start:
            days = self.config.burnout.slowing_baseline_days
            self._baselines = (day_start, agent_baselines(store, day_start, days))
        return self._baselines[1]

    def absences(self, store, now: float) -> dict:
        """Per agent, the findings of the rules read from the store rather than the floor
        model, read again every ABSENCE_EVERY_S of feed time: more_absences
        (snapshot/burnout/absence.py, moving with logins and whole days) and low_scores (a run
        of low survey scores, snapshot/csat.py)."""
        last = self._absences
        if last is None or not 0 <= now - last[0] < ABSENCE_EVERY_S:
            found: dict[str, dict] = {}
            if ABSENCE_RULE not in self.config.burnout.disabled:
                for agent, finding in absence_findings(store, self.config, now).items():
                    found[agent] = {ABSENCE_RULE: finding}
            if LOW_SCORES_RULE not in self.config.burnout.disabled:
                for agent, finding in low_score_findings(store, self.config, now).items():
                    found.setdefault(agent, {})[LOW_SCORES_RULE] = finding
            self._absences = last = (now, found)
        return last[1]

    def close(self) -> None:
        if self._reader is not None:
            self._reader.store.close()
            self._reader = None
