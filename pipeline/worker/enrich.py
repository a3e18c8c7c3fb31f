"""Enrichment of one batch: decoded events paired with their text analyses.

Pure apart from the analysis processes: :func:`process_batch` decodes, validates and analyses a
batch in this thread (the benchmark and the tests use it); the worker's stages run the same steps
with the analysis in other processes and call :func:`assemble` on the result.

An event whose text made the analyser raise comes back with the error instead of an analysis
(:func:`~pipeline.worker.analysis_pool.analyze_each`) and becomes a dead letter with stage
``enrich`` and reason :data:`ANALYSIS_ERROR`; one whose analysis ran over its time budget gets
reason :data:`~pipeline.worker.budget.ANALYSIS_TIMEOUT`. The rest of its batch is stored as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.decode import decode_batch
from pipeline.records import BatchResult, Decoded, Enriched, RawRecord, dead_letter
from pipeline.text.analysis import Analysis
from pipeline.worker.analysis_pool import analyze_texts
from pipeline.worker.budget import ANALYSIS_TIMEOUT, is_timeout
from schemas.deadletter import DeadLetter, Stage

if TYPE_CHECKING:  # the worker only pairs analyses; its analysis processes load the analyser
    from pipeline.text.analyzer import TextAnalyzer

ANALYSIS_ERROR = "analysis_error"
"""Dead-letter reason of an event whose text made the analyser raise (the error says how)."""


def assemble(valid: Decoded, analyses: Sequence[Analysis | str], dead: list[DeadLetter]) -> BatchResult:
    """Pair events with their analyses; failed analyses become dead letters (``enrich``, :data:`ANALYSIS_ERROR`)."""
    enriched: list[Enriched] = []
    for (rec, ev), an in zip(valid, analyses, strict=True):
        if isinstance(an, str):
            dead.append(dead_letter(rec, Stage.enrich, ANALYSIS_TIMEOUT if is_timeout(an) else ANALYSIS_ERROR, an))
        else:
            enriched.append(Enriched(rec, ev, an))
    return BatchResult(enriched=enriched, dead_letters=dead)


def process_batch(
    records: Sequence[RawRecord], analyzer: TextAnalyzer, *, max_bytes: int, max_text_chars: int,
    budget: float | None = None,
) -> BatchResult:
    """Decode, validate and analyse a batch in this thread; bad records become dead letters.

    ``budget``: seconds each text's analysis may take (None: no limit).
    """
    valid, dead = decode_batch(records, max_bytes=max_bytes, max_text_chars=max_text_chars)
    analyses = analyze_texts(analyzer, [ev.text for _, ev in valid], [ev.title for _, ev in valid], budget)
    return assemble(valid, analyses, dead)
