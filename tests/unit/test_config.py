"""floorwatch.toml: the example loads; every kind of mistake is one error naming the key."""

from __future__ import annotations

import pytest

from floorwatch.config import ConfigError, from_table, load
from tests.helpers import EXAMPLE_CONFIG

EXAMPLE = EXAMPLE_CONFIG


def test_the_commented_example_loads():
    config = load(EXAMPLE)
    assert config.timezone == "Europe/Berlin"
    assert config.queue_service_level("vip").threshold_s == 15
    assert config.queue_service_level("vip").target == 0.90
    assert config.queue_service_level("returns").threshold_s == 30
    assert config.queue_service_level("orders").threshold_s == 20
    assert config.queue_name("vip") == "VIP" and config.queue_name("other") == "other"
    assert config.agent_name("Local/205@agents/n") == "Eve"
    assert config.derive_config().aliases["Local/202@agents/n"] == "Ben"
    assert config.resolve(config.database) == EXAMPLE.parent / "floorwatch.db"
    assert config.sources[0].spec == "queue_log:sample.queue_log"
    assert config.colors.calls_waiting.critical == 8
    assert config.burnout.no_break_warning_h == 2.0
    assert config.display.update_gap_s == 0.2
    assert config.display.watch_commits is False


@pytest.mark.parametrize(
    "table, message",
    [
        ({"databse": "x"}, "top level: unknown key(s) databse"),
        ({"service_level": {"thresold_s": 20}}, "service_level: unknown key(s) thresold_s"),
        (
            {"service_level": {"threshold_s": "twenty"}},
            "service_level.threshold_s: expected a number",
        ),
        ({"service_level": {"formula": "best"}}, "service_level.formula: 'best' is not one of"),
        ({"service_level": {"target": 80}}, "service_level.target: 80.0 is not between 0 and 1"),
        (
            {"queues": {"vip": {"service_level": {"T": 15}}}},
            "queues.vip.service_level: unknown key(s) T",
        ),
        (
            {"queues": {"vip": {"service_level": {"threshold_s": "x"}}}},
            "queues.vip.service_level.threshold_s: expected a number",
        ),
        ({"queues": {"vip": {"colour": "red"}}}, "queues.vip: unknown key(s) colour"),
        ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not a known time zone"),
        (
            {"colors": {"calls_waiting": {"warning": 3}}},
            "colors.calls_waiting: missing key(s) critical",
        ),
        ({"agents": {"aliases": ["x"]}}, "agents.aliases: expected a table"),
        ({"sources": [{"spec": "queue_log"}]}, "sources[0].spec: 'queue_log' is not KIND:LOCATION"),
        ({"sources": [{"name": "x"}]}, "sources[0]: missing key(s) spec"),
        (
            {"burnout": {"no_break_warning_h": True}},
            "burnout.no_break_warning_h: expected a number",
        ),
        ({"burnout": {"nap_time": 1}}, "burnout: unknown key(s) nap_time"),
        (
            {"display": {"update_gap_s": 0}},
            "display.update_gap_s: 0.0 must be from 0.02 to 5 seconds",
        ),
    ],
)
def test_each_mistake_is_named(table, message):
    with pytest.raises(ConfigError) as error:
        from_table(table, "floorwatch.toml")
    assert str(error.value).startswith("floorwatch.toml: ")
    assert message in str(error.value)


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("timezone = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(bad)
    assert load(None).service_level.threshold_s == 20
