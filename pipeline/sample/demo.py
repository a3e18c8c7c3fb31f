"""The bundled demo stream: ``pipeline/data/demo_stream.jsonl``, made by the generator with a fixed seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.sample.corpus import DATA_DIR
from pipeline.sample.generator import generate_events

DEMO_STREAM_PATH = DATA_DIR / "demo_stream.jsonl"
DEMO_VALID = 3000
DEMO_INVALID = 60
DEMO_SEED = 618
DEMO_DAYS = 3.0


def demo_stream() -> Iterator[bytes]:
    """Generate the demo stream's lines: ``DEMO_VALID`` valid events and ``DEMO_INVALID`` invalid lines."""
    n = DEMO_VALID + DEMO_INVALID
    return generate_events(n, seed=DEMO_SEED, invalid_rate=DEMO_INVALID / n, days=DEMO_DAYS)


def read_demo_stream(path: Path = DEMO_STREAM_PATH) -> Iterator[bytes]:
    """The bundled demo stream's lines (bytes, without the newline), as the demo replays them."""
    with path.open("rb") as f:
        for line in f:
            yield line.rstrip(b"\n")


def write_demo_stream(path: Path = DEMO_STREAM_PATH) -> int:
    """(Re)write the bundled demo stream file; return its size in bytes."""
    data = b"".join(line + b"\n" for line in demo_stream())
    path.write_bytes(data)
    return len(data)
