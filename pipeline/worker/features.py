"""What a feature (monitoring, the service desk, a benchmark probe) may use of the worker.

Features get a :class:`WorkerPorts`, not the worker: the Faust app to declare their own agents,
tables and topics on, a way to register batch listeners and timers, the storage handle with its
blocking-call helper, and the retry policy. The composition root (:mod:`pipeline.assemble`)
hands it out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import faust

from pipeline.kafka.topics import Topics
from pipeline.metrics import Metrics
from pipeline.records import BatchListener, BatchPreparer
from pipeline.retry import RetryPolicy
from pipeline.storage.access import StorageAccess

Job = Callable[[], Awaitable[None]]
"""A coroutine function with no arguments: a task or a timer's body."""


@dataclass(frozen=True)
class WorkerPorts:
    """The worker as a feature sees it."""

    app: faust.App
    topics: Topics
    storage: StorageAccess
    retry: RetryPolicy
    metrics: Metrics
    add_listener: Callable[[BatchListener], None]
    """Register a listener: called after each batch is stored, before its offsets are released."""
    add_preparer: Callable[[BatchPreparer], None]
    """Register a preparer: called with each batch in arrival order before it is written."""

    def every(self, seconds: float, job: Job, *, name: str, on_leader: bool = False) -> None:
        """Run ``job`` every ``seconds`` (on one worker of the group only, with ``on_leader``)."""
        timer = self.app.timer(seconds, on_leader=on_leader, name=name)
        timer(job)

    def on_start(self, job: Job) -> None:
        """Run ``job`` once the worker has started."""
        self.app.task(job)

    def on_partitions_revoked(self, job: Callable[..., Awaitable[None]]) -> None:
        """Run ``job(app, revoked, **kwargs)`` when a rebalance takes partitions from this worker."""
        signal: Any = self.app.on_partitions_revoked  # Faust's signal types its receivers loosely
        signal.connect(job)

    def on_partitions_assigned(self, job: Callable[..., Awaitable[None]]) -> None:
        """Run ``job(app, assigned, **kwargs)`` when a rebalance gives this worker its partitions."""
        signal: Any = self.app.on_partitions_assigned
        signal.connect(job)
