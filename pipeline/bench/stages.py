"""In-process benchmark stages: transport ceiling, classify-only and the naive baseline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
from aiokafka import AIOKafkaConsumer

from pipeline.config import Settings
from pipeline.records import RawRecord
from pipeline.storage import ClickHouse
from pipeline.storage.tables import MENTION_COLUMNS
from pipeline.text import TextAnalyzer
from pipeline.worker.enrich import process_batch


async def _consume_discard(bootstrap: str, topics: Sequence[str], messages: int, timeout: float) -> float:
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
        group_id=None, max_partition_fetch_bytes=8 * 2**20, fetch_max_bytes=64 * 2**20,
    )
    await consumer.start()
    try:
        seen = 0
        first = 0.0
        deadline = time.monotonic() + timeout
        while seen < messages and time.monotonic() < deadline:
            before = time.perf_counter()
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            got = sum(len(records) for records in batch.values())
            if got and not first:
                first = before  # the first fetch counts: the topic was filled beforehand
            seen += got
        return seen / (time.perf_counter() - first) if first else 0.0
    finally:
        await consumer.stop()


def ceiling(bootstrap: str, topics: Sequence[str], messages: int, timeout: float = 300) -> float:
    """Raw aiokafka consume-and-discard, messages/s (from the first message to the last)."""
    return asyncio.run(_consume_discard(bootstrap, topics, messages, timeout))


def classify_only(lines: Sequence[bytes], analyzer: TextAnalyzer, settings: Settings, batch: int = 2000) -> float:
    """The worker's pure batch function (decode, validate, analyse, build rows) in-process, events/s."""
    from pipeline.storage.tables import mention_rows

    start = time.perf_counter()
    for i in range(0, len(lines), batch):
        records = [RawRecord("bench", 0, i + j, line) for j, line in enumerate(lines[i : i + batch])]
        result = process_batch(records, analyzer, max_bytes=settings.worker.max_event_bytes,
                               max_text_chars=settings.worker.max_text_chars)
        mention_rows(result.enriched)
    return len(lines) / (time.perf_counter() - start)


EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
BUYER_WORDS = ("收到", "已购", "晒单", "回购", "买了", "下单")
SERVICE_WORDS = ("退款", "退货", "物流", "没发货", "质量问题", "客服", "坏了")


def naive(lines: Sequence[bytes], ch: ClickHouse, brand_names: Sequence[str]) -> float:
    """A straightforward implementation: per event json + jieba.lcut + keyword checks + one INSERT."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    start = time.perf_counter()
    for line in lines:
        try:
            event = orjson.loads(line)
            text = str(event["text"])
        except Exception:
            continue
        tokens = jieba.lcut(text)
        buyer = any(w in text for w in BUYER_WORDS)
        service = any(w in text for w in SERVICE_WORDS)
        brands = [b for b in brand_names if b in tokens]
        row: dict[str, object] = {c: "" for c in MENTION_COLUMNS}
        row.update({
            "event_id": str(event.get("id", "")), "platform": str(event.get("platform", "")), "created_at": EPOCH,
            "ingested_at": EPOCH, "author_verified": 0, "author_followers": 0, "author_following": 0,
            "author_posts": 0, "urls": [], "reposts": 0, "comments": 0, "likes": 0, "reads": None,
            "tokens": tokens, "keywords": [], "mentions": [], "hashtags": [], "emoticons": [], "repost_chain": [],
            "repost_depth": 0, "brands": brands, "competitors": [], "own_brand": 0, "buyer": int(buyer),
            "service_request": int(service), "purchase_intent": 0, "sentiment": "neutral", "sentiment_score": 0.0,
            "evidence": "{}", "signals": [], "version": 1, "author_created": EPOCH, "text_hash": 0,
            "hot_event": "", "hot_event_how": "", "hot_event_distance": 0, "simhash": 0, "group_id": "",
        })
        ch.insert("mentions", MENTION_COLUMNS, [tuple(row[c] for c in MENTION_COLUMNS)])
    return len(lines) / (time.perf_counter() - start)
