"""Client-side parameter substitution shared by both backends.

Placeholders are ``%(name)s``; values are escaped with clickhouse-driver's escaping, so the
same parameterised SQL runs on a server and on chDB. Only plain values are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from clickhouse_driver.util.escape import escape_param

from pipeline.errors import StorageError

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def identifier(name: str) -> str:
    """``name`` if it is a safe SQL identifier, else StorageError."""
    if not _IDENT.match(name):
        raise StorageError(f"invalid identifier {name[:60]!r}: use letters, digits and underscores")
    return name


def literal(value: Any) -> str:
    """One value as a ClickHouse SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return f"toDateTime('{value:%Y-%m-%d %H:%M:%S}', 'UTC')"
    if isinstance(value, date):
        return f"toDate('{value:%Y-%m-%d}')"
    if isinstance(value, str):
        return str(escape_param(value, None))
    if isinstance(value, list | tuple | set | frozenset):
        items = ", ".join(literal(v) for v in (sorted(value) if isinstance(value, set | frozenset) else value))
        return f"[{items}]" if isinstance(value, list) else f"({items})"
    raise StorageError(f"cannot pass a {type(value).__name__} as a query parameter")


def render(sql: str, params: Mapping[str, Any] | None) -> str:
    """``sql`` with ``%(name)s`` placeholders replaced by escaped literals."""
    if not params:
        return sql
    try:
        return sql % {key: literal(value) for key, value in params.items()}
    except KeyError as exc:
        raise StorageError(f"query parameter {exc} is not given") from None
