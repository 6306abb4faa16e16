"""Which feeds a run reads, and opening them: SOURCE... as given, else the config's [[sources]]
(their file paths and secret files relative to the config file)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from floorwatch.config import Config


@dataclass(frozen=True)
class FeedSpec:
    """One feed to open: `KIND:LOCATION`, its name in the store, the file with its secret."""

    spec: str
    name: str | None = None
    secret_file: str | None = None


def configured_spec(spec: str, config: Config) -> str:
    """A source spec from the config, with a relative file path made relative to the file."""
    kind, _, location = spec.partition(":")
    if kind in ("queue_log", "jsonl") and location != "-":
        return f"{kind}:{config.resolve(location)}"
    return spec


def configured_feeds(config: Config) -> list[FeedSpec]:
    """The config's [[sources]], paths resolved against the config file's folder."""
    return [
        FeedSpec(
            configured_spec(source.spec, config),
            source.name,
            str(config.resolve(source.secret_file)) if source.secret_file else None,
        )
        for source in config.sources
    ]


def feed_specs(sources: Sequence[str], config: Config) -> list[FeedSpec]:
    """SOURCE... from the command line (named by their spec), else the config's."""
    return [FeedSpec(spec) for spec in sources] or configured_feeds(config)


def open_feeds(specs: Sequence[FeedSpec], **options: Any) -> list[Any]:
    """Open every feed (`options` go to each `open_source`), then check each is there, so a
    wrong spec or a missing file is said before anything is read or written.

    Raises SourceError for the first feed that cannot be opened or read.
    """
    from floorwatch.sources import open_sources

    feeds = [
        feed
        for spec in specs
        for feed in open_sources(spec.spec, name=spec.name, secret_file=spec.secret_file, **options)
    ]
    for feed in feeds:
        feed.check()
    return feeds
