"""The simulated floor: real queue_log (zero rejects), deterministic, plausible, and tiring
enough that every burnout rule fires; the demo and the replay built on it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from floorwatch.config import from_table
from floorwatch.modes.replay import jump_target
from floorwatch.sources.simulator import SimConfig, Simulator, day_bounds

DAY = 1_795_478_400  # 2026-11-24 00:00 UTC


UTC = from_table({"timezone": "UTC"})


def test_simulate_command(tmp_path):
    out = tmp_path / "sim.queue_log"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "simulate",
            "--out",
            str(out),
            "--hours",
            "12",
            "--agents",
            "10",
            "--seed",
            "2",
            "--start",
            "2026-11-24",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    count = int(result.stdout.split()[0])
    lines = out.read_text().splitlines()
    assert count == len(lines) > 100
    assert all(DAY <= int(line.split("|")[0]) <= DAY + 12 * 3600 for line in lines)
    bad = subprocess.run(
        [sys.executable, "-m", "floorwatch", "simulate", "--out", str(out), "--agents", "0"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "--agents" in bad.stderr


def test_demo_headless_prints_a_busy_floor(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "demo",
            "--dir",
            str(tmp_path / "d"),
            "--headless",
            "--seconds",
            "20",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    floor = json.loads(result.stdout)
    assert sorted(floor["queues"]) == ["billing", "sales", "support"]
    states = Counter(agent["state"] for agent in floor["agents"].values())
    assert len(floor["agents"]) == 24 and len(states) >= 2, states
    assert sum(len(agent["flags"]) for agent in floor["agents"].values()) >= 1
    assert floor["totals"]["windows"]["today"]["offered"] > 100
    assert (tmp_path / "d" / "floorwatch.toml").exists()


def test_replay_jump_target_and_cli(tmp_path, samples):
    first = 1795530180  # 2026-11-24 14:23:00 UTC
    zone = UTC.tzinfo()
    assert jump_target("14:30", first, zone) == DAY + 14 * 3600 + 1800
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "replay",
            str(samples / "asterisk22_three_queues.queue_log"),
            "--speed",
            "1000",
            "--headless",
            "--to",
            "14:34",
            "--config",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "orders" in result.stdout and "103" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "floorwatch", "replay", str(tmp_path / "none")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "no such file" in bad.stderr
    assert day_bounds(Simulator(SimConfig(start=DAY + 5)))[0] == DAY
