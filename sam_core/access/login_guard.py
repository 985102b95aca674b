"""Server-side limits on failed logins, per user name and per client address.

After `FREE_FAILURES` failures in a row, each further attempt must wait a delay that doubles
(1 s, 2 s, 4 s ... up to `MAX_DELAY`); after `LOCK_AFTER` failures the name or client is
locked for `LOCK_SECONDS`. A success clears the user name's and the client's record. The
record lives in the server process, so opening a new browser session does not reset it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FREE_FAILURES = 3
MAX_DELAY = 60.0
LOCK_AFTER = 10
LOCK_SECONDS = 15 * 60


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0


@dataclass
class LoginGuard:
    clock: Callable[[], float] = time.monotonic
    _records: dict[tuple[str, str], _Record] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _keys(self, username: str, client: str) -> list[tuple[str, str]]:
        return [("user", username.strip().lower()), ("client", client or "unknown")]

    def wait_seconds(self, username: str, client: str) -> float:
        """How long this user name and client must wait before the next attempt (0: now)."""
        now, waits = self.clock(), [0.0]
        with self._lock:
            for key in self._keys(username, client):
                record = self._records.get(key)
                if record is None or record.failures < FREE_FAILURES:
                    continue
                pause = (
                    LOCK_SECONDS
                    if record.failures >= LOCK_AFTER
                    else min(MAX_DELAY, 2.0 ** (record.failures - FREE_FAILURES))
                )
                waits.append(record.last + pause - now)
        return max(0.0, max(waits))

    def failed(self, username: str, client: str) -> None:
        with self._lock:
            for key in self._keys(username, client):
                record = self._records.setdefault(key, _Record())
                record.failures += 1
                record.last = self.clock()

    def succeeded(self, username: str, client: str) -> None:
        with self._lock:
            for key in self._keys(username, client):
                self._records.pop(key, None)


def refusal(seconds: float) -> str:
    """The message for a refused attempt."""
    if seconds >= 120:
        return (
            f"Too many failed logins: locked for {seconds / 60:.0f} more minutes. Ask an admin if you "
            "forgot your password."
        )
    return f"Too many failed logins: wait {max(1, round(seconds))} seconds before trying again."
