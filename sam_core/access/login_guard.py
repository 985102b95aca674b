"""Server-side limits on password guessing, per user name and per client address.

Every attempt is *reserved* before its password is checked (`begin`), and its outcome
recorded after (`end`). A reservation holds a place: a user name or client with
`FREE_FAILURES` failures and reservations together takes no more attempts until one of them
ends, so twelve attempts sent at the same moment get at most three password checks, not
twelve. Once a user name or client has `FREE_FAILURES` failures, each further attempt waits
a delay after the last failure that doubles with every failure (`FIRST_DELAY`, twice that ...
up to `MAX_DELAY`), and only one attempt at a time is checked. There is no hard lock: the
longest wait is `MAX_DELAY`, and an admin can `unlock` a user name or client at once.

A success forgets the failures against that user name (under the name, and the client's
failures against that name): a client's failures against *other* user names stay, so logging
in to one's own account does not buy more guesses at someone else's. Failures are forgotten
`FORGET_SECONDS` after the last one. Attempts refused for a wait are not counted as failures
(they check no password) but are counted for the admin page.

The records live in the server process: a new browser session does not reset them; a
restart of the server does.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

FREE_FAILURES = 3
FIRST_DELAY = 5.0
MAX_DELAY = 300.0
FORGET_SECONDS = 24 * 3600
TURN_SECONDS = 30.0  # how long an attempt waits for its turn behind attempts in flight
MAX_RECORDS = 10_000  # beyond this, the records with the oldest failures are dropped

USER = "user name"
CLIENT = "client"


def delay_after(failures: int) -> float:
    """Seconds an attempt must wait after the last of `failures` failures (0: none)."""
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, FIRST_DELAY * 2.0 ** (failures - FREE_FAILURES))


@dataclass
class _Record:
    failures: Counter = field(default_factory=Counter)  # target user name -> failures
    last: float = 0.0  # when the last failure ended
    in_flight: int = 0
    refused: int = 0

    @property
    def total(self) -> int:
        return sum(self.failures.values())


@dataclass(frozen=True)
class LimitStatus:
    """One user name's or client's record, for the admin page."""

    kind: str  # USER or CLIENT
    key: str
    failures: int
    last_failure: float  # epoch seconds
    wait_seconds: float  # how long the next attempt must wait now
    refused: int  # attempts refused for a wait
    in_flight: int


@dataclass
class LoginGuard:
    clock: Callable[[], float] = time.time
    turn_seconds: float = TURN_SECONDS
    _records: dict[tuple[str, str], _Record] = field(default_factory=dict)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    @staticmethod
    def _keys(username: str, client: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return (USER, normal_name(username)), (CLIENT, client)

    def _record(self, key: tuple[str, str], now: float) -> _Record:
        record = self._records.get(key)
        if record is not None and record.in_flight == 0 and now - record.last > FORGET_SECONDS:
            record.failures.clear()
            record.refused = 0
        if record is None:
            if len(self._records) >= MAX_RECORDS:
                self._drop_oldest()
            record = self._records[key] = _Record()
        return record

    def _drop_oldest(self) -> None:
        idle = sorted((r.last, k) for k, r in self._records.items() if r.in_flight == 0)
        for _, key in idle[: max(1, len(idle) // 10)]:
            del self._records[key]

    def begin(self, username: str, client: str) -> float:
        """Reserve an attempt of `username` from `client`: 0.0 when it may check the password
        (then `end` must follow), else the seconds to wait (the attempt is refused). Waits up
        to `turn_seconds` for attempts already in flight on the same name or client."""
        keys = self._keys(username, client)
        deadline = time.monotonic() + self.turn_seconds
        with self._changed:
            while True:
                now = self.clock()
                records = [self._record(key, now) for key in keys]
                waits = [r.last + delay_after(r.total) - now for r in records]
                if max(waits) > 0:
                    for r, wait in zip(records, waits, strict=True):
                        r.refused += wait > 0
                    return max(waits)
                busy = [r.total + r.in_flight >= FREE_FAILURES and r.in_flight > 0 for r in records]
                if not any(busy):
                    for r in records:
                        r.in_flight += 1
                    return 0.0
                remaining = deadline - time.monotonic()
                if remaining <= 0:  # still behind other attempts: as good as a wait
                    for r, full in zip(records, busy, strict=True):
                        r.refused += full
                    return FIRST_DELAY
                self._changed.wait(remaining)

    def end(self, username: str, client: str, succeeded: bool | None) -> None:
        """The reserved attempt's outcome: True (right password), False (wrong), None (not
        checked, e.g. an error: the place is given back and nothing counted)."""
        name = normal_name(username)
        user_key, client_key = self._keys(username, client)
        with self._changed:
            now = self.clock()
            for key in (user_key, client_key):
                record = self._record(key, now)
                record.in_flight = max(0, record.in_flight - 1)
                if succeeded is False:
                    record.failures[name] += 1
                    record.last = now
                elif succeeded:
                    record.failures.pop(name, None)
                    if key == user_key:  # the user is in: nothing about their name to show
                        record.refused = 0
                if not (record.total or record.in_flight or record.refused):
                    del self._records[key]
            self._changed.notify_all()

    def unlock(self, kind: str, key: str) -> bool:
        """Forget the failures of a user name or client (an admin's unlock, audited by
        `passwords.unlock`); True if there were any."""
        key = normal_name(key) if kind == USER else key
        with self._changed:
            record = self._records.get((kind, key))
            had = record is not None and (record.total > 0 or record.refused > 0)
            if record is not None:
                record.failures.clear()
                record.refused, record.last = 0, 0.0
                if not record.in_flight:
                    del self._records[(kind, key)]
            self._changed.notify_all()
        return had

    def status(self) -> list[LimitStatus]:
        """Every user name and client with failures or refused attempts, longest wait first."""
        with self._changed:
            now = self.clock()
            rows = [
                LimitStatus(
                    kind,
                    key,
                    r.total,
                    r.last,
                    max(0.0, r.last + delay_after(r.total) - now),
                    r.refused,
                    r.in_flight,
                )
                for (kind, key), r in self._records.items()
                if (r.total or r.refused) and now - r.last <= FORGET_SECONDS
            ]
        return sorted(rows, key=lambda s: (-s.wait_seconds, -s.failures, -s.last_failure, s.kind, s.key))


def normal_name(username: str) -> str:
    """User names are matched trimmed and lower case (and limited to 64 characters here)."""
    return username.strip().lower()[:64]


def refusal(seconds: float) -> str:
    """The message for an attempt refused for a wait."""
    if seconds >= 90:
        minutes = round(seconds / 60)
        return (
            f"Too many failed logins: wait {minutes} minute{'s' if minutes != 1 else ''} before trying "
            "again, or ask an admin to unlock your user name."
        )
    whole = max(1, round(seconds))
    return f"Too many failed logins: wait {whole} second{'s' if whole != 1 else ''} before trying again."
