"""Enrichment of one batch: decoded events paired with their text analyses.

Pure apart from the analysis processes: :func:`process_batch` decodes, validates and analyses a
batch in this thread (the benchmark and the tests use it); the worker's stages run the same steps
with the analysis in other processes and call :func:`assemble` on the result.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.records import BatchResult, Decoded, Enriched, RawRecord, dead_letter
from pipeline.text import Analysis, TextAnalyzer
from pipeline.worker.analysis_pool import analyze_texts
from pipeline.worker.decode import decode_batch
from schemas.deadletter import DeadLetter, Stage


def assemble(valid: Decoded, analyses: Sequence[Analysis | str], dead: list[DeadLetter]) -> BatchResult:
    """Pair events with their analyses; failed analyses become dead letters (stage ``enrich``)."""
    enriched: list[Enriched] = []
    for (rec, ev), an in zip(valid, analyses, strict=True):
        if isinstance(an, str):
            dead.append(dead_letter(rec, Stage.enrich, "analysis_failed", an))
        else:
            enriched.append(Enriched(rec, ev, an))
    return BatchResult(enriched=enriched, dead_letters=dead)


def process_batch(
    records: Sequence[RawRecord], analyzer: TextAnalyzer, *, max_bytes: int, max_text_chars: int
) -> BatchResult:
    """Decode, validate and analyse a batch in this thread; bad records become dead letters."""
    valid, dead = decode_batch(records, max_bytes=max_bytes, max_text_chars=max_text_chars)
    analyses = analyze_texts(analyzer, [ev.text for _, ev in valid], [ev.title for _, ev in valid])
    return assemble(valid, analyses, dead)
