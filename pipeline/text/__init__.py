"""Chinese text understanding: normalisation, segmentation, brand and signal detection.

Pure functions and objects, no Kafka or ClickHouse::

    from pipeline.text import load_lexicon, TextAnalyzer
    analyzer = TextAnalyzer(load_lexicon("lexicon.yaml"))      # backend="rjieba" (default) or "jieba"
    a = analyzer.analyze("京东买的特仑苏收到了，包装破了要退货")
    a.buyer, a.service_request, a.service_category, a.brands, a.sentiment

See docs/text.md for how each step works.

The names below are loaded when first used: a process that only carries analyses (the worker,
whose analysis runs in processes of their own) does not load the analyser's modules (segmenter,
cue books, learned heads) by importing this package or one of its light modules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.text.analysis import SIGNALS, Analysis
    from pipeline.text.analyzer import TextAnalyzer, get_analyzer
    from pipeline.text.lexicon import Brand, Lexicon, load_lexicon

_HOME = {
    "SIGNALS": "pipeline.text.analysis",
    "Analysis": "pipeline.text.analysis",
    "TextAnalyzer": "pipeline.text.analyzer",
    "get_analyzer": "pipeline.text.analyzer",
    "Brand": "pipeline.text.lexicon",
    "Lexicon": "pipeline.text.lexicon",
    "load_lexicon": "pipeline.text.lexicon",
}

__all__ = ["SIGNALS", "Analysis", "Brand", "Lexicon", "TextAnalyzer", "get_analyzer", "load_lexicon"]


def __getattr__(name: str) -> Any:
    """Load ``name`` from its module on first use (PEP 562)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'pipeline.text' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
