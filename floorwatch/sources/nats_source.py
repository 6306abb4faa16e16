"""`nats:` sources: a replica of other sites' stores, fed from NATS JetStream.

`nats:nats://HOST:4222/FLOORWATCH?sites=paris,lyon` opens one source per site (`nats:paris`,
`nats:lyon`), each with its own feed health and checkpoint, each a durable pull consumer of
`floorwatch.events.<site>`. Exactly once across a kill -9 of the replica and restarts of the
server, because the store is the only truth: the checkpoint, committed in the same
transaction as the events, holds the last stream sequence stored (`offset`), the highest
event id of the site stored (`fingerprint`) and the durable consumer's name (`path`). At every
start, and after every reconnection, the consumer is made again from that sequence, so
nothing the server thinks delivered is skipped; a message at or before it is dropped, and so
is one whose message id (`<site>:<event id>`) is not after the site's highest stored, which
is a re-publish the server's duplicate window no longer covered.

Each site's queues and agents are stored as `<site>/<name>` and its calls as `<site>:<id>`
(site_names.py): site is a dimension of every table without a new column.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid

from floorwatch.event_schema import event_from_dict
from floorwatch.events import Event, EventError
from floorwatch.sources.base import Batch, Checkpoint, Emit, Reject, SourceError
from floorwatch.sources.nats_link import (
    MSG_ID,
    NatsAuth,
    NatsLocation,
    connect,
    event_id_of,
    parse_location,
)
from floorwatch.sources.site_names import site_event

FORMAT = "nats"
#: A reject keeps at most this much of a message.
MAX_REJECT_TEXT = 2000


class NatsSource:
    """One site of a `nats:` spec, read into the local store."""

    kind = FORMAT
    format = FORMAT
    #: Messages asked for per fetch (and so at most per batch).
    FETCH = 2000
    #: How long a fetch waits for a first message before looking at the stop flag.
    FETCH_WAIT = 0.25

    def __init__(
        self,
        name: str,
        location: NatsLocation,
        site: str,
        auth: NatsAuth,
        *,
        follow: bool = True,
    ):
        self.name = name
        self.location = location
        self.site = site
        self.auth = auth
        self.follow = follow
        self.subject = location.subject(site)
        #: For tests and the feed health: messages stored, dropped as copies, rejected.
        self.events = 0
        self.duplicates = 0
        self.rejected = 0
        self._seq = 0  # the last stream sequence handed over
        self._event_id = 0  # the highest site event id handed over
        self._durable = ""

    # ----------------------------------------------------------------- Source protocol
    def check(self) -> None:
        """Nothing to check before connecting: the secrets were read when it was opened."""

    def size(self) -> int:
        return 0

    def wake(self) -> None:
        """Nothing to wake: fetches wait a quarter second at most."""

    def run(self, emit: Emit, stop: threading.Event, checkpoint: Checkpoint | None) -> None:
        if checkpoint is not None:
            self._seq = checkpoint.offset or 0
            fingerprint = checkpoint.fingerprint or ""
            self._event_id = int(fingerprint) if fingerprint.isdigit() else 0
            self._durable = checkpoint.path or ""
        stem = self.location.durable
        self._durable = (
            f"{stem}-{self.site}" if stem else self._durable or f"fw-{uuid.uuid4().hex[:12]}"
        )
        asyncio.run(self._run(emit, stop))

    # ----------------------------------------------------------------- reading
    def _checkpoint(self) -> Checkpoint:
        return Checkpoint(path=self._durable, offset=self._seq, fingerprint=str(self._event_id))

    def _where(self) -> str:
        return f"{', '.join(self.location.servers)} {self.location.stream}/{self.subject}"

    async def _run(self, emit: Emit, stop: threading.Event) -> None:
        from nats.errors import TimeoutError as NatsTimeout

        status: dict[str, bool] = {"lost": False}

        async def disconnected() -> None:
            status["lost"] = True
            if status.get("closing"):
                return  # our own close at the end, not the bus going away
            emit(Batch(self.name, FORMAT, status="disconnected", status_detail=self._where()))

        async def reconnected() -> None:
            emit(Batch(self.name, FORMAT, status="connected", status_detail=self._where()))

        client = await connect(
            self.location.servers,
            self.auth,
            name=f"floorwatch replica {self.site}",
            callbacks={"disconnected_cb": disconnected, "reconnected_cb": reconnected},
        )
        try:
            js = client.jetstream(timeout=5.0)
            await self._wait_for_stream(js, emit, stop)
            if stop.is_set():
                return
            subscription = await self._subscribe(js)
            emit(Batch(self.name, FORMAT, status="connected", status_detail=self._where()))
            while not stop.is_set():
                if status["lost"]:
                    if not client.is_connected:
                        await asyncio.sleep(0.1)
                        continue
                    status["lost"] = False
                    subscription = await self._resubscribe(js, subscription)
                try:
                    messages = await subscription.fetch(self.FETCH, timeout=self.FETCH_WAIT)
                except NatsTimeout:
                    if not self.follow and await self._nothing_left(subscription):
                        return
                    continue
                except Exception:  # the connection went away under the fetch: start again
                    status["lost"] = True
                    await asyncio.sleep(0.1)
                    continue
                batch = self._batch(messages)
                if batch is not None:
                    emit(batch)
                with contextlib.suppress(Exception):
                    await messages[-1].ack()  # the store holds the truth; this is for the server
        finally:
            status["closing"] = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 5)

    async def _nothing_left(self, subscription) -> bool:
        try:
            info = await subscription.consumer_info()
        except Exception:
            return False
        return info.num_pending == 0

    async def _wait_for_stream(self, js, emit: Emit, stop: threading.Event) -> None:
        """Following, a stream not made yet (no site has published) is waited for, said in
        feed health; `--once` says so and ends."""
        said = False
        while True:
            try:
                await self._check_stream(js)
                return
            except SourceError as missing:
                if not self.follow or "does not exist" not in str(missing):
                    raise
                if not said:
                    emit(Batch(self.name, FORMAT, status="waiting", status_detail=str(missing)))
                    said = True
            deadline = asyncio.get_running_loop().time() + 2.0
            while not stop.is_set() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.1)
            if stop.is_set():
                return

    async def _check_stream(self, js) -> None:
        from nats.js.errors import NotFoundError

        try:
            await js.stream_info(self.location.stream)
        except NotFoundError:
            raise SourceError(
                f"{self._where()}: stream {self.location.stream} does not exist on the server "
                "(a site's ingest with [[publish]] creates it)"
            ) from None
        except Exception as error:
            raise SourceError(f"{self._where()}: {error or type(error).__name__}") from None

    async def _subscribe(self, js):
        """The durable consumer, made again from the store's checkpoint."""
        from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
        from nats.js.errors import NotFoundError

        with contextlib.suppress(NotFoundError):
            await js.delete_consumer(self.location.stream, self._durable)
        from_checkpoint = self._seq > 0
        config = ConsumerConfig(
            durable_name=self._durable,
            filter_subject=self.subject,
            ack_policy=AckPolicy.ALL,
            ack_wait=10,
            max_ack_pending=-1,
            deliver_policy=(
                DeliverPolicy.BY_START_SEQUENCE if from_checkpoint else DeliverPolicy.ALL
            ),
            opt_start_seq=self._seq + 1 if from_checkpoint else None,
        )
        try:
            await js.add_consumer(self.location.stream, config)
            return await js.pull_subscribe_bind(self._durable, self.location.stream)
        except Exception as error:
            raise SourceError(
                f"{self._where()}: cannot follow the stream: {error or type(error).__name__}"
            ) from None

    async def _resubscribe(self, js, subscription):
        with contextlib.suppress(Exception):
            await subscription.unsubscribe()
        while True:
            try:
                return await self._subscribe(js)
            except SourceError:
                await asyncio.sleep(0.5)

    def _batch(self, messages) -> Batch | None:
        """The messages not stored yet as one batch, with the checkpoint after them."""
        events: list[Event] = []
        rejects: list[Reject] = []
        for message in messages:
            try:
                seq = message.metadata.sequence.stream
            except Exception:
                continue  # not a JetStream message
            if seq <= self._seq:
                self.duplicates += 1
                continue
            self._seq = seq
            event_id = event_id_of(self.site, (message.headers or {}).get(MSG_ID))
            if event_id is not None and event_id <= self._event_id:
                self.duplicates += 1  # re-published after the server's duplicate window
                continue
            try:
                event = self._event(message.data)
            except EventError as error:
                self.rejected += 1
                text = message.data[:MAX_REJECT_TEXT].decode("utf-8", "backslashreplace")
                rejects.append(Reject(seq, text, f"not a floorwatch event: {error}"))
                continue
            if event_id is not None:
                self._event_id = event_id
            events.append(event)
        if not events and not rejects and not messages:
            return None
        self.events += len(events)
        return Batch(
            self.name, FORMAT, events=events, rejects=rejects, checkpoint=self._checkpoint()
        )

    def _event(self, payload: bytes) -> Event:
        try:
            record = json.loads(payload)
        except (ValueError, UnicodeDecodeError) as error:
            raise EventError(f"not JSON: {str(error)[:200]}") from None
        if not isinstance(record, dict):
            raise EventError("not a JSON object")
        return site_event(self.site, event_from_dict(record, default_source=self.name), self.name)


def open_nats(
    location: str,
    *,
    name: str | None = None,
    follow: bool = True,
    secret_file: str | None = None,
) -> list[NatsSource]:
    """A source per site of a `nats:` location; SourceError in one line for a wrong one."""
    where = parse_location(location)
    auth = NatsAuth.from_settings(
        user=where.user,
        password_file=(secret_file or "") if where.user else "",
        token_file=(secret_file or "") if not where.user else "",
        credentials_file=where.credentials_file,
        tls_ca=where.tls_ca,
    )
    stem = name or "nats"
    return [NatsSource(f"{stem}:{site}", where, site, auth, follow=follow) for site in where.sites]
