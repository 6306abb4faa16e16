"""The AMI source against a real TCP server on 127.0.0.1 replaying real Asterisk 22 bytes."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.ami_server import AmiServer


def test_wrong_password_is_exit_2_with_a_clear_message(tmp_path):
    with AmiServer() as server:
        env = {**os.environ, "FLOORWATCH_AMI_SECRET": "not-the-secret"}
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "floorwatch",
                "ingest",
                "--db",
                str(tmp_path / "f.db"),
                f"ami:driver@127.0.0.1:{server.port}",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2, result.stderr
    assert "login refused: Authentication failed" in result.stderr
    assert server.connections == 1  # no retry loop
    assert server.logins == [("driver", "not-the-secret")]


def test_no_secret_is_exit_2_before_connecting(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "FLOORWATCH_AMI_SECRET"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "floorwatch",
            "ingest",
            "--db",
            str(tmp_path / "f.db"),
            "ami:driver@127.0.0.1:9",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "FLOORWATCH_AMI_SECRET" in result.stderr
