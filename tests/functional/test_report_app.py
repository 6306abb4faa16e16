"""Interval reports reconcile exactly with the snapshot of the same day; the live staffing gap;
the report command's formats and errors; the dashboard's report view."""

from __future__ import annotations

from floorwatch.config import load
from tests.helpers import ROOT, ingest_file


async def test_the_report_view(tmp_path, samples):
    from floorwatch.app import FloorwatchApp
    from floorwatch.screens.report import ReportScreen
    from floorwatch.snapshot.live import LiveFloor
    from floorwatch.widgets.live_table import LiveTable

    config = load(ROOT / "data" / "floorwatch.toml")
    db = ingest_file(tmp_path / "s.db", samples / "asterisk22_three_queues.queue_log", config)
    app = FloorwatchApp(LiveFloor(db, config, clock=lambda: 1795530910.0, poll_s=0.02), config)
    async with app.run_test(size=(140, 40)) as pilot:
        while app.update is None:
            await pilot.pause(0.05)
        await pilot.press("r")
        assert isinstance(app.screen, ReportScreen) and app.screen.queue == "orders"
        table = app.screen.query_one("#report-table", LiveTable)
        for _ in range(100):
            if table.rows:
                break
            await pilot.pause(0.05)
        assert [table.rows[k]["offered"] for k in table.order] == [103, 36] or [
            table.rows[k]["offered"] for k in table.order
        ] == [67, 36, 103]
        bars = str(app.screen.query_one("#report-bars").render())
        assert "offered" in bars and "█" in bars
        await pilot.press("escape")
        assert not isinstance(app.screen, ReportScreen)
