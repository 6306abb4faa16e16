"""`[[publish]]` in floorwatch.toml: where a site's ingest publishes its committed events (NATS
JetStream; docs/deploy.md). Read by config.py like every section; the publishing itself is
ingest/publisher.py's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: A site's name: it becomes a subject token (`floorwatch.events.<site>`) and the prefix of its
#: queues and agents on a replica (`<site>/sales`), so no dots, slashes, colons or spaces.
SITE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
STREAM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
SUBJECT_PREFIX = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


class PublishConfigError(ValueError):
    """A `[[publish]]` setting that cannot be used; the message names the key."""


@dataclass
class PublishConfig:
    """One `[[publish]]`: a JetStream stream this site's ingest publishes its events to."""

    #: This site's name (required): the subject's last token and the replicas' prefix.
    site: str
    #: NATS servers, tried in turn (`nats://host:4222`, `tls://host:4222`).
    servers: list[str] = field(default_factory=lambda: ["nats://127.0.0.1:4222"])
    stream: str = "FLOORWATCH"
    #: Events go to `<subject_prefix>.<site>`; the stream holds `<subject_prefix>.>`.
    subject_prefix: str = "floorwatch.events"
    #: A NATS credentials file (`.creds`: a user JWT and its NKey seed), for operator mode.
    credentials_file: str = ""
    #: A user and a file with the password (or set FLOORWATCH_NATS_PASSWORD).
    user: str = ""
    password_file: str = ""
    #: A file with a token (or set FLOORWATCH_NATS_TOKEN).
    token_file: str = ""
    #: TLS: the CA to trust, and a client certificate and key when the server asks for one.
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    #: Create the stream when it is not there (with the two settings below); false: the
    #: operator makes it (docs/deploy.md), and a missing stream is an error said once.
    create_stream: bool = True
    #: How long the bus keeps events (days): the longest a replica can be away and catch up.
    max_age_days: float = 7.0
    #: The server drops a message whose id it has seen this long ago at most (seconds).
    duplicate_window_s: float = 120.0

    @property
    def subject(self) -> str:
        return f"{self.subject_prefix}.{self.site}"

    def check(self, where: str) -> None:
        if not SITE_NAME.fullmatch(self.site):
            raise PublishConfigError(
                f"{where}.site: {self.site!r} must be 1-64 letters, digits, - or _"
            )
        if not STREAM_NAME.fullmatch(self.stream):
            raise PublishConfigError(
                f"{where}.stream: {self.stream!r} must be 1-64 letters, digits, - or _"
            )
        if not SUBJECT_PREFIX.fullmatch(self.subject_prefix):
            raise PublishConfigError(
                f"{where}.subject_prefix: {self.subject_prefix!r} is not a subject such as "
                "floorwatch.events"
            )
        if not self.servers:
            raise PublishConfigError(f"{where}.servers: name at least one server")
        for server in self.servers:
            if not re.match(r"(nats|tls)://", server):
                raise PublishConfigError(
                    f"{where}.servers: {server!r} is not nats://HOST:PORT or tls://HOST:PORT"
                )
            if re.match(r"\w+://[^/@]*:[^/@]*@", server):
                raise PublishConfigError(
                    f"{where}.servers: {server!r} holds a password; use password_file or "
                    "FLOORWATCH_NATS_PASSWORD"
                )
        if self.max_age_days <= 0 or self.duplicate_window_s <= 0:
            raise PublishConfigError(f"{where}: max_age_days and duplicate_window_s must be > 0")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise PublishConfigError(f"{where}: tls_cert and tls_key go together")
