"""Realistic, reproducible social-event streams built from real Chinese texts.

>>> from pipeline.sample import generate_events
>>> lines = list(generate_events(1000, seed=7, invalid_rate=0.01))
"""

from pipeline.sample.corpus import Corpus, load_corpus
from pipeline.sample.demo import DEMO_STREAM_PATH, demo_stream, read_demo_stream, write_demo_stream
from pipeline.sample.generator import DEFAULT_END, generate_events, invalid_count
from pipeline.sample.invalid import DEFECTS

__all__ = [
    "DEFAULT_END",
    "DEFECTS",
    "DEMO_STREAM_PATH",
    "Corpus",
    "demo_stream",
    "generate_events",
    "invalid_count",
    "load_corpus",
    "read_demo_stream",
    "write_demo_stream",
]
