"""Storage URL parsing (no database)."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from pipeline.errors import ConfigError
from pipeline.storage.url import ChdbTarget, NativeTarget, parse_url, redact


def test_native_url() -> None:
    target = parse_url("clickhouse://bi%40x:p%2Fw@db.example:9440/social?secure=1&connect_timeout=2.5")
    assert target == NativeTarget(
        host="db.example",
        port=9440,
        user="bi@x",
        password=SecretStr("p/w"),
        database="social",
        secure=True,
        connect_timeout=2.5,
    )


def test_native_url_defaults() -> None:
    assert parse_url("clickhouse://localhost") == NativeTarget("localhost", 9000, "default", SecretStr(""), "default")


def test_chdb_url() -> None:
    assert parse_url("chdb:///var/lib/sl/") == ChdbTarget("/var/lib/sl", "sociallisten")
    assert parse_url("chdb:///var/lib/sl?db=other") == ChdbTarget("/var/lib/sl", "other")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgres://x/y", "not understood"),
        ("chdb://relative/path", "host part"),
        ("chdb:relative", "absolute path"),
        ("chdb:///p?db=bad-name", "invalid identifier"),
        ("chdb:///p?x=1", "unknown option"),
        ("clickhouse://h/db-name", "invalid identifier"),
        ("clickhouse://h/db?compress=1", "unknown option"),
        ("clickhouse://h/db?secure=maybe", "must be 1 or 0"),
        ("clickhouse://h/db?connect_timeout=0", "positive number"),
        ("clickhouse://h:notaport/db", "SOCIALLISTEN_CLICKHOUSE_URL"),
    ],
)
def test_bad_urls_name_the_problem(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_url(url)


def test_the_password_never_shows() -> None:
    target = parse_url("clickhouse://bi:s3cr3t-pw@db.example/social")
    assert isinstance(target, NativeTarget)
    assert "s3cr3t-pw" not in repr(target) and "s3cr3t-pw" not in str(target)
    assert redact("clickhouse://bi:s3cr3t-pw@db.example:9000/social") == "clickhouse://bi:***@db.example:9000/social"
    assert redact("chdb:///var/lib/sl") == "chdb:///var/lib/sl"
    with pytest.raises(ConfigError) as info:
        parse_url("clickhouse://bi:s3cr3t-pw@db.example/social?compress=1")
    assert "s3cr3t-pw" not in str(info.value)
