"""Logging out on the server: a login cookie issued before a user's last logout no longer
logs them in, whatever the browser still holds (a cookie deleted late, or copied).

Logging out anywhere ends every remembered login of that user on this server process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LogoutRegister:
    clock: Callable[[], float] = time.time
    _logged_out_at: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def logged_out(self, username: str) -> None:
        """Record that the user logged out now."""
        with self._lock:
            self._logged_out_at[username] = self.clock()

    def cookie_still_valid(self, username: str, issued_at: float) -> bool:
        """False for a login cookie issued (epoch seconds) at or before the user's last logout."""
        with self._lock:
            return issued_at > self._logged_out_at.get(username, float("-inf"))
