"""Texts holding a line separator (U+2028, U+0085, VT, ...) arrive whole over Server-Sent Events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import orjson
import pytest
from pydantic import SecretStr

from pipeline.cli.tail import parse_sse, sse_lines
from pipeline.config import Settings, WebSettings
from pipeline.hub import Hubs, sse
from pipeline.monitor.live import LiveFeed
from pipeline.monitor.models import LiveMention
from pipeline.storage.access import StorageAccess
from pipeline.web import routes_mentions
from pipeline.web.app import create_web_app
from pipeline.web.context import WebContext

SEPARATORS = ["\u2028", "\u2029", "\u0085", "\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]
READER = "reader-token-abcdefghijklmnopqrstu"


def _text(sep: str) -> str:
    return f"蒙牛{sep}客服{sep}太慢了"


def _browser_events(stream: str) -> list[tuple[str, str]]:
    """Events as the HTML living standard's EventSource parses them: lines end at CR LF, CR or LF only."""
    import re

    return list(parse_sse(iter(re.split(r"\r\n|\r|\n", stream))))


@pytest.mark.parametrize("sep", SEPARATORS, ids=[f"U+{ord(s[0]):04X}" for s in SEPARATORS])
def test_one_frame_keeps_every_separator(sep: str) -> None:
    data = orjson.dumps({"text": _text(sep)}).decode()  # orjson leaves U+2028, U+2029 and U+0085 raw
    frame = sse("mention", data, "weibo:1" + sep)
    assert frame.count("\n\n") == 1 and frame.endswith("\n\n")
    for lines in (iter(frame.splitlines()), sse_lines([frame.encode()])):  # Python's splitlines, like httpx
        assert [(k, orjson.loads(d)["text"]) for k, d in parse_sse(lines)] == [("mention", _text(sep))]
    [(kind, got)] = _browser_events(frame)
    assert kind == "mention" and orjson.loads(got) == {"text": _text(sep)}


def test_json_whitespace_with_line_breaks_still_parses() -> None:
    frame = sse("counters", '[\r\n  {"a": 1},\r  {"b": "x\u2028y"}\n]')
    [(_, data)] = _browser_events(frame)
    assert orjson.loads(data) == [{"a": 1}, {"b": "x\u2028y"}]


def test_tail_splits_lines_only_at_cr_and_lf_across_chunks() -> None:
    stream = "event: a\r\ndata: 1\u2028 2\r\n\r\nevent: b\rdata: 3\x85\r\rdata: 4\n\n".encode()
    chunks = [stream[i:i + 3] for i in range(0, len(stream), 3)]  # CR LF and UTF-8 sequences split across chunks
    assert list(parse_sse(sse_lines(chunks))) == [("a", "1\u2028 2"), ("b", "3\x85"), ("message", "4")]


def _mention(n: int, text: str) -> LiveMention:
    return LiveMention(
        event_id=f"weibo:{n}", platform="weibo", kind="post", author_id="u1", author_name="小王",
        author_followers=1, text=text, created_at=datetime(2024, 6, 1, tzinfo=UTC), received_at=time.time(),
        brands=["蒙牛"], competitors=[], signals=["negative"], sentiment="negative", sentiment_score=-0.8,
        keywords=[], buyer=False, service_request=True, purchase_intent=False, repost_depth=0,
    )


async def _no_more(queues: dict[str, Any], timeout: float) -> AsyncIterator[tuple[str, Any] | None]:
    """Instead of waiting for live items: end the stream after its backfill and first counters."""
    for _ in ():
        yield None


def test_mentions_with_separators_arrive_whole_on_the_live_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes_mentions, "merged", _no_more)
    hubs = Hubs()
    feed = LiveFeed(hubs.mentions)
    sent = {f"weibo:{n}": _text(sep) for n, sep in enumerate(SEPARATORS)}
    feed.publish_live([_mention(n, text) for n, text in enumerate(sent.values())])
    web = WebSettings(api_tokens=SecretStr(f"{READER}:readonly"))
    ctx = WebContext(settings=Settings(web=web), storage=cast(StorageAccess, object()), hubs=hubs, live=feed)

    async def get() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_web_app(ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            ticket = (await client.post("/api/stream-ticket", headers={"Authorization": f"Bearer {READER}"})).json()
            return await client.get("/api/mentions/stream", params={"backfill": "50", "ticket": ticket["ticket"]})

    answer = asyncio.run(get())
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
    for lines in (sse_lines([answer.content]), iter(answer.text.splitlines())):
        got = {m["event_id"]: m["text"] for k, d in parse_sse(lines) if k == "mention" for m in [orjson.loads(d)]}
        assert got == sent
    browser = {orjson.loads(d)["event_id"]: orjson.loads(d)["text"] for k, d in _browser_events(answer.text)
               if k == "mention"}
    assert browser == sent
