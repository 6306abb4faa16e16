"""How numbers and states read on screen: one place, so every view says them the same way."""

from __future__ import annotations

import math

from floorwatch.events import AgentState

AVAILABLE, OFFLINE, ON_CALL = AgentState.AVAILABLE, AgentState.OFFLINE, AgentState.ON_CALL
PAUSED, RINGING, WRAPUP = AgentState.PAUSED, AgentState.RINGING, AgentState.WRAPUP

#: A symbol per agent state, so a state never relies on colour alone (NO_COLOR, 16 colours,
#: colour-blind readers), and a short word for narrow columns.
STATE_SYMBOLS: dict[str, str] = {
    AVAILABLE: "●",
    RINGING: "◎",
    ON_CALL: "◆",
    WRAPUP: "✎",
    PAUSED: "‖",
    OFFLINE: "○",
}
STATE_WORDS: dict[str, str] = {
    AVAILABLE: "available",
    RINGING: "ringing",
    ON_CALL: "on call",
    WRAPUP: "wrap-up",
    PAUSED: "paused",
    OFFLINE: "offline",
}
#: The order a supervisor scans states in: who is free first, who is gone last.
STATE_ORDER = {AVAILABLE: 0, RINGING: 1, ON_CALL: 2, WRAPUP: 3, PAUSED: 4, OFFLINE: 5}

SPARK = "▁▂▃▄▅▆▇█"


def seconds(value: float | None) -> str:
    """12s, 4m05s, 1h02m: short enough for a table cell; '-' for no value (or for one that is
    not a finite number, which only a damaged store can hold: it must not stop the view)."""
    if value is None or not math.isfinite(value):
        return "-"
    value = int(round(value))
    if value < 0:
        return "-" + seconds(-value)
    if value < 60:
        return f"{value}s"
    if value < 3600:
        return f"{value // 60}m{value % 60:02d}s"
    return f"{value // 3600}h{value % 3600 // 60:02d}m"


def clock(value: float | None) -> str:
    """m:ss (or h:mm:ss) for big digits."""
    if value is None or not math.isfinite(value):
        return "-:--"
    value = int(round(value))
    if value < 3600:
        return f"{value // 60}:{value % 60:02d}"
    return f"{value // 3600}:{value % 3600 // 60:02d}:{value % 60:02d}"


def percent(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def state_label(state: str) -> str:
    return f"{STATE_SYMBOLS.get(state, '?')} {STATE_WORDS.get(state, state)}"


def sparkline(values: list[float | None], top: float | None = None) -> str:
    """Unicode bars for a short series; gaps (None) are spaces."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    high = top if top is not None else max(known)
    if high <= 0:
        return "".join(" " if v is None else SPARK[0] for v in values)
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        else:
            out.append(SPARK[min(len(SPARK) - 1, int(value / high * (len(SPARK) - 1) + 0.5))])
    return "".join(out)


def level(
    value: float | None, warning: float, critical: float, higher_is_worse: bool = True
) -> str:
    """'ok', 'warning' or 'critical' for a number against its thresholds."""
    if value is None:
        return "ok"
    if higher_is_worse:
        if value >= critical:
            return "critical"
        if value >= warning:
            return "warning"
        return "ok"
    if value < critical:
        return "critical"
    if value < warning:
        return "warning"
    return "ok"


def service_level_state(value: float | None, target: float, critical: float) -> str:
    """'ok' at or above target, 'critical' below the critical level, 'warning' in between."""
    if value is None or value >= target:
        return "ok"
    return "critical" if value < critical else "warning"


def mask_caller(number: str | None, visible: int = 3) -> str:
    """A caller's number with all but its last `visible` characters starred ("******567"):
    enough to tell two callers apart on a wall, not to call them back."""
    if not number:
        return "-"
    keep = number[-visible:] if visible > 0 else ""
    return "*" * (len(number) - len(keep)) + keep
