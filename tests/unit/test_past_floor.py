"""The rewind's past floor (snapshot/past_floor.py): stepped forward minute by minute, from a
spare built further back, and with rows the ingest commits meanwhile, it is the floor
`snapshot --at` builds for the same instant, number for number."""

from __future__ import annotations

from floorwatch.config import load
from floorwatch.modes.one_shot import read_floor
from floorwatch.snapshot.lookback import Lookback
from floorwatch.snapshot.past_floor import PastFloor
from floorwatch.store.reading import ReadOnlyStore
from tests.helpers import EXAMPLE_CONFIG, SAMPLE_END, THREE_QUEUES, ingest_file, write_lines

START = SAMPLE_END - 12 * 60


def numbers(snapshot) -> dict:
    """Every figure a board shows, and each agent's state (to_dict without the PBX's counters
    and the costlier agent details, which a rewound board does not show)."""
    data = snapshot.to_dict()
    for queue in data["queues"].values():
        queue.pop("pbx")
    for agent in data["agents"].values():
        agent.pop("occupancy_60m")
    data.pop("feeds")
    return data


def test_stepping_forward_is_the_floor_built_at_once(tmp_path, samples):
    config = load(EXAMPLE_CONFIG)
    db = ingest_file(tmp_path / "floor.db", THREE_QUEUES, config)
    store = ReadOnlyStore.open_readonly(db)
    past = PastFloor(store, config, START)
    steps = 0
    for at in range(int(START) + 45, int(SAMPLE_END) + 1, 45):
        assert past.can_reach(at)
        past.step_to(store, at)
        stepped = past.reader.snapshot(at, details=None)
        built = read_floor(db, config, at=at)
        assert numbers(stepped) == numbers(built), at
        steps += 1
    assert steps == 16
    store.close()


def test_a_step_back_comes_from_the_spare_and_late_rows_are_applied(tmp_path, samples):
    """The store grows while rewound (the ingest goes on): the past floor reads the new rows
    by commit and a later step shows them; a step back uses the spare built before it."""
    config = load(EXAMPLE_CONFIG)
    lines = THREE_QUEUES.read_text().splitlines()
    feed = tmp_path / "queue_log"
    middle = SAMPLE_END - 300
    write_lines(feed, [line for line in lines if float(line.split("|")[0]) <= middle])
    db = ingest_file(tmp_path / "floor.db", feed, config)
    lookback = Lookback(db, config)
    first = lookback.floor_at(middle - 120)
    lookback.prepare(middle - 120)
    spare = lookback._spare
    assert spare is not None and spare.at == middle - 120 - config.display.rewind_step_s
    write_lines(feed, lines)
    ingest_file(db, feed, config)
    # Forward past the rows that came meanwhile: stepped, not built again.
    shown = lookback._shown
    later = lookback.floor_at(SAMPLE_END - 10)
    assert lookback._shown is shown
    assert numbers(later.snapshot) == numbers(read_floor(db, config, at=SAMPLE_END - 10))
    # Back a minute: from the spare, stepped forward to it.
    back = lookback.floor_at(middle - 180)
    assert lookback._shown is spare and lookback._spare is None
    assert numbers(back.snapshot) == numbers(read_floor(db, config, at=middle - 180))
    assert numbers(first.snapshot) == numbers(read_floor(db, config, at=middle - 120))
    lookback.close()
