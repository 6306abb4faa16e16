"""The feed's own clock: a demo or a replay records it in the store, its dashboard measures the
feed against it, and any other viewer of that store follows it (the same floor, the same time)."""

from __future__ import annotations

import re
import threading
import time

from floorwatch.clock import ClockState, FeedClock, StoreClock
from floorwatch.config import Config
from floorwatch.ingest.pipeline import Ingest
from floorwatch.modes.dashboard_run import dashboard_app
from floorwatch.modes.demo import Demo, DemoOptions
from floorwatch.modes.one_shot import read_floor
from floorwatch.modes.replay import Replay, ReplayControl, ReplayOptions
from floorwatch.snapshot.live import LiveFloor
from floorwatch.sources import open_source
from floorwatch.store.database import Store
from floorwatch.store.feed_clock import record_feed_clock, recorded_feed_clock
from floorwatch.widgets.floor_header import FloorHeader


def test_a_clock_state_is_followed_by_the_wall_clock_and_survives_its_text():
    state = ClockState(feed=1000.0, wall=50.0, speed=10.0, paused=False)
    assert state.at(52.5) == 1025.0
    assert ClockState.from_json(state.to_json()) == state
    assert replace_paused(state).at(99.0) == 1000.0
    assert ClockState.from_json("not json") is None
    assert ClockState.from_json('{"feed": 1}') is None
    clock = StoreClock(wall=lambda: 60.0)
    assert clock() == 60.0  # nothing recorded: the wall clock
    clock.follow(state)
    assert clock() == 1100.0


def replace_paused(state: ClockState) -> ClockState:
    return ClockState(state.feed, state.wall, state.speed, True)


def test_the_ingest_records_the_feed_clock_and_a_wall_clock_ingest_removes_it(tmp_path, samples):
    feed = samples / "asterisk22_three_queues.queue_log"
    db = tmp_path / "floor.db"
    clock = FeedClock(1795530000.0, 4.0, paused=True)
    store = Store.open(db)
    try:
        Ingest(store, [open_source(f"queue_log:{feed}", follow=False)], feed_clock=clock).run(
            threading.Event()
        )
        recorded = recorded_feed_clock(store)
        assert recorded is not None and recorded.paused and recorded.speed == 4.0
        assert recorded.feed == 1795530000.0
        # Received by the feed's clock, not the machine's (the year 2026 vs now).
        assert store.sources()[0].last_received_at == 1795530000.0
        Ingest(store, [open_source(f"queue_log:{feed}", follow=False)]).run(threading.Event())
        assert recorded_feed_clock(store) is None
        record_feed_clock(store, None)  # nothing to remove: still fine
    finally:
        store.close()
    snapshot = read_floor(db, Config(timezone="UTC"), clock=lambda: 1795530910.0)
    assert snapshot.at == 1795530910.0


def feed_age(header: FloorHeader) -> int:
    """The feed age the header says, in seconds ("feed 3s ago"; minutes count 60)."""
    text = header.render().plain
    match = re.search(r"feed (?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)? ago", text)
    assert match, text
    hours, minutes, secs = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + secs


async def test_the_demo_reads_feed_0s_and_a_second_viewer_sees_the_same_floor(tmp_path):
    """After a minute of the demo's (feed) time, at 6x: the header's feed age is under 5 s, and
    a second viewer given no clock (as `dash` and `serve-web` are) shows the demo's time and
    the same agents logged in, where the machine's clock would show another hour of the day."""
    speed = 6.0
    demo = Demo(
        DemoOptions(
            folder=tmp_path / "d",
            agents=12,
            queues=2,
            seed=3,
            speed=speed,
            history_days=1,
            timezone="UTC",
        )
    )
    demo.prepare()
    with Store.open_readonly(demo.database) as store:
        before = recorded_feed_clock(store)
    assert before is not None and before.paused and before.feed == demo.live_from
    demo.start()
    try:
        app = dashboard_app(demo.database, demo.config, clock=demo.clock.now, banner="demo")
        app.live.poll_s = 0.05
        async with app.run_test(size=(160, 40)) as pilot:
            deadline = time.monotonic() + 90
            while (app.update is None or app.update.snapshot.at < demo.live_from + 60) and (
                time.monotonic() < deadline
            ):
                await pilot.pause(0.1)
            assert app.update.snapshot.at >= demo.live_from + 60
            await pilot.pause(0.3)
            header = app.screen.query_one(FloorHeader)
            age = feed_age(header)
            assert age < 5, header.render().plain
            ours = app.update.snapshot

            second = LiveFloor(demo.database, demo.config)
            reader = second.open()
            try:
                theirs = second.update(reader).snapshot
            finally:
                reader.store.close()
            assert abs(theirs.at - demo.clock.now()) < 2 * speed
            assert abs(theirs.at - ours.at) < 10 * speed
            assert theirs.totals.agents_logged_in == ours.totals.agents_logged_in > 0
            assert set(theirs.agents) == set(ours.agents)
            (feed,) = theirs.feeds
            assert feed.last_event_age_s is not None and feed.last_event_age_s < 5 * speed
    finally:
        demo.stop()


def test_a_replay_paused_is_paused_for_every_viewer(tmp_path, samples):
    feed = samples / "asterisk22_three_queues.queue_log"
    replay = Replay(
        ReplayOptions(feed, speed=20.0, db_path=tmp_path / "r.db"), Config(timezone="UTC")
    )
    control = ReplayControl(replay.clock, replay.source)
    replay.start()
    try:
        control.toggle_pause()
        held = replay.clock.now()
        viewer = LiveFloor(replay.database, Config(timezone="UTC"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            reader = viewer.open()
            try:
                state = viewer.store_clock.state
                at = viewer.update(reader).snapshot.at
            finally:
                reader.store.close()
            if state is not None and state.paused:
                break
            time.sleep(0.1)
        assert state is not None and state.paused and state.speed == 20.0
        assert at == held
        control.faster()
        while time.monotonic() < deadline:
            with Store.open_readonly(replay.database) as store:
                state = recorded_feed_clock(store)
            if state.speed == 40.0:
                break
            time.sleep(0.1)
        assert state.speed == 40.0 and state.paused
    finally:
        replay.stop()
