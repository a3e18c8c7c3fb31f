"""Free TCP ports on loopback for the local services.

A port from ``bind(0)`` comes from the kernel's ephemeral range, the same range that every outgoing
connection takes its local port from; between the choice and the service's own bind, a client's
connection could take it. So ports are chosen at random below that range (no outgoing connection
uses those) and checked by a bind; ``bind(0)`` remains the fallback.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 10_000
"""The lowest port chosen: well above the ports that system services listen on."""
TRIES = 50


def ephemeral_low(path: Path = EPHEMERAL_RANGE) -> int:
    """The first port of the kernel's ephemeral range (32768 where it cannot be read)."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now, outside the ephemeral range where one is."""
    high = ephemeral_low()
    if high - LOWEST > 1000:
        for _ in range(TRIES):
            port = random.randrange(LOWEST, high)
            if _bindable(host, port):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
