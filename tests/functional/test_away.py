"""What changed while I was away (issue 24): rows that just changed are marked for a moment, and
after an idle while the first key shows a digest of what changed instead of acting."""

from __future__ import annotations

from floorwatch.config import load
from floorwatch.format import percent
from floorwatch.modes.one_shot import read_floor
from floorwatch.screens.digest import DigestScreen
from floorwatch.screens.floor import FloorScreen
from floorwatch.snapshot.digest import digest
from floorwatch.widgets.agent_board import AgentBoard, agent_columns
from tests.helpers import (
    EXAMPLE_CONFIG,
    SAMPLE_END,
    ingest_file,
    loaded,
    make_app,
    until,
    write_lines,
)

LEFT_AT = SAMPLE_END - 600


async def test_first_key_after_an_idle_while_shows_the_digest(samples, tmp_path):
    """The floor grows while the supervisor is away: the sample up to 15:25:10 is in the store
    when they leave, the rest comes in through the ingest while they are gone."""
    config = load(EXAMPLE_CONFIG)
    lines = (samples / "asterisk22_three_queues.queue_log").read_text().splitlines()
    feed = tmp_path / "queue_log"
    write_lines(feed, [line for line in lines if float(line.split("|")[0]) <= LEFT_AT])
    sample_db = ingest_file(tmp_path / "floor.db", feed, config)
    now = [LEFT_AT]
    app = make_app(sample_db)
    app.live.clock = lambda: now[0]
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        board = app.screen.query_one(AgentBoard)
        await pilot.press("down")  # the supervisor's last key, at 15:25:10
        assert not isinstance(app.screen, DigestScreen)
        cursor = board.cursor_key
        # Away for ten minutes of floor (and, constructed, an hour of no keys).
        write_lines(feed, lines)
        ingest_file(sample_db, feed, config)
        now[0] = SAMPLE_END
        await until(pilot, lambda: app._latest.snapshot.at == SAMPLE_END, what="the floor later")
        app._last_key_at -= 3600
        await pilot.press("down")
        await until(pilot, lambda: isinstance(app.screen, DigestScreen), what="the digest")
        assert board.cursor_key == cursor  # the first key showed the digest instead of acting
        before = read_floor(sample_db, config, at=LEFT_AT)
        after = read_floor(sample_db, config, at=SAMPLE_END)
        lines = app.screen.lines
        assert lines == digest(before, after, config, config.tzinfo())
        assert lines[0] == "since 15:25 (10 min ago):"
        orders_before = before.queues["orders"].windows["30m"].service_level
        orders_after = after.queues["orders"].windows["30m"].service_level
        assert orders_before != orders_after
        expected = f"Orders SL 30m {percent(orders_before)[:-1]} -> {percent(orders_after)[:-1]} %"
        assert expected in lines
        waiting = f"calls waiting {before.totals.calls_waiting} -> {after.totals.calls_waiting}"
        assert waiting in lines
        await pilot.press("x")  # any key closes it
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        where = board.order.index(cursor)
        await pilot.press("down")  # and keys act again
        assert board.cursor == where + 1


async def test_no_digest_without_an_idle_while(sample_db):
    now = [LEFT_AT]
    app = make_app(sample_db)
    app.live.clock = lambda: now[0]
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("down")
        now[0] = SAMPLE_END
        await until(pilot, lambda: app._latest.snapshot.at == SAMPLE_END)
        await pilot.press("down")
        await pilot.pause(0.05)
        assert isinstance(app.screen, FloorScreen)


def test_an_agent_who_just_changed_is_marked_for_a_moment(sample_db):
    config = load(EXAMPLE_CONFIG)
    floor = read_floor(sample_db, config, at=SAMPLE_END)
    agent = next(a for a in floor.agents.values() if a.since is not None)
    name = next(c for c in agent_columns(config) if c.key == "agent")
    assert name.cell(agent, agent.since + 2) == (agent.display_name, "changed")
    later = agent.since + config.display.changed_mark_s
    assert name.cell(agent, later) == (agent.display_name, None)


def test_a_queue_whose_waiting_or_severity_just_changed_is_marked_for_a_moment(sample_db):
    """The queue board remembers what it showed: a queue whose callers waiting (or severity)
    changed between two looks is marked from the second look for changed_mark_s."""
    from floorwatch.widgets.queue_board import QueueChanges, Severities, queue_columns

    config = load(EXAMPLE_CONFIG)
    changes = QueueChanges()
    name = next(c for c in queue_columns(config, changes=changes) if c.key == "queue")
    # Two instants of the sample day, a caller more or less waiting in some queue between them.
    looks = [read_floor(sample_db, config, at=SAMPLE_END - 700 + 10 * n) for n in range(12)]
    changes.take(looks[0], Severities(config))
    first = looks[0].queues["orders"]
    assert name.cell(first, looks[0].at) == (first.display_name, None)  # the first look
    moved = None
    for before, after in zip(looks, looks[1:], strict=False):
        changes.take(after, Severities(config))
        for queue, now in after.queues.items():
            if now.calls_waiting != before.queues[queue].calls_waiting:
                moved = (queue, after.at)
        if moved:
            break
    assert moved is not None, "some queue's callers waiting changed in two minutes"
    queue, at = moved
    row = looks[-1].queues[queue]
    assert name.cell(row, at + 1) == (row.display_name, "changed")
    assert name.cell(row, at + config.display.changed_mark_s) == (row.display_name, None)
    others = [q for q in after.queues if q != queue and q not in changes.changed_at]
    for other in others:
        assert name.cell(after.queues[other], at + 1)[1] is None


def test_a_tile_whose_agent_just_changed_is_marked_on_the_map(sample_db):
    from floorwatch.widgets.agent_tiles import AgentTiles
    from floorwatch.widgets.tile_layout import TileSize

    config = load(EXAMPLE_CONFIG)
    floor = read_floor(sample_db, config, at=SAMPLE_END)
    agent = next(a for a in floor.agents.values() if a.since is not None)
    tiles = AgentTiles(config)
    size = TileSize(width=20, height=2, name=14)
    fresh = tiles._tile(agent, size, agent.since + 2)
    stale = tiles._tile(agent, size, agent.since + config.display.changed_mark_s + 1)
    assert "underline" in str(fresh[0].spans) and "underline" not in str(stale[0].spans)
