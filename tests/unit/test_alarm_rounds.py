"""The alarm round's shortcuts read the floor as the plain way does: the lean floor holds the
dashboard snapshot's figures, and the rules with their memo and agent watch (reading again
only what can have moved) give, round after round, the very readings of reading everything
afresh. A simulated busy floor fed in steps through a real store, rounds every 10 s."""

from __future__ import annotations

from collections import Counter

from floorwatch.config import from_table
from floorwatch.snapshot.alarms import measure
from floorwatch.snapshot.alarms.agent_watch import AgentWatch
from floorwatch.snapshot.alarms.memo import ReadingMemo
from floorwatch.snapshot.alarms.rules import windows_read
from floorwatch.snapshot.reader import FloorReader
from floorwatch.sources.base import Batch
from floorwatch.sources.queue_log import parse_line
from floorwatch.sources.simulator import SimConfig, Simulator
from floorwatch.store.database import Store

DAY = 1_795_478_400  # 2026-11-24 00:00 UTC
#: Every rule on, the forecast too (it reads the 15-minute window), with short limits so the
#: simulated floor trips them; missed rings over 10 minutes so counts also age out.
CONFIG = from_table(
    {
        "timezone": "UTC",
        "alarms": {
            "rules": {
                "forecast_breach": {"enabled": True},
                "long_call": {"threshold": 240},
                "long_pause": {"threshold": 120, "reasons": {"Lunch": 900}},
                "missed_rings": {"threshold": 1, "window_min": 10},
                "oldest_wait": {"threshold": 30, "clear": 20, "queues": {"sales": 15}},
                "calls_waiting": {"threshold": 3, "clear": 1},
            }
        },
    }
)


def lines_until(simulator: Simulator, until: float) -> list:
    return [parse_line(line, "sim") for line in simulator.lines(until)]


def test_the_rounds_shortcuts_read_what_reading_everything_afresh_reads(tmp_path):
    simulator = Simulator(SimConfig(agents=20, queues=3, seed=4, start=DAY + 9 * 3600, load=1.6))
    db = tmp_path / "floor.db"
    writer = Store.open(db, CONFIG.derive_config())
    now = DAY + 9 * 3600
    writer.write([Batch("sim", "queue_log", lines_until(simulator, now))])
    reader = FloorReader(Store.open_readonly(db), CONFIG, clock=lambda: now)
    model, rules = reader.model, CONFIG.alarms
    windows = windows_read(rules)
    assert windows == {"30m", "15m"}
    watch, memo = AgentWatch(), ReadingMemo()
    seen_version, touched = 0, None
    found: Counter[str] = Counter()
    for _ in range(360):  # an hour
        now += 10
        events = lines_until(simulator, now)
        if events:
            writer.write([Batch("sim", "queue_log", events)])
        reader.refresh()
        lean = model.lean(now, windows)
        snapshot = model.snapshot(now, details=None)
        # The lean floor holds the snapshot's figures, in its order.
        assert list(lean.queues) == list(snapshot.queues)
        for name, queue in lean.queues.items():
            shown = snapshot.queues[name]
            assert queue.waiting == shown.waiting
            assert queue.longest_wait_s(now) == shown.longest_wait_s
            assert queue.agents_available == shown.agents_available
            assert {w: queue.windows[w] for w in windows} == {w: shown.windows[w] for w in windows}
            assert (queue.display_name, queue.target) == (shown.display_name, shown.target)
        assert dict(lean.agents) == snapshot.agents
        misses = {name: book.misses for name, book in model.agents.items() if book.misses}
        touched = model.touched_since(seen_version) if seen_version else None
        seen_version = model.version
        with_shortcuts = measure(lean, rules, misses, (watch, touched), memo)
        afresh = measure(lean, rules, misses)
        assert with_shortcuts == afresh, now
        found.update(reading.rule for reading in afresh)
    reader.store.close()
    writer.close()
    # The floor tripped every kind of rule the shortcuts take: the test saw them at work.
    for rule in ("calls_waiting", "oldest_wait", "service_level", "abandon_rate"):
        assert found[rule] > 20, found
    assert found["missed_rings"] and found["long_pause"] and found["forecast_breach"], found


def test_a_queue_rule_is_skipped_only_below_any_value_that_has_a_reading():
    """QueueLimits lets a round skip a queue rule below a value; on random thresholds, clear
    levels (either side of the threshold) and per-queue overrides, every value with a
    reading is at or above it, and values right at it can have one (the limit is not loose)."""
    import random

    from floorwatch.alarm_config import AlarmRule, AlarmsConfig
    from floorwatch.snapshot.alarms.measurement import reading
    from floorwatch.snapshot.alarms.queue_rules import queue_limits

    rng = random.Random(20)
    reached = 0
    for _ in range(2000):
        threshold = rng.choice([1, 2, 3, 5, 30, 60])
        rule = AlarmRule(
            threshold=threshold,
            clear=rng.choice([None, 0, 1, 2, 4, 20, 40, 90]),
            queues={"vip": rng.choice([1, 4, 10])} if rng.random() < 0.5 else {},
        )
        config = AlarmsConfig()
        name = rng.choice(["calls_waiting", "oldest_wait", "no_agent_free"])
        setattr(config.rules, name, rule)
        queue = rng.choice(["vip", "sales"])
        limit = getattr(queue_limits(queue, config), name)
        for value in [x / 2 for x in range(0, 200)]:
            made = reading(
                name, rule, value, rule.threshold_for(queue), rule.clear_for(queue), lambda: "s"
            )
            assert made is None or value >= limit, (name, rule, queue, value, limit)
            reached += made is not None and value == limit
    assert reached > 100
