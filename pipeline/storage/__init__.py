"""ClickHouse storage: one small interface over a server (clickhouse-driver) and chDB (in-process).

``connect(url)`` returns a :class:`ClickHouse`; :func:`pipeline.storage.migrate.migrate` creates
or upgrades the schema; :func:`pipeline.storage.stats.stats` reads exact totals. See
docs/storage.md for the data model.
"""

import os

# clickhouse-driver builds a table of every date from 1900 to 2299 on import (about 19 MB in each process
# that stores or queries) unless this is set; any value that is not a date range makes the table fill lazily
os.environ.setdefault("CLICKHOUSE_DRIVER_LASY_DATE_LUT", "lazy")  # the library's own spelling

from pipeline.errors import StorageError, StorageUnavailable  # noqa: E402 - after the variable above
from pipeline.storage.backend import ClickHouse, connect  # noqa: E402

__all__ = ["ClickHouse", "StorageError", "StorageUnavailable", "connect"]
