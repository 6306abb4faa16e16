"""What the publisher and the `nats:` source share about NATS: where the servers are, how to
log in (never from the command line), connecting with a one-line error, and the message ids.

nats-py is imported only inside the functions that talk to a server, so that a viewer or a
parser test that imports this module loads no client.
"""

from __future__ import annotations

import os
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from floorwatch.publish_config import SITE_NAME, STREAM_NAME, PublishConfig
from floorwatch.sources.base import SECRET_ENVS, SourceError, read_secret_file

PASSWORD_ENV, TOKEN_ENV = SECRET_ENVS[1:]
DEFAULT_PORT = 4222
DEFAULT_PREFIX = "floorwatch.events"
#: A message's headers: the server's duplicate check, and the event's place in its site's store.
MSG_ID = "Nats-Msg-Id"


def message_id(site: str, event_id: int) -> str:
    """`<site>:<event id>`: the same event re-published after a crash has the same id, so the
    server (inside its duplicate window) and the replica (outside it) drop the copy."""
    return f"{site}:{event_id}"


def event_id_of(site: str, msg_id: str | None) -> int | None:
    """The site's event id from a message id, None when it is not one of this site's."""
    if not msg_id:
        return None
    prefix, _, number = msg_id.rpartition(":")
    if prefix != site or not number.isdigit():
        return None
    return int(number)


@dataclass(frozen=True)
class NatsAuth:
    """How to log in to NATS and over what: every secret from a file or the environment."""

    user: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    credentials_file: str = ""
    tls_ca: str = ""
    tls_cert: str = ""
    tls_key: str = ""

    @classmethod
    def from_settings(
        cls,
        *,
        user: str = "",
        password_file: str = "",
        token_file: str = "",
        credentials_file: str = "",
        tls_ca: str = "",
        tls_cert: str = "",
        tls_key: str = "",
    ) -> NatsAuth:
        """Read the secrets now (the environment is scrubbed afterwards: base.scrub_secrets)."""
        password = (
            read_secret_file("password_file", password_file)
            if password_file
            else os.environ.get(PASSWORD_ENV, "")
        )
        token = (
            read_secret_file("token_file", token_file)
            if token_file
            else os.environ.get(TOKEN_ENV, "")
        )
        if credentials_file and not Path(credentials_file).is_file():
            raise SourceError(f"credentials file {credentials_file}: no such file")
        for label, path in (("tls_ca", tls_ca), ("tls_cert", tls_cert), ("tls_key", tls_key)):
            if path and not Path(path).is_file():
                raise SourceError(f"{label} {path}: no such file")
        if user and not password:
            raise SourceError(
                f"NATS user {user!r} has no password: set {PASSWORD_ENV} or password_file"
            )
        return cls(user, password, token, credentials_file, tls_ca, tls_cert, tls_key)

    @classmethod
    def for_publish(cls, target: PublishConfig, resolve=lambda path: path) -> NatsAuth:
        def path(value: str) -> str:
            return str(resolve(value)) if value else ""

        return cls.from_settings(
            user=target.user,
            password_file=path(target.password_file),
            token_file=path(target.token_file),
            credentials_file=path(target.credentials_file),
            tls_ca=path(target.tls_ca),
            tls_cert=path(target.tls_cert),
            tls_key=path(target.tls_key),
        )

    def connect_options(self) -> dict[str, Any]:
        """Keyword arguments for `nats.connect`."""
        options: dict[str, Any] = {}
        if self.user:
            options.update(user=self.user, password=self.password)
        elif self.token:
            options["token"] = self.token
        if self.credentials_file:
            options["user_credentials"] = self.credentials_file
        if self.tls_ca or self.tls_cert:
            context = ssl.create_default_context(cafile=self.tls_ca or None)
            if self.tls_cert:
                context.load_cert_chain(self.tls_cert, self.tls_key)
            options["tls"] = context
        return options


@dataclass(frozen=True)
class NatsLocation:
    """A `nats:` source's location: `nats://HOST[:PORT][,HOST2...]/STREAM?sites=a,b`."""

    servers: tuple[str, ...]
    stream: str
    sites: tuple[str, ...]
    subject_prefix: str = DEFAULT_PREFIX
    #: The durable consumer's name stem on the server (one consumer per site: `<stem>-<site>`).
    durable: str = ""
    user: str = ""
    credentials_file: str = ""
    tls_ca: str = ""

    def subject(self, site: str) -> str:
        return f"{self.subject_prefix}.{site}"


_KNOWN = ("sites", "subject_prefix", "durable", "user", "creds", "ca")


def parse_location(location: str) -> NatsLocation:
    """The parts of `nats://HOST:PORT/STREAM?sites=a,b[&durable=NAME][&user=U][&creds=FILE]`;
    SourceError in one line for anything else, or for a password written in it."""
    example = "for example nats:nats://127.0.0.1:4222/FLOORWATCH?sites=paris,lyon"
    parts = urlsplit(location)
    if parts.scheme not in ("nats", "tls") or not parts.netloc:
        raise SourceError(
            f"nats:{location}: expected nats:nats://HOST:PORT/STREAM?sites=..., {example}"
        )
    if "@" in parts.netloc:
        raise SourceError(
            f"nats:{location.split('@')[0].rsplit(':', 1)[0]}:...: a user or password in the URL "
            f"would show in ps; use ?user=NAME with {PASSWORD_ENV}, or a credentials file"
        )
    stream = parts.path.strip("/")
    if not STREAM_NAME.fullmatch(stream):
        raise SourceError(f"nats:{location}: {stream!r} is not a stream name, {example}")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - set(_KNOWN))
    if unknown:
        raise SourceError(
            f"nats:{location}: unknown option(s) {', '.join(unknown)} (known: {', '.join(_KNOWN)})"
        )

    def one(name: str) -> str:
        values = query.get(name, [""])
        return values[-1]

    sites = tuple(site for site in one("sites").split(",") if site)
    if not sites:
        raise SourceError(f"nats:{location}: name the sites to follow with ?sites=a,b, {example}")
    for site in sites:
        if not SITE_NAME.fullmatch(site):
            raise SourceError(
                f"nats:{location}: {site!r} is not a site name (letters, digits, - _)"
            )
    if len(set(sites)) != len(sites):
        raise SourceError(f"nats:{location}: a site is named twice")
    durable = one("durable")
    if durable and not re.fullmatch(r"[A-Za-z0-9_-]{1,48}", durable):
        raise SourceError(f"nats:{location}: durable {durable!r} must be letters, digits, - or _")
    servers = tuple(
        f"{parts.scheme}://{host if ':' in host else f'{host}:{DEFAULT_PORT}'}"
        for host in parts.netloc.split(",")
    )
    return NatsLocation(
        servers,
        stream,
        sites,
        one("subject_prefix") or DEFAULT_PREFIX,
        durable,
        one("user"),
        one("creds"),
        one("ca"),
    )


def connect_error(servers: tuple[str, ...] | list[str], error: BaseException) -> str:
    """One line for a failed connection, naming the servers and what went wrong."""
    where = ", ".join(servers)
    text = str(error) or type(error).__name__
    lowered = text.lower()
    if "authorization" in lowered or "authentication" in lowered or "permissions" in lowered:
        return f"{where}: login refused by the NATS server ({text.removeprefix('nats: ')})"
    if "no servers" in lowered or isinstance(error, OSError | TimeoutError):
        return f"{where}: cannot connect to a NATS server ({text.removeprefix('nats: ')})"
    return f"{where}: {text.removeprefix('nats: ')}"


async def connect(
    servers: tuple[str, ...] | list[str],
    auth: NatsAuth,
    *,
    name: str,
    timeout: float = 5.0,
    callbacks: dict[str, Any] | None = None,
):
    """A connection to the first server that answers, retrying on its own once made;
    SourceError in one line when none answers or the login is refused."""
    import nats
    from nats.errors import Error as NatsError

    seen: list[BaseException] = []

    async def remember(error: Exception) -> None:  # nats-py prints errors unless given one
        seen.append(error)

    options = dict(
        servers=list(servers),
        name=name,
        connect_timeout=timeout,
        allow_reconnect=True,
        # Each server twice on the first connect (else nats-py tries for ever); for ever
        # once connected, so a bus that goes away is waited for.
        max_reconnect_attempts=1,
        reconnect_time_wait=1,
        error_cb=remember,
        **auth.connect_options(),
    )
    options.update(callbacks or {})
    try:
        client = await nats.connect(**options)
    except (NatsError, OSError, TimeoutError, ssl.SSLError) as error:
        cause = next((e for e in reversed(seen) if "authorization" in str(e).lower()), None)
        raise SourceError(connect_error(servers, cause or (seen[-1] if seen else error))) from None
    client.options["max_reconnect_attempts"] = -1
    seen.clear()
    return client
