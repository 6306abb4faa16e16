"""The ingest's side of the floor model (AgentFloor) against the viewers' whole floor
(FloorModel): the same agents, burnout facts and queue AHT from the same store; and the ingest,
monitor round included, runs without numpy (checked in a fresh interpreter)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap

from floorwatch.config import Config
from floorwatch.snapshot.model.agent_floor import AgentFloor
from floorwatch.snapshot.model.floor import FloorModel
from floorwatch.snapshot.reader import FloorReader
from floorwatch.sources.base import Batch
from floorwatch.sources.queue_log import parse_line
from floorwatch.sources.simulator import SimConfig, Simulator
from floorwatch.store.database import Store

DAY = 1_795_478_400.0  # 2026-11-24 00:00 UTC
H = 3600.0
UTC = Config(timezone="UTC")


def _simulated_store(tmp_path, until: float):
    """A simulated morning (personas that pause, miss rings and run long calls) in a store."""
    simulator = Simulator(SimConfig(agents=16, queues=3, seed=3, start=DAY + 12 * H))
    db = tmp_path / "floor.db"
    store = Store.open(db, UTC.derive_config())
    store.write([Batch("sim", "queue_log", [parse_line(line, "sim")
                                            for line in simulator.lines(until)])])  # fmt: skip
    store.close()
    return db


def test_agent_floor_gives_the_whole_floors_facts_and_queue_aht(tmp_path):
    now = DAY + 11 * H
    db = _simulated_store(tmp_path, now)
    floors = [FloorReader(Store.open_readonly(db), UTC, clock=lambda: now, model_type=model_type)
              for model_type in (AgentFloor, FloorModel)]  # fmt: skip
    agents, whole = (reader.model for reader in floors)
    assert type(agents) is AgentFloor and type(whole) is FloorModel
    for model in (agents, whole):
        model.forget_settled(now)
    aht = agents.queue_aht_today()
    assert aht == whole.queue_aht_today()
    # The yardstick of "hard calls" is the snapshot's AHT of the day, to the last bit.
    snapshot = whole.snapshot(now, details=None)
    assert len(aht) == 3
    assert aht == {name: queue.windows["today"].aht_s for name, queue in snapshot.queues.items()}
    assert sorted(agents.agents) == sorted(whole.agents)
    facts = [agents.agent_facts(name, now, aht) for name in sorted(agents.agents)]
    assert sum(1 for f in facts if f is not None) == len(snapshot.agents) == 16
    assert facts == [whole.agent_facts(name, now, aht) for name in sorted(whole.agents)]
    assert sum(len(f.calls) for f in facts if f is not None) == 229
    assert sorted(aht) == ["billing", "sales", "support"]
    assert round(aht["support"], 3) == 371.955
    for reader in floors:
        reader.store.close()


def test_the_ingest_and_a_monitor_round_run_without_numpy(tmp_path):
    """`import floorwatch.ingest.pipeline` and a burnout round on a real store, in a fresh
    interpreter: numpy (the viewers' windows), pandas, textual and click are never loaded."""
    db = _simulated_store(tmp_path, DAY + 10 * H)
    script = textwrap.dedent(f"""
        import json, sys
        import floorwatch.ingest.pipeline
        from floorwatch.config import Config
        from floorwatch.ingest.burnout_monitor import BurnoutMonitor
        from floorwatch.store.database import Store
        config = Config(timezone="UTC")
        store = Store.open({str(db)!r}, config.derive_config())
        monitor = BurnoutMonitor({str(db)!r}, config, every_s=None)
        changes = monitor.run(store, {DAY + 10 * H})
        print(json.dumps({{"evaluated": monitor.last_evaluated,
                           "raised": len(changes.raised),
                           "loaded": [name for name in ("numpy", "pandas", "textual", "click")
                                      if name in sys.modules]}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)  # fmt: skip
    report = json.loads(result.stdout)
    assert report["loaded"] == []
    assert report["evaluated"] == 16  # the first round looks at every agent
    assert report["raised"] == 2


def test_floor_model_names_are_still_importable_from_snapshot_floor_model():
    from floorwatch.snapshot import floor_model
    from floorwatch.snapshot.model import changes, floor

    assert floor_model.FloorModel is floor.FloorModel
    assert floor_model.Changes is changes.Changes
    for name in ("ALL", "LOOKBACK_S", "RECENT_CALLS", "RING_MINUTES", "Settled", "clip_changes",
                 "clip_call", "clip_interval", "clip_membership", "is_settled"):  # fmt: skip
        assert hasattr(floor_model, name), name
    assert dataclasses.is_dataclass(floor_model.Settled)
