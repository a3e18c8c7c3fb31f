"""What a running worker is doing: a state snapshot for logs, on demand and when it stalls.

- ``kill -USR1 <worker pid>`` logs one snapshot (``worker state``): the input partitions it
  owns with their read, committed and high-water offsets, which of them the consumer fetches,
  pauses or holds back for a full buffer, Faust's flow control, the agents' buffers, the enrich
  stage's batches (gathered, in flight, messages held), the batch counters and the stack of
  every asyncio task.
- A watchdog checks every ``SOCIALLISTEN_STALL_CHECK_SECONDS``: when the worker has finished no
  batch for ``SOCIALLISTEN_STALL_SECONDS`` and that is not explained by an empty input (events wait
  in owned partitions, a rebalance or recovery does not end, or no fetch answered for an owned
  partition), it logs ``worker stalled`` with the snapshot (once per stall); stalled for
  ``SOCIALLISTEN_STALL_EXIT_SECONDS``, it exits with code 70 for its supervisor to restart it.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from typing import Any

import orjson

from pipeline.worker.event_loop import running_loop_name
from pipeline.worker.features import WorkerPorts
from pipeline.worker.stages import EX_SOFTWARE, Stages, exit_now

log = logging.getLogger(__name__)


def _json(state: dict[str, Any]) -> str:
    return orjson.dumps(state, default=str).decode()


def _tp(tp: Any) -> str:
    return f"{tp.topic}[{tp.partition}]"


def _task_stack(task: asyncio.Task[Any]) -> list[str]:
    frames = task.get_stack(limit=8)
    return [f"{f.f_code.co_filename.rsplit('/', 2)[-1]}:{f.f_lineno} {f.f_code.co_name}" for f in frames]


def input_lag(app: Any, inputs: frozenset[str]) -> dict[str, dict[str, int | None]]:
    """Offsets of each owned input partition.

    Per partition: last read offset, committed offset (the next to process), and the high-water
    mark (the offset the next produced event will get).
    """
    consumer = app.consumer
    out: dict[str, dict[str, int | None]] = {}
    for tp in sorted(consumer.assignment(), key=_tp):
        if tp.topic not in inputs:
            continue
        try:
            highwater: int | None = consumer.highwater(tp)
        except Exception:  # noqa: BLE001 - not known yet (no fetch answered)
            highwater = None
        out[_tp(tp)] = {
            "read": consumer._read_offset.get(tp),
            "committed": consumer._committed_offset.get(tp),
            "highwater": highwater,
        }
    return out


def unfinished(lag: dict[str, dict[str, int | None]]) -> int:
    """Events in owned partitions beyond the last committed one (read or not); 0 when unknown."""
    total = 0
    for row in lag.values():
        hw, done = row["highwater"], row["committed"]
        if hw is not None and hw > 0:
            total += max(0, hw - (done or 0))  # Kafka's committed offset is the next one to process
    return total


def snapshot(ports: WorkerPorts, stages: Stages) -> dict[str, Any]:
    """A JSON-able picture of the worker's consumer, flow control, buffers and tasks."""
    app: Any = ports.app
    consumer = app.consumer
    inputs = frozenset(ports.topics.consumed)
    state: dict[str, Any] = {
        "seconds_since_batch": round(stages.stats.idle_seconds(), 1),
        "event_loop": running_loop_name(),
        "batches": stages.stats.batches,
        "events": stages.stats.events,
        "in_recovery": bool(getattr(app, "in_recovery", False)),
        "rebalancing": bool(getattr(app, "rebalancing", False)),
        "flow_active": bool(getattr(consumer, "flow_active", True)),
        "app_flow_control_active": bool(app.flow_control.is_active()),
        "lag": input_lag(app, inputs),
        "active": sorted(_tp(tp) for tp in (consumer._active_partitions or ())),
        "paused": sorted(_tp(tp) for tp in consumer._paused_partitions),
        "buffer_full": sorted(_tp(tp) for tp in consumer._buffered_partitions),
        "producer_buffer": app.producer.buffer.size if hasattr(app.producer, "buffer") else None,
    }
    queues = {}
    for agent in app.agents.values():
        channel = getattr(agent, "channel", None)
        queue = getattr(channel, "queue", None) if channel is not None else None
        if queue is not None:
            queues[agent.name] = {"size": queue.qsize(), "maxsize": queue.maxsize,
                                  "pressure_pending": len(getattr(queue, "_pending_pressure_drop_callbacks", ()))}
    in_flight = stages.in_flight
    queues["enrich"] = {  # the inputs' batches (batch_drain), which bypass Faust's agents
        "gathered": getattr(consumer, "gathered", 0), "batches_in_flight": in_flight.qsize(),
        "maxsize": in_flight.maxsize, "messages_held": len(consumer.unacked),
        "idle": stages.idle(),  # True: a gathered batch goes once it is SOCIALLISTEN_BATCH_MIN_SECONDS old
    }
    state["agent_queues"] = queues
    state["tasks"] = {
        task.get_name(): _task_stack(task) for task in asyncio.all_tasks() if not task.done()
    }
    return state


def install(
    ports: WorkerPorts, stages: Stages, *, stall_seconds: float, check_seconds: float,
    exit_seconds: float = 0.0, exit_worker: Callable[[], object] = exit_now,
) -> None:
    """Add the SIGUSR1 snapshot and the stall watchdog to the worker.

    Args:
        ports: What the worker lends its features.
        stages: The worker's stages (their idle time and state).
        stall_seconds: Idle time after which a worker with work waiting counts as stalled.
        check_seconds: How often the watchdog looks.
        exit_seconds: Idle time of a stalled worker after which it exits (0: never).
        exit_worker: How it exits (the process, with :data:`~pipeline.worker.stages.EX_SOFTWARE`).
    """
    inputs = frozenset(ports.topics.consumed)
    stalled = {"logged": False}

    async def snapshot_on_signal() -> None:
        def dump() -> None:
            log.warning("worker state: %s", _json(snapshot(ports, stages)))

        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - not the main thread / platform
            log.debug("no SIGUSR1 snapshot on this platform")

    async def watchdog() -> None:
        idle = stages.stats.idle_seconds()
        if idle < stall_seconds:
            stalled["logged"] = False
            return
        reason = stall_reason(ports.app, input_lag(ports.app, inputs))
        if reason and not stalled["logged"]:
            stalled["logged"] = True
            log.error("worker stalled: %s, and no batch finished for %.0f s; state: %s",
                      reason, idle, _json(snapshot(ports, stages)))
        if reason and exit_seconds and idle >= exit_seconds:
            log.critical("worker stalled for %.0f s (SOCIALLISTEN_STALL_EXIT_SECONDS=%g): %s; exiting with code %d "
                         "so that its supervisor restarts it", idle, exit_seconds, reason, EX_SOFTWARE)
            exit_worker()

    ports.on_start(snapshot_on_signal)
    ports.every(check_seconds, watchdog, name="sociallisten.stall_watchdog")


def stall_reason(app: Any, lag: dict[str, dict[str, int | None]]) -> str:
    """Why an idle worker counts as stalled ('' when idleness is explained by an empty input).

    Events waiting in owned partitions; a rebalance or recovery that does not end; owned
    partitions whose high-water mark is still unknown (no fetch answered).
    """
    waiting = unfinished(lag)
    if waiting:
        return f"{waiting} events wait in owned partitions"
    if app.rebalancing or getattr(app, "in_recovery", False):
        return "the consumer group rebalance (or table recovery) has not ended"
    unknown = sorted(tp for tp, row in lag.items() if row["highwater"] is None)
    if unknown:
        return f"no fetch answered for owned partitions {', '.join(unknown)}"
    return ""
