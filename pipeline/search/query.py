"""A query's AST -> a parameterised ClickHouse condition, and the same semantics in Python.

Every value travels as a ``%(pN)s`` parameter, escaped by the driver's rules
(:mod:`pipeline.storage.sql`); only column names and operators written here enter the SQL text.
The functions used (``has``, ``position``, ``lowerUTF8``) run on clickhouse-server 18.16 and on
chDB alike.

Semantics (the SQL and :func:`matches` must agree; a test checks them against each other):

- a word matches a mention when it is one of its segmented ``tokens`` (the analysed text,
  title included) or occurs in its normalised own text (``own_text``: simplified, half-width),
  compared in lower case: Chinese has no spaces, so a word of several tokens still matches;
- a ``"phrase"`` matches when it occurs in that text;
- ``brand:`` a detected brand (own or competitor), ``signal:`` one of the signals, ``platform:``,
  ``sentiment:``, ``kind:`` equal, ``author:`` the author's name or id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.search.parse import All, And, FieldIs, Node, Not, Or, Term

_FIELD_SQL = {
    "brand": "has(brands, %(p)s)",
    "signal": "has(signals, %(p)s)",
    "platform": "platform = %(p)s",
    "sentiment": "sentiment = %(p)s",
    "kind": "kind = %(p)s",
    "author": "(author_name = %(p)s OR author_id = %(p)s)",
}


class SqlBuilder:
    """Collects parameters while turning nodes into SQL conditions."""

    def __init__(self, prefix: str = "q") -> None:
        """Parameters are named ``<prefix>0``, ``<prefix>1`` ..."""
        self.prefix = prefix
        self.params: dict[str, Any] = {}

    def param(self, value: Any) -> str:
        """A new placeholder holding ``value``."""
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    def condition(self, node: Node) -> str:
        """The SQL condition of ``node``."""
        if isinstance(node, All):
            return "1"
        if isinstance(node, Term):
            p = self.param(node.text)
            # lower-casing the text costs a pass over it: only a term with cased letters needs it
            text = "own_text" if node.text.upper() == node.text else "lowerUTF8(own_text)"
            if node.phrase:
                return f"position({text}, {p}) > 0"
            return f"(has(tokens, {p}) OR position({text}, {p}) > 0)"
        if isinstance(node, FieldIs):
            return "(" + _FIELD_SQL[node.field].replace("%(p)s", self.param(node.value)) + ")"
        if isinstance(node, Not):
            return f"NOT ({self.condition(node.child)})"
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(self.condition(c) for c in node.children) + ")"


def to_sql(node: Node) -> tuple[str, dict[str, Any]]:
    """The condition of ``node`` and its parameters."""
    builder = SqlBuilder()
    return builder.condition(node), builder.params


def matches(node: Node, row: Mapping[str, Any]) -> bool:
    """Whether a mention (a dict with the ``mentions`` columns the SQL reads) matches ``node``."""
    if isinstance(node, All):
        return True
    if isinstance(node, Term):
        text = str(row["own_text"]).lower()
        return node.text in text or (not node.phrase and node.text in row["tokens"])
    if isinstance(node, FieldIs):
        return _field_matches(node, row)
    if isinstance(node, Not):
        return not matches(node.child, row)
    if isinstance(node, And):
        return all(matches(c, row) for c in node.children)
    if isinstance(node, Or):
        return any(matches(c, row) for c in node.children)
    raise TypeError(f"not a query node: {node!r}")  # pragma: no cover


def _field_matches(node: FieldIs, row: Mapping[str, Any]) -> bool:
    v = node.value
    if node.field == "brand":
        return v in row["brands"]
    if node.field == "signal":
        return v in row["signals"]
    if node.field == "author":
        return bool(row["author_name"] == v or row["author_id"] == v)
    return bool(row[node.field] == v)
