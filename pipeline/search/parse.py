"""The search query language: text -> AST, in linear time with bounded depth.

Grammar (``AND`` binds tighter than ``OR``; juxtaposition means ``AND``; keywords in capitals)::

    query   := or_expr?
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary ("AND"? unary)*
    unary   := ("NOT" | "-") unary | primary
    primary := "(" or_expr ")" | FIELD ":" (WORD | PHRASE) | PHRASE | WORD

``FIELD`` is one of :data:`FIELDS`. A word or phrase is normalised like stored text (traditional
-> simplified, full -> half width, lower case: :func:`pipeline.text.normalize.normalize_term`), so
``蒙牛`` and ``濛牛``, ``ＡＢＣ`` and ``abc`` are the same term. A malformed query raises
:class:`QueryError` with the character position where it went wrong.

Limits against hostile input: :data:`MAX_QUERY_CHARS` characters, :data:`MAX_TERMS` terms and
:data:`MAX_DEPTH` levels of nesting; the tokenizer and the parser each touch every character once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pipeline.errors import SocialListenError
from pipeline.text.normalize import normalize_term

MAX_QUERY_CHARS = 2000
MAX_TERMS = 64
MAX_DEPTH = 24
FIELDS = ("brand", "platform", "signal", "sentiment", "author", "kind")
"""Field filters: ``brand:蒙牛`` ``platform:weibo`` ``signal:buyer`` ``sentiment:negative`` ``author:小王``."""
Field = Literal["brand", "platform", "signal", "sentiment", "author", "kind"]


class QueryError(SocialListenError):
    """A malformed query; ``position`` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        """The problem and where it is."""
        super().__init__(f"{message} (at character {position})")
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Term:
    """A word (a token of the mention, or a substring of its text) or a quoted phrase (a substring)."""

    text: str
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class FieldIs:
    """``field:value``."""

    field: Field
    value: str


@dataclass(frozen=True, slots=True)
class Not:
    """Everything the child does not match."""

    child: Node


@dataclass(frozen=True, slots=True)
class And:
    """All children match."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Any child matches."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class All:
    """The empty query: every mention."""


Node = Term | FieldIs | Not | And | Or | All

Kind = Literal["word", "phrase", "lparen", "rparen", "and", "or", "not", "field", "end"]


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token and where it starts."""

    kind: Kind
    text: str
    pos: int


_SPECIAL = frozenset('()"')
_SYNTAX_WIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "＂": '"', "“": '"', "”": '"', "\u3000": " "})
_KEYWORDS: dict[str, Kind] = {"AND": "and", "OR": "or", "NOT": "not"}


def _read_phrase(q: str, i: int) -> tuple[str, int]:
    end = q.find('"', i + 1)
    if end < 0:
        raise QueryError("unclosed quote", i)
    return q[i + 1 : end], end + 1


def tokenize(q: str) -> list[Token]:
    """The tokens of ``q`` (full-width brackets, quotes and colons are read as ASCII ones)."""
    q = q.translate(_SYNTAX_WIDTH)
    out: list[Token] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(Token("lparen" if c == "(" else "rparen", c, i))
            i += 1
        elif c == '"':
            text, j = _read_phrase(q, i)
            out.append(Token("phrase", text, i))
            i = j
        elif c == "-" and i + 1 < n and not q[i + 1].isspace() and (not out or out[-1].kind != "field"):
            out.append(Token("not", c, i))
            i += 1
        else:
            j = i
            while j < n and not q[j].isspace() and q[j] not in _SPECIAL and q[j] != ":":
                j += 1
            word = q[i:j]
            if j < n and q[j] == ":" and word.lower() in FIELDS:
                out.append(Token("field", word.lower(), i))
                j += 1
            elif j < n and q[j] == ":":  # a colon inside a word (a URL, a time): part of the word
                while j < n and not q[j].isspace() and q[j] not in _SPECIAL:
                    j += 1
                out.append(Token("word", q[i:j], i))
            else:
                out.append(Token(_KEYWORDS.get(word, "word"), word, i))
            i = j
    out.append(Token("end", "", n))
    return out


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.terms = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"the query nests deeper than {MAX_DEPTH} levels", pos)

    def or_expr(self) -> Node:
        self.enter(self.peek.pos)
        parts = [self.and_expr()]
        while self.peek.kind == "or":
            self.take()
            parts.append(self.and_expr())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node:
        parts = [self.unary()]
        while self.peek.kind not in ("or", "rparen", "end"):
            if self.peek.kind == "and":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        if self.peek.kind == "not":
            tok = self.take()
            self.enter(tok.pos)
            child = self.unary()
            self.depth -= 1
            return Not(child)
        return self.primary()

    def _count(self, pos: int) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"the query has more than {MAX_TERMS} terms", pos)

    def _term_text(self, tok: Token) -> str:
        text = normalize_term(tok.text)
        if not text:
            raise QueryError("empty term", tok.pos)
        return text

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "lparen":
            node = self.or_expr()
            if self.peek.kind != "rparen":
                raise QueryError("expected ')'", self.peek.pos)
            self.take()
            return node
        if tok.kind == "field":
            value = self.take()
            if value.kind not in ("word", "phrase") or not value.text.strip():
                raise QueryError(f"expected a value after {tok.text}:", value.pos)
            self._count(tok.pos)
            raw = value.text.strip()
            return FieldIs(tok.text, raw if tok.text in ("brand", "author") else raw.lower())  # type: ignore[arg-type]
        if tok.kind in ("word", "phrase"):
            self._count(tok.pos)
            return Term(self._term_text(tok), phrase=tok.kind == "phrase")
        what = "end of query" if tok.kind == "end" else repr(tok.text)
        raise QueryError(f"unexpected {what}", tok.pos)


def parse(q: str) -> Node:
    """The AST of ``q``; :class:`All` for an empty query; QueryError (with a position) if malformed."""
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters", MAX_QUERY_CHARS)
    tokens = tokenize(q)
    if tokens[0].kind == "end":
        return All()
    parser = _Parser(tokens)
    node = parser.or_expr()
    if parser.peek.kind != "end":
        raise QueryError(f"unexpected {parser.peek.text!r}", parser.peek.pos)
    return node
