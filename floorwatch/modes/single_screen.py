"""`floorwatch run`: the config's feeds ingested in a thread beside one dashboard, one process.

For a single screen (a small floor, a laptop): no separate ingest to start. The ingest writes
the config's database; the dashboard reads it read-only like any other viewer. A refused AMI
login does not end the dashboard: it is shown there and retried. When the dashboard ends, the
ingest stops after committing what it has read (see dashboard_run).
"""

from __future__ import annotations

import time
from pathlib import Path

from floorwatch.config import Config
from floorwatch.ingest.alarm_monitor import AlarmMonitor
from floorwatch.ingest.alarm_notify import Notifier
from floorwatch.ingest.burnout_monitor import BurnoutMonitor
from floorwatch.ingest.control_server import ControlServer
from floorwatch.ingest.pipeline import Ingest
from floorwatch.modes.dashboard_run import BackgroundIngest, DashboardOutcome, dashboard_app, ended
from floorwatch.modes.feeds import configured_feeds, open_feeds
from floorwatch.modes.ingest_only import prepare_publishers, publishing, start_control
from floorwatch.modes.view import ViewerOptions
from floorwatch.store.database import Store


class SingleScreen:
    """Open with `open` (feeds checked, store opened: SourceError or StoreError if not), then
    `run` until the dashboard ends."""

    def __init__(self, config: Config, database: str | Path):
        self.config = config
        self.database = database
        self.feeds: list = []
        self.publishers: list = []
        self.store: Store | None = None
        #: The control socket, with `[control] enabled` (its own dashboard can act through it).
        self.control: ControlServer | None = None

    def open(self) -> None:
        # A refused AMI login must not end the dashboard: it is shown and retried.
        self.feeds = open_feeds(configured_feeds(self.config), follow=True, fatal_login=False)
        self.publishers = prepare_publishers(self.database, self.config)
        self.store = Store.open(self.database, self.config.derive_config())
        if self.config.control.enabled:
            try:
                self.control = start_control(self.database, self.config, self.feeds)
            except BaseException:
                self.store.close()
                raise

    def run(self, view: ViewerOptions = ViewerOptions()) -> DashboardOutcome:
        """The dashboard until it ends, the ingest beside it; then the ingest stops."""
        store = self.store
        assert store is not None, "open() first"
        app = dashboard_app(self.database, self.config, view)
        monitor = BurnoutMonitor(self.database, self.config, every_s=5.0, clock=time.time)
        alarms = AlarmMonitor(
            self.database,
            self.config,
            clock=time.time,
            notifier=Notifier(self.config.alarms.notify),
        )

        def closed() -> None:
            for publisher in self.publishers:
                publisher.close()
            if self.control is not None:
                self.control.close()
                self.control.audit.close()
            monitor.close()
            alarms.close()
            store.close()

        background = BackgroundIngest(
            Ingest(
                store,
                self.feeds,
                monitor=monitor,
                alarms=alarms if self.config.alarms.enabled else None,
                on_commit=publishing(self.publishers),
            ),
            self.feeds,
            on_error=lambda line: app.tell(line, "ingest stopped"),
            on_end=closed,
        )
        background.start()
        try:
            app.run()
        finally:
            stopped = background.stop()
        return DashboardOutcome(ended(app, stopped), background.errors)
