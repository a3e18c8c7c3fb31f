"""Test-only fault injection: the text analyser raises on one marked text, in every process of a worker.

The worker under test is a real ``sociallisten worker`` subprocess whose analysis runs in spawned
processes of its own, out of reach of a monkeypatch in the test. :func:`fault_site` writes a
``sitecustomize.py`` into a directory of the test; Python imports it at the start of every process
that has that directory on ``PYTHONPATH`` (the worker, its analysis processes), and it calls
:func:`install`. The production code has no hook for this.

The fault is raised where a cache bug once raised one (``KeywordExtractor.extract``, a ``KeyError``), for any
text with the token :data:`MARKER`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.text.keywords import MAX_KEYWORDS, KeywordExtractor

MARKER = "faultinjected29"
"""A Latin word: one token after normalisation and segmentation."""
ROOT = Path(__file__).resolve().parents[3]

Extract = Callable[[KeywordExtractor, Sequence[str], int], list[str]]


def faulty(extract: Extract) -> Extract:
    """``KeywordExtractor.extract`` that raises ``KeyError(MARKER)`` for a text with the marker token."""

    def extract_or_fail(self: KeywordExtractor, tokens: Sequence[str], k: int = MAX_KEYWORDS) -> list[str]:
        if MARKER in tokens:
            raise KeyError(MARKER)
        return extract(self, tokens, k)

    return extract_or_fail


def install() -> None:
    """Make every analyser of this process raise for the marker (the subprocesses' ``sitecustomize``)."""
    KeywordExtractor.extract = faulty(KeywordExtractor.extract)  # type: ignore[method-assign]


def fault_site(directory: Path) -> dict[str, str]:
    """Write the ``sitecustomize.py`` into ``directory``; the environment that makes a process load it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "sitecustomize.py").write_text(
        '"""Test-only (tests/integration/worker/analysis_fault.py): inject an analyser fault."""\n'
        "from tests.integration.worker.analysis_fault import install\n\n"
        "install()\n",
        encoding="utf-8",
    )
    return {"PYTHONPATH": os.pathsep.join([str(directory), str(ROOT)])}
