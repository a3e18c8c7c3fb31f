"""Driver errors become StorageUnavailable (transient) or StorageError (permanent) (no database)."""

from __future__ import annotations

import ssl

from clickhouse_driver import errors as ch_errors

from pipeline.errors import StorageUnavailable
from pipeline.storage.errors import is_transient, wrap


def test_transient_or_permanent() -> None:
    assert is_transient(ch_errors.NetworkError("Code: 210. Connection refused"))
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert is_transient(EOFError("Unexpected EOF while reading bytes"))
    assert is_transient(ch_errors.ServerException("Too many parts", code=252))
    assert is_transient(RuntimeError("Code: 241. DB::Exception: Memory limit exceeded"))  # chDB's text
    assert not is_transient(ch_errors.ServerException("Unknown table", code=60))
    assert not is_transient(RuntimeError("Code: 62. DB::Exception: Syntax error"))
    assert not is_transient(ssl.SSLCertVerificationError("bad certificate"))
    assert not is_transient(TypeError("unsupported operand"))


def test_messages_name_the_statement_and_what_to_do() -> None:
    refused = wrap(ch_errors.ServerException("DB::Exception: Table x.t doesn't exist.\nStack trace: ...", code=60),
                   "SELECT *\n FROM t WHERE a = 1", "ClickHouse at h:9000")  # fmt: skip
    assert not isinstance(refused, StorageUnavailable)
    assert str(refused).startswith("ClickHouse at h:9000 refused 'SELECT * FROM t WHERE a ...'")
    assert "Stack trace" not in str(refused) and "sociallisten migrate" in str(refused)
    down = wrap(ch_errors.NetworkError("Code: 210. Connection refused"), "INSERT INTO mentions", "ClickHouse at h:9000")
    assert isinstance(down, StorageUnavailable) and "retry later" in str(down)


ENOSPC_INSERT = ("Code: 75. DB::ErrnoException. DB::ErrnoException: Cannot write to file "
                 "/var/lib/clickhouse/data/db/mentions/tmp_insert_1_1_1_0/text.bin, errno: 28, "
                 "strerror: No space left on device.")


def test_a_full_disk_is_transient_not_the_rows_fault() -> None:
    assert is_transient(ch_errors.ServerException(ENOSPC_INSERT, code=75))
    assert is_transient(ch_errors.ServerException(
        "Code: 1000. DB::Exception: File access error: no space left on device: /var/lib/clickhouse/x", code=1000))
    assert is_transient(RuntimeError("Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space"))
    assert is_transient(ch_errors.ServerException("Code: 173. Cannot allocate memory", code=173))
    assert not is_transient(ch_errors.ServerException("Code: 1000. DB::Exception: Poco::Exception. Bad URI", code=1000))
    full = wrap(ch_errors.ServerException(ENOSPC_INSERT, code=75), "INSERT INTO mentions", "ClickHouse at h:9000")
    assert isinstance(full, StorageUnavailable)
    assert "out of resources" in str(full) and "free disk space" in str(full)
