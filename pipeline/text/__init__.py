"""Chinese text understanding: normalisation, segmentation, brand and signal detection.

Pure functions and objects, no Kafka or ClickHouse::

    from pipeline.text import load_lexicon, TextAnalyzer
    analyzer = TextAnalyzer(load_lexicon("lexicon.yaml"))      # backend="rjieba" (default) or "jieba"
    a = analyzer.analyze("京东买的特仑苏收到了，包装破了要退货")
    a.buyer, a.service_request, a.service_category, a.brands, a.sentiment

See docs/text.md for how each step works.
"""

from pipeline.text.analysis import SIGNALS, Analysis
from pipeline.text.analyzer import TextAnalyzer, get_analyzer
from pipeline.text.lexicon import Brand, Lexicon, load_lexicon

__all__ = ["SIGNALS", "Analysis", "Brand", "Lexicon", "TextAnalyzer", "get_analyzer", "load_lexicon"]
