"""The simulated floor: real queue_log (zero rejects), deterministic, plausible, and tiring
enough that every burnout rule fires; the demo and the replay built on it."""

from __future__ import annotations

import time

from floorwatch.modes.demo import Demo, DemoOptions


async def test_the_demo_app(tmp_path):
    from floorwatch.app import FloorwatchApp
    from floorwatch.snapshot.live import LiveFloor
    from floorwatch.widgets.agent_board import AgentBoard
    from floorwatch.widgets.burnout_panel import BurnoutPanel

    demo = Demo(
        DemoOptions(
            folder=tmp_path / "d",
            agents=16,
            queues=2,
            seed=3,
            speed=30,
            history_days=2,
            timezone="UTC",
        )
    )
    demo.prepare()
    demo.start()
    try:
        app = FloorwatchApp(
            LiveFloor(demo.database, demo.config, clock=demo.clock.now, poll_s=0.05),
            demo.config,
            banner="demo",
        )
        async with app.run_test(size=(140, 40)) as pilot:
            deadline = time.monotonic() + 20
            while app.update is None and time.monotonic() < deadline:
                await pilot.pause(0.05)
            first = app.update.snapshot
            board = app.screen.query_one(AgentBoard)
            await pilot.pause(0.2)
            assert len(board.order) == 16
            assert len(first.queues) == 2
            assert app.screen.query_one(BurnoutPanel).order or all(
                not a.flags for a in first.agents.values()
            )
            # Live: the simulated clock runs 30x, new calls keep coming.
            offered = first.totals.windows["today"].offered
            while (
                app.update.snapshot.totals.windows["today"].offered <= offered
                and time.monotonic() < deadline + 20
            ):
                await pilot.pause(0.1)
            assert app.update.snapshot.totals.windows["today"].offered > offered
            assert app.update.snapshot.at > first.at
    finally:
        demo.stop()
