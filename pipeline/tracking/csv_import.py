"""Orders from a CSV file (``sociallisten conversions import FILE``): validated rows, or the errors.

The header names the columns (any order): ``order_id``, ``time`` (ISO 8601 with a time zone),
``amount`` (major units, at most two decimals), and optionally ``currency`` (default CNY),
``visitor_id``, ``code``, ``utm_source``, ``utm_medium``, ``utm_campaign``, ``utm_content``.
An order id that appears twice keeps its last row: orders are idempotent by id, here as in Kafka.
"""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError

from pipeline.decode import describe_validation_error
from schemas.tracking import ConversionEvent, ConversionIn

REQUIRED = ("order_id", "time", "amount")
MAX_ERRORS = 20


def read_orders(text: str) -> tuple[list[ConversionEvent], list[str]]:
    """(orders, errors): errors name the line and the field; a file with errors should not be sent."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        return [], [f"the header lacks {', '.join(missing)} (columns: {', '.join(REQUIRED)}, currency, "
                    "visitor_id, code, utm_source, utm_medium, utm_campaign, utm_content)"]
    known = set(ConversionIn.model_fields)
    orders: dict[str, ConversionEvent] = {}
    errors: list[str] = []
    for line, row in enumerate(reader, start=2):
        fields = {k: (v or "").strip() for k, v in row.items() if k in known and v is not None and (v or "").strip()}
        try:
            order = ConversionIn.model_validate({**fields, "amount": _amount(fields.get("amount", ""))})
        except (ValidationError, ValueError) as exc:
            message = describe_validation_error(exc)[1] if isinstance(exc, ValidationError) else str(exc)
            errors.append(f"line {line}: {message}")
            if len(errors) >= MAX_ERRORS:
                errors.append("(more errors not shown)")
                break
            continue
        orders[order.order_id] = order.event("csv")
    return list(orders.values()), errors


def _amount(text: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"amount {text[:20]!r} is not a number") from None
