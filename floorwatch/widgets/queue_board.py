"""One line per queue: what is waiting, how fast it is answered, who is there to answer.

Worst first by default (the wall's natural order: with twenty queues the ones in trouble are
the ones on screen), sortable on any column with the agent board's keys (`s`, `S`)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from floorwatch.config import Config
from floorwatch.format import clock, level, percent, seconds, service_level_state, sparkline
from floorwatch.snapshot.alarms.forecast import next_over, sl_below
from floorwatch.snapshot.floor_snapshot import FloorSnapshot, QueueSnapshot
from floorwatch.widgets.alarm_marks import AlarmMarks
from floorwatch.widgets.day_figures import DayFigures, quality_columns
from floorwatch.widgets.guard import shielded
from floorwatch.widgets.live_table import Cell, Column
from floorwatch.widgets.sortable_board import SortableBoard

#: How bad a queue's state is, for "worst first".
RANK = {"critical": 2, "warning": 1, "ok": 0}


#: A shape beside the colour of a figure over its threshold (never colour alone).
MARKS = {"warning": "▲", "critical": "✖"}


def _marked(text: str, state: str) -> Cell:
    """A figure with its level's mark and style ('ok': neither)."""
    return (f"{MARKS[state]}{text}", state) if state in MARKS else (text, None)


def queue_severity(queue: QueueSnapshot, config: Config) -> str:
    """The worst of the queue's calls waiting, oldest wait and service level (30 min, else
    today) against their thresholds: "critical", "warning" or "ok"."""
    colors = config.colors
    levels = [
        level(queue.calls_waiting, colors.calls_waiting.warning, colors.calls_waiting.critical),
        level(queue.longest_wait_s, colors.longest_wait_s.warning, colors.longest_wait_s.critical),
    ]
    for window in ("30m", "today"):
        value = queue.windows[window].service_level
        if value is not None:
            levels.append(service_level_state(value, queue.target, colors.service_level.critical))
            break
    return max(levels, key=lambda name: RANK.get(name, 0))


def forecast_text(queue: QueueSnapshot, now: float) -> tuple[str, str | None]:
    """`0:12 ~4m`: next caller over the threshold, SL 30 min under target (empty: neither)."""
    over, below = next_over(queue, now), sl_below(queue, now)
    parts = []
    if over is not None:
        parts.append("over" if over == 0 else clock(over))
    if below is not None:
        parts.append("SL<" if below == 0 else f"~{max(1, round(below / 60))}m")
    soon = (over is not None and over <= 10) or (below is not None and below <= 300)
    return " ".join(parts), ("warning" if soon else "muted") if parts else None


class Severities:
    """Each queue's severity, worked out once per snapshot for the sort, the mark and the
    change marks alike (a board of 200 queues asked for it several times per row)."""

    def __init__(self, config: Config):
        self.config = config
        self._by_id: dict[int, tuple[QueueSnapshot, str]] = {}

    def take(self, snapshot: FloorSnapshot) -> None:
        self._by_id = {
            id(queue): (queue, queue_severity(queue, self.config))
            for queue in snapshot.queues.values()
        }

    def of(self, queue: QueueSnapshot) -> str:
        known = self._by_id.get(id(queue))
        if known is not None and known[0] is queue:
            return known[1]
        return queue_severity(queue, self.config)  # a row of an earlier snapshot


class QueueChanges:
    """When each queue last changed what a supervisor reads from across the room (its
    severity, its callers waiting): its name is marked for `[display] changed_mark_s` after
    (like the agent board's, which goes by the agent's state). The viewer's own memory: what
    it has seen since it opened, nothing marked on the first look."""

    def __init__(self) -> None:
        self.changed_at: dict[str, float] = {}
        self._seen: dict[str, tuple] = {}

    def take(self, snapshot: FloorSnapshot, severities: Severities) -> None:
        for name, queue in snapshot.queues.items():
            state = (severities.of(queue), queue.calls_waiting)
            before = self._seen.get(name)
            if before is not None and before != state:
                self.changed_at[name] = snapshot.at
            self._seen[name] = state

    def recent(self, name: str, now: float, within_s: float) -> bool:
        at = self.changed_at.get(name)
        return at is not None and within_s > 0 and 0 <= now - at < within_s


def queue_columns(
    config: Config,
    marks: AlarmMarks | None = None,
    day: DayFigures | None = None,
    changes: QueueChanges | None = None,
    severities: Severities | None = None,
) -> list[Column[QueueSnapshot]]:
    colors = config.colors
    severities = severities or Severities(config)
    marks = marks or AlarmMarks()
    day = day or DayFigures()
    changes = changes or QueueChanges()
    recent_s = config.display.changed_mark_s

    def name(queue: QueueSnapshot, now: float) -> Cell:
        """The name: flagged while an alarm is up, else marked for a moment after a change."""
        text, style = marks.name_cell(marks.queues, queue.name, queue.display_name)
        if style is None and changes.recent(queue.name, now, recent_s):
            style = "changed"
        return text, style

    def severity(queue: QueueSnapshot, now: float) -> Cell:
        state = severities.of(queue)
        return _marked("", state)

    def worst_first(queue: QueueSnapshot) -> tuple:
        return (
            -RANK[severities.of(queue)],
            -(queue.longest_wait_s or 0),
            -queue.calls_waiting,
            queue.display_name.casefold(),
        )

    def waiting(queue: QueueSnapshot, now: float) -> Cell:
        return _marked(
            str(queue.calls_waiting),
            level(queue.calls_waiting, colors.calls_waiting.warning, colors.calls_waiting.critical),
        )

    def longest(queue: QueueSnapshot, now: float) -> Cell:
        return _marked(
            seconds(queue.longest_wait_s),
            level(
                queue.longest_wait_s, colors.longest_wait_s.warning, colors.longest_wait_s.critical
            ),
        )

    def service_level(window: str):
        def cell(queue: QueueSnapshot, now: float) -> Cell:
            value = queue.windows[window].service_level
            if value is None:
                return "-", "muted"
            state = service_level_state(value, queue.target, colors.service_level.critical)
            return (percent(value), "good") if state == "ok" else _marked(percent(value), state)

        return cell

    def staffing(queue: QueueSnapshot, now: float) -> Cell:
        """Agents the last half hour's traffic needs (Erlang C) / staffed now, and the gap."""
        gap = queue.staffing
        if not gap:
            return "", None
        text = f"{gap['agents_needed']}/{gap['agents_staffed']} {gap['gap']:+d}"
        return text, "critical" if gap["gap"] < 0 else "muted"

    def ahead(queue: QueueSnapshot, now: float) -> Cell:
        """The forecast (snapshot/alarms/forecast.py): the next caller over the SL threshold
        in m:ss, then the SL of 30 min below target in ~N min at this rate."""
        text, style = forecast_text(queue, now)
        return text, style

    def trend_waiting(queue: QueueSnapshot, now: float) -> Cell:
        return sparkline([float(n) for n in queue.trend_waiting]), "spark"

    def trend_level(queue: QueueSnapshot, now: float) -> Cell:
        return sparkline(queue.trend_service_level, top=1.0), "spark"

    return [
        Column("severity", "!", 3, severity, sort=worst_first),
        Column(
            "queue",
            "queue",
            8,
            name,
            content=True,
            max_width=24,
            sort=lambda q: q.display_name.casefold(),
        ),
        Column("waiting", "wait", 4, waiting, "right", sort=lambda q: -q.calls_waiting),
        Column("longest", "oldest", 6, longest, "right", sort=lambda q: -(q.longest_wait_s or 0)),
        Column(
            "sl_today",
            "SL day",
            6,
            service_level("today"),
            "right",
            sort=lambda q: q.windows["today"].service_level or 0,
        ),
        Column(
            "sl_30m",
            "SL 30m",
            6,
            service_level("30m"),
            "right",
            sort=lambda q: q.windows["30m"].service_level or 0,
            drop=1,
        ),
        Column(
            "target",
            "goal",
            8,
            lambda q, now: (f"{q.target:.0%}/{q.threshold_s:g}s", "muted"),
            "right",
            drop=4,
        ),
        Column(
            "asa",
            "ASA",
            6,
            lambda q, now: (seconds(q.windows["today"].asa_s), None),
            "right",
            sort=lambda q: -(q.windows["today"].asa_s or 0),
            drop=3,
        ),
        Column(
            "abandon",
            "aband",
            5,
            lambda q, now: (percent(q.windows["today"].abandon_rate), None),
            "right",
            sort=lambda q: -(q.windows["today"].abandon_rate or 0),
            drop=3,
        ),
        Column(
            "available",
            "free",
            4,
            lambda q, now: (
                str(q.agents_available),
                "good" if q.agents_available else ("warning" if q.calls_waiting else None),
            ),
            "right",
            sort=lambda q: -q.agents_available,
        ),
        Column("on_call", "call", 4, lambda q, now: (str(q.agents_on_call), None), "right", drop=2),
        Column("paused", "psd", 3, lambda q, now: (str(q.agents_paused), None), "right", drop=2),
        Column(
            "staffing",
            "need/have",
            10,
            staffing,
            "right",
            sort=lambda q: (q.staffing or {}).get("gap", 0),
            drop=2,
        ),
        Column("forecast", "ahead", 5, ahead, drop=6, content=True, max_width=14),
        *quality_columns(day, "queue", lambda row: row.name),
        Column("trend_waiting", "waiting 1h", 12, trend_waiting, drop=5),
        Column("trend_level", "SL 1h", 12, trend_level, drop=5),
    ]


class QueueBoard(SortableBoard[QueueSnapshot]):
    """Every queue, worst first (then by the sort chosen), with thresholds in colour and a mark."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "explain", "Explain a number", show=False)
    ]

    class ExplainRequested(Message):
        """`e`: explain the numbers of the queue under the cursor (screens/explain.py)."""

        def __init__(self, queue: str):
            super().__init__()
            self.queue = queue

    def action_explain(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.ExplainRequested(str(key)))

    def __init__(self, config: Config, *, id: str | None = None):
        #: Queues with an alarm up (the floor screen hands them over with each update).
        self.marks = AlarmMarks()
        self.day = DayFigures()
        self.changes = QueueChanges()
        self.severities = Severities(config)
        columns = queue_columns(config, self.marks, self.day, self.changes, self.severities)
        super().__init__(columns, id=id)
        self.empty_message = "no queues yet"
        self.sort_column = "severity"

    def mark_alarms(self, alarms, silenced=()) -> None:
        """The alarms up now: names with one are marked (widgets/alarm_marks.py)."""
        if self.marks.take(alarms, silenced) and self.rows:
            self.remeasure()

    @shielded
    def show(self, snapshot: FloorSnapshot) -> None:
        self.day.update(snapshot)
        self.severities.take(snapshot)
        self.changes.take(snapshot, self.severities)
        self.update_rows(snapshot.queues, snapshot.at)
