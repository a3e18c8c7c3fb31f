"""free_port: below the ephemeral range (where outgoing connections take their ports), free, and a fallback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from pipeline.local import ports


def test_ports_are_free_and_below_the_ephemeral_range() -> None:
    low = ports.ephemeral_low()
    chosen = {ports.free_port() for _ in range(20)}
    assert all(ports.LOWEST <= p < low for p in chosen)
    assert len(chosen) > 1  # random, not one fixed port that parallel tests would all pick
    for port in chosen:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_taken_port_is_not_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        picks = iter([port, port])
        real = ports.random.randrange
        monkeypatch.setattr(ports.random, "randrange", lambda lo, hi: next(picks, None) or real(lo, hi))
        assert ports.free_port() != port
        assert next(picks, None) is None  # the taken port was drawn twice and refused


def test_unreadable_range_and_no_room_fall_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "range").write_text("garbage")
    assert ports.ephemeral_low(tmp_path / "range") == 32768
    assert ports.ephemeral_low(tmp_path / "missing") == 32768
    (tmp_path / "range").write_text("1024\t65000\n")
    assert ports.ephemeral_low(tmp_path / "range") == 1024
    monkeypatch.setattr(ports, "ephemeral_low", lambda: 1024)  # the whole range is ephemeral: bind(0)
    port = ports.free_port()
    assert 0 < port < 65536
