"""`[alarms]` in floorwatch.toml: the alarm rules' thresholds and the notification hooks.

Plain dataclasses read by config.py's strict builder (an unknown key or a wrong type is an
error naming the key). Each rule has a severity, a threshold (per queue where it applies), the
level at which it clears (hysteresis: between the two a raised alarm stays raised and a quiet
one stays quiet) and how long its condition must hold before it raises (a blip pages nobody).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

SEVERITIES = ("info", "warning", "critical")


class AlarmConfigError(Exception):
    """A setting of [alarms] that cannot be used (config.py adds the file's name)."""


@dataclass
class AlarmRule:
    """One rule's settings: `[alarms.RULE]`."""

    enabled: bool = True
    severity: str = "warning"
    #: Raise when the value reaches this (falls to it, for a rule where lower is worse).
    threshold: float = 0.0
    #: Clear when the value is back to this or better (hysteresis: at or below it, at or
    #: above it where lower is worse); absent: as soon as it is under the threshold again.
    clear: float | None = None
    #: The condition must hold this long before the alarm raises (seconds).
    min_duration_s: float = 30.0
    #: ...and stay clear this long before it clears (seconds).
    clear_after_s: float = 15.0
    #: Per queue: the queue's own threshold (and clear level) instead of the ones above.
    queues: dict[str, float] = field(default_factory=dict)
    queues_clear: dict[str, float] = field(default_factory=dict)
    #: Pause rule: a limit per pause reason (seconds); `threshold` is any other reason's.
    reasons: dict[str, float] = field(default_factory=dict)
    #: Missed-rings rule: the window the rings are counted over (minutes).
    window_min: float = 30.0
    #: Ratio rules (service level, abandon rate): fewer calls in the window than this say
    #: nothing yet.
    min_calls: int = 0

    def threshold_for(self, queue: str | None) -> float:
        return self.queues.get(queue, self.threshold) if queue is not None else self.threshold

    def clear_for(self, queue: str | None) -> float:
        if queue is not None and queue in self.queues_clear:
            return self.queues_clear[queue]
        if queue is not None and queue in self.queues:
            return self.queues[queue] if self.clear is None else self._scaled(queue)
        return self.threshold if self.clear is None else self.clear

    def _scaled(self, queue: str) -> float:
        """A queue with its own threshold keeps the floor's gap between threshold and clear."""
        assert self.clear is not None
        return self.queues[queue] + (self.clear - self.threshold)


def _rule(severity: str, threshold: float, clear: float | None, **options) -> AlarmRule:
    return AlarmRule(severity=severity, threshold=threshold, clear=clear, **options)


@dataclass
class AlarmRules:
    """Every rule, with the defaults of data/floorwatch.toml."""

    calls_waiting: AlarmRule = field(default_factory=lambda: _rule("warning", 5, 3))
    oldest_wait: AlarmRule = field(default_factory=lambda: _rule("critical", 60, 40))
    #: Service level of the last 30 minutes; threshold -1: the queue's own target.
    service_level: AlarmRule = field(
        default_factory=lambda: _rule("warning", -1, None, min_calls=5, min_duration_s=60)
    )
    abandon_rate: AlarmRule = field(
        default_factory=lambda: _rule("warning", 0.10, 0.07, min_calls=5, min_duration_s=60)
    )
    no_agent_free: AlarmRule = field(default_factory=lambda: _rule("critical", 1, None))
    long_call: AlarmRule = field(
        default_factory=lambda: _rule("warning", 1200, None, min_duration_s=0)
    )
    long_pause: AlarmRule = field(
        default_factory=lambda: _rule(
            "warning", 1800, None, min_duration_s=0, reasons={"Break": 900, "Lunch": 3600}
        )
    )
    missed_rings: AlarmRule = field(
        default_factory=lambda: _rule("warning", 3, None, min_duration_s=0)
    )
    feed_quiet: AlarmRule = field(
        default_factory=lambda: _rule("critical", 300, None, min_duration_s=0)
    )
    feed_disconnected: AlarmRule = field(default_factory=lambda: _rule("critical", 1, None))
    #: The forecast: service level over 30 min below target within this many seconds.
    forecast_breach: AlarmRule = field(
        default_factory=lambda: _rule("info", 300, None, enabled=False, min_duration_s=0)
    )


#: Rules whose value is worse when lower (they raise at or below the threshold).
LOWER_IS_WORSE = frozenset({"service_level", "forecast_breach"})


@dataclass
class NotifyHook:
    """`[[alarms.notify]]`: where to tell people who are not looking."""

    name: str = ""
    #: POST the alarm as JSON here...
    webhook: str | None = None
    #: ...as a Slack-compatible `{"text": ...}` payload with format = "slack".
    format: str = "json"
    #: Or run this, the alarm as JSON on its standard input.
    command: list[str] = field(default_factory=list)
    #: Only alarms of these severities, queues, rules (empty: every one).
    severities: list[str] = field(default_factory=list)
    queues: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    #: Send a still-raised alarm again this often (minutes; 0: never).
    repeat_min: float = 0.0
    #: At most this many messages a minute (the rest wait their turn).
    rate_per_min: int = 30
    timeout_s: float = 5.0
    #: A failed delivery is tried again after 1 s, doubling up to this (seconds).
    max_backoff_s: float = 30.0

    def wants(self, rule: str, severity: str, queue: str | None) -> bool:
        if self.severities and severity not in self.severities:
            return False
        if self.rules and rule not in self.rules:
            return False
        return not self.queues or queue in self.queues

    @property
    def label(self) -> str:
        return self.name or self.webhook or " ".join(self.command)


@dataclass
class AlarmsConfig:
    """`[alarms]`."""

    enabled: bool = True
    #: Viewers ring the terminal bell once per newly raised alarm (`--bell/--no-bell`).
    bell: bool = True
    #: Marked rows and tiles blink (`--no-blink` and NO_COLOR turn it off).
    blink: bool = True
    #: The ingest evaluates the rules this often when no commit comes (seconds).
    every_s: float = 1.0
    rules: AlarmRules = field(default_factory=AlarmRules)
    notify: list[NotifyHook] = field(default_factory=list)

    def check(self) -> None:
        for name in AlarmRules.__dataclass_fields__:
            rule: AlarmRule = getattr(self.rules, name)
            if rule.severity not in SEVERITIES:
                raise AlarmConfigError(
                    f"alarms.rules.{name}.severity: {rule.severity!r} is not one of "
                    + ", ".join(SEVERITIES)
                )
            if rule.min_duration_s < 0 or rule.clear_after_s < 0:
                raise AlarmConfigError(f"alarms.rules.{name}: durations must not be negative")
        for index, hook in enumerate(self.notify):
            where = f"alarms.notify[{index}]"
            if bool(hook.webhook) == bool(hook.command):
                raise AlarmConfigError(f"{where}: give either webhook or command (one of them)")
            if hook.webhook and not hook.webhook.startswith(("http://", "https://")):
                raise AlarmConfigError(f"{where}.webhook: {hook.webhook!r} is not an http(s) URL")
            if hook.format not in ("json", "slack"):
                raise AlarmConfigError(f"{where}.format: {hook.format!r} is not json or slack")
            for severity in hook.severities:
                if severity not in SEVERITIES:
                    raise AlarmConfigError(f"{where}.severities: {severity!r} is not a severity")
            if hook.rate_per_min < 1 or hook.timeout_s <= 0:
                raise AlarmConfigError(f"{where}: rate_per_min and timeout_s must be positive")


def clear_after(config: AlarmsConfig) -> dict[str, float]:
    """Per rule: how long its reading must stay clear before its alarm clears."""
    return {
        name: getattr(config.rules, name).clear_after_s for name in AlarmRules.__dataclass_fields__
    }


def with_rule_defaults(table: dict) -> dict:
    """The config's table with each `[alarms.rules.NAME]` laid over that rule's own defaults
    (a file that sets one key of a rule keeps the rest of that rule, not AlarmRule's)."""
    alarms = table.get("alarms")
    if not isinstance(alarms, dict) or not isinstance(alarms.get("rules"), dict):
        return table
    defaults = AlarmRules()
    rules = {}
    for name, given in alarms["rules"].items():
        default = getattr(defaults, name, None)
        if isinstance(given, dict) and isinstance(default, AlarmRule):
            base = {k: v for k, v in dataclasses.asdict(default).items() if v is not None}
            if "threshold" in given and "clear" not in given and default.clear is not None:
                gap = default.clear - default.threshold  # the default's hysteresis, kept
                if isinstance(given["threshold"], (int, float)):
                    base["clear"] = given["threshold"] + gap
            given = {**base, **given}
        rules[name] = given
    return {**table, "alarms": {**alarms, "rules": rules}}
