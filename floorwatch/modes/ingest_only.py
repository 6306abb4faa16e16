"""`floorwatch ingest`: feeds into the store, exactly once, with no screen.

Following (the default) runs until `stop` is set, committing as the feeds grow; once (`--once`)
loads each feed to its end and returns. The burnout rules are evaluated beside the ingest:
following, every few seconds by the clock; once, by the feed's own time.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from floorwatch.config import Config
from floorwatch.ingest.alarm_monitor import AlarmMonitor
from floorwatch.ingest.alarm_notify import Notifier
from floorwatch.ingest.burnout_monitor import BurnoutMonitor
from floorwatch.ingest.control_server import ControlServer, group_id
from floorwatch.ingest.pipeline import Ingest, IngestSummary
from floorwatch.ingest.progress import IngestProgress
from floorwatch.ingest.publisher import Publisher
from floorwatch.modes.feeds import FeedSpec, open_feeds
from floorwatch.sources.base import FeedLoss, scrub_secrets
from floorwatch.sources.nats_link import NatsAuth
from floorwatch.store.action_log import ActionLog
from floorwatch.store.database import Store


@dataclass(frozen=True)
class IngestOptions:
    follow: bool = True
    #: A progress bar on stderr (for a load to the end).
    progress: bool = False
    #: Seconds between checks of a file when notifications say nothing.
    poll_interval: float = 0.5
    #: How long a rotated file is still read after the new one appeared and it went quiet.
    rotation_grace: float = 5.0
    burnout: bool = True
    #: How often to evaluate burnout (following: clock seconds; once: feed seconds); None:
    #: every 5 s following, once at the end otherwise.
    burnout_every_s: float | None = None
    #: Evaluate the alarm rules (following: every [alarms] every_s by the clock, with the
    #: hooks; once: one round at the end, no hooks: a past day pages nobody).
    alarms: bool = True


@dataclass
class IngestOutcome:
    summary: IngestSummary
    #: The sources that stopped on an error, with it (the others ran to their end).
    errors: list[tuple[str, BaseException]]


def ingest_feeds(
    database: str | Path,
    config: Config,
    specs: Sequence[FeedSpec],
    options: IngestOptions,
    stop: threading.Event,
    *,
    on_loss: Callable[[str, FeedLoss], None] | None = None,
) -> IngestOutcome:
    """Open and check every feed, then the store, and ingest until the feeds end or `stop`.

    Raises SourceError or StoreError (a wrong feed, a store that is not ours) before anything
    is written; `on_loss` hears at once of a part of a feed that cannot be read.
    """
    follow = options.follow
    bar = IngestProgress(enabled=options.progress)
    feeds = open_feeds(
        specs,
        follow=follow,
        poll_interval=options.poll_interval,
        progress=bar.update if bar.enabled else None,
        rotation_grace=options.rotation_grace,
    )
    publishers = prepare_publishers(database, config)
    scrub_secrets()  # read by now: nothing started from here on inherits it
    if config.control.enabled and config.control.group:
        group_id(config.control.group)  # a wrong group is said before the store is touched
    store = Store.open(database, config.derive_config())
    control: ControlServer | None = None
    try:
        if config.control.enabled:
            control = start_control(database, config, feeds)
        with bar:
            for feed in feeds:
                bar.add(feed.name, feed.size())
            monitor = None
            if options.burnout:
                every = options.burnout_every_s or (5.0 if follow else None)
                monitor = BurnoutMonitor(
                    database, config, every_s=every, clock=time.time if follow else None
                )
            alarms = None
            if options.alarms:
                alarms = AlarmMonitor(
                    database,
                    config,
                    clock=time.time if follow else None,
                    every_s=None if follow else math.inf,
                    notifier=Notifier(config.alarms.notify) if follow else None,
                )
            run = Ingest(
                store,
                feeds,
                monitor=monitor,
                on_loss=on_loss,
                alarms=alarms,
                on_commit=publishing(publishers),
            )
            try:
                summary = run.run(stop)
            finally:
                for publisher in publishers:
                    publisher.close()
                if monitor is not None:
                    monitor.close()
                if alarms is not None:
                    alarms.close()
    finally:
        if control is not None:
            control.close()
            control.audit.close()
        store.close()
    return IngestOutcome(summary, run.errors)


def prepare_publishers(database: str | Path, config: Config) -> list[Publisher]:
    """A publisher per `[[publish]]`, its secrets read now (before they are scrubbed from the
    environment); SourceError in one line for a credentials or TLS file that is not there."""
    return [
        Publisher(database, target, NatsAuth.for_publish(target, config.resolve))
        for target in config.publish
    ]


def publishing(publishers: Sequence[Publisher]) -> Callable[[int], None] | None:
    """Start the publishers, and what the ingest calls after each commit to wake them."""
    if not publishers:
        return None
    for publisher in publishers:
        publisher.start()

    def committed(seq: int) -> None:
        for publisher in publishers:
            publisher.notify(seq)

    return committed


def start_control(database: str | Path, config: Config, feeds: Sequence) -> ControlServer:
    """The control socket beside the store, acting through the feeds that hold an AMI
    connection (none: every action is refused, and audited, with that reason)."""
    targets = [feed for feed in feeds if hasattr(feed, "interface_of")]
    audit = ActionLog(database)
    server = ControlServer(config.control_socket(database), config.control, targets, audit)
    try:
        server.start()
    except BaseException:
        audit.close()
        raise
    return server
