"""One dashboard over a big floor: how fast a new event shows, what it costs, how keys feel.

    python bench/dash.py [--seconds 30] [--screen floor|wall|map]

The store has 5,000 agents and 200 queues (bench/snapshot.py's cached 100,000-event store,
copied). A writer process commits 100 events/s (10 commits of 10), each commit a new caller
entering a queue, and records when it committed. The viewer runs in this process through
Textual's headless driver; every time it draws an update we note which callers it shows, so
(a) commit-to-drawn latency is measured per event, to the first frame written to the terminal
after the update that showed it. It is measured twice in the run, on fresh copies of the store:
as the viewer does it with `[display] update_gap_s = 0.1` (PRAGMA data_version asked 40 times
a second, each commit drawn as soon as it is noticed, at most ten updates a second) and as it did before issue 25 (today's figures: the
poll alone, ten times a second, at most five updates a second); `--no-baseline` skips the
second. (b) The viewer's CPU per second of wall time
is this process's (the writer is another process). (c) Key press to screen: the time from a key
to the first frame written after the cursor moved, or after the agent screen showed that
agent's day (the pilot's own waits for idle are not counted).
Targets (issue 5): p95 latency < 250 ms (aim 100), viewer CPU < 10 % of a core, keys < 100 ms;
issue 25: p95 < 100 ms, opening an agent < 100 ms at the maximum.
(d) Rewind (issue 24): a step back (`[`) and forward (`]`) from the key to the first frame
showing the floor a minute away, target < 150 ms, printed beside `snapshot --at` on the same
store (the baseline, measured in the same run after the viewer); the first step from live
(after the keys above, which ready a floor a step behind live) is printed on its own. The
live floor is a new day with only the writer's callers, so (e) times the rewind again on the
store's own busy day: the first step with no key before it, after a key, and later steps.
--screen wall or map measures (a) and (b) on the wallboard or the floor map instead (issue 19:
the new screens must keep within the floor's figures); the keys are then timed on the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def writer(db: str, queues: list[str], seconds: float, out: str, start: multiprocessing.Event):
    """Commit 100 callers a second, ten at a time, and write down when each was committed."""
    from floorwatch.sources.base import Batch
    from floorwatch.sources.queue_log import parse_line
    from floorwatch.store.database import Store

    store = Store.open(db)
    start.wait()
    committed = {}
    number = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        began = time.monotonic()
        events = []
        for _ in range(10):
            number += 1
            now = int(time.time())
            call_id = f"bench{number}"
            queue = queues[number % len(queues)]
            events.append(parse_line(f"{now}|{call_id}|{queue}|NONE|ENTERQUEUE||555|1", "bench"))
        store.write([Batch("bench", "queue_log", events)])
        stamp = time.time()
        for event in events:
            committed[event.call_id] = stamp
        time.sleep(max(0.0, 0.1 - (time.monotonic() - began)))
    store.close()
    Path(out).write_text(json.dumps(committed))


def record_frames(app) -> tuple[list[float], object]:
    """Note when each frame is written to the terminal; the app's own writer, to put back."""
    frames: list[float] = []
    display = app._display

    def recorded_display(screen, renderable):
        display(screen, renderable)
        frames.append(time.perf_counter())

    app._display = recorded_display
    return frames, display


async def frame_after(frames: list[float], instant: float) -> float:
    """The first frame written to the terminal at or after `instant`."""
    deadline = time.monotonic() + 10
    while (not frames or frames[-1] < instant) and time.monotonic() < deadline:
        await asyncio.sleep(0.001)
    return next((t for t in frames if t >= instant), time.perf_counter())


#: How the viewer noticed and drew commits before issue 25 (the poll alone, ten times a second,
#: at most five updates a second): measured in the same run, as today's figures.
TODAYS_LIVE = {"watch": False, "poll_s": 0.1, "min_gap_s": 0.2}
#: A screen set for the last 100 ms ([display] update_gap_s = 0.1, watch_commits off):
#: PRAGMA data_version asked 40 times a second (`LiveFloor.poll_s`), a commit drawn when it is
#: noticed, at most ten updates a second. What this bench's "new" runs.
WATCHING_LIVE: dict = {"min_gap_s": 0.1}
#: What the sets of figures are, as the benches print them.
MECHANISMS = {
    "new": "update_gap_s 0.1: data_version asked 40/s, drawn when noticed, at most 10/s",
    "defaults": "the defaults (update_gap_s 0.2): data_version asked 20/s, at most 5/s",
    "fast": "update_gap_s 0.1: data_version asked 40/s, drawn when noticed, at most 10/s",
    "watching": "watch_commits on, update_gap_s 0.1: woken by the -wal too, at most 10/s",
    "today's": "polled 10/s, drawn at most 5/s",
}
#: Today's figures for what cannot be switched off (the agent screen drawing the day the live
#: thread read while it was built): main before this change, on this bench.
TODAYS_OPEN_MS = (
    "100-133 ms median in issue 25; 425 median, 670 max in a busy run before this change"
)


async def run_viewer(
    db: Path,
    seconds: float,
    start: multiprocessing.Event,
    seen: dict,
    screen_name: str = "floor",
    live_options: dict | None = None,
    keys: bool = True,
) -> dict:
    from floorwatch.app import FloorwatchApp
    from floorwatch.config import Config
    from floorwatch.screens.agent import AgentScreen
    from floorwatch.screens.floor import FloorScreen
    from floorwatch.snapshot.live import LiveFloor
    from floorwatch.widgets.agent_board import AgentBoard

    config = Config(timezone="UTC")
    live = LiveFloor(db, config, **(live_options or {}))
    if screen_name == "floor":
        app = FloorwatchApp(live, config)
        shown = FloorScreen
    else:  # (the main branch before issue 19 has only the floor)
        from floorwatch.screens.floor_map import FloorMapScreen
        from floorwatch.screens.wallboard import WallboardScreen

        app = FloorwatchApp(live, config, start=screen_name)
        shown = WallboardScreen if screen_name == "wall" else FloorMapScreen
    original = shown.show_update
    on_screen: list[str] = []  # callers shown by the last update, on screen at the next frame

    def show_update(screen, update):
        original(screen, update)
        if update is None or app.screen is not screen:
            return
        for queue in update.snapshot.queues.values():
            on_screen.extend(call.call_id for call in queue.waiting if call.call_id not in seen)

    shown.show_update = show_update
    display = app._display

    def framed(screen, renderable):  # a frame written to the terminal: the callers are drawn
        display(screen, renderable)
        drawn = time.time()
        for call_id in on_screen:
            seen.setdefault(call_id, drawn)
        on_screen.clear()

    app._display = framed
    timings = {"cursor": [], "open": [], "rewind_first": [], "rewind": [], "forward": []}
    async with app.run_test(size=(160, 50)) as pilot:
        deadline = time.monotonic() + 120
        while app.update is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"the dashboard showed no floor within 120 s: {app.problem}")
            await pilot.pause(0.05)
        print("viewer: floor shown; writer starts", file=sys.stderr)
        await pilot.pause(1.0)
        cpu_before, wall_before = time.process_time(), time.monotonic()
        start.set()
        await pilot.pause(seconds)
        cpu = (time.process_time() - cpu_before) / (time.monotonic() - wall_before)
        shown.show_update = original
        app._display = display
        if not keys:
            return {"cpu": cpu}
        while not isinstance(app.screen, FloorScreen):
            app.pop_screen()
            await pilot.pause(0.2)
        print("viewer: measuring keys", file=sys.stderr)
        # Key to screen: from the key press to the first frame written to the terminal after
        # the change (the pilot's own waiting for idle is not counted).
        frames, display = record_frames(app)
        shown_day: list[tuple[str, float]] = []
        original_day = AgentScreen._day

        def recorded_day(screen, day, snapshot):
            original_day(screen, day, snapshot)
            shown_day.append((day.agent, time.perf_counter()))

        AgentScreen._day = recorded_day

        board = app.screen.query_one(AgentBoard)
        board.focus()
        await pilot.press("home")
        await pilot.pause(0.5)
        for _ in range(20):
            before = board.cursor
            began = time.perf_counter()
            press = asyncio.create_task(pilot.press("down"))
            while board.cursor == before:
                await asyncio.sleep(0)
            drawn = await frame_after(frames, time.perf_counter())
            timings["cursor"].append(drawn - began)
            await press
            await asyncio.sleep(0.05)
        for _ in range(5):
            name = board.cursor_key
            shown_day.clear()
            began = time.perf_counter()
            press = asyncio.create_task(pilot.press("enter"))
            deadline = time.monotonic() + 10
            while not any(agent == name for agent, _ in shown_day) and time.monotonic() < deadline:
                await asyncio.sleep(0.001)
            shown = next(t for agent, t in shown_day if agent == name)
            drawn = await frame_after(frames, shown)
            timings["open"].append(drawn - began)
            await press
            await pilot.press("escape")
            await pilot.pause(0.2)
            await pilot.press("down")
        # Rewind: from the key to the first frame showing the floor at the new instant. The
        # keys above readied a floor a step behind live (as any key does), so the first step
        # back from live steps a little from it; each later one, pressed once the spare floor
        # a step further back is ready (a supervisor's pace, not a held key), steps forward
        # from that; `]` steps the shown floor forward.
        print("viewer: measuring the rewind", file=sys.stderr)
        rewind = RewindTimer(app, pilot, frames)
        timings["rewind_first"].append(await rewind.step("left_square_bracket"))
        for _ in range(REWIND_STEPS):
            timings["rewind"].append(await rewind.step("left_square_bracket"))
        for _ in range(3):
            timings["forward"].append(await rewind.step("right_square_bracket"))
        for _ in range(FIRST_STEPS - 1):  # live again, a key, a pause, then the first step
            await pilot.press("l")
            await pilot.pause(2.0)
            await pilot.press("up")
            await pilot.pause(2.0)
            while app.lookback._lock.locked():
                await pilot.pause(0.05)
            timings["rewind_first"].append(await rewind.step("left_square_bracket"))
        rewind.close()
        await pilot.press("l")
        app._display = display
        AgentScreen._day = original_day
    return {"cpu": cpu, **timings}


#: Steps back timed after the first (each a minute).
REWIND_STEPS = 5
#: First steps back from live timed (each after a key pressed live).
FIRST_STEPS = 4


class RewindTimer:
    """Times a rewind key: from the key to the first frame written after the past floor became
    the app's (a rewound screen is still: no later frame comes to wait for)."""

    def __init__(self, app, pilot, frames: list[float]):
        from floorwatch.screens.rewind import Rewinding

        self.app, self.pilot, self.frames = app, pilot, frames
        self.past_shown: dict[float, float] = {}
        self._original = original = Rewinding.on_rewinding_past_ready
        shown = self.past_shown

        def recorded_past(the_app, message):
            original(the_app, message)
            shown.setdefault(message.at, time.perf_counter())

        Rewinding.on_rewinding_past_ready = recorded_past

    def close(self) -> None:
        from floorwatch.screens.rewind import Rewinding

        Rewinding.on_rewinding_past_ready = self._original

    async def step(self, key: str) -> float:
        app, past_shown = self.app, self.past_shown
        past_shown.clear()  # (a step forward comes back to an instant shown before)
        began = time.perf_counter()
        press = asyncio.create_task(self.pilot.press(key))
        deadline = time.monotonic() + 60
        before = app.rewound_at
        while app.rewound_at == before and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        target = app.rewound_at
        while target not in past_shown and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        drawn = await frame_after(self.frames, past_shown.get(target, time.perf_counter()))
        await press
        while app.lookback._lock.locked() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # the spare is being built: wait, as a person would
        await self.pilot.pause(0.1)
        return drawn - began


async def busy_day_rewind(db: Path) -> dict:
    """The rewind on the store's own day (the bench's live floor is a new, quiet day: its
    rewind steps over a minute where little happened). The viewer's clock stands at the
    store's last event; no writer. The first step back with no key pressed before it (it
    builds the day, as `snapshot --at`), then after a key (the floor a step back readied),
    then steps of a minute through the busy hour."""
    from floorwatch.app import FloorwatchApp
    from floorwatch.config import Config
    from floorwatch.snapshot.live import LiveFloor
    from floorwatch.store.database import Store

    with Store.open_readonly(db) as store:
        end = float(store.queries.last_event_ts() or time.time())
    config = Config(timezone="UTC")
    app = FloorwatchApp(LiveFloor(db, config, clock=lambda: end), config)
    result: dict[str, list[float]] = {"cold": [], "warm": [], "steps": []}
    async with app.run_test(size=(160, 50)) as pilot:
        while app.update is None:
            await pilot.pause(0.05)
        await pilot.pause(1.0)
        frames, display = record_frames(app)
        rewind = RewindTimer(app, pilot, frames)
        result["cold"].append(await rewind.step("left_square_bracket"))
        await pilot.press("l")
        app.lookback.release()
        await pilot.pause(0.5)
        await pilot.press("down")  # a key, live: the floor a step back is readied
        step = config.display.rewind_step_s
        deadline = time.monotonic() + 60
        while not app.lookback.ready_for(end - step, 0) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        result["warm"].append(await rewind.step("left_square_bracket"))
        for _ in range(REWIND_STEPS):
            result["steps"].append(await rewind.step("left_square_bracket"))
        rewind.close()
        app._display = display
    return result


def at_baseline(db: Path, runs: int = 5) -> list[float]:
    """`floorwatch snapshot --at` on the same store (read_floor at a past instant, as the
    command does, without the printing): the time to the floor, each run."""
    from floorwatch.config import Config
    from floorwatch.modes.one_shot import read_floor
    from floorwatch.store.database import Store

    config = Config(timezone="UTC")
    with Store.open_readonly(db) as store:
        last = store.queries.last_event_ts() or time.time()
    times = []
    for run in range(runs):
        began = time.perf_counter()
        read_floor(db, config, at=last - 60 * (run + 1))
        times.append(time.perf_counter() - began)
    return times


def commits_to_screen(
    cached: Path, seconds: float, screen: str, live_options: dict | None, keys: bool = False
) -> dict:
    """One viewer on a fresh copy of the store while the writer commits: commit to drawn per
    caller and the viewer's CPU (and, with `keys`, the keys on the same viewer)."""
    from floorwatch.store.database import Store

    work = Path(tempfile.mkdtemp(prefix="fw-dash-"))
    db = work / "floor.db"
    shutil.copy(cached, db)
    with Store.open_readonly(db) as store:
        queues = [
            q for (q,) in sqlite3.connect(store.path).execute("SELECT DISTINCT queue FROM calls")
        ]
        agents = store.count("agents")
    out = work / "committed.json"
    # Spawned, not forked: a writer forked after a first viewer had run in this process
    # committed nothing the next viewer could see (its store stayed at the copy's seq).
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Event()
    process = spawn.Process(target=writer, args=(str(db), queues, seconds, str(out), start))
    process.start()
    seen: dict[str, float] = {}
    result = asyncio.run(run_viewer(db, seconds, start, seen, screen, live_options, keys))
    process.join()
    committed = json.loads(out.read_text())
    latencies = sorted(seen[c] - t for c, t in committed.items() if c in seen)
    return {
        "db": db,
        "result": result,
        "agents": agents,
        "queues": len(queues),
        "committed": len(committed),
        "median": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(len(latencies) * 0.95)] if latencies else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
        "missed": sum(1 for c in committed if c not in seen),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--screen",
        choices=("floor", "wall", "map"),
        default="floor",
        help="The screen whose commit-to-drawn and CPU are measured.",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="Skip today's figures (the viewer polling, at most five updates a second).",
    )
    args = parser.parse_args()
    from snapshot import build

    _, cached = build(100_000)
    runs = {"new": commits_to_screen(cached, args.seconds, args.screen, WATCHING_LIVE, keys=True)}
    if not args.no_baseline:
        runs["today's"] = commits_to_screen(cached, args.seconds, args.screen, TODAYS_LIVE)
    new = runs["new"]
    db, result, agents, queues = new["db"], new["result"], new["agents"], new["queues"]
    baseline = at_baseline(db)
    busy = asyncio.run(busy_day_rewind(db))
    print(
        f"floor:     {agents} agents, {queues} queues; {new['committed']} callers committed "
        f"at 100/s over {args.seconds:.0f} s; measured on the {args.screen} screen"
    )
    for name, run in runs.items():
        print(
            f"latency:   {name}: {MECHANISMS[name]}: commit to drawn median {run['median'] * 1000:.0f} ms, "
            f"p95 {run['p95'] * 1000:.0f} ms, max {run['max'] * 1000:.0f} ms "
            f"({run['missed']} not yet drawn at the end) (target p95 < 100 ms)"
        )
        print(f"CPU:       {name}: the viewer used {run['result']['cpu']:.1%} of a core")
    print(
        f"keys:      cursor move {statistics.median(result['cursor']) * 1000:.1f} ms median, "
        f"{max(result['cursor']) * 1000:.1f} ms max; open an agent "
        f"{statistics.median(result['open']) * 1000:.0f} ms median, "
        f"{max(result['open']) * 1000:.0f} ms max (target < 100 ms at the max; today's: "
        f"{TODAYS_OPEN_MS})"
    )
    rewind, forward, first = result["rewind"], result["forward"], result["rewind_first"]
    print(
        f"rewind:    one step back ([) key to screen {statistics.median(rewind) * 1000:.0f} ms "
        f"median, {max(rewind) * 1000:.0f} ms max over {len(rewind)} steps; forward (]) "
        f"{statistics.median(forward) * 1000:.0f} ms median, {max(forward) * 1000:.0f} ms max; "
        f"the first step from live {statistics.median(first) * 1000:.0f} ms median, "
        f"{max(first) * 1000:.0f} ms max over {len(first)} (target < 150 ms)"
    )
    steps = busy["steps"]
    print(
        f"busy day:  the store's own day (the viewer's clock at its last event): the first "
        f"step back with no key before it {busy['cold'][0] * 1000:.0f} ms, after a key "
        f"{busy['warm'][0] * 1000:.0f} ms; then one step back {statistics.median(steps) * 1000:.0f}"
        f" ms median, {max(steps) * 1000:.0f} ms max over {len(steps)} steps"
    )
    print(
        f"baseline:  `snapshot --at` on this store {statistics.median(baseline) * 1000:.0f} ms "
        f"median, {max(baseline) * 1000:.0f} ms max (the first step builds the same floor)"
    )


if __name__ == "__main__":
    main()
