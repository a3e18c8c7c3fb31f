"""``/l/{code}`` under load on loopback, recording every click (acceptance 2 of issue 26).

    python -m pipeline.bench.links [--rate 500] [--seconds 10] [--outage 0] [--connections 32]
                                   [--json]

Starts an embedded Tansu broker and, in a child process, the web app (uvicorn, chDB, one tracked
link, the outbox to Kafka). Sends ``--rate`` requests per second for ``--seconds`` seconds on a
fixed schedule (open loop, ``--connections`` keep-alive connections, no cookies: every request is a
new visitor) and measures each request's latency from its planned start. With ``--outage N`` the
broker is paused (SIGSTOP) for N seconds a third of the way in. Afterwards it reads the clicks topic
until every redirect's click is there (distinct ids) and prints the figures: latency percentiles in
ms, the rate achieved, redirects, clicks in Kafka and clicks missing, CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import psutil

from pipeline.config import Settings
from pipeline.kafka.topics import Topics, ensure_topics
from pipeline.local.broker import EmbeddedBroker
from pipeline.local.ports import free_port

log = logging.getLogger(__name__)


def _serve(bootstrap: str, prefix: str, data: str, port: int, ready: Any) -> None:
    """The child: migrate chDB, make one link, serve the web app with its outbox on ``port``."""
    import uvicorn

    from pipeline.storage import connect
    from pipeline.storage.access import StorageAccess
    from pipeline.storage.migrate import migrate
    from pipeline.tracking.links import create_link
    from pipeline.tracking.outbox import Outbox
    from pipeline.web.app import create_web_app
    from pipeline.web.context import WebContext
    from schemas.tracking import LinkIn

    ch = connect(f"chdb://{data}")
    migrate(ch)
    code = create_link(ch, LinkIn(url="https://shop.example.com/landing", campaign="bench"), "bench").code
    settings = Settings(kafka={"topic_prefix": prefix})  # type: ignore[arg-type]

    async def run_blocking(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    ctx = WebContext(settings=settings, storage=StorageAccess(ch, run_blocking), outbox=Outbox(bootstrap),
                     topics=Topics.from_settings(settings))
    ready.put(code)
    uvicorn.run(create_web_app(ctx), host="127.0.0.1", port=port, log_level="warning", access_log=False)


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends a GET and reads the answer's head and body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self.reader, self.writer, self.request = reader, writer, request

    async def get(self) -> int:
        self.writer.write(self.request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return int(head[9:12])


async def _load(host: str, port: int, path: str, rate: float, seconds: float, connections: int,
                outage: tuple[EmbeddedBroker, float] | None) -> tuple[list[float], list[int], float]:
    """Latencies (s) and statuses of ``rate * seconds`` GETs of ``path`` on a fixed schedule; the time taken.

    A light client of its own (a GET and its answer on keep-alive connections): the load generator
    shares the machine with the server and should cost it as little as possible.
    """
    total = int(rate * seconds)
    latencies: list[float] = []
    statuses: list[int] = []
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: Mozilla/5.0 (iPhone) MicroMessenger\r\n\r\n"
    pool: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(_Connection(*await asyncio.open_connection(host, port), request.encode()))

    async def one(scheduled: float) -> None:
        connection = await pool.get()
        statuses.append(await connection.get())
        latencies.append(time.perf_counter() - scheduled)  # from the planned start: waiting counts too
        pool.put_nowait(connection)

    tasks: list[asyncio.Task[None]] = []
    t0 = time.perf_counter()
    paused = False
    for i in range(total):
        planned = t0 + i / rate
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if outage is not None and not paused and i >= total // 3:
            paused = True
            outage[0].pause()
            asyncio.get_running_loop().call_later(outage[1], outage[0].resume)
        tasks.append(asyncio.create_task(one(planned)))
    await asyncio.gather(*tasks)
    took = time.perf_counter() - t0
    while not pool.empty():
        pool.get_nowait().writer.close()
    return latencies, statuses, took


async def _clicks_in_kafka(bootstrap: str, topic: str, expected: int, timeout: float) -> int:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    ids: set[bytes] = set()
    try:
        deadline = time.monotonic() + timeout
        while len(ids) < expected and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                ids.update(json.loads(r.value)["click_id"].encode() for r in records if r.value)
    finally:
        await consumer.stop()
    return len(ids)


def _percentile(values: list[float], level: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(level * len(ordered)))] * 1000


def run(rate: float, seconds: float, outage: float, connections: int) -> dict[str, Any]:
    """Start the broker and the web app, load it, check Kafka; the figures."""
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    with tempfile.TemporaryDirectory(prefix="sociallisten-links-") as tmp, \
            EmbeddedBroker(log_path=Path(tmp) / "tansu.log") as broker:
        topics = ensure_topics(broker.bootstrap, Settings(kafka={"topic_prefix": prefix}))  # type: ignore[arg-type]
        port = free_port("127.0.0.1")
        spawn = multiprocessing.get_context("spawn")
        ready = spawn.Queue()
        child = spawn.Process(target=_serve, args=(broker.bootstrap, prefix, f"{tmp}/chdb", port, ready), daemon=True)
        child.start()
        try:
            code = ready.get(timeout=120)
            url = f"http://127.0.0.1:{port}/l/{code}"
            _wait_until_up(url)
            server = psutil.Process(child.pid)
            cpu_before, own_before = sum(server.cpu_times()[:2]), time.process_time()
            latencies, statuses, took = asyncio.run(_load("127.0.0.1", port, f"/l/{code}", rate, seconds, connections,
                                                          (broker, outage) if outage > 0 else None))
            server_cpu, client_cpu = sum(server.cpu_times()[:2]) - cpu_before, time.process_time() - own_before
            redirects = statuses.count(302)
            in_kafka = asyncio.run(_clicks_in_kafka(broker.bootstrap, topics.clicks, redirects + 1, 60 + outage))
        finally:
            child.terminate()
            child.join(10)
    return {
        "requests": len(statuses), "redirects": redirects, "rate_target": rate,
        "rate_achieved": round(len(statuses) / took, 1),
        "outage_seconds": outage, "latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 2), "p90": round(_percentile(latencies, 0.9), 2),
            "p99": round(_percentile(latencies, 0.99), 2), "max": round(max(latencies) * 1000, 2)},
        # CPU seconds per request of the web app's process (its outbox included) and of this load generator
        "server_cpu_ms_per_request": round(server_cpu / max(1, len(statuses)) * 1000, 3),
        "client_cpu_ms_per_request": round(client_cpu / max(1, len(statuses)) * 1000, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        # the warm-up request of _wait_until_up is a click too
        "clicks_in_kafka": in_kafka, "clicks_missing": max(0, redirects + 1 - in_kafka),
    }


def _wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 302:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"the web app did not answer {url} within {timeout:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its figures (one JSON object with ``--json``)."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.bench.links", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=500.0, help="requests per second (default 500)")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long (default 10)")
    parser.add_argument("--outage", type=float, default=0.0, help="pause the broker this long, a third of the way in")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections (default 32)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    figures = run(args.rate, args.seconds, args.outage, args.connections)
    if args.json:
        print(json.dumps(figures))  # noqa: T201 - the benchmark's output
    else:
        for key, value in figures.items():
            print(f"{key}: {value}")  # noqa: T201
    return 0 if figures["clicks_missing"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
