"""Shared helpers for the text tests (no conftest: tests import these)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.text import TextAnalyzer, load_lexicon

DATA = Path(__file__).resolve().parents[2] / "data"
DEV_LEXICON = DATA / "dev_lexicon.yaml"
LABELLED = DATA / "labelled_dev.jsonl"
SENTIMENT = DATA / "sentiment_dev.jsonl"
def _shared_data() -> Path:
    """The shared corpora: ``../shared/data`` beside the repository (as CI lays it out) or /work/shared/data."""
    root = Path(__file__).resolve().parents[3]
    for candidate in (root.parent / "shared" / "data", Path("/work/shared/data")):
        if candidate.exists():
            return candidate
    return root.parent / "shared" / "data"


SHARED = _shared_data()


@lru_cache(maxsize=2)
def analyzer(backend: str = "rjieba") -> TextAnalyzer:
    """One analyzer per backend for the whole test run (the dev lexicon)."""
    return TextAnalyzer(load_lexicon(DEV_LEXICON), backend=backend)  # type: ignore[arg-type]


def rows(path: Path) -> list[dict[str, Any]]:
    """JSON-lines rows of a file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
