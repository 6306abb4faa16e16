"""A viewer's link to the store: notice commits cheaply, keep the floor model current, and
hand out snapshots (plus the day of the agent being looked at) when something changed.

Runs in one thread (a Textual thread worker in the dashboard), owns its read-only connection,
and never writes. It asks `PRAGMA data_version` on that connection every `poll_s` (a quarter
of the update gap: 50 ms by default, 25 ms with `update_gap_s = 0.1`) whether another
connection committed: tens of microseconds a look and no table read; 40 looks a second cost an
idle viewer about 0.5 % of a core, and a commit is noticed an eighth of the gap after it on
average. With `[display] watch_commits` a file notification on the store's
-wal wakes it at the commit as well (snapshot/commit_notice.py); it notices no sooner to speak
of, and every write of a commit then wakes every viewer. A commit is drawn as soon as it is noticed,
unless the last update is less than `min_gap_s` old (`[display] update_gap_s`, 0.2 by default;
then soon after: a burst of commits is drawn once).

A store replaced under the viewer (restored from a backup, recreated by a demo) or deleted
would go on being read through the file the viewer opened, showing a floor that is no more:
each poll also compares the path's device and inode with the file that was opened, reopens
the new file, and says so while the path has no store (FeedProblem) until one is back.

A store written by a demo or a replay records the feed's clock (store/feed_clock.py); a viewer
not given a clock of its own follows that one (floorwatch.clock.StoreClock), so a second
`dash` on a demo's store sees the floor the demo sees, at the demo's time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from floorwatch.clock import StoreClock
from floorwatch.config import Config
from floorwatch.snapshot.alarms import Alarm
from floorwatch.snapshot.alarms.stored import alarm_from_row
from floorwatch.snapshot.commit_notice import CommitNotice
from floorwatch.snapshot.floor_snapshot import FloorSnapshot
from floorwatch.snapshot.pbx_counters import PbxCounters
from floorwatch.snapshot.reader import AgentDay, FloorReader, load_agent_day, load_pbx_counters
from floorwatch.store.faults import StoreError
from floorwatch.store.feed_clock import recorded_feed_clock
from floorwatch.store.reading import ReadOnlyStore


@dataclass
class FloorUpdate:
    """What a viewer draws: the floor, the agent it drills into (if any), and Asterisk's own
    counters of the queue it drills into (if any)."""

    snapshot: FloorSnapshot
    agent_day: AgentDay | None = None
    queue_pbx: PbxCounters | None = None
    #: The alarms the ingest has up now, newest first (it evaluates; every viewer reads).
    alarms: list[Alarm] = field(default_factory=list)
    #: Today's alarms, raised or cleared, newest first (the alarm list, `a`).
    alarm_history: list[Alarm] = field(default_factory=list)
    #: Notification hooks failing now, each as "name: why" (feed health says so).
    hooks_failing: list[str] = field(default_factory=list)


@dataclass
class FeedProblem:
    """The store cannot be read right now (the viewer keeps what it has and says so)."""

    message: str


@dataclass(frozen=True)
class FileIdentity:
    """Which file a path names (a store replaced under the same path is another file)."""

    device: int
    inode: int


Publish = Callable[[FloorUpdate | FeedProblem], None]


class LiveFloor:
    """Follows a store for one viewer."""

    #: Asterisk's counters of the queue looked at are read again at most this often: they are
    #: for checking against `queue show`, and reading them costs the day's calls of one queue.
    PBX_REFRESH_S = 5.0

    def __init__(
        self,
        db_path: str | Path,
        config: Config,
        *,
        clock: Callable[[], float] | None = None,
        poll_s: float | None = None,
        tick_s: float = 1.0,
        min_gap_s: float | None = None,
        watch: bool | None = None,
    ):
        """`clock`: the time to show the floor at; None: the feed clock the store records
        (a demo's, a replay's), else the wall clock. `min_gap_s`: None, the config's
        `[display] update_gap_s`. `watch`: be woken by writes to the store's files (else
        notice commits by the poll alone); None, the config's `[display] watch_commits`."""
        self.db_path = Path(db_path)
        self.config = config
        #: Follows the store's feed clock when no clock was given.
        self.store_clock: StoreClock | None = StoreClock() if clock is None else None
        self.clock: Callable[[], float] = clock if clock is not None else self.store_clock
        self.tick_s = tick_s
        #: At most one update per this many seconds: a burst of commits is drawn once.
        self.min_gap_s = config.display.update_gap_s if min_gap_s is None else min_gap_s
        #: How often data_version is asked: a quarter of the gap (a commit waits on average an
        #: eighth of it to be noticed), at most every 0.1 s; each look costs a wake.
        self.poll_s = min(0.1, self.min_gap_s / 4) if poll_s is None else poll_s
        self._focus: str | None = None
        self._queue_focus: str | None = None
        #: (queue, when read, its counters): the last reading of the queue looked at.
        self._pbx: tuple[str, float, PbxCounters | None] | None = None
        self._wake = threading.Event()
        if watch is None:
            watch = config.display.watch_commits
        self.notice = CommitNotice(self.db_path, self._wake, watch=watch)
        self.last_update: FloorUpdate | None = None
        #: The alarms as last read, and (the last alarm write's seq, the day) then: read
        #: again when either moves, not on every commit.
        self._alarms: tuple[tuple | None, list[Alarm], list[Alarm], list[str]] = (None, [], [], [])

    def focus(self, agent: str | None) -> None:
        """Say which agent the viewer drills into; the next update carries its day."""
        self._focus = agent
        self._wake.set()

    def focus_queue(self, queue: str | None) -> None:
        """Say which queue the viewer drills into; the next update carries its PBX counters."""
        self._queue_focus = queue
        self._pbx = None
        self._wake.set()

    @property
    def focused(self) -> str | None:
        """The agent the viewer drills into (None: none)."""
        return self._focus

    def ready_for(self, agent: str) -> FloorUpdate | None:
        """The last update made, if it carries `agent`'s day (read by the live thread after
        `focus`): a drill-down can draw it before the update's message reaches it."""
        last = self.last_update
        if last is not None and last.agent_day is not None and last.agent_day.agent == agent:
            return last
        return None

    def wake(self) -> None:
        self._wake.set()

    def open(self) -> FloorReader:
        store = ReadOnlyStore.open_readonly(self.db_path)
        self._alarms = (None, [], [], [])  # another file: its alarms are read anew
        self._follow_store_clock(store)
        return FloorReader(store, self.config, clock=self.clock)

    def _follow_store_clock(self, store: ReadOnlyStore) -> None:
        """Take up the feed clock the store records now (it changes when a replay pauses or
        changes speed): one row of `meta`, read before each snapshot."""
        if self.store_clock is not None:
            self.store_clock.follow(recorded_feed_clock(store))

    def identity(self) -> FileIdentity | None:
        """The file at the store's path, None if nothing is there."""
        try:
            status = os.stat(self.db_path)
        except FileNotFoundError:
            return None
        return FileIdentity(status.st_dev, status.st_ino)

    def update(self, reader: FloorReader) -> FloorUpdate:
        """A snapshot now, with the focused agent's details and day."""
        self._follow_store_clock(reader.store)
        now = self.clock()
        focus = self._focus
        snapshot = reader.snapshot(now, details=[focus] if focus else None)
        return self._with_day(reader, snapshot)

    def focus_update(self, reader: FloorReader) -> FloorUpdate:
        """Only the focus changed (an agent was opened): the last floor with that agent's
        details and day, without a new floor snapshot, so the drill-down opens at once."""
        last = self.last_update
        focus = self._focus
        model = reader.model
        if (
            last is None
            or focus is None
            or model is None
            or last.snapshot.day_start != model.day_start
        ):
            return self.update(reader)
        snapshot = last.snapshot
        agent = snapshot.agents.get(focus)
        if agent is not None and focus in model.agents:
            agents = dict(snapshot.agents)
            agents[focus] = model.detailed(agent, snapshot.at)
            snapshot = replace(snapshot, agents=agents)
        return self._with_day(reader, snapshot)

    def _read_alarms(self, reader: FloorReader, day_start: float) -> tuple[list, list, list]:
        """The open alarms, today's, and the failing hooks, read again only when an alarm
        or a hook was written (or the day turned)."""
        queries = reader.store.queries
        seq = (queries.alarms_seq(), day_start)
        if seq != self._alarms[0]:
            with queries.read_transaction():
                history = [alarm_from_row(row) for row in queries.alarms(day_start)]
                failing = [
                    f"{hook.name}: {hook.detail or 'failing'}"
                    for hook in queries.alarm_hooks()
                    if hook.status == "failing"
                ]
            self._alarms = (seq, [a for a in history if a.is_open], history, failing)
        return self._alarms[1], self._alarms[2], self._alarms[3]

    def _with_day(self, reader: FloorReader, snapshot: FloorSnapshot) -> FloorUpdate:
        now = snapshot.at
        focus = self._focus
        agent_day = None
        if focus is not None:
            agent_day = load_agent_day(reader.store, focus, snapshot.day_start, now)
        alarms, history, failing = self._read_alarms(reader, snapshot.day_start)
        update = FloorUpdate(
            snapshot,
            agent_day,
            queue_pbx=self._queue_pbx(reader, snapshot),
            alarms=alarms,
            alarm_history=history,
            hooks_failing=failing,
        )
        self.last_update = update
        return update

    def _queue_pbx(self, reader: FloorReader, snapshot: FloorSnapshot) -> PbxCounters | None:
        queue = self._queue_focus
        if queue is None:
            return None
        reading, now = self._pbx, time.monotonic()
        if reading is None or reading[0] != queue or now - reading[1] >= self.PBX_REFRESH_S:
            counters = load_pbx_counters(
                reader.store, self.config, snapshot.day_start, snapshot.at, queue
            )
            reading = self._pbx = (queue, now, counters.get(queue))
        return reading[2]

    def run(self, publish: Publish, stop: threading.Event) -> None:
        """Publish an update at start, on every commit, on every tick and on a focus change,
        until `stop` is set. A store that fails is reported and retried, never fatal."""
        reader: FloorReader | None = None
        last_published = 0.0
        last_focus: tuple[str | None, str | None] = (None, None)
        pending = False
        opened: FileIdentity | None = None
        notice = self.notice
        notice.start()
        while not stop.is_set():
            try:
                if reader is not None and self.identity() != opened:
                    reader.store.close()  # replaced or deleted: that file is not the floor
                    reader = None
                if reader is None:
                    opened = self.identity()  # before opening: a swap in between is seen next
                    if opened is None and self.last_update is not None:
                        raise StoreError(
                            f"{self.db_path}: the store is gone (deleted or "
                            "moved); showing the floor as it last was"
                        )
                    reader = self.open()
                    notice.start()  # (again: the folder may have come with the store)
                    changed = True
                else:
                    changed = reader.refresh()
                notice.looked(changed)
                now = time.monotonic()
                if changed and now - last_published < self.min_gap_s:
                    pending = True  # a burst of commits: one frame for all of them, soon
                    changed = False
                if pending and now - last_published >= self.min_gap_s:
                    changed, pending = True, False
                focus = (self._focus, self._queue_focus)
                if changed or now - last_published >= self.tick_s:
                    last_focus = focus
                    publish(self.update(reader))
                    last_published = now
                elif focus != last_focus:
                    last_focus = focus
                    publish(self.focus_update(reader))
            except (StoreError, OSError) as error:
                publish(FeedProblem(str(error)))
                if reader is not None:
                    reader.store.close()
                reader = None
                stop.wait(2.0)
                continue
            except Exception as error:  # sqlite3 errors while the ingest rewrites the file
                publish(FeedProblem(f"{self.db_path}: {error}"))
                if reader is not None:
                    reader.store.close()
                reader = None
                stop.wait(2.0)
                continue
            notice.wait(self.poll_s, last_published + self.min_gap_s - now if pending else None)
        notice.close()
        if reader is not None:
            reader.store.close()
