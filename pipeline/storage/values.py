"""Python values to and from ClickHouse, the same on both backends.

Conventions every caller can rely on:

- ``DateTime`` values come back as **naive datetimes in UTC**, whatever the server's time zone;
  on insert and as parameters, aware datetimes are converted to UTC and naive ones are taken
  to be UTC already.
- Integers of any width come back as ``int``, ``Float32``/``Float64`` as ``float`` (a Float32
  is widened exactly like clickhouse-driver does), ``Nullable`` NULL as ``None``, ``Array`` as
  ``list``, ``Tuple`` as ``tuple``, ``Date`` as ``date``, ``Decimal`` as ``Decimal``, ``UUID``
  as ``UUID``.

:func:`converter` builds, once per type name, a function that turns one value as the backend
returned it into that convention, or ``None`` when the value needs no change (the common case:
strings and integers pass through untouched).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson

Convert = Callable[[Any], Any]

_FLOAT32 = struct.Struct("<f")
_SPECIAL_FLOATS = {"nan": float("nan"), "inf": float("inf"), "+inf": float("inf"), "-inf": float("-inf")}


def split_type(type_name: str) -> tuple[str, list[str]]:
    """``'Array(Nullable(String))'`` -> ``('Array', ['Nullable(String)'])``; top-level commas only."""
    type_name = type_name.strip()
    start = type_name.find("(")
    if start < 0 or not type_name.endswith(")"):
        return type_name, []
    name, inner = type_name[:start], type_name[start + 1 : -1]
    args: list[str] = []
    depth, quoted = 0, False
    current: list[str] = []
    for ch in inner:
        if ch == "'" and (not current or current[-1] != "\\"):
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    if current:
        args.append("".join(current).strip())
    return name, args


def _tuple_elements(args: list[str]) -> list[str]:
    # Named tuple elements look like 'name Type'; the type is what follows the first space
    # unless the element is itself a bare type such as 'DateTime(\'UTC\')'.
    out = []
    for arg in args:
        head, _, rest = arg.partition(" ")
        out.append(rest if rest and "(" not in head else arg)
    return out


def _nested(type_name: str, leaf: Callable[[str, list[str]], Convert | None]) -> Convert | None:
    name, args = split_type(type_name)
    if name in ("Nullable", "LowCardinality", "SimpleAggregateFunction"):
        inner = _nested(args[-1], leaf) if args else None
        if inner is None:
            return None
        return lambda v: None if v is None else inner(v)
    if name == "Array" and args:
        item = _nested(args[0], leaf)
        if item is None:
            return None
        return lambda v: [item(x) for x in v]
    if name == "Tuple" and args:
        items = [_nested(t, leaf) for t in _tuple_elements(args)]
        return lambda v: tuple(f(x) if f is not None else x for f, x in zip(items, v, strict=False))
    return leaf(name, args)


# ---- chDB: JSONCompactEachRowWithNamesAndTypes values -> Python ---------------------------


def _parse_datetime(value: str) -> datetime:
    # 'YYYY-MM-DD hh:mm:ss' or with fractional seconds (DateTime64); always UTC in our session.
    # fromisoformat reads both (Python >= 3.11) at a tenth of strptime's cost.
    return datetime.fromisoformat(value)


def _zone(args: list[str]) -> tzinfo | None:
    # DateTime('Asia/Shanghai') / DateTime64(3, 'Asia/Shanghai'): values print in that zone.
    quoted = [a.strip("'") for a in args if a.startswith("'")]
    if not quoted or quoted[0] in ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "Universal", "Zulu"):
        return None
    return ZoneInfo(quoted[0])


def _float(value: Any) -> float:
    if isinstance(value, str) and value.lower() in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[value.lower()]
    return float(value)


def _float32(value: Any) -> float:
    result: float = _FLOAT32.unpack(_FLOAT32.pack(_float(value)))[0]
    return result


_WIDE_INTS = {"Int64", "UInt64", "Int128", "UInt128", "Int256", "UInt256"}


def _int(value: Any) -> Any:
    return int(value) if isinstance(value, str) else value


def _chdb_leaf(name: str, args: list[str]) -> Convert | None:
    if name in ("DateTime", "DateTime64"):
        zone = _zone(args)
        if zone is None:  # printed in the session's zone, which is UTC
            return _parse_datetime
        return lambda v: _parse_datetime(v).replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    if name in ("Date", "Date32"):
        return date.fromisoformat
    if name == "Float32":
        return _float32
    if name == "Float64":
        return _float
    if name in _WIDE_INTS:
        return _int  # may arrive quoted (wider than a JSON number can hold exactly)
    if name.startswith("Decimal"):
        return lambda v: Decimal(str(v))
    if name == "UUID":
        return UUID
    return None


@lru_cache(maxsize=512)
def chdb_converter(type_name: str) -> Convert | None:
    """Converter for one chDB JSON value of ClickHouse type ``type_name`` (None: keep as is)."""
    return _nested(type_name, _chdb_leaf)


# ---- native: clickhouse-driver values -> the UTC convention ----------------------------


def native_converter(type_name: str, server_tz: tzinfo | None) -> Convert | None:
    """Converter that makes clickhouse-driver's datetimes naive UTC.

    The driver returns a ``DateTime('tz')`` column as aware datetimes and a plain ``DateTime``
    as naive datetimes in the server's time zone (``server_tz``; None when it is UTC).
    """
    if "DateTime" not in type_name:
        return None

    def leaf(name: str, args: list[str]) -> Convert | None:
        if name not in ("DateTime", "DateTime64"):
            return None

        def to_utc(value: datetime) -> datetime:
            if value.tzinfo is not None:
                return value.astimezone(UTC).replace(tzinfo=None)
            if server_tz is None:
                return value
            return value.replace(tzinfo=server_tz).astimezone(UTC).replace(tzinfo=None)

        return to_utc

    return _nested(type_name, leaf)


# ---- Python -> chDB JSONEachRow ---------------------------------------------------------


JSON_INSERT_SETTINGS = "SETTINGS date_time_input_format = 'best_effort'"
"""Settings of an insert whose rows :func:`json_rows` encoded: it reads their ISO 8601 datetimes."""
_JSON_OPTIONS = orjson.OPT_NAIVE_UTC | orjson.OPT_OMIT_MICROSECONDS | orjson.OPT_UTC_Z


def json_rows(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as JSONCompactEachRow: one array per line.

    orjson writes datetimes itself (ISO 8601 in whole seconds, naive ones marked UTC, aware ones
    with their offset), dates as ISO dates and tuples as arrays: no Python call per value.
    """
    return b"\n".join(orjson.dumps(row, default=json_default, option=_JSON_OPTIONS) for row in rows)


def json_default(value: Any) -> Any:
    """Orjson ``default`` for what it cannot write itself: decimals and UUIDs as strings, sets as arrays."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"cannot store a {type(value).__name__} value; use str, int, float, bool, datetime, list or None")
