"""A bounded table of failed authentications per client address.

After ``failures`` failed attempts within ``window`` seconds, a client gets 429 (with
``Retry-After``) until its window ends, valid token or not. The table holds at most
``max_clients`` addresses; past that the least recently failing ones are forgotten, so a flood
of addresses costs bounded memory. Behind a reverse proxy every client has the proxy's address:
let the proxy pass the client's own (uvicorn's ``--forwarded-allow-ips``) or limit there.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class FailureLimiter:
    """Counts failed authentications per client in fixed windows."""

    def __init__(self, failures: int, window: float, *, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.failures = failures
        self.window = window
        self.max_clients = max_clients
        self._clock = clock
        self._table: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()  # FastAPI runs the (sync) auth dependencies on worker threads

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again; 0 when it may now."""
        with self._lock:
            entry = self._table.get(client)
            if entry is None:
                return 0.0
            start, count = entry
            left = start + self.window - self._clock()
            if left <= 0:
                del self._table[client]
                return 0.0
            return left if count >= self.failures else 0.0

    def failed(self, client: str) -> None:
        """Count one failed attempt of ``client``."""
        with self._lock:
            now = self._clock()
            start, count = self._table.pop(client, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            self._table[client] = (start, count + 1)
            while len(self._table) > self.max_clients:
                self._table.popitem(last=False)

    def __len__(self) -> int:
        return len(self._table)
