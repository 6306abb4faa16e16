"""The dashboard in a browser (`floorwatch serve-web`): textual-serve, with two additions.

- Only the served site may use it. Any page a browser has open could otherwise open the
  dashboard's web socket (browsers do not apply the same-origin rule to web sockets), and a
  DNS-rebinding page reaches a loopback server under its own name. Every request's Host, and
  its Origin when a browser sends one, must be the served URL's (`--public-url` if given,
  else host:port, with the loopback names for a loopback or wildcard address); anything else
  gets 403 before a session starts.
- A page whose session ended (the dashboard restarted, the server restarted, the network
  dropped) reconnects by itself: a wall screen must not wait on "Session ended" for someone
  to click Restart. The page textual-serve renders gets a small script that, once the
  terminal reports its socket closed, checks every few seconds that the server answers and
  then loads the page again (a new session). And a session whose dashboard process died
  without saying goodbye (killed, out of memory) has its socket closed: textual-serve would
  leave the page on the last frame for ever.

- A wall TV: every asset is served from here (textual-serve's page asks a public font
  service for its font, which an offline floor cannot reach: the page gets the same Roboto
  Mono from textual-serve's own static folder instead); the page's font size is the server's
  `--font-size` unless the URL asks for another (?fontsize=N); and the terminal takes the
  keyboard as soon as it exists (and again whenever the window gets focus), so a TV with
  only a keyboard needs no click.

This leans on textual-serve 1.1's page (the `-closed` class on <body>) and its AppService's
process, hence the pin in pyproject.toml.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from floorwatch.config import Config
from floorwatch.modes.view import ViewerOptions

log = logging.getLogger("floorwatch.modes.web")

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

#: Injected before </body>: textual-serve's page adds the class -closed to <body> when the
#: terminal's socket closes; from then on, try the server every 2 s (backing off to 30 s) and
#: load the page again as soon as it answers.
RECONNECT_SCRIPT = """<script>
(function () {
  var wait = 2000, trying = false;
  function again() {
    fetch(window.location.href, {cache: "no-store"}).then(function (response) {
      if (response.ok) { window.location.reload(); } else { later(); }
    }, later);
  }
  function later() { setTimeout(again, wait); wait = Math.min(30000, wait * 2); }
  new MutationObserver(function () {
    if (!trying && document.body.classList.contains("-closed")) { trying = true; later(); }
  }).observe(document.body, {attributes: true, attributeFilter: ["class"]});
})();
</script>
"""


#: textual-serve's page loads its font from the internet; this serves the same font locally.
PUBLIC_FONT_LINK = (
    '<link\n      rel="stylesheet"\n'
    '      href="https://fonts.googleapis.com/css?family=Roboto%20Mono"\n    />'
)
LOCAL_FONT = """<style>
      @font-face { font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
        src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }
      @font-face { font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
        src: url("{static}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype"); }
    </style>"""
#: Injected before </body>: give the terminal the keyboard without a click (now, once the
#: terminal has made its input element, and whenever the window regains focus).
FOCUS_SCRIPT = """<script>
(function () {
  function focusTerminal() {
    var input = document.querySelector("#terminal textarea, #terminal .xterm-helper-textarea");
    if (input) { input.focus(); return true; }
    return false;
  }
  var tries = 0, timer = setInterval(function () {
    if (focusTerminal() || ++tries > 100) { clearInterval(timer); }
  }, 100);
  window.addEventListener("focus", focusTerminal);
  document.addEventListener("visibilitychange", focusTerminal);
})();
</script>
"""


def localise_page(page: str, static_url: str, font_size: int | None) -> str:
    """textual-serve's page with its public font link replaced by the locally served font,
    the font size set (None: as the URL asked), and the focus and reconnect scripts."""
    page = page.replace(PUBLIC_FONT_LINK, LOCAL_FONT.replace("{static}", static_url), 1)
    if font_size is not None:
        page = re.sub(r'data-font-size="[^"]*"', f'data-font-size="{font_size}"', page, count=1)
    return page.replace("</body>", FOCUS_SCRIPT + RECONNECT_SCRIPT + "</body>", 1)


@dataclass(frozen=True)
class Authority:
    """A host and port as a browser names them (host lower-case, IPv6 without brackets)."""

    host: str
    port: int


def parse_authority(text: str, scheme: str = "http") -> Authority | None:
    """`host[:port]` (a Host header, or a URL's netloc) as an Authority; None if malformed."""
    try:
        parts = urlsplit(f"//{text.strip()}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    return Authority(host.lower().rstrip("."), port or DEFAULT_PORTS.get(scheme, 80))


def parse_origin(text: str) -> tuple[str, Authority] | None:
    """An Origin header (`scheme://host[:port]`) as (scheme, Authority); None if malformed
    or opaque (`null`)."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    authority = parse_authority(parts.netloc, parts.scheme)
    return None if authority is None else (parts.scheme, authority)


def _loopback_or_wildcard(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@dataclass(frozen=True)
class SiteCheck:
    """Which Host and Origin headers belong to the served site."""

    scheme: str
    authorities: frozenset[Authority]

    @classmethod
    def for_server(cls, host: str, port: int, public_url: str | None) -> SiteCheck:
        if public_url:
            parts = urlsplit(public_url)
            scheme = parts.scheme or "http"
            served = parse_authority(parts.netloc, scheme)
            if served is None:
                raise ValueError(
                    f"--public-url {public_url!r}: not a URL such as https://floor.example.com"
                )
            return cls(scheme, frozenset({served}))
        names = {host.lower().strip("[]")}
        if _loopback_or_wildcard(host):
            names.update(LOOPBACK_NAMES)
        if host in ("0.0.0.0", "::"):  # every address: this machine's own names too
            names.update({socket.gethostname().lower(), socket.getfqdn().lower()})
        return cls("http", frozenset(Authority(name, port) for name in names))

    def refusal(self, host_header: str | None, origin_header: str | None) -> str | None:
        """Why a request with these headers is not the served site's (None: it is)."""
        authority = parse_authority(host_header or "", self.scheme)
        if authority is None or authority not in self.authorities:
            return f"Host {host_header!r} is not this dashboard's address"
        if origin_header is None:
            return None  # not sent by a browser page (browsers always send it on a socket)
        origin = parse_origin(origin_header)
        if origin is None or origin[0] != self.scheme or origin[1] not in self.authorities:
            return f"Origin {origin_header!r} is not this dashboard's site"
        return None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FloorServer(Server):
    """textual-serve's Server, refusing other sites (403) and reconnecting ended pages."""

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        public_url: str | None = None,
        font_size: int = 16,
    ):
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.site = SiteCheck.for_server(host, port, public_url)
        self.font_size = font_size

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._same_site_only)
        return app

    @web.middleware
    async def _same_site_only(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        refusal = self.site.refusal(request.headers.get("Host"), request.headers.get("Origin"))
        if refusal is not None:
            raise web.HTTPForbidden(text=f"floorwatch: {refusal}\n")
        return await handler(request)

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        response = await super().handle_index(request)
        if isinstance(response, web.Response) and response.text:
            static = request.app.router["static"].url_for(filename="/")
            asked = "fontsize" in request.query
            response.text = localise_page(
                response.text, str(static).rstrip("/") + "/", None if asked else self.font_size
            )
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's session, plus: the socket closes when the dashboard process ends,
        however it ends (the page then reconnects)."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = AppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await app_service.start(width, height)
            ended = asyncio.create_task(self._close_when_ended(app_service, websocket))
            try:
                await self._process_messages(websocket, app_service)
            finally:
                ended.cancel()
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket

    @staticmethod
    async def _close_when_ended(app_service: AppService, websocket: web.WebSocketResponse) -> None:
        process = app_service._process
        if process is not None:
            await process.wait()
            await websocket.close()


def dashboard_command(database: str | Path, config: Config, view: ViewerOptions) -> str:
    """The command each page's session runs: `floorwatch dash` on the same store and config."""
    # A browser has no login of its own here: its dashboards never act (--read-only).
    command = [sys.executable, "-m", "floorwatch", "dash", "--read-only", "--db", str(database)]
    if config.path is not None:
        command += ["--config", str(config.path)]
    if view.wall:
        command.append("--wall")
    if view.wall_queue:
        command += ["--queue", view.wall_queue]
    if view.rotate_s:
        command += ["--rotate", str(view.rotate_s)]
    if view.start != "floor" and not view.wall:
        command += ["--start", view.start]
    if view.theme:
        command += ["--theme", view.theme]
    if view.bell is not None:
        command += ["--bell" if view.bell else "--no-bell"]
    if view.blink is False:
        command += ["--no-blink"]
    return shlex.join(command)


def dashboard_server(
    database: str | Path,
    config: Config,
    view: ViewerOptions,
    *,
    host: str,
    port: int,
    public_url: str | None = None,
    font_size: int = 16,
) -> FloorServer:
    """The server of `floorwatch serve-web` (call its `serve`); ValueError for a --public-url
    that is not a URL."""
    return FloorServer(
        dashboard_command(database, config, view),
        host=host,
        port=port,
        title="floorwatch",
        public_url=public_url,
        font_size=font_size,
    )
