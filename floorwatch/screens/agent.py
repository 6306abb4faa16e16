"""One agent's day: the timeline, the calls, the pauses, their numbers beside the floor's, and
why a burnout flag is up. Escape goes back to the board, cursor where it was."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from floorwatch.format import percent, seconds, state_label
from floorwatch.screens.rewind import rewound_marker
from floorwatch.screens.supervisor_actions import ActionFlow
from floorwatch.snapshot.floor_snapshot import AgentSnapshot, FloorSnapshot
from floorwatch.snapshot.live import FloorUpdate
from floorwatch.snapshot.reader import AgentDay
from floorwatch.snapshot.timeline import agent_stretches
from floorwatch.store.rows import IntervalRow
from floorwatch.widgets.action_keys import ACTION_BINDINGS, action_key_shown
from floorwatch.widgets.alarm_strip import AlarmStrip
from floorwatch.widgets.guard import describe
from floorwatch.widgets.live_table import Column, LiveTable
from floorwatch.widgets.rewound_line import follow_rewind
from floorwatch.widgets.safe_content import content
from floorwatch.widgets.timeline import Timeline


def _outcome(call) -> tuple[str, str | None]:
    if call.ended_at is None:
        return "talking", "state-on_call"
    if call.ended_by == "transfer":
        return f"transferred {call.transfer_target or ''}".strip(), None
    return "completed", None


def manager_rows(agent: str, snapshot: FloorSnapshot) -> list[tuple[str, str, str]]:
    """FCR, CSAT and the schedule's word on the agent, against the floor's."""
    quality, rows = snapshot.quality, []
    if quality is not None:
        mine, floor = quality.agent(agent), quality.floor
        rows.append(("FCR", percent(mine.fcr.rate), percent(floor.fcr.rate)))
        mean = mine.csat.mean_score
        rows.append(("CSAT", percent(mine.csat.csat), percent(floor.csat.csat)))
        rows.append(("mean score", "-" if mean is None else f"{mean:.2f}", ""))
    adherence = snapshot.adherence
    state = adherence.agents.get(agent) if adherence is not None else None
    if state is not None:
        rows.append(("schedule", state.state, state.activity or ""))
    return rows


def merge_pauses(pauses: list[IntervalRow]) -> list[IntervalRow]:
    """One row per pause: a pause of every queue (PAUSEALL) is logged once per queue."""
    merged: dict[tuple, IntervalRow] = {}
    for pause in pauses:
        key = (pause.start, pause.end, pause.reason)
        if key in merged:
            queues = f"{merged[key].queue}, {pause.queue}"
            merged[key] = replace(merged[key], queue=queues)
        else:
            merged[key] = pause
    return list(merged.values())


class AgentScreen(Screen):
    """The drill-down for `agent`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("tab", "focus_next", "Next table", show=False),
        *ACTION_BINDINGS,
    ]

    def __init__(self, agent: str):
        super().__init__()
        self.agent = agent
        self.zone = None
        self._shown: FloorUpdate | None = None
        #: The floor's averages beside the agent's, and the floor instant they are of.
        self._average: tuple[tuple, tuple[float, float, float, float]] | None = None

    def show_agent(self, agent: str) -> None:
        """Be `agent`'s screen the next time it is pushed. The app keeps one AgentScreen and
        pushes it again: building a new one at each open (compose, mount, styles) was 20-60
        ms of opening an agent on a big floor. What the last agent showed is cleared, so it
        never shows under the new name."""
        self.agent = agent
        self._shown = None
        if not self.is_mounted:
            return
        for selector in ("#agent-title", "#agent-numbers", "#agent-flags"):
            self.query_one(selector, Static).update("")
        self.query_one(Timeline).show([], 0.0, 0.0, None)
        for table in self.query(LiveTable):
            table.update_rows({}, 0.0)
            table.cursor = 0
            table.scroll_to(0, 0, animate=False)

    def compose(self) -> ComposeResult:
        self.zone = self.app.config.tzinfo()
        yield Static("", id="agent-title")
        yield AlarmStrip()
        yield Timeline(self.zone, id="timeline")
        with Horizontal(id="agent-middle"):
            yield Static("", id="agent-numbers")
            yield Static("", id="agent-flags")
        with Horizontal(id="agent-lists"):
            with Vertical():
                yield Static("calls today", classes="list-title")
                yield LiveTable(self._call_columns(), id="agent-calls")
            with Vertical():
                yield Static("pauses today", classes="list-title")
                yield LiveTable(self._pause_columns(), id="agent-pauses")
        yield Footer()

    def _time(self, ts: float | None) -> str:
        if ts is None:
            return "-"
        return f"{datetime.fromtimestamp(ts, self.zone).astimezone(self.zone):%H:%M:%S}"

    def _call_columns(self) -> list[Column]:
        return [
            Column("time", "time", 8, lambda c, now: (self._time(c.answered_at), None)),
            Column("queue", "queue", 8, lambda c, now: (c.queue, None), flex=True),
            Column("wait", "wait", 6, lambda c, now: (seconds(c.wait_s), None), "right"),
            Column(
                "talk",
                "talk",
                6,
                lambda c, now: (
                    seconds(c.talk_s if c.talk_s is not None else now - (c.answered_at or now)),
                    None,
                ),
                "right",
            ),
            Column("outcome", "outcome", 10, lambda c, now: _outcome(c)),
            Column("hangup", "hung up", 7, lambda c, now: (c.ended_by or "", None)),
        ]

    def _pause_columns(self) -> list[Column]:
        return [
            Column("start", "from", 8, lambda p, now: (self._time(p.start), None)),
            Column("end", "to", 8, lambda p, now: (self._time(p.end) if p.end else "now", None)),
            Column(
                "length",
                "for",
                6,
                lambda p, now: (seconds((p.end or now) - p.start), None),
                "right",
            ),
            Column("reason", "reason", 10, lambda p, now: (p.reason or "", None), flex=True),
            Column("queue", "queue", 8, lambda p, now: (p.queue or "all", None)),
        ]

    def on_mount(self) -> None:
        follow_rewind(self.query_one("#agent-title"))
        self.watch(self.app, "update", self.show_update, init=False)

    def on_screen_resume(self) -> None:
        """Pushed (first or again, for `self.agent`): draw the agent at once."""
        app = self.app
        app.live.focus(self.agent)
        self.query_one("#agent-calls", LiveTable).focus()
        # The live thread was told at the key and has usually read the day while this screen
        # was being shown: it is drawn in the first frame instead of waiting for its message,
        # which comes behind the screen's layout (tens of ms on a big floor).
        ready = None
        if not app.frozen and app.rewound_at is None:
            ready = app.live.ready_for(self.agent)
        self.show_update(ready if ready is not None else app.update)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action_key_shown(self, action, parameters)

    def action_act(self, action: str) -> None:
        ActionFlow(self, self.agent).start(action)

    def action_back(self) -> None:
        self.app.live.focus(None)
        self.dismiss()

    def show_update(self, update: FloorUpdate | None) -> None:
        if update is None or update is self._shown or self not in self.app.screen_stack:
            return  # (the update drawn at resume comes again as the app's; kept but closed)
        self._shown = update
        snapshot = update.snapshot
        agent = snapshot.agents.get(self.agent)
        self.guarded(self._title, agent, snapshot)
        self.guarded(self._numbers, agent, snapshot)
        self.guarded(self._flags, agent)
        day = update.agent_day
        if day is not None and day.agent == self.agent:
            self.guarded(self._day, day, snapshot)

    def guarded(self, part, *args) -> None:
        """Draw one part of the screen; a part that fails says so in the title line, and the
        rest of the screen (and the app) goes on."""
        try:
            part(*args)
        except Exception as error:
            self.log.error(f"agent screen: {part.__name__} failed", error)
            self._set(
                "#agent-title",
                content(
                    f"{self.app.config.agent_name(self.agent)}: cannot show this part of the day: "
                    f"{describe(error)}",
                    "bold $error",
                ),
            )

    def _set(self, selector: str, text: Content) -> None:
        marker = rewound_marker(self.app) if selector == "#agent-title" else None
        if marker:
            text = Content.assemble(Content.styled(f" {marker} ", "bold reverse"), "  ", text)
        self.query_one(selector, Static).update(text)

    def _title(self, agent: AgentSnapshot | None, snapshot: FloorSnapshot) -> None:
        name = self.app.config.agent_name(self.agent)
        if agent is None:
            self._set("#agent-title", content(f"{name}: not logged in today"))
            return
        call = ""
        if agent.call is not None:
            call = f"  on {agent.call.queue} with {agent.call.caller or 'a caller'}"
        reason = f" ({agent.reason})" if agent.reason else ""
        self._set(
            "#agent-title",
            content(
                f"{name}  {state_label(agent.state)}{reason} for "
                f"{seconds(agent.time_in_state_s(snapshot.at))}{call}   "
                f"queues: {', '.join(agent.queues) or '-'}"
            ),
        )

    def _numbers(self, agent: AgentSnapshot | None, snapshot: FloorSnapshot) -> None:
        if agent is None:
            self._set("#agent-numbers", Content(""))
            return
        at = snapshot.at
        floor_calls, floor_rna, floor_login, floor_pause = self._floor_average(snapshot)
        pause_today = agent.pause_today_s(at)
        floor_aht = snapshot.totals.windows["today"].aht_s
        rows = [
            ("", "agent", "floor avg"),
            ("calls today", str(agent.calls_today), f"{floor_calls:.1f}"),
            ("AHT", seconds(agent.aht_today_s), seconds(floor_aht)),
            ("talk", seconds(agent.talk_today_s(at)), ""),
            ("occupancy 60m", percent(agent.occupancy_60m), ""),
            ("ring no answer", str(agent.ring_no_answers_today), f"{floor_rna:.1f}"),
            ("paused (all)", seconds(sum(pause_today.values())), seconds(floor_pause)),
            ("logged in", seconds(agent.login_today_s(at)), seconds(floor_login)),
            *manager_rows(agent.name, snapshot),
        ]
        pauses = ", ".join(f"{reason} {seconds(value)}" for reason, value in pause_today.items())
        lines = [f"{a:<15}{b:>9}{c:>11}" for a, b, c in rows]
        if pauses:
            lines.append(f"pauses: {pauses}")
        self._set("#agent-numbers", Content("\n").join(content(line) for line in lines))

    def _floor_average(self, snapshot: FloorSnapshot) -> tuple[float, float, float, float]:
        """Calls, ring-no-answers, login and pause per agent logged in today, once per floor
        instant: opening an agent draws the floor's update, then the same instant with the
        agent's day, and on 5,000 agents each average was 10-15 ms of the opening."""
        key = (snapshot.at, snapshot.day_start, len(snapshot.agents))
        if self._average is not None and self._average[0] == key:
            return self._average[1]
        at = snapshot.at
        count = 0
        calls = rna = login_s = pause_s = 0.0
        for other in snapshot.agents.values():
            login = other.login_today_s(at)
            if other.calls_today or login:
                count += 1
                calls += other.calls_today
                rna += other.ring_no_answers_today
                login_s += login
                pause_s += other.pause_total_s(at)
        count = max(1, count)
        average = (calls / count, rna / count, login_s / count, pause_s / count)
        self._average = (key, average)
        return average

    def _flags(self, agent: AgentSnapshot | None) -> None:
        if agent is None or not agent.flags:
            self._set("#agent-flags", Content("no burnout flags"))
            return
        lines = []
        for flag in agent.flags:
            summary = getattr(flag, "describe", None)
            lines.append(summary() if summary else str(flag))
        self._set("#agent-flags", Content("\n").join(content(line) for line in lines))

    def _day(self, day: AgentDay, snapshot: FloorSnapshot) -> None:
        starts = [i.start for i in day.availability if i.state != "offline"]
        starts += [c.answered_at for c in day.calls if c.answered_at is not None]
        start = max(day.day_start, min(starts)) if starts else day.day_start
        stretches = agent_stretches(day.availability, day.calls, start, day.now)
        highlight = None
        agent = snapshot.agents.get(self.agent)
        if agent is not None:
            spans = [getattr(flag, "stretch", None) for flag in agent.flags]
            spans = [span for span in spans if span]
            if spans:
                highlight = (min(s[0] for s in spans), max(s[1] for s in spans))
        self.query_one(Timeline).show(stretches, start, day.now, highlight)
        calls = self.query_one("#agent-calls", LiveTable)
        calls.update_rows({c.id: c for c in reversed(day.calls)}, day.now)
        pauses = self.query_one("#agent-pauses", LiveTable)
        pauses.update_rows({p.id: p for p in reversed(merge_pauses(day.pauses))}, day.now)
