"""A real `nats-server -js` on 127.0.0.1 for tests and benchmarks: started on a free port, its
JetStream store in a temp dir, stopped (or killed, or restarted on the same port and store) by
the test. Debian's nats-server package; `make test` installs it (Makefile system-deps)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import free_port, listening

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def require_nats_server() -> None:
    if not Path(NATS_SERVER).exists():
        pytest.skip("nats-server is not installed (make test installs Debian's nats-server)")


class NatsServer:
    """One server; `url` for clients. `config` (text) replaces the command-line options."""

    def __init__(self, tmp: Path, config: str | None = None, port: int | None = None):
        self.tmp = tmp
        self.port = port or free_port()
        self.store_dir = tmp / "jetstream"
        self.config = config
        self.process: subprocess.Popen | None = None
        self.log = tmp / "nats-server.log"

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        require_nats_server()
        self.store_dir.mkdir(parents=True, exist_ok=True)
        if self.config is not None:
            conf = self.tmp / "nats.conf"
            conf.write_text(
                f'listen: "127.0.0.1:{self.port}"\n'
                f'jetstream {{ store_dir: "{self.store_dir}" }}\n' + self.config
            )
            args = [NATS_SERVER, "-c", str(conf)]
        else:
            args = [NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(self.port)]
            args += ["-sd", str(self.store_dir)]
        self.process = subprocess.Popen(args, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not listening(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nats-server did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)
        return self

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        time.sleep(down_s)
        self.start()


@pytest.fixture
def nats_server(tmp_path):
    """A running `nats-server -js`, stopped at the end of the test."""
    server = NatsServer(tmp_path / "nats")
    server.tmp.mkdir(parents=True, exist_ok=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()
