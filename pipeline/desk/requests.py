"""What a command event on the cases topic carries: the command, and where its answer goes.

The desk agent reads its commands a batch at a time (``take_events``), so it answers each asker
itself, as Faust does for an agent that yields one answer per event: an ``agent.ask`` wraps the
command in a ``ReqRepRequest`` naming the reply topic and correlation id (or, with reply headers,
carries them as headers); a plain ``agent.send`` (the batch listener's observations) asks for none.
A table write, too, needs the event it follows (its changelog goes to that event's partition), which
Faust knows only while it hands out one event at a time: :func:`stream_event` says which.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from faust.agents.models import ReqRepRequest
from faust.streams import _current_event


def command_value(event: Any) -> Any:
    """The command of ``event`` (a Faust event), unwrapped from an ``ask``'s request."""
    value = event.value
    return value.value if isinstance(value, ReqRepRequest) else value


def reply_address(event: Any) -> tuple[str, str] | None:
    """(reply topic, correlation id) of an asked command; None when nobody waits for an answer."""
    value = event.value
    if isinstance(value, ReqRepRequest):
        return value.reply_to, value.correlation_id
    headers = event.headers or {}
    reply_to = headers.get("Faust-Ag-ReplyTo")
    if not reply_to:
        return None
    return _text(reply_to), _text(headers.get("Faust-Ag-CorrelationId") or b"")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@contextmanager
def stream_event(event: Any) -> Iterator[None]:
    """Within the block, ``event`` is Faust's current event (what its tables write after)."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)
