"""Redirect targets (no open redirect), the user-agent class and the salted address hash; CSV orders."""

from __future__ import annotations

import string

import pytest

from pipeline.tracking.csv_import import read_orders
from pipeline.tracking.privacy import RotatingSalt, ua_class
from pipeline.tracking.recorder import referrer_host
from pipeline.tracking.targets import UnsafeTarget, safe_target, with_tracking
from schemas.tracking import UaClass

HOSTILE = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,<script>", "//evil.com",
    "///evil.com", "/\\evil.com", "https:\\\\evil.com", "https:/\\evil.com", "http:evil.com", "https:/evil.com",
    "https://good.com\\@evil.com", "https://good.com@evil.com", "https://user:pw@evil.com/", "https://good.com%40evil.com",
    "https://evil.com\t/", "https://evil.com\n.good.com", "https://ev\x00il.com", "https://evil.com\u202e/moc.doog",
    "https://еvil.com/", "ftp://evil.com/", "vbscript:x", "https:///evil.com", "https://", "https://evil..com/",
    "https://evil.com:99999/", "https://[::1/", "https://evil.com//", "http://a b.com/",
    "https://evil.com/" + "a" * 2100,
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        safe_target(url)


@pytest.mark.parametrize(("url", "stored"), [
    ("https://shop.example.com/a?b=1#c", "https://shop.example.com/a?b=1#c"),
    ("HTTP://Shop.Example.com", "http://shop.example.com/"),
    ("https://127.0.0.1:8443/x", "https://127.0.0.1:8443/x"),
    ("https://[::1]:8080/", "https://[::1]:8080/"),
])
def test_plain_http_targets_are_kept_normalised(url: str, stored: str) -> None:
    assert safe_target(url) == stored


def test_the_redirect_adds_only_the_code_and_the_visitor() -> None:
    assert with_tracking("https://s.com/p?x=1#f", "abcd1234", "v_12345678") == \
        "https://s.com/p?x=1&sl_c=abcd1234&sl_v=v_12345678#f"
    assert with_tracking("https://s.com/", "abcd1234", "v_12345678") == "https://s.com/?sl_c=abcd1234&sl_v=v_12345678"


@pytest.mark.parametrize(("ua", "cls"), [
    ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", UaClass.bot),
    ("Mozilla/5.0 (compatible; Baiduspider/2.0)", UaClass.bot),
    ("curl/8.5.0", UaClass.bot),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148 MicroMessenger/8.0.40", UaClass.wechat),
    ("Mozilla/5.0 (Linux; Android 13) Mobile Weibo (HUAWEI)", UaClass.weibo),
    ("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X)", UaClass.tablet),
    ("Mozilla/5.0 (Linux; Android 13; Pixel 7) Mobile Safari/537.36", UaClass.mobile),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0", UaClass.desktop),
    ("", UaClass.other), (None, UaClass.other),
])
def test_user_agents_become_classes(ua: str | None, cls: UaClass) -> None:
    assert ua_class(ua) is cls


def test_address_hash_is_salted_and_the_salt_rotates_daily() -> None:
    salt = RotatingSalt()
    day = 86400 * 20000
    first = salt.hash("203.0.113.7", now=day + 10)
    assert first == salt.hash("203.0.113.7", now=day + 80000)  # same day: same visitor, same hash
    assert first != salt.hash("203.0.113.8", now=day + 10)
    assert first != salt.hash("203.0.113.7", now=day + 86400 + 1)  # next day: a new salt
    # 16 hex digits, nothing of the dotted address (the digits "203" may occur by chance: about 1 salt in 300)
    assert len(first) == 16 and set(first) <= set(string.hexdigits.lower())
    assert first != RotatingSalt().hash("203.0.113.7", now=day + 10)  # random salt: no dictionary of addresses


def test_referrer_keeps_the_host_only() -> None:
    assert referrer_host("https://weibo.com/u/123?token=secret") == "weibo.com"
    assert referrer_host("not a url") == "" and referrer_host(None) == ""


def test_csv_orders_are_checked_and_deduplicated_by_order_id() -> None:
    text = ("order_id,time,amount,currency,code\n"
            "A1,2026-12-01T10:00:00+08:00,12.50,cny,abcd1234\n"
            "A1,2026-12-01T10:00:00+08:00,13.00,CNY,abcd1234\n"
            "A2,2026-12-01T11:00:00Z,99,USD,\n")
    orders, errors = read_orders(text)
    assert errors == []
    assert [(o.order_id, o.amount_cents, o.currency, o.code) for o in orders] == [
        ("A1", 1300, "CNY", "abcd1234"), ("A2", 9900, "USD", "")]
    assert orders[0].ordered_at.hour == 2  # stored in UTC
    _, errors = read_orders("order_id,time,amount\nB 1,2026-12-01T10:00:00,1.234\nB2,x,abc\n")
    assert len(errors) == 2 and errors[0].startswith("line 2:") and errors[1].startswith("line 3:")
    assert read_orders("id,amount\n1,2\n")[1][0].startswith("the header lacks order_id, time")
