"""The cluster schema (``SOCIALLISTEN_CLICKHOUSE_CLUSTER``): the migrations' statements rewritten for a cluster.

Every table ``t`` of the single-server schema becomes two on every node:

- ``t_local``: the same columns, order and partition key, on the ``Replicated`` variant of its
  engine (ZooKeeper path ``/clickhouse/tables/{shard}/<database>/t_local``, replica ``{replica}``);
- ``t``: a ``Distributed`` table over the ``t_local`` tables of all shards, under the name the
  code, the views, BI and the API already use. Reads fan out to one replica per shard; inserts
  go to the shard that :data:`SHARD_KEYS` names and, within it, to one replica (replication
  copies it to the others).

Tables and views are created ``ON CLUSTER``, and a view a migration defines anew is dropped ``ON
CLUSTER`` first (views only: they hold no data); added columns are not (:meth:`ClusterSchema.placement`).

Materialized views are attached to the local tables (each shard derives its own rollups,
audience and cascade rows from the mentions it holds, into local tables); plain views are
created as they are, over the Distributed names.

Sharding keys (why each table is sharded as it is):

- ``mentions``: the thread (``thread_id``: the root post's id). Every version of an event has
  the same thread, so its versions meet on one shard and ``FINAL`` collapses them; a root post
  and all its reposts are on one shard, so the cascade nodes derived from them are too.
- tables derived from ``mentions`` by materialized views (rollups, ``audience_events``,
  ``cascade_nodes``, the hot-event rollups, ``post_engagement``) live on the shard of their
  mention; their Distributed tables are only read (``rand()`` names no placement), but for the
  backfill of ``post_engagement``, which goes by the thread as its mention did (``FINAL`` must meet
  every version of a post on one shard). Rollups keep sets of event ids (``uniqExactState``), which
  ``uniqExactMerge`` merges exactly across shards.
- everything else by the key its ``ReplacingMergeTree`` collapses on: ``dead_letters`` by
  ``dl_id``, the desk tables by ``case_id``, ``alerts`` and ``alert_deliveries`` by ``alert_id``, ``cascades`` by
  ``root_id``, ``audience_overrides`` by ``author_id``, ``schema_migrations`` by ``version``,
  ``saved_searches`` by ``owner`` (the key's first column: one user's searches on one shard), the
  tracking tables by their ids (``tracked_links`` by ``code``, ``clicks`` by ``click_id``, ``visits``
  by ``event_id``, ``conversions`` by ``order_id``), the audience snapshot by ``author_id`` (its
  composition, role rows and refreshes by ``rand()`` and ``refresh``: they are only read whole).
"""

from __future__ import annotations

import re
from typing import Literal

from pipeline.errors import ConfigError

SHARD_KEYS: dict[str, str] = {
    "mentions": "cityHash64(thread_id)",
    "dead_letters": "cityHash64(dl_id)",
    "mention_rollup_minute": "rand()",
    "mention_rollup_hour": "rand()",
    "term_rollup_daily": "rand()",
    "mention_sets_minute": "rand()",
    "mention_sets_hour": "rand()",
    "term_sets_daily": "rand()",
    "minute_sets": "rand()",
    "hour_sets": "rand()",
    "term_day_sets": "rand()",
    "desk_cases": "cityHash64(case_id)",
    "desk_case_events": "cityHash64(case_id)",
    "desk_case_messages": "cityHash64(case_id)",
    "alerts": "cityHash64(alert_id)",
    "alert_deliveries": "cityHash64(alert_id)",
    "audience_events": "rand()",
    "audience_overrides": "cityHash64(author_id)",
    "cascade_nodes": "rand()",
    "cascades": "cityHash64(root_id)",
    "schema_migrations": "cityHash64(version)",
    "saved_searches": "cityHash64(owner)",
    "tracked_links": "cityHash64(code)",
    "clicks": "cityHash64(click_id)",
    "visits": "cityHash64(event_id)",
    "conversions": "cityHash64(order_id)",
    "author_quality_snapshot": "cityHash64(author_id)",
    "audience_composition_snapshot": "rand()",
    "audience_refreshes": "cityHash64(refresh)",
    "platform_roles_snapshot": "rand()",
    "group_roles_snapshot": "rand()",
    "hot_event_rollup": "rand()",
    "hot_event_hourly_rollup": "rand()",
    "hot_event_states": "rand()",
    "post_engagement": "cityHash64(thread_id)",
}
"""The Distributed sharding key of every table (module doc)."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CREATE_TABLE = re.compile(
    r"^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+(\w+)\s*(\(.*\))\s*ENGINE\s*=\s*(\w+)\(([^)]*)\)(.*)$", re.S | re.I
)
_CREATE_MV = re.compile(r"^CREATE\s+MATERIALIZED\s+VIEW\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+TO\s+(\w+)\s+AS\s+(.*)$",
                        re.S | re.I)
_CREATE_VIEW = re.compile(r"^CREATE\s+VIEW\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+AS\s+(.*)$", re.S | re.I)
DROP_VIEW = re.compile(r"^DROP\s+TABLE\s+IF\s+EXISTS\s+(\w+)$", re.I)
BACKFILL = re.compile(r"^INSERT\s+INTO\s+\w+\s+SELECT\s", re.S | re.I)
"""A migration's backfill: ``INSERT INTO t SELECT ...`` over stored rows."""
_ALTER = re.compile(r"^ALTER\s+TABLE\s+(\w+)\s+(ADD\s+COLUMN\s+.*)$", re.S | re.I)
_LOCAL_ALTER = re.compile(r"^ALTER\s+TABLE\s+\w+\.\w+_local\s", re.I)
_REPLICATED = {"MergeTree", "ReplacingMergeTree", "AggregatingMergeTree", "SummingMergeTree",
               "CollapsingMergeTree"}

Placement = Literal["cluster", "shard", "node", "here"]
"""Where a cluster statement runs (:meth:`ClusterSchema.placement`)."""


def check_name(value: str, what: str) -> str:
    """``value`` when it is a plain identifier (it is written into DDL), else ConfigError."""
    if not _NAME.match(value):
        raise ConfigError(f"{what} must be a plain identifier (letters, digits, _), not {value!r}")
    return value


class ClusterSchema:
    """Rewrites single-server DDL for ``cluster`` and ``database`` (module doc)."""

    def __init__(self, cluster: str, database: str) -> None:
        """The schema of ``database`` on every node of ``cluster`` (a ``remote_servers`` entry)."""
        self.cluster = check_name(cluster, "SOCIALLISTEN_CLICKHOUSE_CLUSTER")
        self.database = check_name(database, "the ClickHouse database")
        self.relations: set[str] = set(SHARD_KEYS)
        """Tables and views known so far: a view's references to them are qualified with the database."""

    def database_ddl(self) -> str:
        """Create the database on every node."""
        return f"CREATE DATABASE IF NOT EXISTS {self.database} ON CLUSTER {self.cluster}"

    def rewrite(self, statement: str) -> list[str]:
        """The cluster statements for one single-server statement; ConfigError for one it cannot rewrite."""
        for pattern, build in ((_CREATE_TABLE, self._table), (_CREATE_MV, self._materialized_view),
                               (_CREATE_VIEW, self._view), (DROP_VIEW, self._drop_view), (_ALTER, self._alter),
                               (BACKFILL, self._insert)):
            match = pattern.match(statement.strip())
            if match:
                return build(match)
        raise ConfigError(f"the cluster schema cannot rewrite this statement: {statement[:80]!r}")

    def _on(self, name: str) -> str:
        return f"{self.database}.{name} ON CLUSTER {self.cluster}"

    def _table(self, m: re.Match[str]) -> list[str]:
        name, columns, engine, args, rest = m.groups()
        if engine not in _REPLICATED:
            raise ConfigError(f"table {name}: no replicated variant of engine {engine}")
        if name not in SHARD_KEYS:
            raise ConfigError(f"table {name} has no sharding key: add it to SHARD_KEYS (pipeline/storage/cluster.py)")
        path = f"'/clickhouse/tables/{{shard}}/{self.database}/{name}_local'"
        params = ", ".join(p for p in (path, "'{replica}'", args.strip()) if p)
        local = (f"CREATE TABLE IF NOT EXISTS {self._on(name + '_local')} {columns} "
                 f"ENGINE = Replicated{engine}({params}){rest}")
        distributed = (f"CREATE TABLE IF NOT EXISTS {self._on(name)} AS {self.database}.{name}_local "
                       f"ENGINE = Distributed({self.cluster}, {self.database}, {name}_local, {SHARD_KEYS[name]})")
        return [local, distributed]

    def _materialized_view(self, m: re.Match[str]) -> list[str]:
        name, target, select = m.groups()
        local_select = re.sub(r"\bFROM\s+(\w+)\b", lambda f: f"FROM {self.database}.{f.group(1)}_local", select)
        return [f"CREATE MATERIALIZED VIEW IF NOT EXISTS {self._on(name)} TO {self.database}.{target}_local "
                f"AS {local_select}"]

    def _view(self, m: re.Match[str]) -> list[str]:
        # every node runs the DDL in its own context, where an unqualified name means `default`
        name, select = m.groups()
        qualified = re.sub(r"\b(FROM|JOIN)\s+(\w+)\b", self._qualify, select, flags=re.I)
        self.relations.add(name)
        return [f"CREATE VIEW IF NOT EXISTS {self._on(name)} AS {qualified}"]

    def _drop_view(self, m: re.Match[str]) -> list[str]:
        # only a plain view is dropped (to be created again with a new query): it holds no data
        name = m.group(1)
        if name in SHARD_KEYS:
            raise ConfigError(f"{name} is a table: a migration drops views only, to create them again")
        self.relations.discard(name)
        return [f"DROP TABLE IF EXISTS {self._on(name)}"]

    def _qualify(self, ref: re.Match[str]) -> str:
        keyword, name = ref.groups()
        return f"{keyword} {self.database}.{name}" if name in self.relations else ref.group(0)

    def _insert(self, m: re.Match[str]) -> list[str]:
        # a backfill runs once, on the node migrating, through the Distributed tables (they shard the rows)
        return [m.string]

    def _alter(self, m: re.Match[str]) -> list[str]:
        # Neither form goes ON CLUSTER (see :meth:`placement`): ClickHouse refuses it on a
        # Distributed table of replicated shards, and on a replicated table 18.16's DDL workers race.
        name, change = m.groups()
        return [f"ALTER TABLE {self.database}.{name}_local {change}", f"ALTER TABLE {self.database}.{name} {change}"]

    def placement(self, statement: str) -> Placement:
        """Where ``statement`` (from :meth:`rewrite`) runs.

        - ``cluster``: sent once, ``ON CLUSTER``; every node's DDL worker runs it.
        - ``shard``: an ALTER of a replicated ``_local`` table, on one replica of each shard;
          replication carries it to the others. ``ON CLUSTER``, the replicas of a shard elect one of
          them to run it, and on 18.16 a replica that checks for the elected one's result just before
          that result is written runs it a second time and its DDL worker stops for good ("Node
          exists ... Terminating"): every later ``ON CLUSTER`` statement then waits forever.
        - ``node``: an ALTER of a Distributed table, on every node in turn.
        - ``here``: a backfill ``INSERT``, once, on the connected node (the Distributed tables shard it).
        """
        if " ON CLUSTER " in statement:
            return "cluster"
        if statement.lstrip().upper().startswith("ALTER"):
            return "shard" if _LOCAL_ALTER.match(statement.lstrip()) else "node"
        return "here"
