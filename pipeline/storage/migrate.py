"""Versioned, idempotent schema migrations (``pipeline/storage/migrations/NNN_name.sql``).

Each file runs once, in order, and is recorded in ``schema_migrations`` with its checksum.
Statements use ``IF NOT EXISTS`` so a half-applied migration can simply run again, and no
migration drops anything: safe on a live database. Editing an applied file is refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from pipeline.errors import StorageError
from pipeline.storage.backend import ClickHouse

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """sha256 of the file's text."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """Statements split at lines ending with ';', comments removed."""
        body = "\n".join(line for line in self.sql.splitlines() if not line.strip().startswith("--"))
        return [s.strip() for s in re.split(r";\s*(?:\n|$)", body) if s.strip()]


def load_migrations() -> list[Migration]:
    """All migration files, ordered by version."""
    folder = resources.files("pipeline.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(match.group(1), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def migrate(ch: ClickHouse) -> list[str]:
    """Apply pending migrations; return the names applied ('001_mentions', ...)."""
    ch.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version String, name String, checksum String, "
        "applied_at DateTime) ENGINE = MergeTree() ORDER BY version"
    )
    applied: dict[str, set[str]] = {}
    for row in ch.query("SELECT version, checksum FROM schema_migrations"):
        applied.setdefault(row["version"], set()).add(row["checksum"])
    done: list[str] = []
    for mig in load_migrations():
        label = f"{mig.version}_{mig.name}"
        if mig.version in applied:
            if applied[mig.version] != {mig.checksum}:
                raise StorageError(
                    f"migration {label} was changed after it was applied; add a new migration file instead"
                )
            continue
        for statement in mig.statements():
            ch.execute(statement)
        ch.insert(
            "schema_migrations",
            ["version", "name", "checksum", "applied_at"],
            [(mig.version, mig.name, mig.checksum, datetime.now(UTC).replace(microsecond=0))],
        )
        log.info("applied migration %s", label)
        done.append(label)
    return done
