"""floorwatch.toml: read with tomllib into plain dataclasses, strictly.

Every section is a dataclass; its fields (with their types and defaults) are the schema. A key
that is not a field is reported, not ignored, and a value of the wrong type names the key and
what it should be, so an operator fixes the file in one go. Sections added by later features
(burnout, staffing, ...) are dataclasses registered in `Config` the same way.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from floorwatch.alarm_config import AlarmConfigError, AlarmsConfig, with_rule_defaults
from floorwatch.control_config import ControlConfig, ControlConfigError
from floorwatch.display_config import DisplayConfig, DisplayConfigError, WallboardConfig
from floorwatch.manager_config import FcrConfig, SatisfactionConfig, ScheduleConfig
from floorwatch.publish_config import PublishConfig, PublishConfigError
from floorwatch.retention_config import RetentionConfig, RetentionConfigError
from floorwatch.toml_tables import ConfigError, build, convert

DEFAULT_WRAPUP_REASONS = ("ACW", "Wrap-up", "Wrapup", "Wrap up", "After call work")


@dataclass
class DeriveConfig:
    """What derivation needs to know that the feed does not say."""

    #: Pause reasons that mean after-call work: time paused with them counts as wrap-up.
    wrapup_reasons: tuple[str, ...] = DEFAULT_WRAPUP_REASONS
    #: Other spellings of an agent (an interface such as Local/202@agents/n) -> the name used.
    aliases: dict[str, str] = field(default_factory=dict)
    #: The queue_log event a post-call survey writes (`[satisfaction] queue_log_event`): its
    #: `other` lines are derived as `call_rated`.
    survey_event: str = "SURVEY"

    def __post_init__(self) -> None:
        self._wrapup = {reason.casefold() for reason in self.wrapup_reasons}

    def is_wrapup(self, reason: str | None) -> bool:
        return reason is not None and reason.casefold() in self._wrapup


@dataclass
class BurnoutConfig:
    """`[burnout]` in floorwatch.toml: every threshold of every rule."""

    #: Rules not to run (by name).
    disabled: list[str] = field(default_factory=list)
    #: A flag clears when its condition has stayed clear this long (minutes).
    clear_after_min: float = 10.0
    #: This many watch flags raise the agent's overall level one step.
    watch_escalation_count: int = 3
    no_break_warning_h: float = 2.0
    no_break_critical_h: float = 3.0
    break_min_minutes: float = 5.0
    occupancy_warning: float = 0.90
    occupancy_min_logged_in_min: float = 45.0
    back_to_back_calls: int = 8
    back_to_back_gap_s: float = 10.0
    hard_calls_count: int = 3
    hard_calls_window_min: float = 60.0
    hard_calls_factor: float = 2.0
    slowing_factor: float = 1.5
    slowing_window_h: float = 2.0
    slowing_min_calls: int = 4
    slowing_baseline_days: int = 14
    slowing_baseline_min_calls: int = 20
    missing_calls_count: int = 3
    missing_calls_window_min: float = 30.0
    long_day_warning_h: float = 9.0
    long_day_critical_h: float = 10.0
    short_wrapup_s: float = 5.0
    short_wrapup_calls: int = 10


SERVICE_LEVEL_FORMULAS = ("abandoned", "answered", "offered", "sl2")


@dataclass
class ServiceLevel:
    """How service level is counted (per queue, with the floor default in [service_level])."""

    #: A call answered after waiting at most this many seconds counts as within the level.
    threshold_s: float = 20.0
    #: The share of calls to answer within the threshold (0-1).
    target: float = 0.80
    #: `abandoned`: within / (answered + abandoned + left), short abandons in neither part;
    #: `answered`: within / answered; `offered`: within / every call whose wait ended;
    #: `sl2`: (within + unanswered within T) / (answered + abandoned + left), like Asterisk's SL2.
    formula: str = "abandoned"
    #: Abandons after less than this many seconds are short abandons.
    short_abandon_s: float = 5.0

    def check(self, where: str) -> None:
        if self.formula not in SERVICE_LEVEL_FORMULAS:
            raise ConfigError(
                f"{where}.formula: {self.formula!r} is not one of {', '.join(SERVICE_LEVEL_FORMULAS)}"
            )
        if not 0 <= self.target <= 1:
            raise ConfigError(f"{where}.target: {self.target} is not between 0 and 1")
        if self.threshold_s < 0 or self.short_abandon_s < 0:
            raise ConfigError(f"{where}: thresholds must not be negative")


@dataclass
class Thresholds:
    """When a number turns amber (warning) and red (critical)."""

    warning: float
    critical: float


@dataclass
class Colors:
    """Colour thresholds of the boards. Higher is worse, except for service level."""

    calls_waiting: Thresholds = field(default_factory=lambda: Thresholds(3, 8))
    longest_wait_s: Thresholds = field(default_factory=lambda: Thresholds(30, 90))
    #: Service level below warning turns amber, below critical red (fractions, 0-1).
    service_level: Thresholds = field(default_factory=lambda: Thresholds(0.80, 0.60))
    #: An agent on one call longer than this is stuck (seconds).
    call_duration_s: Thresholds = field(default_factory=lambda: Thresholds(600, 1200))
    #: How long the feed may be quiet before the header turns amber and red (seconds).
    feed_quiet_s: Thresholds = field(default_factory=lambda: Thresholds(60, 300))


@dataclass
class QueueConfig:
    """One queue's settings: `[queues.NAME]`."""

    display_name: str | None = None
    service_level: dict[str, Any] = field(default_factory=dict)


@dataclass
class AgentsConfig:
    """`[agents]`: names and how derivation reads agents' pauses."""

    #: Pause reasons that mean after-call work (time in them is wrap-up, not a pause).
    wrapup_reasons: list[str] = field(default_factory=lambda: list(DEFAULT_WRAPUP_REASONS))
    #: Other spellings of an agent -> the name to use (an interface that logs penalties, ...).
    aliases: dict[str, str] = field(default_factory=dict)
    #: Names to show instead of what the feed calls an agent.
    display_names: dict[str, str] = field(default_factory=dict)
    #: Agent -> team, for the floor map's grouping by team (`g` on the map).
    teams: dict[str, str] = field(default_factory=dict)


@dataclass
class StaffingConfig:
    """`[staffing]`: the live staffing gap (Erlang C) per queue."""

    enabled: bool = True
    #: The arrival rate is the calls of the last this many minutes...
    arrival_window_min: float = 30.0
    #: ...and the AHT that of the calls handled in the last this many minutes (else today's).
    aht_window_min: float = 30.0
    #: Agents needed must also keep occupancy at or under this (0-1; absent: no limit).
    max_occupancy: float | None = None


@dataclass
class CallersConfig:
    """`[callers]`: how the callers waiting show their numbers. A screen a room or a browser
    sees (the wallboard, `serve-web`) masks them by default; a personal viewer (`dash` in a
    terminal) shows them in full."""

    masked_on_wallboard: bool = True
    masked_in_browser: bool = True
    masked_in_terminal: bool = False
    #: Digits left visible at the end of a masked number.
    visible_digits: int = 3

    def masked(self, *, wallboard: bool = False, browser: bool = False) -> bool:
        """Whether numbers are masked on such a screen."""
        if wallboard and self.masked_on_wallboard:
            return True
        return self.masked_in_browser if browser else self.masked_in_terminal


@dataclass
class SourceConfig:
    """One feed: `[[sources]]`."""

    spec: str
    name: str | None = None
    #: For AMI sources: a file holding the secret (never on the command line).
    secret_file: str | None = None


@dataclass
class Config:
    """The whole file. Paths in it are relative to the file's directory."""

    database: str = "floorwatch.db"
    #: IANA zone for "today" (local midnight); empty means this machine's local time.
    timezone: str = ""
    sources: list[SourceConfig] = field(default_factory=list)
    service_level: ServiceLevel = field(default_factory=ServiceLevel)
    queues: dict[str, QueueConfig] = field(default_factory=dict)
    agents: AgentsConfig = field(default_factory=AgentsConfig)
    colors: Colors = field(default_factory=Colors)
    burnout: BurnoutConfig = field(default_factory=BurnoutConfig)
    staffing: StaffingConfig = field(default_factory=StaffingConfig)
    callers: CallersConfig = field(default_factory=CallersConfig)
    display: DisplayConfig = field(default_factory=DisplayConfig)
    wallboard: WallboardConfig = field(default_factory=WallboardConfig)
    control: ControlConfig = field(default_factory=ControlConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    alarms: AlarmsConfig = field(default_factory=AlarmsConfig)
    fcr: FcrConfig = field(default_factory=FcrConfig)
    satisfaction: SatisfactionConfig = field(default_factory=SatisfactionConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    #: `[[publish]]`: JetStream streams this site's ingest publishes to (docs/deploy.md).
    publish: list[PublishConfig] = field(default_factory=list)
    #: Where the file was read from (None for the defaults).
    path: Path | None = field(default=None, metadata={"internal": True})

    # --------------------------------------------------------------- derived
    def tzinfo(self) -> ZoneInfo | None:
        """The zone for local days, or None for the machine's local time."""
        if not self.timezone:
            return None
        return ZoneInfo(self.timezone)

    def queue_service_level(self, queue: str) -> ServiceLevel:
        """The floor's service level settings with the queue's overrides applied."""
        queue_config = self.queues.get(queue)
        if queue_config is None or not queue_config.service_level:
            return self.service_level
        return dataclasses.replace(self.service_level, **queue_config.service_level)

    def queue_name(self, queue: str) -> str:
        queue_config = self.queues.get(queue)
        return (queue_config.display_name if queue_config else None) or queue

    def agent_name(self, agent: str) -> str:
        return self.agents.display_names.get(agent, agent)

    def derive_config(self) -> DeriveConfig:
        return DeriveConfig(
            wrapup_reasons=tuple(self.agents.wrapup_reasons),
            aliases=dict(self.agents.aliases),
            survey_event=self.satisfaction.queue_log_event,
        )

    def control_socket(self, database: str | Path) -> Path:
        """Where the ingest's control socket is: `[control] socket`, else beside the database."""
        if self.control.socket:
            return self.resolve(self.control.socket)
        return Path(f"{database}.control")

    def resolve(self, path: str) -> Path:
        """A path from the file, relative to the file's own directory."""
        candidate = Path(path).expanduser()
        if candidate.is_absolute() or self.path is None:
            return candidate
        return self.path.parent / candidate


def load(path: str | Path | None) -> Config:
    """Read and check a config file; None gives the defaults."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read ({error})") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    config = from_table(table, str(path))
    config.path = path.absolute()
    return config


def from_table(table: dict[str, Any], origin: str = "config") -> Config:
    """A Config from an already parsed table (tests, `load`)."""
    try:
        config = build(Config, with_rule_defaults(table), "")
        config.service_level.check("service_level")
        hints = typing.get_type_hints(ServiceLevel)
        for name, queue in config.queues.items():
            where = f"queues.{name}.service_level"
            unknown = sorted(set(queue.service_level) - set(hints))
            if unknown:
                raise ConfigError(
                    f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(hints)})"
                )
            queue.service_level = {
                key: convert(value, hints[key], f"{where}.{key}")
                for key, value in queue.service_level.items()
            }
            config.queue_service_level(name).check(where)
        if config.timezone:
            try:
                ZoneInfo(config.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ConfigError(
                    f"timezone: {config.timezone!r} is not a known time zone"
                ) from None
        try:
            config.display.check()
            config.wallboard.check()
            config.retention.check()
            config.alarms.check()
            for index, target in enumerate(config.publish):
                target.check(f"publish[{index}]")
        except (
            DisplayConfigError,
            RetentionConfigError,
            AlarmConfigError,
            PublishConfigError,
        ) as error:
            raise ConfigError(str(error)) from None
        try:
            config.control.check()
        except ControlConfigError as error:
            raise ConfigError(str(error)) from None
        for index, source in enumerate(config.sources):
            if ":" not in source.spec:
                raise ConfigError(f"sources[{index}].spec: {source.spec!r} is not KIND:LOCATION")
    except ConfigError as error:
        raise ConfigError(f"{origin}: {error}") from None
    return config


def default_config_path() -> Path | None:
    """$FLOORWATCH_CONFIG, else ./floorwatch.toml if present."""
    env = os.environ.get("FLOORWATCH_CONFIG")
    if env:
        return Path(env)
    local = Path("floorwatch.toml")
    return local if local.exists() else None
