"""A real `floorwatch ingest --follow` on a growing queue_log, a real HTTP server on 127.0.0.1
and a command hook: each alarm is sent once when it raises and once when it clears, in order,
with the documented JSON; with the server down meanwhile, the hook is retried (and shown as
failing in the store) and nothing is sent twice once it is back."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.helpers import FLOORWATCH, free_port, wait_for

FIELDS = {"rule", "severity", "queue", "agent", "raised_ts", "cleared_ts", "value", "event"}


class Hook:
    """A webhook receiver on 127.0.0.1 that can be taken down and brought back."""

    def __init__(self, port: int):
        self.port = port
        self.posts: list[dict] = []
        self.server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                posts.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
        self.server = None


def events(posts: list[dict]) -> list[tuple]:
    return [(p["event"], p["rule"], p["queue"], p["id"]) for p in posts]


def test_hooks_get_each_alarm_once_on_raise_and_clear_even_across_an_outage(tmp_path):
    port = free_port()
    hook = Hook(port)
    hook.up()
    received = tmp_path / "command.jsonl"
    script = (
        "import sys; data = sys.stdin.read(); "
        f"open({str(received)!r}, 'a').write(data.replace(chr(10), ' ') + chr(10))"
    )
    feed, db = tmp_path / "queue_log", tmp_path / "floor.db"
    feed.write_text("")
    config = tmp_path / "floorwatch.toml"
    config.write_text(
        f"""
database = "{db}"
timezone = "UTC"
[alarms]
every_s = 0.2
[alarms.rules.calls_waiting]
threshold = 2
clear = 1
min_duration_s = 0
clear_after_s = 0
[alarms.rules.feed_quiet]
enabled = false
[alarms.rules.no_agent_free]
enabled = false
[alarms.rules.oldest_wait]
enabled = false
[[alarms.notify]]
name = "web"
webhook = "http://127.0.0.1:{port}/hook"
timeout_s = 2
max_backoff_s = 1
[[alarms.notify]]
name = "script"
command = [{json.dumps(sys.executable)}, "-c", {json.dumps(script)}]
"""
    )
    ingest = subprocess.Popen(
        [*FLOORWATCH, "ingest", "--config", str(config), "--poll", "0.1", f"queue_log:{feed}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def add(*lines: str) -> None:
        with feed.open("a") as out:
            out.write("".join(line + "\n" for line in lines))

    def hook_status() -> tuple | None:
        try:
            return (
                sqlite3.connect(db)
                .execute("SELECT status, failures FROM alarm_hooks WHERE name = 'web'")
                .fetchone()
            )
        except sqlite3.Error:
            return None

    try:
        now = int(time.time())
        add(
            f"{now}|c1|sales|NONE|ENTERQUEUE||5550001|1",
            f"{now}|c2|sales|NONE|ENTERQUEUE||5550002|2",
        )
        wait_for(lambda: len(hook.posts) == 1, what="the raise posted")
        add(f"{now + 1}|c1|sales|Ana|CONNECT|1|m1|1")
        wait_for(lambda: len(hook.posts) == 2, what="the clear posted")

        hook.down()  # the hook's server goes away; the floor goes on
        add(
            f"{now + 2}|c3|sales|NONE|ENTERQUEUE||5550003|2",
        )
        wait_for(lambda: (hook_status() or ("", 0))[1] >= 2, what="the retries to show")
        assert hook_status()[0] == "failing"
        add(f"{now + 3}|c2|sales|Ben|CONNECT|1|m2|1")  # cleared while the server is down
        wait_for(  # the ingest goes on meanwhile
            lambda: sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0] == 5,
            what="the ingest to go on with the hook down",
        )
        hook.up()
        wait_for(lambda: len(hook.posts) == 4, what="the two waiting messages")
        wait_for(lambda: hook_status() == ("ok", hook_status()[1]), what="the hook ok again")
        wait_for(lambda: len(received.read_text().splitlines()) == 4, what="the command hook")
        time.sleep(1.5)  # any duplicate would be in by now (back-off is at most 1 s)
    finally:
        ingest.terminate()
        out, err = ingest.communicate(timeout=30)
        if hook.server is not None:
            hook.down()
    assert ingest.returncode == 0, err
    expected = [
        ("raised", "calls_waiting", "sales", 1),
        ("cleared", "calls_waiting", "sales", 1),
        ("raised", "calls_waiting", "sales", 2),
        ("cleared", "calls_waiting", "sales", 2),
    ]
    assert events(hook.posts) == expected
    commands = [json.loads(line) for line in received.read_text().splitlines()]
    assert events(commands) == expected
    for post in hook.posts:
        assert set(post) >= FIELDS
        assert post["severity"] == "warning" and post["agent"] is None
    assert hook.posts[0]["value"] == 2 and hook.posts[0]["cleared_ts"] is None
    assert hook.posts[1]["cleared_ts"] >= hook.posts[1]["raised_ts"]
    listed = subprocess.run(
        [*FLOORWATCH, "alarms", "--db", str(db), "--json"], capture_output=True, text=True
    )
    alarms = json.loads(listed.stdout)["alarms"]
    assert [(a["id"], a["rule"], a["cleared_ts"] is not None) for a in alarms] == [
        (2, "calls_waiting", True),
        (1, "calls_waiting", True),
    ]
