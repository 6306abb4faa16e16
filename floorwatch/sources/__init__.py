"""Source adapters: one module per feed format, each turning its records into Events."""

from __future__ import annotations

from collections.abc import Callable

from floorwatch.events import Event


def parser_for(format: str) -> Callable[[str, str], Event]:
    """The function that turns one line of `format` into an Event."""
    if format == "queue_log":
        from floorwatch.sources.queue_log import parse_line

        return parse_line
    if format == "jsonl":
        from floorwatch.sources.jsonl import parse_line

        return parse_line
    raise ValueError(f"no line parser for format {format!r}")


def stored_row_for(format: str | None) -> Callable[[str], tuple] | None:
    """The function that turns one accepted line of `format` straight into its `events` row
    (see `Batch.lines`), if the format has one."""
    if format == "queue_log":
        from floorwatch.sources.queue_log import stored_row

        return stored_row
    return None


#: Source kinds the CLI and the config accept, with what their location looks like.
SOURCE_KINDS = {
    "queue_log": "PATH (an Asterisk queue_log file)",
    "jsonl": "PATH or - (canonical events as JSON Lines; - is standard input)",
    "ami": "USER@HOST[:PORT] (Asterisk Manager Interface; the secret from "
    "$FLOORWATCH_AMI_SECRET or the config's secret_file)",
    "nats": "nats://HOST:PORT/STREAM?sites=A,B (other sites' events from NATS JetStream; a "
    "password from $FLOORWATCH_NATS_PASSWORD or the config's secret_file)",
}


def parse_spec(spec: str) -> tuple[str, str]:
    """Split `kind:location`; SourceError (one line) for anything else."""
    from floorwatch.sources.base import SourceError

    kind, sep, location = spec.partition(":")
    if not sep or not location:
        raise SourceError(
            f"{spec!r}: a source is KIND:LOCATION, for example queue_log:/var/log/asterisk/queue_log"
        )
    if kind not in SOURCE_KINDS:
        known = ", ".join(SOURCE_KINDS)
        raise SourceError(f"{spec!r}: unknown source kind {kind!r} (known: {known})")
    return kind, location


def open_source(
    spec: str,
    *,
    name: str | None = None,
    follow: bool = True,
    poll_interval: float = 0.5,
    progress=None,
    secret_file: str | None = None,
    fatal_login: bool = True,
    rotation_grace: float | None = None,
):
    """The Source for a spec such as `queue_log:/var/log/asterisk/queue_log`, `jsonl:-` or
    `ami:floorwatch@pbx:5038` (`follow=False`: one connection, until the server closes it;
    `fatal_login` says
    whether a refused login ends the run or is retried like a dropped connection)."""
    from floorwatch.sources.base import SourceError
    from floorwatch.sources.linefeed import LineFeed

    kind, location = parse_spec(spec)
    # A path that is not UTF-8 (argv decodes it with surrogates) still opens; the name it
    # gives the feed in the store must be text SQLite can hold.
    name = (name or spec).encode("utf-8", "backslashreplace").decode("utf-8")
    if kind == "nats":
        raise SourceError(f"{spec!r}: a nats: spec opens a source per site (open_sources)")
    if kind == "ami":
        from floorwatch.sources.ami.client import AmiSource

        return AmiSource(
            name, location, secret_file=secret_file, fatal_login=fatal_login, follow=follow
        )
    feed = LineFeed(
        name,
        kind,
        location,
        parser_for(kind),
        follow=follow,
        poll_interval=poll_interval,
        progress=progress,
    )
    if rotation_grace is not None:
        feed.rotation_grace = rotation_grace
    return feed


def open_sources(spec: str, **options) -> list:
    """The Sources for one spec: one, or for `nats:` one per site it names (each its own feed,
    with its own checkpoint and health). `options` as for `open_source`."""
    kind, location = parse_spec(spec)
    if kind != "nats":
        return [open_source(spec, **options)]
    from floorwatch.sources.nats_source import open_nats

    return open_nats(
        location,
        name=options.get("name"),
        follow=options.get("follow", True),
        secret_file=options.get("secret_file"),
    )
