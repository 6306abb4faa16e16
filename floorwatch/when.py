"""Durations, days and instants as a person types them: one syntax for every option.

A duration is a number with an optional unit, or several run together: 90, 90s, 15m, 1.5h,
1h30m, 7d, 2w (a bare number, alone, is seconds). A day is an ISO date, `today`, `yesterday` or a
number of days back (`-3d`, `-1w`). An instant is epoch seconds, an ISO 8601 time, `now`, a
duration back from now (`-2h`), a day's midnight (`today`, `yesterday`) or a time of a day
(`14:00`, `yesterday 14:00`, `-2d 09:30`).

Plain functions that raise ValueError with the sentence to show; `cli/options.py` turns them into
click parameter types. "Now" is handed in, so tests and replays are deterministic.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhdw]?)")
DURATION_HINT = "a duration such as 90, 90s, 15m, 1h30m, 2h or 7d"
DAY_HINT = "a date such as 2026-11-24, today, yesterday or -3d"
INSTANT_HINT = (
    "epoch seconds, an ISO 8601 time such as 2026-11-24T14:00, now, -2h, 14:00 or yesterday 14:00"
)


def parse_duration(text: str, *, allow_zero: bool = False) -> float:
    """Seconds from `text` (see the module's docstring)."""
    cleaned = text.strip().lower().replace(" ", "")
    position, total, parts = 0, 0.0, 0
    while position < len(cleaned):
        match = _PART.match(cleaned, position)
        if match is None:
            raise ValueError(f"{text!r}: not {DURATION_HINT}")
        number, unit = match.groups()
        if not unit and (position or match.end() != len(cleaned)):
            raise ValueError(f"{text!r}: not {DURATION_HINT}")
        total += float(number) * UNITS[unit or "s"]
        position, parts = match.end(), parts + 1
    if not parts:
        raise ValueError(f"{text!r}: not {DURATION_HINT}")
    if total < 0 or (total == 0 and not allow_zero):
        raise ValueError(f"{text!r}: a duration must be positive")
    return total


def parse_day(text: str, today: date) -> date:
    """The day `text` names, counting back from `today` for relative forms."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    if word.startswith("-") and word[-1:] in ("d", "w") and word[1:-1].isdigit():
        days = int(word[1:-1]) * (7 if word[-1] == "w" else 1)
        return today - timedelta(days=days)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise ValueError(f"{text!r}: not {DAY_HINT}") from None


def parse_instant(text: str, now: float, zone: tzinfo | None) -> float:
    """Epoch seconds for `text`; local forms are in `zone` (None: this machine's zone)."""
    word = text.strip()
    try:
        return float(word)
    except ValueError:
        pass
    if word.lower() == "now":
        return now
    if word.startswith("-") and ":" not in word and " " not in word:
        try:
            return now - parse_duration(word[1:])
        except ValueError:
            raise ValueError(f"{text!r}: not {INSTANT_HINT}") from None
    day_word, _, clock_word = word.rpartition(" ")
    if word.lower() in ("today", "yesterday"):
        day_word, clock_word = word, "00:00"
    if re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", clock_word):
        today = datetime.fromtimestamp(now, zone).date()
        try:
            day = parse_day(day_word, today) if day_word else today
            moment = datetime.combine(
                day, datetime.strptime(_padded(clock_word), "%H:%M:%S").time()
            )
        except ValueError:
            raise ValueError(f"{text!r}: not {INSTANT_HINT}") from None
    else:
        try:
            moment = datetime.fromisoformat(word)
        except ValueError:
            raise ValueError(f"{text!r}: not {INSTANT_HINT}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone) if zone else moment.astimezone()
    return moment.timestamp()


def _padded(clock: str) -> str:
    return clock if clock.count(":") == 2 else clock + ":00"
