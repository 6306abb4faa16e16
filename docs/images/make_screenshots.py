"""Screenshots of the wallboard in 256 colours, 16 colours, NO_COLOR and the light theme, one
queue at warning and one at critical, from the real `floorwatch dash` in a real terminal (a
private tmux server): what the terminal was sent, captured as ANSI, drawn to SVG by Rich and
to PNG by headless Chromium.

    .venv/bin/python docs/images/make_screenshots.py      (needs tmux and chromium)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.terminal_theme import TerminalTheme
from rich.ansi import AnsiDecoder

HERE = Path(__file__).resolve().parent
#: xterm's 16 colours on a black screen: what a 16-colour terminal shows.
XTERM = TerminalTheme((0, 0, 0), (229, 229, 229), [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
    (0, 205, 205), (229, 229, 229)], [
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255),
    (0, 255, 255), (255, 255, 255)])  # fmt: skip
SIZE = (120, 36)
MODES = {  # name -> environment and extra flags
    "wall-256-colours": ({"TEXTUAL_COLOR_SYSTEM": "256"}, []),
    "wall-16-colours": ({"TEXTUAL_COLOR_SYSTEM": "standard"}, []),
    "wall-no-color": ({"TEXTUAL_COLOR_SYSTEM": "256", "NO_COLOR": "1"}, []),
    "wall-light-theme": ({"TEXTUAL_COLOR_SYSTEM": "256"}, ["--theme", "textual-light"]),
}


def floor(folder: Path) -> Path:
    """A store: `sales` with 4 callers waiting (oldest 35 s: warning), `support` with 9
    (oldest 2 min: critical), `billing` with none."""
    now = int(time.time())
    lines = [f"{now - 600}|MANAGER|{queue}|{agent}|ADDMEMBER|" for queue, agent in
             (("sales", "Ana"), ("support", "Ben"), ("billing", "Cleo"))]  # fmt: skip
    for n in range(4):
        lines.append(f"{now - 35 + n}|s{n}|sales|NONE|ENTERQUEUE||5551{n:03d}|1")
    for n in range(9):
        lines.append(f"{now - 120 + n}|t{n}|support|NONE|ENTERQUEUE||5552{n:03d}|1")
    feed = folder / "queue_log"
    feed.write_text("".join(line + "\n" for line in lines))
    db = folder / "floor.db"
    subprocess.run([sys.executable, "-m", "floorwatch", "ingest", "--once", "--db", str(db),
                    f"queue_log:{feed}"], check=True, capture_output=True)  # fmt: skip
    return db


def shoot(db: Path, name: str, env: dict[str, str], flags: list[str], folder: Path) -> Path:
    socket = f"fw-shots-{os.getpid()}"
    tmux = ["tmux", "-L", socket]
    command = " ".join([f"{key}={value}" for key, value in env.items()] + [
        sys.executable, "-m", "floorwatch", "dash", "--db", str(db), "--wall", *flags])
    subprocess.run([*tmux, "-f", "/dev/null", "new-session", "-d", "-s", "fw", "-x",
                    str(SIZE[0]), "-y", str(SIZE[1]), "env", "-u", "NO_COLOR",
                    "TERM=xterm-256color",
                    "sh", "-c", command], check=True)  # fmt: skip
    try:
        time.sleep(6)
        ansi = subprocess.run([*tmux, "capture-pane", "-e", "-N", "-p", "-t", "fw"], check=True,
                              capture_output=True, text=True).stdout  # fmt: skip
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
    console = Console(record=True, width=SIZE[0], file=open(os.devnull, "w"),
                      color_system="truecolor", force_terminal=True)  # fmt: skip
    for line in list(AnsiDecoder().decode(ansi))[: SIZE[1]]:  # styles carry across lines
        console.print(line, no_wrap=True, crop=True)
    svg = folder / f"{name}.svg"
    svg.write_text(console.export_svg(title=name, theme=XTERM))
    png = HERE / f"{name}.png"
    subprocess.run([shutil.which("chromium") or "chromium", "--headless", "--no-sandbox",
                    "--disable-gpu", f"--screenshot={png}", "--window-size=1500,960",
                    str(svg)], check=True, capture_output=True)  # fmt: skip
    return png


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        db = floor(folder)
        for name, (env, flags) in MODES.items():
            print(shoot(db, name, env, flags, folder))


if __name__ == "__main__":
    main()
