"""Choosing the worker's event loop (SOCIALLISTEN_EVENT_LOOP)."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator

import pytest

from pipeline.config import Settings, WorkerSettings
from pipeline.worker.event_loop import running_loop_name, use_event_loop


@pytest.fixture(autouse=True)
def _restore_policy() -> Iterator[None]:
    before = asyncio.get_event_loop_policy()
    yield
    asyncio.set_event_loop_policy(before)


def _loop_of_new_loops() -> str:
    async def name() -> str:
        return running_loop_name()

    return asyncio.run(name())


def test_uvloop_is_the_default_and_new_loops_use_it() -> None:
    assert Settings().worker.event_loop == "uvloop"
    assert use_event_loop("uvloop") == "uvloop"
    assert _loop_of_new_loops() == "uvloop"


def test_asyncio_restores_the_standard_loop() -> None:
    use_event_loop("uvloop")
    assert use_event_loop("asyncio") == "asyncio"
    assert _loop_of_new_loops() == "asyncio"


def test_without_uvloop_installed_the_standard_loop_is_used_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    with caplog.at_level(logging.WARNING, logger="pipeline.worker.event_loop"):
        assert use_event_loop("uvloop") == "asyncio"
    assert _loop_of_new_loops() == "asyncio"
    assert "uvloop is not installed" in caplog.text


def test_an_unknown_loop_name_is_rejected_by_the_settings() -> None:
    with pytest.raises(ValueError, match="event_loop"):
        WorkerSettings(event_loop="trio")  # type: ignore[arg-type]
