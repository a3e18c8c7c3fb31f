"""Conversion of backend values to the common Python types (no database)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
import pytest

from pipeline.storage.values import chdb_converter, json_default, json_rows, native_converter, split_type


@pytest.mark.parametrize(
    ("type_name", "expected"),
    [
        ("String", ("String", [])),
        ("Array(Nullable(String))", ("Array", ["Nullable(String)"])),
        ("DateTime('Asia/Shanghai')", ("DateTime", ["'Asia/Shanghai'"])),
        ("Tuple(a String, b Array(DateTime('UTC')))", ("Tuple", ["a String", "b Array(DateTime('UTC'))"])),
        ("Decimal(18, 4)", ("Decimal", ["18", "4"])),
        ("AggregateFunction(uniqExact, String)", ("AggregateFunction", ["uniqExact", "String"])),
    ],
)
def test_split_type(type_name: str, expected: tuple[str, list[str]]) -> None:
    assert split_type(type_name) == expected


def test_plain_types_need_no_conversion() -> None:
    plain = ("String", "UInt8", "Int32", "Array(String)", "Nullable(String)", "LowCardinality(String)", "Bool")
    for type_name in plain:
        assert chdb_converter(type_name) is None
        assert native_converter(type_name, None) is None


def convert(type_name: str, value: object) -> object:
    conv = chdb_converter(type_name)
    return value if conv is None else conv(value)


def test_chdb_values() -> None:
    assert convert("DateTime('UTC')", "2024-05-01 08:30:15") == datetime(2024, 5, 1, 8, 30, 15)
    assert convert("DateTime", "2024-05-01 08:30:15") == datetime(2024, 5, 1, 8, 30, 15)
    assert convert("DateTime('Asia/Shanghai')", "2024-05-01 08:30:15") == datetime(2024, 5, 1, 0, 30, 15)
    assert convert("DateTime64(3, 'Asia/Shanghai')", "2024-05-01 08:30:15.5") == datetime(2024, 5, 1, 0, 30, 15, 500000)
    assert convert("DateTime64(3, 'UTC')", "2024-05-01 08:30:15.250") == datetime(2024, 5, 1, 8, 30, 15, 250000)
    assert convert("Date", "2024-05-01") == date(2024, 5, 1)
    assert convert("Nullable(UInt64)", None) is None
    assert convert("Nullable(UInt64)", "18446744073709551615") == 2**64 - 1
    assert convert("Array(Nullable(DateTime('UTC')))", ["2024-05-01 00:00:00", None]) == [datetime(2024, 5, 1), None]
    assert convert("Float32", 0.1) == pytest.approx(0.1, rel=1e-7) and convert("Float32", 0.1) != 0.1
    assert math.isnan(convert("Float64", "nan"))  # type: ignore[arg-type]
    assert convert("Float64", "-inf") == float("-inf")
    assert convert("Decimal(9, 2)", "1.25") == Decimal("1.25")
    assert convert("UUID", "00000000-0000-0000-0000-000000000001") == UUID(int=1)
    assert convert("Tuple(String, DateTime('UTC'))", ["a", "2024-05-01 00:00:00"]) == ("a", datetime(2024, 5, 1))


def test_native_datetimes_become_naive_utc() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    aware = datetime(2024, 5, 1, 16, 0, tzinfo=shanghai)
    conv = native_converter("DateTime('Asia/Shanghai')", shanghai)
    assert conv is not None and conv(aware) == datetime(2024, 5, 1, 8, 0)
    plain = native_converter("DateTime", shanghai)  # naive, in the server's zone
    assert plain is not None and plain(datetime(2024, 5, 1, 16, 0)) == datetime(2024, 5, 1, 8, 0)
    utc_server = native_converter("Nullable(DateTime)", None)
    assert utc_server is not None and utc_server(datetime(2024, 5, 1)) == datetime(2024, 5, 1)
    assert utc_server(None) is None
    arrays = native_converter("Array(DateTime('UTC'))", None)
    assert arrays is not None and arrays([datetime(2024, 5, 1, tzinfo=UTC)]) == [datetime(2024, 5, 1)]


def test_json_rows_for_chdb() -> None:
    beijing = timezone(timedelta(hours=8))
    row = {
        "naive": datetime(2024, 5, 1, 8, 30, 15, 999),
        "aware": datetime(2024, 5, 1, 16, 30, 15, tzinfo=beijing),
        "day": date(2024, 5, 1),
        "tags": ("a", "b"),
        "text": "中文\0",
    }
    [encoded] = [orjson.loads(line) for line in json_rows([list(row.values())]).split(b"\n")]
    # the same instant either way (the insert reads offsets with best_effort); whole seconds
    assert encoded == [
        "2024-05-01T08:30:15Z",
        "2024-05-01T16:30:15+08:00",
        "2024-05-01",
        ["a", "b"],
        "中文\0",
    ]
    assert json_rows([[{1, 2}], [Decimal("1.5")]]).split(b"\n") == [b"[[1,2]]", b'["1.5"]']
    with pytest.raises(TypeError, match="cannot store"):
        json_default(object())
