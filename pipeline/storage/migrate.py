"""Versioned, idempotent schema migrations (``pipeline/storage/migrations/NNN_name.sql``).

Each file runs once, in version order, and is recorded in ``schema_migrations`` (version, name,
checksum, applied_at). Statements in a file end with a line that ends in ``;``; lines that
start with ``--`` are comments. Every statement is ``CREATE ... IF NOT EXISTS`` or
``ALTER TABLE t ADD COLUMN c ...`` (run only when ``t`` has no column ``c``: ClickHouse 18.16 has
no ``ADD COLUMN IF NOT EXISTS``) or the backfill of a rollup that keeps sets of event ids
(``INSERT INTO r SELECT ... uniqExactState(event_id)``, or of ``cityHash64(event_id)``: inserting the
same sets again changes no figure), and nothing is ever dropped, so a migration interrupted half-way
simply runs again, two processes migrating at once do no harm, and migrating a live database is safe.

An applied file must never change: its checksum is compared on every run, and a difference
raises StorageError. Change the schema by adding a new file with the next number.

The same files run on Debian's clickhouse-server 18.16 and on chDB (ClickHouse 26.x): keep to
the SQL both understand (see docs/storage.md).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from pipeline.errors import ConfigError, StorageError, StorageUnavailable
from pipeline.retry import RetryPolicy
from pipeline.storage.backend import ClickHouse
from pipeline.storage.cluster import BACKFILL, DROP_VIEW, ClusterSchema
from pipeline.storage.errors import error_code

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
_ADD_COLUMN = re.compile(r"^ALTER\s+TABLE\s+(?:\w+\.)?(\w+)\s+ADD\s+COLUMN\s+(\w+)\s", re.IGNORECASE)
_DROPPED_TABLE_CODES = (60, 218)
"""ClickHouse's error codes for a table (or view) that does not exist: UNKNOWN_TABLE, and TABLE_IS_DROPPED
(18.16, when another process's drop is under way while a view on the table is created)."""

MIGRATIONS_TABLE_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version String, name String, checksum String, "
    "applied_at DateTime('UTC')) ENGINE = MergeTree() ORDER BY version"
)


@dataclass(frozen=True)
class Migration:
    """One migration file: ``version`` ('001'), ``name`` ('mentions') and its SQL text."""

    version: str
    name: str
    sql: str

    @property
    def label(self) -> str:
        """'001_mentions'."""
        return f"{self.version}_{self.name}"

    @property
    def checksum(self) -> str:
        """sha256 of the file's text (line endings normalised)."""
        return hashlib.sha256(self.sql.replace("\r\n", "\n").encode("utf-8")).hexdigest()

    def statements(self) -> list[str]:
        """The statements, split at lines ending with ``;``; comment lines removed."""
        statements: list[str] = []
        current: list[str] = []
        for line in self.sql.splitlines():
            if line.strip().startswith("--"):
                continue
            stripped = line.rstrip()
            if stripped.endswith(";"):
                current.append(stripped[:-1])
                statements.append("\n".join(current).strip())
                current = []
            else:
                current.append(line)
        tail = "\n".join(current).strip()
        if tail:
            statements.append(tail)
        return [s for s in statements if s]


def load_migrations() -> list[Migration]:
    """All migration files shipped with the package, ordered by version."""
    folder = resources.files("pipeline.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(match.group(1), match.group(2), entry.read_text(encoding="utf-8")))
        elif entry.name.endswith(".sql"):
            raise StorageError(f"migration file {entry.name} must be named NNN_lowercase_name.sql")
    return _ordered(found)


def _ordered(migrations: Sequence[Migration]) -> list[Migration]:
    ordered = sorted(migrations, key=lambda m: m.version)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.version == b.version:
            raise StorageError(f"two migrations share version {a.version}: {a.label} and {b.label}")
    return ordered


def applied_migrations(ch: ClickHouse) -> dict[str, set[str]]:
    """Checksums recorded per version (normally one each)."""
    applied: dict[str, set[str]] = {}
    for row in ch.query("SELECT version, checksum FROM schema_migrations"):
        applied.setdefault(str(row["version"]), set()).add(str(row["checksum"]))
    return applied


def _column_exists(ch: ClickHouse, statement: str) -> bool:
    """Whether ``statement`` adds a column that its table already has (then it is skipped)."""
    match = _ADD_COLUMN.match(statement)
    if match is None:
        return False
    rows = ch.query(
        "SELECT count() AS n FROM system.columns WHERE database = %(db)s AND table = %(t)s AND name = %(c)s",
        {"db": ch.database, "t": match.group(1), "c": match.group(2)},
    )
    return int(rows[0]["n"]) > 0


BACKFILL_TIMEOUT_SECONDS = 6 * 3600.0
"""How long a backfill (``INSERT ... SELECT`` over every stored mention) may run.

The server sends nothing until such a statement ends, and at 10,000,000 mentions one takes about 25 s on
2 cores: past a connection's ``send_receive_timeout`` (60 s by default) at some larger size, the client
would give up, the server would cancel it, and every start-up would try again in vain. A backfill
runs on a second connection that waits this long."""


def _execute(ch: ClickHouse, statement: str) -> None:
    if not BACKFILL.match(statement.lstrip()):
        ch.execute(statement)
        return
    patient = ch.another(send_receive_timeout=BACKFILL_TIMEOUT_SECONDS)
    try:
        patient.execute(statement)
    finally:
        patient.close()


def _run_statement(ch: ClickHouse, statement: str) -> None:
    """Execute one statement; an ADD COLUMN whose column exists, or appears meanwhile, is done."""
    if _column_exists(ch, statement):
        return
    try:
        _execute(ch, statement)
    except StorageError:
        # another process migrating at the same time added the column between our check and our ALTER
        if _column_exists(ch, statement):
            return
        raise


CLUSTER_DDL_RETRY = RetryPolicy(first_seconds=1.0, max_seconds=10.0, within_seconds=300.0)
"""How a cluster's DDL statement is retried when its answer does not come in time.

An ``ON CLUSTER`` statement waits until every node has run it (up to the server's
``distributed_ddl_task_timeout``, 180 s by default), longer than the client waits for an answer
(``send_receive_timeout``, 60 s) when the nodes are busy; the task stays queued and runs anyway.
Such a statement is sent again when it creates ``IF NOT EXISTS`` (it cannot apply twice); the
others go ``ON CLUSTER`` never (:meth:`ClusterSchema.placement`)."""


def _idempotent(statement: str) -> bool:
    head = statement.lstrip()[:200].upper()
    return head.startswith("CREATE") and " IF NOT EXISTS " in head


def _apply(ch: ClickHouse, schema: ClusterSchema | None, statement: str, what: str) -> None:
    """Run one translated statement where :meth:`ClusterSchema.placement` says."""
    where = "here" if schema is None else schema.placement(statement)
    if schema is not None and where in ("shard", "node"):
        _run_on_nodes(ch, schema, statement, every_replica=where == "node")
    elif where == "cluster" and _idempotent(statement):
        CLUSTER_DDL_RETRY.call_blocking(what, _run_statement, ch, statement)
    else:
        _run_statement(ch, statement)


def _run_on_nodes(ch: ClickHouse, schema: ClusterSchema, statement: str, every_replica: bool) -> None:
    """Run ``statement`` on every node, or on the first replica of each shard that answers."""
    on_node = getattr(ch, "on_node", None)
    if on_node is None:
        raise StorageError("a cluster schema needs a ClickHouse server (clickhouse://), not chDB")
    nodes = ch.query("SELECT shard_num AS shard, host_address AS host, port FROM system.clusters "
                     "WHERE cluster = %(c)s ORDER BY shard_num, replica_num", {"c": schema.cluster})
    if not nodes:
        raise StorageError(f"cluster {schema.cluster} is not in this server's remote_servers: check "
                           "SOCIALLISTEN_CLICKHOUSE_CLUSTER and the server's config")
    shards: dict[int, list[dict[str, Any]]] = {}
    for node in nodes:
        shards.setdefault(int(node["shard"]), []).append(node)
    for replicas in shards.values():
        for index, node in enumerate(replicas):
            other: ClickHouse = on_node(str(node["host"]), int(node["port"]))
            try:
                _run_statement(other, statement)
            except StorageUnavailable as exc:
                if every_replica or index == len(replicas) - 1:
                    raise
                log.warning("replica %s:%s is unavailable (%s); trying the next one of its shard",
                            node["host"], node["port"], exc)
                continue
            finally:
                other.close()
            if not every_replica:
                break


def _dropped_meanwhile(mig: Migration, exc: StorageError) -> bool:
    """Whether ``exc`` is a table missing while ``mig`` defines views anew (dropped, then created again).

    Two processes applying such a migration at once can drop a view the other has just created and
    is building on; applying the migration again, once the other is done, succeeds.
    """
    return (not isinstance(exc, StorageUnavailable) and error_code(exc) in _DROPPED_TABLE_CODES
            and any(DROP_VIEW.match(statement) for statement in mig.statements()))


def _translated(schema: ClusterSchema | None, statement: str) -> list[str]:
    return [statement] if schema is None else schema.rewrite(statement)


def _to_read(plan: Sequence[Migration], applied: Mapping[str, object], schema: ClusterSchema | None) -> list[Migration]:
    """The migrations whose statements :func:`migrate` reads: the pending ones, and on a cluster every one.

    On a cluster the applied ones are translated too: the schema learns every view an earlier migration made,
    so a later view's reference to it is qualified with the database (on each node a bare name means `default`).
    """
    return list(plan) if schema is not None else [m for m in plan if m.version not in applied]


def migrate(ch: ClickHouse, migrations: Sequence[Migration] | None = None, cluster: str | None = None) -> list[str]:
    """Apply pending migrations in order; return the labels applied (``['001_mentions', ...]``).

    ``migrations`` defaults to the package's files (tests pass their own). With ``cluster`` (a
    ``remote_servers`` name) every statement runs ``ON CLUSTER`` in its replicated and
    distributed form (:mod:`pipeline.storage.cluster`). Raises StorageError when an applied
    migration's file has changed since.
    """
    plan = _ordered(migrations) if migrations is not None else load_migrations()
    schema = ClusterSchema(cluster, ch.database) if cluster else None
    if schema is not None and ch.backend != "native":
        raise ConfigError("SOCIALLISTEN_CLICKHOUSE_CLUSTER needs a ClickHouse server URL (clickhouse://), not chDB")
    if schema is not None:
        _apply(ch, schema, schema.database_ddl(), f"creating database {ch.database}")
    for statement in _translated(schema, MIGRATIONS_TABLE_DDL):
        _apply(ch, schema, statement, "creating schema_migrations")
    applied = applied_migrations(ch)
    for mig in plan:
        recorded = applied.get(mig.version)
        if recorded is not None and recorded != {mig.checksum}:
            raise StorageError(
                f"migration {mig.label} was changed after it was applied to database {ch.database} "
                f"(recorded checksum {', '.join(sorted(c[:12] for c in recorded))}, file {mig.checksum[:12]}): "
                "restore the file and put the change in a new migration with the next number; "
                "a throwaway local database can instead be deleted and migrated again"
            )
    known = {m.version for m in plan}
    for version in sorted(set(applied) - known):
        log.warning("database %s has migration %s which this code does not know (newer code?)", ch.database, version)
    done: list[str] = []
    for mig in _to_read(plan, applied, schema):
        statements = [out for statement in mig.statements() for out in _translated(schema, statement)]
        if mig.version in applied:
            continue
        log.info("applying migration %s (%d statements) to %s", mig.label, len(statements), ch.database)
        for number, statement in enumerate(statements, 1):
            try:
                _apply(ch, schema, statement, f"migration {mig.label}, statement {number}")
            except StorageError as exc:
                where = f"migration {mig.label}, statement {number} of {len(statements)}"
                if _dropped_meanwhile(mig, exc):
                    raise StorageUnavailable(
                        f"{where}: a view it creates again was dropped meanwhile, most likely by another process "
                        f"applying the same migration ({exc}); apply it again: the migration is idempotent") from exc
                # Same class (StorageUnavailable stays transient); the message names the file.
                raise type(exc)(f"{where}: {exc}") from exc
        ch.insert(
            "schema_migrations",
            ["version", "name", "checksum", "applied_at"],
            [(mig.version, mig.name, mig.checksum, datetime.now(UTC).replace(microsecond=0))],
        )
        done.append(mig.label)
    return done
