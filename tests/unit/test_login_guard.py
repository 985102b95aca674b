"""Failed logins are limited on the server, per user name and per client."""

from __future__ import annotations

from sam_core.access.login_guard import LOCK_SECONDS, LoginGuard, refusal


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guard_with_failures(n: int, username: str = "ceo", client: str = "10.0.0.1") -> tuple[LoginGuard, Clock]:
    clock = Clock()
    guard = LoginGuard(clock=clock)
    for _ in range(n):
        guard.failed(username, client)
    return guard, clock


def test_the_first_three_failures_cost_nothing():
    guard, _ = guard_with_failures(3 - 1)
    assert guard.wait_seconds("ceo", "10.0.0.1") == 0


def test_then_the_delay_doubles_per_failure():
    guard, clock = guard_with_failures(3)
    assert guard.wait_seconds("ceo", "10.0.0.1") == 1
    guard.failed("ceo", "10.0.0.1")
    assert guard.wait_seconds("ceo", "10.0.0.1") == 2
    clock.now += 2
    assert guard.wait_seconds("ceo", "10.0.0.1") == 0


def test_the_limit_holds_for_the_name_from_another_client_and_for_the_client_with_another_name():
    guard, _ = guard_with_failures(5)
    assert guard.wait_seconds("CEO", "10.9.9.9") == 4  # the same user name, any client, any case
    assert guard.wait_seconds("someone", "10.0.0.1") == 4  # the same client, any user name
    assert guard.wait_seconds("someone", "10.9.9.9") == 0


def test_ten_failures_lock_for_fifteen_minutes():
    guard, clock = guard_with_failures(10)
    assert guard.wait_seconds("ceo", "x") == LOCK_SECONDS
    clock.now += LOCK_SECONDS
    assert guard.wait_seconds("ceo", "x") == 0
    assert refusal(LOCK_SECONDS).startswith("Too many failed logins: locked for 15 more minutes.")


def test_a_success_clears_the_record():
    guard, _ = guard_with_failures(6)
    guard.succeeded("ceo", "10.0.0.1")
    assert guard.wait_seconds("ceo", "10.0.0.1") == 0
