"""Column lists of the tables the worker writes, in DDL order (a test checks them against DESCRIBE)."""

from __future__ import annotations

MENTION_COLUMNS: tuple[str, ...] = (
    "event_id", "platform", "kind", "thread_id", "root_id", "parent_id",
    "author_id", "author_name", "author_verified", "author_verified_type",
    "author_followers", "author_following", "author_posts",
    "created_at", "ingested_at", "title", "text", "own_text", "urls", "campaign",
    "reposts", "comments", "likes", "reads",
    "tokens", "keywords", "mentions", "hashtags", "emoticons", "repost_chain", "repost_depth",
    "brands", "competitors", "own_brand", "buyer", "service_request", "service_category", "priority",
    "purchase_intent", "sentiment", "sentiment_score", "evidence", "signals", "version",
    "author_created", "text_hash",  # added by migration 006 (ALTER TABLE ... ADD COLUMN appends)
)  # fmt: skip

DEADLETTER_COLUMNS: tuple[str, ...] = (
    "dl_id", "source_topic", "partition", "offset", "stage", "reason", "error",
    "raw_b64", "raw_preview", "received_at", "version",
)  # fmt: skip
