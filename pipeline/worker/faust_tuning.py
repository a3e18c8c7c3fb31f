"""Adjustments to Faust's Kafka consumer that Faust does not expose as settings.

Faust creates its aiokafka consumer with ``fetch_max_wait_ms=1500`` hard-coded. Kafka answers
a fetch as soon as ``fetch.min.bytes`` (1 byte) is there, but the embedded Tansu broker holds
every fetch for the full wait, which added up to 1.5 s to produce-to-queryable latency. We set
the wait from ``SOCIALLISTEN_FETCH_MAX_WAIT_MS`` on the consumer before it starts; the
benchmark's latency phase measures the effect.

aiokafka sends LeaveGroup on a clean stop only from generation 1 on (Kafka's first generation),
but Tansu numbers its first generation 0: a worker stopped while its group was in that generation
did not leave, and its partitions waited a whole session timeout for the broker to drop it
(``sociallisten bench --failover``, rolling restart). :func:`leave_group_from_generation_0` makes
a member of generation 0 leave too.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka

log = logging.getLogger(__name__)
_state = {"fetch_max_wait_ms": 100, "installed": False}


def set_fetch_max_wait(ms: int) -> None:
    """Use ``ms`` as the consumer's fetch wait for workers created from now on in this process."""
    _state["fetch_max_wait_ms"] = int(ms)
    if _state["installed"]:
        return
    thread_class = faust_aiokafka.AIOKafkaConsumerThread
    original = thread_class._create_worker_consumer

    @functools.wraps(original)
    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        if hasattr(consumer, "_fetch_max_wait_ms"):
            consumer._fetch_max_wait_ms = _state["fetch_max_wait_ms"]
        else:  # pragma: no cover - a future aiokafka renamed it; keep Faust's default
            log.warning("cannot set the consumer's fetch wait on this aiokafka version")
        return consumer

    thread_class._create_worker_consumer = create  # type: ignore[method-assign]  # Faust has no setting for the wait
    _state["installed"] = True


def leave_group_from_generation_0() -> None:
    """Make aiokafka's consumer leave its group on a clean stop in generation 0 as well (module doc)."""
    from aiokafka.consumer.group_coordinator import GroupCoordinator
    from aiokafka.protocol.group import JoinGroupRequest

    original = GroupCoordinator._maybe_leave_group
    if getattr(original, "_leaves_generation_0", False):
        return

    @functools.wraps(original)
    async def maybe_leave_group(self: Any) -> None:
        joined = self.member_id != JoinGroupRequest.UNKNOWN_MEMBER_ID
        if self.generation == 0 and joined and self._group_instance_id is None:
            # aiokafka's test is generation > 0; LeaveGroup names the member only, and the generation is reset next
            self.generation = 1
        await original(self)

    maybe_leave_group._leaves_generation_0 = True  # type: ignore[attr-defined]
    GroupCoordinator._maybe_leave_group = maybe_leave_group
