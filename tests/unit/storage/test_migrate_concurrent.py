"""A migration that defines views anew, met by another process applying it at the same time (no database)."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.errors import StorageError, StorageUnavailable
from pipeline.storage.migrate import Migration, migrate

REDEFINES = Migration("002", "views_again", "DROP TABLE IF EXISTS v;\n\nCREATE VIEW IF NOT EXISTS v AS SELECT 2;\n")
ADDS = Migration("002", "view_on_missing", "CREATE VIEW IF NOT EXISTS w AS SELECT * FROM missing;\n")


MISSING = ("chDB refused 'CREATE VIEW ...': Code: 60. DB::Exception: Table social.t doesn't exist. "
           "(the table does not exist: run `sociallisten migrate`)")
BEING_DROPPED = ("ClickHouse at 127.0.0.1:9000 refused 'CREATE VIEW IF NOT EXISTS v ...': Code: 218. "
                 "DB::Exception: Table is dropped.")


class _Racing:
    """A server on which the first CREATE VIEW fails: the table it reads was just dropped by another process."""

    backend = "chdb"
    database = "social"

    def __init__(self, message: str = MISSING) -> None:
        self.failed = False
        self.message = message

    def execute(self, sql: str, params: Any = None) -> None:
        if sql.startswith("CREATE VIEW") and not self.failed:
            self.failed = True
            raise StorageError(self.message)

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        return []

    def insert(self, table: str, columns: Any, rows: Any) -> None:
        pass


@pytest.mark.parametrize("message", [MISSING, BEING_DROPPED], ids=["dropped", "being-dropped"])
def test_a_view_dropped_meanwhile_is_transient_and_applying_again_completes(message: str) -> None:
    ch = _Racing(message)
    with pytest.raises(StorageUnavailable, match="dropped meanwhile.*apply it again"):
        migrate(ch, [REDEFINES])  # type: ignore[arg-type]
    assert migrate(ch, [REDEFINES]) == ["002_views_again"]  # type: ignore[arg-type]


def test_a_missing_table_in_a_migration_that_drops_nothing_stays_an_error() -> None:
    with pytest.raises(StorageError) as raised:
        migrate(_Racing(), [ADDS])  # type: ignore[arg-type]
    assert not isinstance(raised.value, StorageUnavailable) and "statement 1 of 1" in str(raised.value)
