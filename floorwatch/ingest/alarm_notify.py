"""Telling people who are not looking: each `[[alarms.notify]]` hook gets the alarms it routes
(by severity, queue, rule) once when they raise, once when they clear, and again every
`repeat_min` while they stay raised and nobody has acknowledged them.

Every hook has a thread and a queue of its own, so a slow, refused or hanging hook never slows
the ingest (which only puts messages on queues) nor another hook. A failed delivery (refused,
timed out, an HTTP error, a command exiting non-zero) is retried after 1 s, doubling up to
`max_backoff_s`, and the messages after it wait their turn: each goes out once, in order. A
hook sends at most `rate_per_min` messages a minute; the rest wait. The hook's health (sent,
failing and why, waiting) is handed to the monitor, which stores it for feed health.
"""

from __future__ import annotations

import collections
import json
import logging
import queue
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from floorwatch.alarm_config import NotifyHook
from floorwatch.snapshot.alarms import Alarm, AlarmChanges

log = logging.getLogger(__name__)

#: Messages a hook keeps waiting at most while it is failing (the oldest go first, said).
MAX_WAITING = 10_000
#: A hook's counts (sent, failures, waiting) are stored at most this often; a change of status
#: (ok, failing) at once.
HEALTH_EVERY_S = 5.0
SEVERITY_MARK = {"critical": "🔴", "warning": "🟠", "info": "🔵"}


def payload(event: str, alarm: Alarm) -> dict[str, Any]:
    """The JSON a hook is sent: the alarm's fields and `event` (raised, cleared, repeat)."""
    return {"event": event, **alarm.to_dict()}


def slack_text(message: dict[str, Any]) -> dict[str, str]:
    """A Slack-compatible incoming-webhook payload for a message."""
    mark = SEVERITY_MARK.get(message["severity"], "")
    word = {"raised": "ALARM", "cleared": "cleared", "repeat": "still raised"}[message["event"]]
    taken = f" (acknowledged by {message['acked_by']})" if message.get("acked_by") else ""
    text = f"{mark} {word} [{message['severity']}] {message['summary']}{taken}"
    return {"text": text.strip()}


@dataclass
class HookStatus:
    """A hook's health, as the store's alarm_hooks rows have it."""

    name: str
    status: str
    detail: str | None
    sent: int
    failures: int
    pending: int
    updated_at: float


class HookWorker:
    """One hook's thread: takes messages off its queue and delivers them, in order."""

    def __init__(self, hook: NotifyHook, on_sent: Callable[[dict[str, Any]], None] | None = None):
        self.hook = hook
        self.on_sent = on_sent
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sent_times: collections.deque[float] = collections.deque()
        self.sent = 0
        self.failures = 0
        self.status = "idle"
        self.detail: str | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"alarm hook {hook.label}", daemon=True
        )
        self._thread.start()

    def put(self, message: dict[str, Any]) -> None:
        if self._queue.qsize() >= MAX_WAITING:
            try:
                self._queue.get_nowait()
                self._set("failing", f"over {MAX_WAITING} messages waiting: the oldest dropped")
            except queue.Empty:
                pass
        self._queue.put(message)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def health(self) -> HookStatus:
        with self._lock:
            return HookStatus(
                self.hook.label,
                self.status,
                self.detail,
                self.sent,
                self.failures,
                self.pending,
                time.time(),
            )

    def _set(self, status: str, detail: str | None) -> None:
        with self._lock:
            self.status, self.detail = status, detail

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                message = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            backoff = 1.0
            while not self._stop.is_set():
                self._wait_for_rate()
                try:
                    self.deliver(message)
                except Exception as error:  # every failure is the hook's, never the ingest's
                    with self._lock:
                        self.failures += 1
                        self.status = "failing"
                        self.detail = f"{_reason(error)}; retrying in {backoff:g}s"
                    log.warning("alarm hook %s failed: %s", self.hook.label, _reason(error))
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self.hook.max_backoff_s)
                    continue
                self._sent_times.append(time.monotonic())
                with self._lock:
                    self.sent += 1
                    self.status, self.detail = "ok", None
                if self.on_sent is not None:
                    self.on_sent(message)
                break

    def _wait_for_rate(self) -> None:
        times = self._sent_times
        while times and time.monotonic() - times[0] >= 60:
            times.popleft()
        if len(times) >= self.hook.rate_per_min:
            self._stop.wait(max(0.0, 60 - (time.monotonic() - times[0])))
            times.popleft()

    def deliver(self, message: dict[str, Any]) -> None:
        """Send one message; raise on any failure."""
        hook = self.hook
        if hook.webhook:
            body = slack_text(message) if hook.format == "slack" else message
            request = urllib.request.Request(
                hook.webhook,
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", "User-Agent": "floorwatch"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=hook.timeout_s) as response:
                response.read()
            return
        done = subprocess.run(
            hook.command,
            input=json.dumps(message).encode(),
            capture_output=True,
            timeout=hook.timeout_s,
            check=False,
        )
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeError(
                f"exited with {done.returncode}" + (f": {said[-1][:200]}" if said else "")
            )

    def stop(self, drain_s: float = 0.0) -> None:
        """Stop the thread, after giving what is waiting `drain_s` to go out."""
        deadline = time.monotonic() + drain_s
        while self._queue.qsize() and time.monotonic() < deadline and self.status != "failing":
            time.sleep(0.05)
        self._stop.set()
        self._thread.join(timeout=self.hook.timeout_s + 1)


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code}"
    if isinstance(error, urllib.error.URLError):
        return f"unreachable ({error.reason})"
    if isinstance(error, subprocess.TimeoutExpired):
        return f"timed out after {error.timeout:g}s"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, FileNotFoundError):
        return f"cannot run it ({error.strerror}: {error.filename})"
    return str(error) or type(error).__name__


class Notifier:
    """Routes alarm changes to the hooks; keeps when each open alarm was last sent to each."""

    def __init__(
        self, hooks: Iterable[NotifyHook], on_sent: Callable[[dict[str, Any]], None] | None = None
    ):
        self.workers = [HookWorker(hook, on_sent) for hook in hooks]
        #: (worker index, alarm id) -> when it was last sent (the monitor's clock).
        self._last_sent: dict[tuple[int, int | None], float] = {}
        self._reported: dict[str, tuple[float, tuple]] = {}

    def __bool__(self) -> bool:
        return bool(self.workers)

    def notify(self, changes: AlarmChanges, now: float) -> None:
        for event, alarms in (("raised", changes.raised), ("cleared", changes.cleared)):
            for alarm in alarms:
                for index, worker in enumerate(self.workers):
                    if worker.hook.wants(alarm.rule, alarm.severity, alarm.queue):
                        worker.put(payload(event, alarm))
                        if event == "raised":
                            self._last_sent[(index, alarm.store_id)] = now
                        else:
                            self._last_sent.pop((index, alarm.store_id), None)

    def repeat(self, open_alarms: Iterable[Alarm], now: float) -> None:
        """Send again the open alarms whose hook's repeat interval has passed."""
        for alarm in open_alarms:
            for index, worker in enumerate(self.workers):
                every = worker.hook.repeat_min * 60
                key = (index, alarm.store_id)
                if every <= 0 or key not in self._last_sent:
                    continue
                if now - self._last_sent[key] >= every:
                    worker.put(payload("repeat", alarm))
                    self._last_sent[key] = now

    def changed_health(self) -> list[HookStatus]:
        """The hooks whose health changed since the last call (for the store): at once when
        a hook starts or stops failing, its counts at most every HEALTH_EVERY_S (a write to
        the store per round would contend with the ingest's writer for nothing)."""
        changed = []
        now = time.monotonic()
        for worker in self.workers:
            health = worker.health()
            said = (health.status, health.detail, health.sent, health.failures, health.pending)
            last = self._reported.get(health.name)
            if last is not None and last[1] == said:
                continue
            if last is not None and last[1][0] == said[0] and now - last[0] < HEALTH_EVERY_S:
                continue
            self._reported[health.name] = (now, said)
            changed.append(health)
        return changed

    def close(self, drain_s: float = 2.0) -> None:
        for worker in self.workers:
            worker.stop(drain_s)
