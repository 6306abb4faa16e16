"""Post-call survey lines in a queue_log: the dialplan's `QueueLog()` writes them under an
event name of its own (`[satisfaction] queue_log_event`, for example SURVEY), which the
queue_log parser keeps as `other`; this turns one into the canonical `call_rated`.

`QueueLog(support,${UNIQUEID},${AGENT},SURVEY,4|kind and quick)` writes
`1795530300|1795530192.1|support|Agent/1001|SURVEY|4|kind and quick`: the score, then an
optional comment (the rest of the line, its `|` kept).
"""

from __future__ import annotations

from dataclasses import replace

from floorwatch.event_schema import MAX_SCORE
from floorwatch.events import Event, EventError, Kind


def rated_from_survey_line(event: Event, name: str) -> Event | None:
    """The `call_rated` event an `other` event of the survey's `name` stands for; None for any
    other event; EventError for a survey line whose score is not a number in range."""
    if not name or event.kind != Kind.OTHER or event.data.get("event") != name:
        return None
    fields = list(event.data.get("fields") or [])
    if event.call_id is None or event.queue is None:
        raise EventError(f"{name}: a survey line needs the call id and queue")
    text = fields[0].strip() if fields else ""
    try:
        score = float(text)
    except ValueError:
        raise EventError(f"{name}: score is not a number: {text[:40]!r}") from None
    if not 0 <= score <= MAX_SCORE:
        raise EventError(f"{name}: score {text[:40]} is out of range (0..{MAX_SCORE})")
    comment = "|".join(fields[1:]).strip() or None
    data = {"score": int(score) if score.is_integer() else score, "comment": comment}
    return replace(event, kind=Kind.CALL_RATED, data=data)
