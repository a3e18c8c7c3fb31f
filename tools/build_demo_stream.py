"""Build ``pipeline/data/demo_stream.jsonl``: the bundled demo stream the demo replays.

It is the generator's output for fixed arguments (``pipeline.sample.demo``): 3,000 valid events
and 60 invalid lines of every defect kind. Rebuild it after changing the corpus or the generator::

    .venv/bin/python tools/build_demo_stream.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.sample.demo import DEMO_STREAM_PATH, write_demo_stream  # noqa: E402

MAX_BYTES = 3_000_000


def main(argv: list[str] | None = None) -> None:
    """Write the demo stream; fail if it is over budget."""
    size = write_demo_stream(DEMO_STREAM_PATH)
    if size > MAX_BYTES:
        raise SystemExit(f"{DEMO_STREAM_PATH} is {size:,} bytes, over the {MAX_BYTES:,} budget")
    sys.stderr.write(f"{DEMO_STREAM_PATH}: {size:,} bytes\n")


if __name__ == "__main__":
    main(sys.argv[1:])
