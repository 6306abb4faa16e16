"""A replica of two sites in the real app: the header gives each site beside the total, `f`
narrows every board to one site, and the wallboard's `f` shows one site, then all again.

The replica store is made without a bus: the real capture's events named on each site as the
`nats:` source names them (sources/site_names.site_event), ingested as JSON Lines under the
source names a `nats:` spec gives (`nats:<site>`). tests/e2e/test_sites.py does it over NATS."""

from __future__ import annotations

import threading

from floorwatch.config import load
from floorwatch.ingest.pipeline import Ingest
from floorwatch.screens.floor import FloorScreen
from floorwatch.screens.pickers import FilterScreen
from floorwatch.screens.wallboard import WallboardScreen
from floorwatch.sources import open_source
from floorwatch.sources.queue_log import parse_line
from floorwatch.sources.site_names import site_event
from floorwatch.store.database import Store
from floorwatch.widgets.agent_board import AgentBoard
from floorwatch.widgets.queue_board import QueueBoard
from tests.helpers import EXAMPLE_CONFIG, THREE_QUEUES, loaded, make_app, until

SITES = ("paris", "lyon")


def replica_of_two_sites(tmp_path):
    config = load(EXAMPLE_CONFIG)
    db = tmp_path / "replica.db"
    store = Store.open(db, config.derive_config())
    feeds = []
    for site in SITES:
        feed = tmp_path / f"{site}.jsonl"
        events = [parse_line(line) for line in THREE_QUEUES.read_text().splitlines()]
        feed.write_text(
            "".join(site_event(site, event, f"nats:{site}").to_json() + "\n" for event in events)
        )
        feeds.append(open_source(f"jsonl:{feed}", name=f"nats:{site}", follow=False))
    try:
        Ingest(store, feeds).run(threading.Event())
    finally:
        store.close()
    return db


async def test_sites_in_the_header_the_filter_and_the_wallboard(tmp_path, samples):
    db = replica_of_two_sites(tmp_path)
    app = make_app(db)
    async with app.run_test(size=(200, 50)) as pilot:
        await loaded(pilot)
        snapshot = app.update.snapshot
        assert len(snapshot.queues) == 6 and len(snapshot.agents) == 14
        header = str(app.screen.query_one("#floor-header").render())
        assert "| lyon 0 SL ✖19%  paris 0 SL ✖19%  feed" in header, header
        assert "waiting 0" in header
        # f: the site picker narrows both boards.
        await pilot.press("f")
        await until(pilot, lambda: isinstance(app.screen, FilterScreen))
        options = app.screen.query_one("#filter-options")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "site:lyon" in ids and "site:paris" in ids
        options.highlighted = ids.index("site:paris")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FloorScreen))
        await pilot.pause(0.1)
        queues = app.screen.query_one(QueueBoard)
        agents = app.screen.query_one(AgentBoard)
        assert sorted(queues.order) == ["paris/orders", "paris/returns", "paris/vip"]
        assert len(agents.order) == 7 and all(name.startswith("paris/") for name in agents.order)
        assert "site: paris" in app.screen.sub_title
        # ...and back to every site.
        app.screen.show_site(None)
        await pilot.pause(0.1)
        assert len(queues.order) == 6
        # The wallboard: f shows one site alone, then the next, then all again.
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, WallboardScreen))
        wall = app.screen
        await until(pilot, lambda: len(wall.queues) == 6, what="every site's queues")
        await pilot.press("f")
        await until(pilot, lambda: wall.site == "lyon" and len(wall.queues) == 3)
        assert all(queue.startswith("lyon/") for queue in wall.queues)
        status = str(wall.query_one("#wall-status").render())
        assert "site lyon" in status, status
        await pilot.press("f")
        await until(pilot, lambda: wall.site == "paris")
        await pilot.press("f")
        await until(pilot, lambda: wall.site is None and len(wall.queues) == 6)
