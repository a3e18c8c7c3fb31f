"""The desk agent's view of a command event: the command inside an ask, where the answer goes, its partition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from faust.agents.models import ReqRepRequest
from faust.streams import current_event

from pipeline.desk.requests import command_value, reply_address, stream_event


@dataclass
class Event:
    value: Any
    headers: dict[str, bytes] = field(default_factory=dict)


def test_an_ask_is_unwrapped_and_answered_to_its_reply_topic() -> None:
    asked = Event(ReqRepRequest(value={"op": "claim"}, reply_to="app-reply", correlation_id="c-1"))
    assert command_value(asked) == {"op": "claim"}
    assert reply_address(asked) == ("app-reply", "c-1")


def test_a_sent_observation_has_no_one_to_answer() -> None:
    sent = Event({"op": "observe"})
    assert command_value(sent) == {"op": "observe"}
    assert reply_address(sent) is None


def test_reply_headers_name_the_topic_and_correlation() -> None:
    event = Event({"op": "claim"}, {"Faust-Ag-ReplyTo": b"app-reply", "Faust-Ag-CorrelationId": b"c-2"})
    assert reply_address(event) == ("app-reply", "c-2")
    assert reply_address(Event({"op": "claim"}, {"Faust-Ag-ReplyTo": b""})) is None


def test_stream_event_is_faust_s_current_event_within_the_block_only() -> None:
    outer, inner = Event({"op": "observe"}), Event({"op": "claim"})
    assert current_event() is None
    with stream_event(outer):
        with stream_event(inner):
            assert current_event() is inner
        assert current_event() is outer
    assert current_event() is None
