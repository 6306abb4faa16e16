"""Many sites, one floor, against a real `nats-server -js` on 127.0.0.1: site ingests publish
the real capture, replicas consume it into their own stores; exactly once through kill -9 of
the replica, a restart of the server, a bus that is away for a while, and re-publishes inside
and outside the server's duplicate window; and each bad input said in one line."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from floorwatch.sources.site_names import on_site
from tests.helpers import FLOORWATCH, count_events, run, tiled_capture, wait_for
from tests.nats_server import NatsServer

SITES = ("paris", "lyon")


def site_config(tmp: Path, site: str, server: str, extra: str = "") -> Path:
    config = tmp / f"{site}.toml"
    config.write_text(
        f'database = "{site}.db"\ntimezone = "UTC"\n'
        f'[[publish]]\nsite = "{site}"\nservers = ["{server}"]\n{extra}'
    )
    return config


def replica_spec(server: str, sites=SITES) -> str:
    return f"nats:{server}/FLOORWATCH?sites={','.join(sites)}"


def stored(db: Path, site: str | None = None) -> list[tuple]:
    """The events of a store as (ts, kind, call, queue, agent, data), a replica's for one
    site with the site's names taken off, in the order stored."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT e.ts, e.kind, e.call_id, e.queue, e.agent, e.data, o.name, o.format "
            "FROM events e JOIN origins o ON o.id = e.origin ORDER BY e.id"
        ).fetchall()
    finally:
        conn.close()
    from floorwatch.store.reading import stored_event

    result = []
    for ts, kind, call_id, queue, agent, data, origin, format in rows:
        event = stored_event(ts, origin, format, kind, call_id, queue, agent, data)
        if site is not None:
            if origin != f"nats:{site}":
                continue
            strip = f"{site}/"
            event.queue = event.queue.removeprefix(strip) if event.queue else None
            event.agent = event.agent.removeprefix(strip) if event.agent else None
            event.call_id = event.call_id.removeprefix(f"{site}:") if event.call_id else None
        result.append(
            (
                event.ts,
                str(event.kind),
                event.call_id,
                event.queue,
                event.agent,
                json.dumps(event.data, sort_keys=True),
            )
        )
    return result


def snapshot(db: Path, at: float) -> dict:
    result = run("snapshot", "--db", str(db), "--json", "--at", str(at))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def off_site(value, site: str):
    """`value` with the site's names (`<site>/...`, `<site>:...`) back to the site's own."""
    if isinstance(value, str):
        return value.removeprefix(f"{site}/").removeprefix(f"{site}:")
    if isinstance(value, dict):
        return {off_site(key, site): off_site(item, site) for key, item in value.items()}
    if isinstance(value, list):
        return [off_site(item, site) for item in value]
    return value


def stream_messages(url: str) -> int:
    async def count() -> int:
        import nats
        from nats.js.errors import NotFoundError

        client = await nats.connect(url)
        try:
            info = await client.jetstream().stream_info("FLOORWATCH")
            return info.state.messages
        except NotFoundError:
            return 0  # not made yet: the site's publisher makes it when it first connects
        finally:
            await client.close()

    return asyncio.run(count())


def publish_raw(url: str, subject: str, payloads: list[tuple[bytes, str | None]]) -> None:
    async def send() -> None:
        import nats

        client = await nats.connect(url)
        try:
            js = client.jetstream()
            for payload, msg_id in payloads:
                await js.publish(
                    subject, payload, headers={"Nats-Msg-Id": msg_id} if msg_id else None
                )
        finally:
            await client.close()

    asyncio.run(send())


def ingest_site(tmp: Path, site: str, server: str, feed: Path, extra: str = "") -> None:
    config = site_config(tmp, site, server, extra)
    result = run("ingest", "--once", "--config", str(config), f"queue_log:{feed}", cwd=tmp)
    assert result.returncode == 0, result.stderr


def test_two_sites_replica_equals_each_sites_own_store(tmp_path, nats_server):
    """The capture under two site names: the replica's floor, per site, is each site's own
    (every queue's and agent's figures), and its events are theirs, in order, once."""
    lines = tiled_capture(3)
    feed = tmp_path / "queue_log"
    feed.write_text("\n".join(lines) + "\n")
    for site in SITES:
        ingest_site(tmp_path, site, nats_server.url, feed)
    replica = tmp_path / "replica.db"
    result = run("ingest", "--once", "--db", str(replica), replica_spec(nats_server.url))
    assert result.returncode == 0, result.stderr
    assert f"{2 * len(lines)} events, 0 rejects" in result.stdout
    at = float(lines[-1].split("|")[0]) + 10
    floor = snapshot(replica, at)
    for site in SITES:
        own_store = tmp_path / f"{site}.db"
        assert stored(replica, site) == stored(own_store)
        own = snapshot(own_store, at)
        assert own["queues"], "the site has queues"
        assert own["sites"] == []  # one PBX: no sites (its agents' interfaces hold a /)
        line = next(figures for figures in floor["sites"] if figures["site"] == site)
        assert line["today"] == own["totals"]["windows"]["today"]
        assert line["agents_logged_in"] == own["totals"]["agents"]["logged_in"]
        for queue, figures in own["queues"].items():
            assert off_site(floor["queues"][on_site(site, queue)], site) == figures
        for agent, figures in own["agents"].items():
            assert off_site(floor["agents"][on_site(site, agent)], site) == figures
    assert stream_messages(nats_server.url) == 2 * len(lines)
    # Reports group by site: each site's total row is the site's own floor total.
    day = time.strftime("%Y-%m-%d", time.gmtime(at))
    for by in ("queue", "agent"):
        replica_rows = report_rows(replica, day, by)
        for site in SITES:
            own_rows = report_rows(tmp_path / f"{site}.db", day, by)
            assert replica_rows[f"{site}/ALL"] == own_rows["ALL"], (by, site)
            for name, row in own_rows.items():
                if name != "ALL":
                    assert replica_rows[on_site(site, name)] == row, (by, site, name)


def report_rows(db: Path, day: str, by: str) -> dict[str, list[str]]:
    """The report's day-total rows by their first column, the rest of each row as text."""
    result = run("report", "--db", str(db), "--date", day, "--by", by, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    return {row[0]: row[2:] for row in rows if row[1] == "total"}


def test_republish_inside_and_outside_the_duplicate_window_stores_nothing_twice(
    tmp_path, nats_server
):
    """The mark lost (a crash before it was written) and everything published again: inside
    the server's duplicate window the server drops the copies; outside it the stream holds
    them twice and the replica drops them by their message ids."""
    lines = tiled_capture(1)
    feed = tmp_path / "queue_log"
    feed.write_text("\n".join(lines) + "\n")
    extra = "duplicate_window_s = 2.0\n"
    ingest_site(tmp_path, "paris", nats_server.url, feed, extra)
    site_db = tmp_path / "paris.db"

    def forget_mark() -> None:
        conn = sqlite3.connect(site_db)
        conn.execute("DELETE FROM meta WHERE key LIKE 'published:%'")
        conn.commit()
        conn.close()

    forget_mark()
    ingest_site(tmp_path, "paris", nats_server.url, feed, extra)  # inside the window
    assert stream_messages(nats_server.url) == len(lines)
    time.sleep(2.5)
    forget_mark()
    ingest_site(tmp_path, "paris", nats_server.url, feed, extra)  # outside it
    assert stream_messages(nats_server.url) == 2 * len(lines)
    replica = tmp_path / "replica.db"
    result = run("ingest", "--once", "--db", str(replica), replica_spec(nats_server.url, ["paris"]))
    assert result.returncode == 0, result.stderr
    assert stored(replica, "paris") == stored(site_db)


def start_following(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*FLOORWATCH, "ingest", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, process.stderr.read().decode()[-2000:]


def test_kill_9_of_the_replica_and_a_server_restart_mid_stream_lose_and_double_nothing(
    tmp_path, nats_server
):
    lines = tiled_capture(20)
    feed = tmp_path / "queue_log"
    feed.write_text("\n".join(lines) + "\n")
    ingest_site(tmp_path, "paris", nats_server.url, feed)
    replica = tmp_path / "replica.db"
    args = ["--db", str(replica), replica_spec(nats_server.url, ["paris"])]
    process = start_following(args, tmp_path)
    wait_for(lambda: replica.exists() and count_events(replica) >= 2000, timeout=60)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process = start_following(args, tmp_path)
    wait_for(lambda: count_events(replica) >= 5000, timeout=60)
    nats_server.restart(down_s=1.0)  # the replica reconnects on its own
    wait_for(lambda: count_events(replica) >= len(lines), timeout=90)
    time.sleep(1.0)
    stop(process)
    assert stored(replica, "paris") == stored(tmp_path / "paris.db")


def test_a_site_cut_off_from_the_bus_keeps_ingesting_and_catches_up(tmp_path):
    """The bus is down while the site's feed grows: the site commits locally all along; when
    the bus comes back (same port, same store) the site publishes what it missed, once."""
    server = NatsServer(tmp_path / "nats")
    server.tmp.mkdir()
    server.start()
    lines = tiled_capture(6)
    feed = tmp_path / "queue_log"
    feed.write_text("\n".join(lines[:1000]) + "\n")
    config = site_config(tmp_path, "paris", server.url)
    site = start_following(["--config", str(config), f"queue_log:{feed}"], tmp_path)
    site_db = tmp_path / "paris.db"
    try:
        wait_for(lambda: site_db.exists() and count_events(site_db) >= 1000, timeout=60)
        wait_for(lambda: stream_messages(server.url) >= 1000, timeout=30)
        server.stop()
        with feed.open("a") as out:
            out.write("\n".join(lines[1000:]) + "\n")
        wait_for(lambda: count_events(site_db) >= len(lines), timeout=60)  # local, bus or not
        time.sleep(1.0)
        server.start()
        wait_for(lambda: stream_messages(server.url) >= len(lines), timeout=60)
        time.sleep(1.0)
        assert stream_messages(server.url) == len(lines)
        replica = tmp_path / "replica.db"
        result = run("ingest", "--once", "--db", str(replica), replica_spec(server.url, ["paris"]))
        assert result.returncode == 0, result.stderr
        assert stored(replica, "paris") == stored(site_db)
        assert len(stored(site_db)) == len(lines)
    finally:
        stop(site)
        server.stop()


def test_bad_sources_are_said_in_one_line(tmp_path, nats_server):
    replica = tmp_path / "replica.db"
    closed = NatsServer(tmp_path / "closed").port  # nothing listens there
    cases = {
        f"nats:nats://127.0.0.1:{closed}/FLOORWATCH?sites=paris": "cannot connect to a NATS server",
        f"nats:{nats_server.url}/NOSUCH?sites=paris": "stream NOSUCH does not exist",
        "nats:nats://ana:secret@127.0.0.1:4222/FLOORWATCH?sites=paris": "would show in ps",
        f"nats:{nats_server.url}/FLOORWATCH": "name the sites to follow",
        f"nats:{nats_server.url}/FLOORWATCH?sites=a.b": "is not a site name",
    }
    for spec, message in cases.items():
        result = run("ingest", "--once", "--db", str(replica), spec)
        assert result.returncode == 2, (spec, result.stdout, result.stderr)
        assert message in result.stderr, (spec, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "secret" not in result.stderr


def test_wrong_credentials_are_refused_in_one_line(tmp_path):
    server = NatsServer(tmp_path / "nats", config="authorization { user: ana, password: right }\n")
    server.tmp.mkdir()
    server.start()
    try:
        spec = f"nats:{server.url}/FLOORWATCH?sites=paris&user=ana"
        result = run(
            "ingest",
            "--once",
            "--db",
            str(tmp_path / "r.db"),
            spec,
            env={**__import__("os").environ, "FLOORWATCH_NATS_PASSWORD": "wrong"},
        )
        assert result.returncode == 2
        assert "login refused by the NATS server" in result.stderr
        assert "wrong" not in result.stderr
    finally:
        server.stop()


def test_messages_that_are_not_floorwatch_events_become_rejects(tmp_path, nats_server):
    """Junk on a site's subject is kept as rejects with the reason; the events around it are
    stored, and a second run stores nothing more."""
    lines = tiled_capture(1)
    feed = tmp_path / "queue_log"
    feed.write_text("\n".join(lines) + "\n")
    ingest_site(tmp_path, "paris", nats_server.url, feed)
    publish_raw(
        nats_server.url,
        "floorwatch.events.paris",
        [
            (b"not json", None),
            (b'{"ts": 1, "kind": "no_such_kind"}', "paris:999999"),
            (b"[1]", None),
        ],
    )
    replica = tmp_path / "replica.db"
    spec = replica_spec(nats_server.url, ["paris"])
    result = run("ingest", "--once", "--db", str(replica), spec)
    assert result.returncode == 0, result.stderr
    assert f"{len(lines)} events, 3 rejects" in result.stdout
    conn = sqlite3.connect(replica)
    reasons = [row[0] for row in conn.execute("SELECT reason FROM rejects ORDER BY id")]
    conn.close()
    assert all(reason.startswith("not a floorwatch event") for reason in reasons), reasons
    again = run("ingest", "--once", "--db", str(replica), spec)
    assert "0 events, 0 rejects" in again.stdout
    assert stored(replica, "paris") == stored(tmp_path / "paris.db")


def test_a_backfill_with_the_bus_away_ends_soon_and_the_next_run_publishes_it(tmp_path):
    """`ingest --once` with the bus not there: every event is stored, the run ends within
    seconds saying so, and a later run (nothing new in the file) publishes them all."""
    server = NatsServer(tmp_path / "nats")
    server.tmp.mkdir()
    lines = tiled_capture(2)
    feed = tmp_path / "queue_log"
    feed.write_text("\n".join(lines) + "\n")
    config = site_config(tmp_path, "paris", server.url)
    started = time.monotonic()
    away = run("ingest", "--once", "--config", str(config), f"queue_log:{feed}", cwd=tmp_path)
    assert away.returncode == 0, away.stderr
    assert time.monotonic() - started < 20
    assert f"{len(lines)} events, 0 rejects" in away.stdout
    warnings = [line for line in away.stderr.splitlines() if line]
    assert warnings and all(line.startswith("floorwatch: warning: publish") for line in warnings)
    assert any("the next run publishes them" in line for line in warnings), away.stderr
    server.start()
    try:
        back = run("ingest", "--once", "--config", str(config), f"queue_log:{feed}", cwd=tmp_path)
        assert back.returncode == 0, back.stderr
        assert "0 events, 0 rejects" in back.stdout and back.stderr == ""
        assert stream_messages(server.url) == len(lines)
    finally:
        server.stop()


def test_a_following_replica_waits_for_a_stream_no_site_has_made_yet(tmp_path, nats_server):
    replica = tmp_path / "replica.db"
    process = start_following(
        ["--db", str(replica), replica_spec(nats_server.url, ["paris"])], tmp_path
    )
    try:
        wait_for(lambda: replica.exists() and feed_status(replica) == "waiting", timeout=30)
        lines = tiled_capture(1)
        feed = tmp_path / "queue_log"
        feed.write_text("\n".join(lines) + "\n")
        ingest_site(tmp_path, "paris", nats_server.url, feed)
        wait_for(lambda: count_events(replica) == len(lines), timeout=30)
        assert feed_status(replica) == "connected"
    finally:
        stop(process)
    assert stored(replica, "paris") == stored(tmp_path / "paris.db")


def feed_status(db: Path) -> str | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT status FROM sources WHERE name = 'nats:paris'").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return row[0] if row else None
