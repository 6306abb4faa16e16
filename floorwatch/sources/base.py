"""What every source adapter hands to the ingest: batches of events with their checkpoint."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from floorwatch.events import Event

#: Where the AMI secret may come from in the environment. Read once by the sources that need
#: it, then scrubbed (`scrub_secrets`), and never handed to a process the ingest starts.
SECRET_ENV = "FLOORWATCH_AMI_SECRET"
#: Every secret the environment may hand a source or a publisher (the NATS ones:
#: sources/nats_link.py), scrubbed the same way.
SECRET_ENVS = (SECRET_ENV, "FLOORWATCH_NATS_PASSWORD", "FLOORWATCH_NATS_TOKEN")


def scrub_secrets(environ: MutableMapping[str, str] = os.environ) -> None:
    """Remove the secrets from the environment once every source has read them, so that no
    process started afterwards (the database writer, anything a library spawns) inherits one."""
    for name in SECRET_ENVS:
        environ.pop(name, None)


def read_secret_file(label: str, path: str) -> str:
    """A secret kept in a file (the AMI secret, a NATS password or token): its text, stripped;
    SourceError in one line naming the setting when it cannot be read or is empty."""
    try:
        value = Path(path).read_text().strip()
    except OSError as error:
        raise SourceError(f"{label} {path}: {error.strerror or error}") from None
    if not value:
        raise SourceError(f"{label} {path}: is empty")
    return value


def environment_without_secrets() -> dict[str, str]:
    """The environment for a child process: this one's, less any secret."""
    return {name: value for name, value in os.environ.items() if name not in SECRET_ENVS}


@dataclass(slots=True)
class Reject:
    """A line or block that could not become an event, kept with where it came from."""

    offset: int | None
    raw: str
    reason: str
    #: The line's bytes as read, when `raw` cannot be them (a line that is not UTF-8).
    raw_bytes: bytes | None = None


@dataclass(slots=True)
class FeedLoss:
    """Part of a feed that could not be read and never will be (a rotated file deleted or
    compressed before it was finished, a file truncated in place while stopped): said to the
    operator, and kept in the `feed_losses` table. `end` None: how much is not known."""

    path: str | None
    start: int | None
    end: int | None
    reason: str

    def describe(self) -> str:
        if self.end is not None:
            return f"lost bytes {self.start}-{self.end} of {self.path}: {self.reason}"
        if self.start is not None:
            return (
                f"lost {self.path} from byte {self.start} on (how much is not known): {self.reason}"
            )
        return f"lost an unknown part of {self.path}: {self.reason}"


@dataclass(slots=True)
class Checkpoint:
    """Where a source has read up to, so that a restart resumes exactly there.

    For a file: device and inode identify the file, offset is the byte after the last complete
    line stored, and fingerprint (the file's first bytes) tells a truncated or replaced file
    from the one we were reading.
    """

    path: str | None = None
    device: int | None = None
    inode: int | None = None
    offset: int = 0
    fingerprint: str | None = None
    #: Files rotated away that are still being read (a PBX writes on to a rotated file until
    #: it reopens its log), oldest first, each where it has been read to.
    older: tuple[Checkpoint, ...] = ()
    #: When (epoch seconds) the file above was last seen at `path`: a file rotated later than
    #: this and not yet read is a generation of its own, found beside it on a restart.
    seen_at: float | None = None

    def generations_json(self) -> str | None:
        """`older` and `seen_at` as the store keeps them (sources.generations), or None."""
        if not self.older and self.seen_at is None:
            return None
        older = [
            [old.path, old.device, old.inode, old.offset, old.fingerprint] for old in self.older
        ]
        return json.dumps({"seen_at": self.seen_at, "older": older}, separators=(",", ":"))

    @classmethod
    def from_row(cls, path, device, inode, offset, fingerprint, generations) -> Checkpoint:
        """A checkpoint as the `sources` table stores it."""
        checkpoint = cls(path, device, inode, offset or 0, fingerprint)
        if generations:
            extra = json.loads(generations)
            checkpoint.seen_at = extra.get("seen_at")
            checkpoint.older = tuple(cls(*old) for old in extra.get("older", ()))
        return checkpoint


@dataclass(slots=True)
class Batch:
    """Events, rejects and the checkpoint after them: committed together or not at all."""

    source: str
    #: The adapter's format (queue_log, jsonl, ami): how the store re-reads `Event.raw`.
    format: str | None = None
    events: list[Event] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    checkpoint: Checkpoint | None = None
    #: A change in the feed's health to record (following, waiting, connected, disconnected...).
    status: str | None = None
    status_detail: str | None = None
    #: What could not be read and never will be, recorded with this batch.
    losses: list[FeedLoss] = field(default_factory=list)
    #: The byte of its file at which the batch's first line starts, when it is lines.
    start: int | None = None
    #: The lines the events came from, when each line became one event, in order, as is (the
    #: common case): the writer stores the events from these (the format's `stored_row`)
    #: rather than being sent every event.
    lines: list[str] | None = None
    #: A source may leave the parsing to whoever takes the batch (`parsed`): the ingest then
    #: parses next to deriving, in one thread, which costs a fifth less than handing parsed
    #: events across threads. Returns (events, rejects, lines).
    pending: Callable[[], tuple[list[Event], list[Reject], list[str] | None]] | None = None

    def parsed(self) -> Batch:
        """This batch with its events, parsing them now if the source left that to us."""
        if self.pending is not None:
            self.events, self.rejects, self.lines = self.pending()
            self.pending = None
        return self


Emit = Callable[[Batch], None]


class SourceError(Exception):
    """A source that cannot start or carry on (missing file, refused login); said in one line."""


class Source(Protocol):
    """A feed: reads from its checkpoint on, emits batches until `stop` is set or it ends."""

    name: str
    kind: str

    def run(self, emit: Emit, stop: threading.Event, checkpoint: Checkpoint | None) -> None: ...
