"""TOML tables into plain dataclasses, strictly: the checking under every config section.

A dataclass's fields, with their type hints and defaults, are a section's schema. A key that is
not a field is reported, not ignored, and a value of the wrong type names the key and what it
should be (`build`, `convert`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file, the key and the problem."""


def _type_name(kind: Any) -> str:
    origin = typing.get_origin(kind)
    if kind is float:
        return "a number"
    if kind is int:
        return "a whole number"
    if kind is str:
        return "a string"
    if kind is bool:
        return "true or false"
    if origin in (list,):
        return "a list"
    if origin in (dict,) or dataclasses.is_dataclass(kind):
        return "a table"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(
            _type_name(arg) for arg in typing.get_args(kind) if arg is not type(None)
        )
    return str(kind)


def convert(value: Any, kind: Any, where: str) -> Any:
    """Check a TOML value against a field's type hint, building dataclasses as needed."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        for option in options:
            try:
                return convert(value, option, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where}: expected {_type_name(kind)}, got {value!r}")
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        return build(kind, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        (item,) = typing.get_args(kind)
        return [convert(entry, item, f"{where}[{index}]") for index, entry in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table, got {value!r}")
        key_type, item = typing.get_args(kind)
        return {key: convert(entry, item, f"{where}.{key}") for key, entry in value.items()}
    if kind is Any:
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a whole number, got {value!r}")
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    raise ConfigError(f"{where}: unsupported setting type {kind}")


def build(kind: type, table: dict[str, Any], where: str) -> Any:
    """A dataclass from a TOML table: unknown keys and wrong types are errors naming the key."""
    hints = typing.get_type_hints(kind)
    fields = {f.name: f for f in dataclasses.fields(kind) if not f.metadata.get("internal")}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        known = ", ".join(fields)
        raise ConfigError(
            f"{where or 'top level'}: unknown key(s) {', '.join(unknown)} (known: {known})"
        )
    values = {}
    for name, value in table.items():
        values[name] = convert(value, hints[name], f"{where}.{name}" if where else name)
    try:
        return kind(**values)
    except TypeError as error:
        missing = [
            name
            for name, f in fields.items()
            if name not in table
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise ConfigError(f"{where}: missing key(s) {', '.join(missing)}") from None
        raise ConfigError(f"{where}: {error}") from None
