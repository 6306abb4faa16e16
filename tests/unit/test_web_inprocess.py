"""`floorwatch serve-web`: only its own site may open the dashboard's web socket (a real
server, real handshakes on 127.0.0.1), and a browser wall whose session ends reconnects by
itself (headless Chromium)."""

from __future__ import annotations

import socket

import pytest

from floorwatch.modes.web import Authority, SiteCheck


def test_the_site_behind_a_proxy_is_its_public_url():
    site = SiteCheck.for_server("127.0.0.1", 8000, "https://floor.example.com")
    assert site.authorities == frozenset({Authority("floor.example.com", 443)})
    assert site.refusal("floor.example.com", "https://floor.example.com") is None
    assert site.refusal("Floor.Example.com:443", "https://floor.example.com:443") is None
    assert site.refusal("floor.example.com", None) is None
    assert site.refusal("floor.example.com", "http://floor.example.com") is not None
    assert site.refusal("floor.example.com", "https://evil.example") is not None
    assert site.refusal("127.0.0.1:8000", "https://floor.example.com") is not None
    assert site.refusal(None, None) is not None
    with pytest.raises(ValueError, match="public-url"):
        SiteCheck.for_server("127.0.0.1", 8000, "floor")
    wildcard = SiteCheck.for_server("0.0.0.0", 8000, None)
    assert Authority("localhost", 8000) in wildcard.authorities
    assert Authority(socket.gethostname().lower(), 8000) in wildcard.authorities
