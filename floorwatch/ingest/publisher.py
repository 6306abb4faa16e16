"""Publishing a site's committed events to NATS JetStream, with the store as the outbox.

After each commit the ingest wakes the publisher (`notify`); it reads the events after its
published-up-to mark (store/outbox.py), publishes them to `<subject_prefix>.<site>` with the
message id `<site>:<event id>` (the server drops a copy inside its duplicate window; the replica
drops one outside it), and moves the mark to the last event the server acknowledged. A bus
that is down or refuses us costs the site nothing: the ingest goes on committing locally, the
publisher retries with back-off, and catches up from the mark when the bus is back.

It runs in a thread of its own with its own asyncio loop and its own connection to the store,
so a slow or absent bus never holds up a commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from floorwatch.publish_config import PublishConfig
from floorwatch.sources.base import SourceError
from floorwatch.sources.nats_link import MSG_ID, NatsAuth, connect, message_id
from floorwatch.store.faults import DATABASE_FAULTS, sqlite_fault
from floorwatch.store.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class PublisherState:
    """What the publisher has done, for the operator's log and the tests."""

    status: str = "starting"
    detail: str = ""
    published: int = 0  # the mark: every event up to this id is on the bus
    sent: int = 0  # messages sent in this run (duplicates included)
    duplicates: int = 0  # of them, ones the server already had


class Publisher:
    """Publishes one store's events to one `[[publish]]` target until closed."""

    #: Events read and published per round (each acknowledged before the mark moves).
    BATCH = 2000
    #: The longest a round waits for the server's acknowledgements.
    ACK_TIMEOUT = 10.0
    BACKOFF = (0.5, 15.0)

    def __init__(self, database: str | Path, target: PublishConfig, auth: NatsAuth):
        self.database = Path(database)
        self.target = target
        self.auth = auth
        self.state = PublisherState()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._caught_up = threading.Event()

    @property
    def name(self) -> str:
        return f"{self.target.stream}/{self.target.site}"

    # --------------------------------------------------------------------- control
    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, daemon=True, name=f"publish {self.name}")
        self._thread.start()

    def notify(self, seq: int | None = None) -> None:
        """A commit is in: there may be events to publish."""
        self._caught_up.clear()
        self._wake.set()

    def close(self, drain_s: float = 30.0) -> None:
        """Stop; first publish what is committed for as long as that makes progress (at most
        `drain_s` without progress), so a `--once` ingest leaves nothing behind on a live bus."""
        if self._thread is None:
            return
        self.notify()
        last = self.state.published
        quiet_since = time.monotonic()
        while self._thread.is_alive() and not self._caught_up.wait(0.2):
            # A bus that is not there now is not waited for long: the store keeps the events.
            patience = drain_s if self.state.status == "connected" else min(drain_s, 5.0)
            if self.state.published != last:
                last, quiet_since = self.state.published, time.monotonic()
            elif time.monotonic() - quiet_since > patience:
                log.warning(
                    "publish %s: stopping with events not on the bus yet (%s); the store keeps "
                    "them and the next run publishes them",
                    self.name,
                    self.state.detail or self.state.status,
                )
                break
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    # --------------------------------------------------------------------- the loop
    def _main(self) -> None:
        try:
            asyncio.run(self._run())
        except Exception:
            log.exception("%s: the publisher failed; the ingest carries on", self.name)

    def _say(self, status: str, detail: str = "") -> None:
        if (status, detail) != (self.state.status, self.state.detail):
            level = logging.INFO if status in ("connected", "caught up") else logging.WARNING
            log.log(level, "publish %s: %s%s", self.name, status, f" ({detail})" if detail else "")
        self.state.status, self.state.detail = status, detail

    async def _run(self) -> None:
        try:
            outbox = Outbox(self.database, self.target.stream, self.target.site)
        except Exception as error:
            self._say("failed", str(error))
            return
        low, high = self.BACKOFF
        delay = low
        try:
            self.state.published = outbox.published()
            while not self._stop.is_set():
                try:
                    await self._session(outbox)
                    delay = low
                except SourceError as error:
                    self._say("retrying", str(error))
                except DATABASE_FAULTS as error:
                    self._say("retrying", sqlite_fault(self.database, error, "read"))
                except (OSError, TimeoutError) as error:
                    self._say("retrying", f"{error or type(error).__name__}")
                except Exception as error:  # nats-py's own errors
                    self._say("retrying", f"{str(error) or type(error).__name__}")
                await self._sleep(delay)
                delay = min(delay * 2, high)
        finally:
            outbox.close()

    async def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def _session(self, outbox: Outbox) -> None:
        """One connection: make sure the stream is there, then publish until stopped."""
        target = self.target
        client = await connect(target.servers, self.auth, name=f"floorwatch publish {self.name}")
        try:
            js = client.jetstream(timeout=self.ACK_TIMEOUT)
            await self._ensure_stream(js)
            self._say("connected", ", ".join(target.servers))
            while not self._stop.is_set():
                events = outbox.events_after(self.state.published, self.BATCH)
                if not events:
                    self._say("caught up")
                    self._caught_up.set()
                    await self._wait_for_commit()
                    continue
                await self._publish(js, outbox, events)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 5)

    async def _wait_for_commit(self) -> None:
        while not self._stop.is_set() and not self._wake.is_set():
            await asyncio.sleep(0.01)
        self._wake.clear()

    async def _ensure_stream(self, js) -> None:
        from nats.js.api import StreamConfig
        from nats.js.errors import NotFoundError

        target = self.target
        try:
            info = await js.stream_info(target.stream)
        except NotFoundError:
            if not target.create_stream:
                raise SourceError(
                    f"stream {target.stream} does not exist on the server (create_stream is off)"
                ) from None
            await js.add_stream(
                StreamConfig(
                    name=target.stream,
                    subjects=[f"{target.subject_prefix}.>"],
                    max_age=target.max_age_days * 86400,
                    duplicate_window=target.duplicate_window_s,
                )
            )
            log.info("publish %s: created stream %s", self.name, target.stream)
            return
        subjects = info.config.subjects or []
        if not any(_covers(pattern, target.subject) for pattern in subjects):
            raise SourceError(
                f"stream {target.stream} does not take subject {target.subject} "
                f"(its subjects: {', '.join(subjects)})"
            )

    async def _publish(self, js, outbox: Outbox, events) -> None:
        """Publish a round and move the mark to the last event acknowledged in order."""
        subject = self.target.subject
        site = self.target.site
        futures = []
        for event_id, event in events:
            futures.append(
                await js.publish_async(
                    subject,
                    event.to_json().encode(),
                    headers={MSG_ID: message_id(site, event_id)},
                )
            )
        self.state.sent += len(futures)
        done, pending = await asyncio.wait(futures, timeout=self.ACK_TIMEOUT)
        for future in pending:
            future.cancel()
        upto = self.state.published
        failure: BaseException | None = None
        for (event_id, _), future in zip(events, futures, strict=True):
            if future not in done or future.cancelled():
                failure = failure or TimeoutError("the server did not acknowledge in time")
                break
            error = future.exception()
            if error is not None:
                failure = error
                break
            if future.result().duplicate:
                self.state.duplicates += 1
            upto = event_id
        if upto > self.state.published:
            outbox.mark(upto)
            self.state.published = upto
        if failure is not None:
            raise failure


def _covers(pattern: str, subject: str) -> bool:
    """Whether a stream subject pattern (with * and >) takes `subject`."""
    want, have = pattern.split("."), subject.split(".")
    for index, token in enumerate(want):
        if token == ">":
            return len(have) > index
        if index >= len(have) or (token != "*" and token != have[index]):
            return False
    return len(want) == len(have)


def start_publishers(database: str | Path, targets, resolve=lambda path: path) -> list[Publisher]:
    """A started publisher per `[[publish]]` target; SourceError (one line) for a credentials
    or TLS file that is not there, before anything starts."""
    publishers = [
        Publisher(database, target, NatsAuth.for_publish(target, resolve)) for target in targets
    ]
    for publisher in publishers:
        publisher.start()
    return publishers
