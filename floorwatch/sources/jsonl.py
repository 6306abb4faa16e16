"""JSON Lines in the canonical model: one event object per line, from a file or stdin.

The object is the one `Event.to_json` writes and the README documents:
`{"ts": 1795530192, "kind": "call_queued", "call_id": "1795530192.1", "queue": "orders",
"data": {"caller": "5550151", "position": 1}}`. Any system can feed floorwatch this way.
"""

from __future__ import annotations

import json

from floorwatch.events import Event, EventError, event_from_dict

FORMAT = "jsonl"


def parse_line(line: str, source: str = FORMAT) -> Event:
    """One JSON line as an Event; EventError says why not."""
    try:
        record = json.loads(line)
    except ValueError as error:
        raise EventError(f"not JSON: {error}") from None
    return event_from_dict(record, default_source=source)
