"""The notifier's routing, repeats, order and retries, with deliveries recorded in-process
(the real HTTP and command hooks are tests/e2e/test_alarm_hooks.py)."""

from __future__ import annotations

import threading

from floorwatch.alarm_config import NotifyHook
from floorwatch.ingest.alarm_notify import HookWorker, Notifier, payload, slack_text
from floorwatch.snapshot.alarms import Alarm, AlarmChanges
from tests.helpers import wait_for


def alarm(store_id: int, severity: str = "critical", queue: str = "sales") -> Alarm:
    return Alarm(
        "oldest_wait",
        severity,
        queue,
        None,
        None,
        100.0,
        65.0,
        60.0,
        f"{queue}: oldest caller waiting 1m05s (limit 1m00s)",
        store_id=store_id,
    )


def recording(monkeypatch, fail_first: int = 0) -> dict[str, list]:
    """Every worker's deliveries by hook name; the first `fail_first` attempts fail."""
    sent: dict[str, list] = {}
    attempts = {"n": 0}
    lock = threading.Lock()

    def deliver(self, message) -> None:
        with lock:
            attempts["n"] += 1
            if attempts["n"] <= fail_first:
                raise ConnectionRefusedError("refused")
            sent.setdefault(self.hook.name, []).append((message["event"], message["id"]))

    monkeypatch.setattr(HookWorker, "deliver", deliver)
    return sent


def test_routing_by_severity_and_queue_and_repeats(monkeypatch):
    sent = recording(monkeypatch)
    notifier = Notifier(
        [
            NotifyHook(name="all", command=["x"]),
            NotifyHook(name="critical", command=["x"], severities=["critical"], repeat_min=1),
            NotifyHook(name="vip", command=["x"], queues=["vip"]),
        ]
    )
    try:
        loud, mild = alarm(1), alarm(2, "warning", "vip")
        notifier.notify(AlarmChanges(raised=[loud, mild]), 100)
        notifier.repeat([loud, mild], 130)  # not a minute yet
        notifier.repeat([loud, mild], 160)  # a minute: again, to the hook that asks
        loud.cleared_ts = 170
        notifier.notify(AlarmChanges(cleared=[loud]), 170)
        notifier.repeat([mild], 300)
        wait_for(lambda: len(sent.get("all", [])) == 3 and len(sent.get("critical", [])) == 3)
        wait_for(lambda: len(sent.get("vip", [])) == 1)
    finally:
        notifier.close()
    assert sent["all"] == [("raised", 1), ("raised", 2), ("cleared", 1)]
    assert sent["critical"] == [("raised", 1), ("repeat", 1), ("cleared", 1)]
    assert sent["vip"] == [("raised", 2)]


def test_a_failing_delivery_is_retried_and_the_next_waits_its_turn(monkeypatch):
    sent = recording(monkeypatch, fail_first=2)
    notifier = Notifier([NotifyHook(name="web", webhook="http://127.0.0.1:9/", max_backoff_s=1)])
    try:
        notifier.notify(AlarmChanges(raised=[alarm(1), alarm(2)]), 100)
        wait_for(lambda: notifier.changed_health() and notifier.workers[0].failures >= 1)
        wait_for(lambda: len(sent.get("web", [])) == 2, what="both, after the retries")
        health = notifier.workers[0].health()
    finally:
        notifier.close()
    assert sent["web"] == [("raised", 1), ("raised", 2)]  # in order, each once
    assert (health.status, health.failures, health.sent) == ("ok", 2, 2)


def test_the_payloads():
    message = payload("raised", alarm(7))
    assert message["event"] == "raised" and message["id"] == 7 and message["value"] == 65.0
    assert set(message) >= {"rule", "severity", "queue", "agent", "raised_ts", "cleared_ts"}
    assert slack_text(message) == {
        "text": "🔴 ALARM [critical] sales: oldest caller waiting 1m05s (limit 1m00s)"
    }
    assert slack_text(payload("cleared", alarm(7)))["text"].startswith("🔴 cleared")
