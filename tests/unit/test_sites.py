"""Site as a dimension (pure parts): names on a site, the sites of a floor and their figures,
the `nats:` location, message ids, the [[publish]] checks."""

from __future__ import annotations

import pytest

from floorwatch.config import from_table
from floorwatch.events import Event, Kind
from floorwatch.sources.base import SourceError
from floorwatch.sources.nats_link import event_id_of, message_id, parse_location
from floorwatch.sources.site_names import on_site, site_event, split_site
from floorwatch.toml_tables import ConfigError


def test_names_on_a_site_and_back():
    assert on_site("paris", "sales") == "paris/sales"
    assert on_site("paris", None) is None
    assert split_site("paris/Local/201@agents/n") == ("paris", "Local/201@agents/n")
    assert split_site("sales") == (None, "sales")
    event = Event(5.0, "q", Kind.CALL_ANSWERED, "17.3", "sales", "Ana", {"wait_s": 4})
    named = site_event("lyon", event, "nats:lyon")
    assert (named.source, named.call_id, named.queue, named.agent) == (
        "nats:lyon",
        "lyon:17.3",
        "lyon/sales",
        "lyon/Ana",
    )
    assert named.data == {"wait_s": 4} and named.ts == 5.0


def test_message_ids_name_the_site_and_the_event():
    assert message_id("paris", 42) == "paris:42"
    assert event_id_of("paris", "paris:42") == 42
    assert event_id_of("lyon", "paris:42") is None
    assert event_id_of("paris", "paris:x") is None
    assert event_id_of("paris", None) is None


def test_a_nats_location():
    where = parse_location("nats://10.0.0.5,10.0.0.6:4223/FLOORWATCH?sites=paris,lyon&durable=wall")
    assert where.servers == ("nats://10.0.0.5:4222", "nats://10.0.0.6:4223")
    assert where.stream == "FLOORWATCH" and where.sites == ("paris", "lyon")
    assert where.subject("lyon") == "floorwatch.events.lyon" and where.durable == "wall"


@pytest.mark.parametrize(
    ("location", "said"),
    [
        ("nats://h:4222/FLOORWATCH", "name the sites"),
        ("nats://h:4222/?sites=a", "is not a stream name"),
        ("http://h/FLOORWATCH?sites=a", "expected nats:nats://"),
        ("nats://ana:pw@h/FLOORWATCH?sites=a", "would show in ps"),
        ("nats://h/FLOORWATCH?sites=a.b", "is not a site name"),
        ("nats://h/FLOORWATCH?sites=a,a", "named twice"),
        ("nats://h/FLOORWATCH?sites=a&colour=red", "unknown option(s) colour"),
    ],
)
def test_a_wrong_location_is_said_in_one_line(location, said):
    with pytest.raises(SourceError, match=None) as raised:
        parse_location(location)
    assert said in str(raised.value) and "\n" not in str(raised.value)
    assert "pw" not in str(raised.value)


def test_publish_config_is_checked():
    config = from_table({"publish": [{"site": "paris", "servers": ["nats://bus:4222"]}]})
    assert config.publish[0].subject == "floorwatch.events.paris"
    for table, said in [
        ({"site": "pa ris"}, "publish[0].site"),
        ({"site": "paris", "servers": ["bus:4222"]}, "is not nats://"),
        ({"site": "paris", "servers": ["nats://u:pw@bus:4222"]}, "holds a password"),
        ({"site": "paris", "tls_cert": "c.pem"}, "tls_cert and tls_key go together"),
        ({}, "missing key(s) site"),
    ]:
        with pytest.raises(ConfigError) as raised:
            from_table({"publish": [table]})
        assert said in str(raised.value), str(raised.value)
