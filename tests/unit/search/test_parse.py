"""The query language: parsing, normalisation, SQL generation, escaping and hostile input."""

from __future__ import annotations

import pytest

from pipeline.search.parse import (
    MAX_DEPTH,
    MAX_QUERY_CHARS,
    MAX_TERMS,
    All,
    And,
    FieldIs,
    Not,
    Or,
    QueryError,
    Term,
    parse,
)
from pipeline.search.query import matches, to_sql
from pipeline.storage.sql import render
from tests.fixtures.hostile import doubling_ratio


def test_words_phrases_fields_and_precedence() -> None:
    node = parse('蒙牛 AND (退款 OR "質量 問題") NOT platform:Weibo brand:伊利 -signal:buyer')
    assert node == And((
        Term("蒙牛"), Or((Term("退款"), Term("质量 问题", phrase=True))), Not(FieldIs("platform", "weibo")),
        FieldIs("brand", "伊利"), Not(FieldIs("signal", "buyer")),
    ))
    assert parse("a OR b c") == Or((Term("a"), And((Term("b"), Term("c")))))  # AND binds tighter
    assert parse("") == All() and parse("   ") == All()


def test_terms_are_normalised_like_stored_text() -> None:
    assert parse("ＡＢＣ") == Term("abc")  # full width, upper case
    assert parse("質量") == Term("质量")  # traditional
    assert parse("（蒙牛 OR 伊利）") == Or((Term("蒙牛"), Term("伊利")))  # full-width brackets
    assert parse("author：小王") == FieldIs("author", "小王")
    assert parse("http://t.cn/abc") == Term("http://t.cn/abc")  # a colon inside a word
    assert parse("pre-sale") == Term("pre-sale")  # a hyphen inside a word is not NOT


@pytest.mark.parametrize(("query", "position", "words"), [
    ('蒙牛 "退款', 3, "unclosed quote"),
    ("蒙牛 AND (退款 OR 物流", 16, "expected ')'"),
    ("蒙牛 )", 3, "unexpected ')'"),
    ("OR 蒙牛", 0, "unexpected 'OR'"),
    ("蒙牛 AND", 6, "end of query"),
    ("brand: )", 7, "expected a value after brand:"),
    ('brand:""', 6, "expected a value"),
])
def test_malformed_queries_name_the_position(query: str, position: int, words: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(query)
    assert info.value.position == position and words in info.value.message


def test_sql_takes_every_value_as_a_parameter() -> None:
    hostile = "x') OR 1=1 --"
    sql, params = to_sql(parse(f'"{hostile}" OR author:"{hostile}" brand:\\\''))
    assert "1=1" not in sql and "'" not in sql, sql
    assert hostile.lower() in params.values()
    rendered = render(sql, params)
    assert "'x\\') or 1=1 --'" in rendered  # escaped by the driver's rules, inside a literal
    sql, params = to_sql(parse("蒙牛 platform:weibo"))
    assert sql == "((has(tokens, %(q0)s) OR position(own_text, %(q0)s) > 0) AND (platform = %(q1)s))"
    assert params == {"q0": "蒙牛", "q1": "weibo"}
    sql, _ = to_sql(parse("iPhone"))  # a term with cased letters compares the lower-cased text
    assert sql == "(has(tokens, %(q0)s) OR position(lowerUTF8(own_text), %(q0)s) > 0)"


def test_python_semantics() -> None:
    row = {"own_text": "今天收到的特仑苏 ABC 有质量问题", "tokens": ["今天", "收到", "特仑苏", "abc", "质量", "问题"],
           "brands": ["蒙牛"], "signals": ["buyer"], "platform": "weibo", "sentiment": "negative", "kind": "post",
           "author_name": "小王", "author_id": "u1"}
    assert matches(parse('質量 AND "特仑苏 abc" brand:蒙牛 signal:buyer author:u1'), row)
    assert matches(parse("收到的"), row)  # a substring of the text: Chinese has no spaces
    assert not matches(parse("NOT sentiment:negative OR platform:wechat"), row)
    assert matches(parse("-kind:comment"), row)


def test_limits_against_hostile_input() -> None:
    with pytest.raises(QueryError, match="nests deeper"):
        parse("(" * (MAX_DEPTH + 1) + "a" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(QueryError, match="nests deeper"):
        parse("NOT " * (MAX_DEPTH + 1) + "a")
    with pytest.raises(QueryError, match="more than"):
        parse(" OR ".join(["a"] * (MAX_TERMS + 1)))
    with pytest.raises(QueryError, match="longer than"):
        parse("a" * (MAX_QUERY_CHARS + 1))
    parse("(" * (MAX_DEPTH - 1) + "a" + ")" * (MAX_DEPTH - 1))


@pytest.mark.parametrize("piece", ['"', "(", "a:", "-", "NOT ", "蒙" * 50, "\\", ")", "brand:", "\x00"])
def test_parsing_time_is_linear_in_the_length(piece: str) -> None:
    def work(n: int) -> None:
        try:
            parse((piece * n)[:n])
        except QueryError:
            pass

    ratio = doubling_ratio(work, MAX_QUERY_CHARS // 4)  # up to the longest query accepted
    assert ratio <= 3.0, f"parsing {piece!r} repeated: doubling the query cost {ratio:.1f}x (2 when linear)"
