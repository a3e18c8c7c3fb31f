"""A stable fingerprint of a text's wording, for finding copied texts (water-army campaigns).

Computed once per event by the analyzer and stored with the mention (``mentions.text_hash``), so
every table derived from mentions (``audience_events``, ``cascade_nodes``) compares the same value.
"""

from __future__ import annotations

import hashlib

MIN_COMPARED_CHARS = 8
"""Shorter own texts (转发微博, 赞, emoji) are not compared for duplicates."""


def text_hash(own_text: str) -> int:
    """Stable 63-bit hash of a text with all whitespace removed; 0 when too short to compare."""
    compact = "".join(own_text.split())
    if len(compact) < MIN_COMPARED_CHARS:
        return 0
    return int.from_bytes(hashlib.blake2b(compact.encode(), digest_size=8).digest(), "big") >> 1 or 1
