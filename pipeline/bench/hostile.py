"""The worker's throughput with hostile events mixed in, against the same normal events alone.

    python -m pipeline.bench.hostile [--normal 20000] [--hostile 2000] [--rounds 3] [--clickhouse local|URL] [--json]

One run, one embedded broker: the normal events (``sociallisten sample``) go to one set of topics,
the same events with the hostile ones (:func:`pipeline.sample.hostile.hostile_stream`) shuffled
in to another; the real worker (``pipeline.bench.child full``, default settings) consumes each
with its own database. Prints both rates (events per second from the end of the first batch to
the last event, counting hostile events too), their ratio, the same comparison in CPU time per
event (the worker and its analysis processes), whether the worker ever restarted, and
whether the mixed database holds exactly what the events imply: every valid event stored, every
invalid one dead-lettered (computed with the worker's own pure functions).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.bench.run import LOCAL, _child, _produce, _rate, _wait, clickhouse_urls
from pipeline.config import Settings
from pipeline.decode import decode_batch, unpack
from pipeline.kafka.producer import message_bytes
from pipeline.local.broker import EmbeddedBroker
from pipeline.records import RawRecord
from pipeline.sample import generate_events
from pipeline.sample.hostile import hostile_stream
from pipeline.storage import connect
from pipeline.storage.stats import stats


def expected(lines: Sequence[bytes]) -> tuple[int, int, int]:
    """(records the worker counts, unique valid event ids, unique dead letters) for ``lines`` as replayed."""
    cfg = Settings().worker
    records = unpack([RawRecord("t", 0, i, sent) for i, line in enumerate(lines) if (sent := message_bytes(line))])
    valid, dead = decode_batch(records, max_bytes=cfg.max_event_bytes, max_text_chars=cfg.max_text_chars)
    return len(records), len({ev.id for _, ev in valid}), len({d.dl_id for d in dead})


def _run(bootstrap: str, prefix: str, lines: list[bytes], workdir: Path, url: str) -> dict[str, Any]:
    _produce(bootstrap, prefix, lines)
    records, _, _ = expected(lines)
    proc, out = _child("full", bootstrap, prefix, records, workdir, url)
    result = _wait(proc, out, 3600)
    counted = float(result["events"]) - float(result.get("first_n", 0))
    cpu_us = 1e6 * float(result.get("cpu_seconds", 0.0)) / max(counted, 1.0)
    return {"events": records, "events_per_s": round(_rate(result)), "cpu_us_per_event": round(cpu_us, 1),
            "exit_code": proc.returncode}


def run(normal: int, hostile: int, clickhouse: str | None, seed: int, rounds: int = 1) -> dict[str, Any]:
    """``rounds`` pairs of runs (normal, then mixed) and the checks; the figures as a dict.

    The ratio reported is the median of the rounds' ratios: each round's two runs follow each
    other, so a load that comes and goes on the machine moves both.
    """
    workdir = Path(tempfile.mkdtemp(prefix="sociallisten-bench-hostile-"))
    base = list(generate_events(normal, seed=seed))
    mixed = base + hostile_stream(hostile)
    random.Random(seed).shuffle(mixed)
    plains: list[dict[str, Any]] = []
    withs: list[dict[str, Any]] = []
    with EmbeddedBroker(log_path=workdir / "tansu.log") as broker, \
            clickhouse_urls(clickhouse, workdir, lambda _: None) as ch_url:
        for r in range(rounds):
            plains.append(_run(broker.bootstrap, f"n{r}.", base, workdir, ch_url(f"normal{r}")))
            withs.append(_run(broker.bootstrap, f"h{r}.", mixed, workdir, ch_url(f"mixed{r}")))
        ch = connect(ch_url(f"mixed{rounds - 1}"))
        try:
            totals = stats(ch)
        finally:
            ch.close()
    _, valid, dead = expected(mixed)
    ratios = [w["events_per_s"] / max(p["events_per_s"], 1) for p, w in zip(plains, withs, strict=True)]
    return {
        "normal": plains[-1], "mixed": withs[-1], "hostile_messages": hostile, "rounds": rounds,
        "ratios": [round(r, 3) for r in ratios],
        "ratio_mixed_over_normal": round(statistics.median(ratios), 3),
        # CPU per event of the worker and its analysis processes, normal over mixed: the same comparison
        # in work done, which a load elsewhere on the machine moves less than it moves a rate
        "cpu_ratios": [round(p["cpu_us_per_event"] / max(w["cpu_us_per_event"], 1e-9), 3)
                       for p, w in zip(plains, withs, strict=True)],
        "restarts": sum(1 for r in (*plains, *withs) if r["exit_code"] != 0),
        "stored": totals["mentions"], "stored_expected": valid,
        "dead_lettered": totals["dead_lettered"], "dead_lettered_expected": dead,
        "exact": totals["mentions"] == valid and totals["dead_lettered"] == dead,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; exit 1 when the mixed run was not exact."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--normal", type=int, default=20_000, help="normal events (default 20000)")
    parser.add_argument("--hostile", type=int, default=2_000, help="hostile messages mixed in (default 2000)")
    parser.add_argument("--clickhouse", default=None, help=f"'{LOCAL}' or a clickhouse:// URL prefix (default chDB)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="pairs of runs; the ratio is their median (default 3)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = run(args.normal, args.hostile, args.clickhouse, args.seed, args.rounds)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<24} {value}")
    return 0 if result["exact"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
