"""The case agent: the one owner of case state, and the listener that feeds it.

Design (see docs/service_desk.md):

- Commands travel on the ``cases`` topic keyed by the case key (thread + author), so every
  command about one key lands in one partition and is applied, one at a time, by the one
  worker that owns that partition. The agent is the only writer of the ``desk_cases`` Faust
  table (changelog-backed) that holds the state of each key's cases.
- The batch listener sends an ``observe`` command per service-request event; the API sends
  people's actions with Faust's request/reply ``agent.ask``. 20 concurrent claims of one case
  are 20 messages in one partition: the first wins, the others find it claimed (409).
- Per batch of commands (up to ``SOCIALLISTEN_DESK_BATCH_SIZE``): apply each in order (pure) ->
  mirror all to ClickHouse, one insert per table (retry while unreachable) -> table -> live hub ->
  reply to each. Tansu has no transactions, so delivery is at least once: a replayed
  command is recognised by its command id (observe: the event id) and changes nothing, and
  the ClickHouse rows are versioned by revision, so rewriting them doubles nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, cast

import faust
import orjson
from faust.models import maybe_model

from pipeline.config import DeskSettings
from pipeline.desk import store
from pipeline.desk.lifecycle import apply
from pipeline.desk.models import Command, Observation, Op, Outcome, Slot, Status, case_key, key_of, link_for
from pipeline.desk.requests import command_value, reply_address, stream_event
from pipeline.desk.signing import UNAUTHENTICATED, desk_secret, require_secret, signed, verified, warn_if_unset
from pipeline.errors import BrokerUnavailable
from pipeline.hub import Hub
from pipeline.kafka.send import KAFKA_FAILURES, send_acknowledged
from pipeline.metrics import Metrics
from pipeline.monitor.live_topic import CASE_KEY, encode_case
from pipeline.records import BatchResult, Enriched
from pipeline.storage.access import StorageAccess
from pipeline.storage.tables import DEADLETTER_COLUMNS, deadletter_row
from pipeline.worker.features import WorkerPorts
from schemas.deadletter import DeadLetter, Stage

log = logging.getLogger(__name__)

TABLE_NAME = "desk_cases"
METRICS_SECONDS = 15.0
"""How often the desk's case counts are read for ``/metrics``."""


def now_utc() -> datetime:
    """The current time, UTC, whole seconds (ClickHouse DateTime)."""
    return datetime.now(UTC).replace(microsecond=0)


def internal_error(exc: Exception) -> dict[str, Any]:
    """The answer to a command that failed inside the agent (its type only: no detail leaks)."""
    return {"code": 500, "message": f"internal error: {type(exc).__name__}", "case": None}


def observation(item: Enriched) -> Observation:
    """What the desk keeps of a service-request event."""
    ev, an = item.event, item.analysis
    eng = ev.engagement
    return Observation(
        event_id=ev.id,
        platform=ev.platform.value,
        kind=ev.kind.value,
        thread_id=ev.thread_id,
        url=link_for(ev.platform.value, ev.id, [*ev.urls, *an.urls]),
        author_id=ev.author.id,
        author_name=ev.author.name,
        author_followers=ev.author.followers,
        author_verified=ev.author.verified,
        author_verified_type=ev.author.verified_type.value,
        text=ev.text,
        created_at=ev.created_at.replace(microsecond=0),
        category=an.service_category or "other",
        detector_priority=an.priority or "normal",
        sentiment=an.sentiment,
        sentiment_score=float(an.sentiment_score),
        brand=(an.brands or an.competitors or [""])[0],
        engagement=eng.reposts + eng.comments + eng.likes,
    )


def observe_command(item: Enriched, at: datetime) -> tuple[str, Command]:
    """(case key, observe command) for a service-request event; the event id makes it idempotent."""
    obs = observation(item)
    return case_key(obs.thread_id, obs.author_id), Command(
        op=Op.observe, command_id=f"obs:{obs.event_id}", at=at, observation=obs
    )


UNDECODABLE: dict[str, Callable[[Any], Awaitable[None]]] = {}
"""Per cases topic name: what the worker's desk does with a value that is not JSON."""


class CommandTopic(faust.Topic):
    """The cases topic: a value that is not JSON is dead-lettered instead of crashing the agent.

    Faust throws a value it cannot decode into the agent's stream, which kills the agent (its
    supervisor restarts it); anyone who can produce to the topic could do that at will.
    """

    async def on_value_decode_error(self, exc: Exception, message: Any) -> None:
        """Hand the message to the desk of this topic (Faust has already acked it)."""
        handler = UNDECODABLE.get(message.topic)
        if handler is None:
            await super().on_value_decode_error(exc, message)
            return
        await handler(message)


class Desk:
    """The desk inside one worker: its agent, table and listener, and the API's way in (``ask``)."""

    def __init__(self, ports: WorkerPorts, cfg: DeskSettings, *, partitions: int, cases: Hub,
                 secret: bytes | None = None) -> None:
        """The desk on the worker behind ``ports``; case changes are published on the ``cases`` hub.

        Commands are signed and verified with ``secret`` (default: :func:`desk_secret` of ``cfg``).
        """
        self.ports = ports
        self.cfg = cfg
        self.cases = cases
        app: faust.App = ports.app
        self.app = app
        self.topic = CommandTopic(app, topics=[ports.topics.cases], key_serializer="raw", value_serializer="json",
                                  partitions=partitions)
        UNDECODABLE[ports.topics.cases] = self._undecodable
        # Values are plain JSON dicts (the app's default table serializer). Declaring
        # value_type=dict breaks changelog recovery: Faust calls value_type.from_data().
        self.table = app.Table(TABLE_NAME, default=None, partitions=partitions)
        self.agent = app.agent(self.topic, name="desk")(self._run)
        self._live_topic = app.topic(ports.topics.live, key_serializer="raw", value_serializer="raw")
        self._dead_topic = app.topic(ports.topics.deadletter, key_serializer="raw", value_serializer="raw")
        self.secret = secret if secret is not None else desk_secret(cfg)
        self.applied = 0
        self.rejected = 0

    # ---- the owner ----------------------------------------------------------------------
    async def _run(self, stream: faust.StreamT[Any]) -> None:
        # a batch at a time, one insert per table for all of it; Faust acks each batch once it is handled
        batches = cast(Any, stream).take_events(self.cfg.desk_batch_size, within=self.cfg.desk_batch_seconds)
        async for events in batches:
            await self._handle_batch(events)

    async def _undecodable(self, message: Any) -> None:
        """A value on the cases topic that is not JSON: dead-lettered like an unsigned command."""
        raw = message.value if isinstance(message.value, bytes) else b""
        await self._dead_letter(DeadLetter.build(
            raw, topic=self.topic.get_topic_name(), partition=message.partition, offset=message.offset,
            stage=Stage.command, reason=UNAUTHENTICATED, error="desk command that is not JSON: not applied"))

    async def _reject(self, key: Any, value: Any, partition: int, offset: int) -> dict[str, Any]:
        """Dead-letter a command without a valid signature; no case changes."""
        raw = orjson.dumps({"key": key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key),
                            "value": value}, default=str)
        await self._dead_letter(DeadLetter.build(
            raw, topic=self.topic.get_topic_name(), partition=partition, offset=offset, stage=Stage.command,
            reason=UNAUTHENTICATED,
            error="desk command without a valid signature (SOCIALLISTEN_DESK_SECRET): not applied"))
        return Outcome(code=401, message=f"{UNAUTHENTICATED}: the command is not signed by the desk").reply()

    async def _dead_letter(self, dl: DeadLetter) -> None:
        """Count, log and record (dead-letter topic and table) a command that is not applied."""
        self.rejected += 1
        partition, offset = dl.partition, dl.offset
        log.warning("desk: rejected an unauthenticated command at %s[%d]@%d (dead letter %s)",
                    self.topic.get_topic_name(), partition, offset, dl.dl_id)
        storage = self.ports.storage
        try:
            await send_acknowledged(self._dead_topic, dl.dl_id.encode(), dl.model_dump_json().encode())
        except BrokerUnavailable as exc:  # the table below still records it
            log.warning("desk: a rejected command's dead letter did not reach Kafka: %s", exc)
        try:
            await self.ports.retry.call("desk: recording a rejected command", storage.run_blocking,
                                        storage.ch.insert, "dead_letters", DEADLETTER_COLUMNS,
                                        [tuple(deadletter_row(dl)[c] for c in DEADLETTER_COLUMNS)])
        except Exception:  # a rejected command must not stop the owner of every case; it stays unapplied
            log.exception("desk: dead letter %s of a rejected command not recorded in ClickHouse", dl.dl_id)

    async def _handle_batch(self, events: Sequence[Any]) -> None:
        """Apply the commands in order, mirror every change at once, then store, publish and answer each.

        The mirror comes before the table: a command the table holds as applied is in ClickHouse. When
        the mirror fails, no command of the batch is applied and each asker gets a 500.
        """
        slots: dict[str, tuple[Any, Slot]] = {}  # each key this batch changed: its last event, the slot after it
        done: list[tuple[Any, dict[str, Any], Outcome | None, Command | None]] = []
        for event in events:
            value = command_value(event)
            if verified(value, self.secret):
                done.append((event, *self._apply(event, value, slots)))
            else:
                done.append((event, await self._reject(event.key, value, event.message.partition,
                                                       event.message.offset), None, None))
        changed = [(o.case, o.events, o.new_messages) for _, _, o, _ in done
                   if o is not None and o.case is not None and (o.events or o.new_messages)]
        try:
            if changed:
                await self._mirror(changed)
        except Exception as exc:  # a failed batch must not stop the owner of every case; none of it applies
            log.exception("desk: %d case commands not applied: their changes did not reach ClickHouse", len(done))
            failed = internal_error(exc)
            done = [(e, failed if cmd is not None else reply, None, None) for e, reply, _, cmd in done]
            slots = {}
        for key_text, (event, slot) in slots.items():
            with stream_event(event):  # the changelog goes to the partition of the key's command
                self.table[key_text] = slot.model_dump(mode="json")
        for event, reply, outcome, cmd in done:
            if outcome is not None and outcome.events and outcome.case is not None:
                summary = outcome.case.model_dump(mode="json", exclude={"messages"})
                await self._publish({"type": outcome.events[-1].op, "case": summary})
            if cmd is not None:
                self.applied += 1
                if cmd.op is not Op.observe:
                    log.info("case %s: %s by %s -> %s %s", cmd.case_id, cmd.op.value, cmd.actor, reply["code"],
                             reply["message"])
            await self._answer(event, reply)

    def _apply(self, event: Any, value: Any, slots: dict[str, tuple[Any, Slot]]
               ) -> tuple[dict[str, Any], Outcome | None, Command | None]:
        """(answer, outcome, command) of one command on the slot as this batch left it (pure but for the read)."""
        key = event.key
        try:
            key_text = key.decode() if isinstance(key, bytes) else str(key)
            cmd = Command.model_validate(value)
            if cmd.case_id is not None and key_of(cmd.case_id) != key_text:
                return Outcome(code=422, message="command key does not match the case id").reply(), None, None
            if key_text in slots:
                slot = slots[key_text][1]
            else:
                raw = self.table.get(key_text)
                slot = Slot.model_validate(raw) if raw else Slot()
            new_slot, outcome = apply(slot, cmd, self.cfg)
            if new_slot is not slot:
                slots[key_text] = (event, new_slot)
            return outcome.reply(), outcome, cmd
        except Exception as exc:  # a bad command must not stop the owner of every case
            log.exception("case command on key %r failed", key)
            return internal_error(exc), None, None

    async def _answer(self, event: Any, reply: dict[str, Any]) -> None:
        """Send ``reply`` to whoever asked ``event``'s command (nobody, for an observation)."""
        address = reply_address(event)
        if address is not None:
            await cast(Any, self.agent)._reply(event.key, reply, *address)  # Faust's own answer, as for a yield

    async def _publish(self, change: dict[str, Any]) -> None:
        """To this process's desk pages, and through the live topic to every other process's."""
        self.cases.publish(change)
        try:
            await send_acknowledged(self._live_topic, CASE_KEY, encode_case(change))
        except BrokerUnavailable as exc:  # the change is applied and stored; other pages show it on reload
            log.warning("desk: a case change did not reach the live topic: %s", exc)

    async def _mirror(self, changed: Sequence[tuple[Any, Sequence[Any], Sequence[Any]]]) -> None:
        storage = self.ports.storage
        await self.ports.retry.call(
            "desk: mirroring cases to ClickHouse", storage.run_blocking, store.write_outcomes, storage.ch, changed)

    # ---- feeding it -----------------------------------------------------------------------
    async def listener(self, result: BatchResult) -> None:
        """Batch listener: one observe command per service request, durable before offsets move on."""
        at = now_utc()
        pending = []
        try:
            for item in result.enriched:
                if not item.analysis.service_request:
                    continue
                key, cmd = observe_command(item, at)
                pending.append(await self.agent.send(key=key.encode(), value=signed(cmd, self.secret)))
            for fut in pending:
                await fut
        except KAFKA_FAILURES as exc:
            raise BrokerUnavailable(f"desk: Kafka did not acknowledge observations ({type(exc).__name__}: {exc})"
                                    ) from exc
        if pending:
            log.debug("desk: sent %d observations", len(pending))

    async def refresh_metrics(self) -> None:
        """Case counts by status and SLA breaches from the ClickHouse mirror, for ``/metrics``."""
        await refresh_case_metrics(self.ports.metrics, self.ports.storage)

    async def ask(self, cmd: Command) -> dict[str, Any]:
        """Send a command to the case's owner and wait for its answer (raises TimeoutError)."""
        return await ask_owner(self.agent, cmd, self.cfg.desk_ask_timeout, self.secret)


async def ask_owner(agent: Any, cmd: Command, timeout: float, secret: bytes) -> dict[str, Any]:
    """Send ``cmd``, signed with ``secret``, to the desk agent that owns its case and wait for the answer.

    Raises TimeoutError when no answer comes within ``timeout`` seconds.
    """
    assert cmd.case_id is not None
    reply = await asyncio.wait_for(
        agent.ask(key=key_of(cmd.case_id).encode(), value=signed(cmd, secret)), timeout=timeout
    )
    return dict(reply)


async def refresh_case_metrics(metrics: Metrics, storage: StorageAccess) -> None:
    """Case counts by status and SLA breaches from the ClickHouse mirror, into ``metrics``."""
    try:
        by_status, breaches = await storage.run_blocking(store.case_counts, storage.ch, now_utc())
    except Exception as exc:  # metrics wait for the next tick; the desk itself is unaffected
        log.debug("desk metrics not refreshed: %s", exc)
        return
    for status in Status:
        metrics.desk_cases.labels(status=status.value).set(by_status.get(status.value, 0))
    metrics.sla_breaches.set(breaches)


class CaseDesk(Protocol):
    """What the web API needs of the desk: a way to the owner of a case."""

    async def ask(self, cmd: Command) -> dict[str, Any]:
        """Send a command to the case's owner and wait for its answer (raises TimeoutError)."""
        ...


class DeskClient:
    """The way to the case agents from a process that owns no partitions (``sociallisten serve``).

    Its Faust app runs client-only (``app.start_client()``): it declares the desk's agent to address
    it, sends commands to the cases topic and reads the answers on its own reply topic; the agents
    that own the cases run in the workers.
    """

    def __init__(self, app: faust.App, cases_topic: str, cfg: DeskSettings, *, partitions: int) -> None:
        """Address the desk agent on ``cases_topic`` through the client-only ``app``."""
        self.secret = require_secret(cfg, "the web tier")
        _fix_reply_consumer(app)
        self.cfg = cfg
        topic = app.topic(cases_topic, key_serializer="raw", value_serializer="json", partitions=partitions)
        self.agent = app.agent(topic, name="desk")(_owned_elsewhere)

    async def ask(self, cmd: Command) -> dict[str, Any]:
        """Send a command to the case's owner and wait for its answer (raises TimeoutError)."""
        return await ask_owner(self.agent, cmd, self.cfg.desk_ask_timeout, self.secret)


async def _owned_elsewhere(stream: faust.StreamT[Any]) -> AsyncIterator[Any]:
    """The desk agent's body in a client-only process: never started there (the workers run it)."""
    async for _ in stream:
        raise RuntimeError("the desk agent runs in the workers, not in the web tier")
        yield  # an answering agent is an async generator


def new_command_id() -> str:
    """A unique id for an API command."""
    return uuid.uuid4().hex


def _fix_reply_consumer(app: faust.App) -> None:
    """Create the reply topic at start and ack each reply.

    Faust's ReplyConsumer drains replies with ``async for`` over a stream, which leaves the
    last reply un-acked; a worker then waits for it forever when it stops. Here every reply
    is acked after its promise is fulfilled.
    """
    app.conf.reply_create_topic = True
    consumer = app._reply_consumer

    async def _drain(channel: Any) -> None:
        async for event in channel.stream().events():
            reply = event.value
            for promise in consumer._waiting[reply.correlation_id]:
                promise.fulfill(reply.correlation_id, maybe_model(reply.value))
            event.ack()

    consumer._drain_replies = _drain  # type: ignore[method-assign]  # a reply drain that acks every reply


def install_desk(ports: WorkerPorts, cfg: DeskSettings, *, partitions: int, cases: Hub,
                 data_dir: Path | None = None) -> Desk:
    """Add the desk to a worker: the agent and table, and the batch listener; returns it for the API.

    Without SOCIALLISTEN_DESK_SECRET, commands are signed with the secret file in ``data_dir``.
    """
    _fix_reply_consumer(ports.app)
    warn_if_unset(cfg, data_dir)
    desk = Desk(ports, cfg, partitions=partitions, cases=cases, secret=desk_secret(cfg, data_dir))
    ports.add_listener(desk.listener)
    ports.every(METRICS_SECONDS, desk.refresh_metrics, name="sociallisten.desk_metrics")
    log.info("service desk installed (commands on %s)", desk.topic.get_topic_name())
    return desk
