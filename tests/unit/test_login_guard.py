"""Login limits on a clock the test moves: attempts are reserved before the password is
checked, delays grow (5 s after the third failure, doubling, at most 5 minutes) instead of a
lock, an admin can unlock, and a success forgets only the failures against that user name."""

from __future__ import annotations

import threading

import pytest

from sam_core.access.login_guard import CLIENT, FORGET_SECONDS, USER, LoginGuard, delay_after, refusal


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def guard(clock) -> LoginGuard:
    return LoginGuard(clock=clock, turn_seconds=0)  # an attempt behind others is refused at once


def fail(guard: LoginGuard, username: str = "ceo", client: str = "10.0.0.1", times: int = 1) -> None:
    """`times` wrong passwords, each as soon as the limits allow (the clock moves on to it)."""
    for _ in range(times):
        wait = guard.begin(username, client)
        if wait:  # refused: come back when told
            guard.clock.now += wait
            wait = guard.begin(username, client)
        assert wait == 0
        guard.end(username, client, False)


def succeed(guard: LoginGuard, username: str, client: str) -> None:
    assert guard.begin(username, client) == 0
    guard.end(username, client, True)


def test_the_first_three_failures_cost_nothing(guard):
    fail(guard, times=2)
    assert guard.begin("ceo", "10.0.0.1") == 0


@pytest.mark.parametrize(
    ("failures", "wait"),
    # 5 s after the third failure, doubling per failure, capped at 300 s (5 minutes): never a lock.
    [(2, 0), (3, 5), (4, 10), (5, 20), (6, 40), (7, 80), (8, 160), (9, 300), (10, 300), (30, 300)],
)
def test_the_wait_after_the_last_failure_doubles_up_to_five_minutes(failures, wait):
    assert delay_after(failures) == wait


def test_an_attempt_inside_the_wait_is_refused_and_one_after_it_is_checked(guard, clock):
    fail(guard, times=3)
    clock.now += 4
    assert guard.begin("ceo", "10.0.0.1") == 1  # 5 s after the last failure, 4 s have passed
    clock.now += 1
    assert guard.begin("ceo", "10.0.0.1") == 0


def test_twelve_attempts_at_once_get_three_password_checks(guard):
    # All twelve arrive before the first check ends: each is reserved before its check, so the
    # fourth finds three in flight and waits for its turn (here: refused at once).
    answers = [guard.begin("ceo", "10.0.0.1") for _ in range(12)]
    assert answers[:3] == [0, 0, 0]
    assert all(wait > 0 for wait in answers[3:])
    for _ in range(3):
        guard.end("ceo", "10.0.0.1", False)
    assert guard.begin("ceo", "10.0.0.1") == 5  # the three failures now ask for 5 s


def test_twelve_attempts_at_once_at_twelve_names_from_one_client_get_three_checks(guard):
    answers = [guard.begin(f"user{i}", "10.0.0.1") for i in range(12)]
    assert answers.count(0) == 3


def test_a_waiting_attempt_takes_its_turn_when_one_in_flight_ends(clock):
    guard = LoginGuard(clock=clock, turn_seconds=60)
    for _ in range(3):
        assert guard.begin("ceo", "10.0.0.1") == 0
    answer = []
    waiting = threading.Thread(target=lambda: answer.append(guard.begin("ceo", "10.0.0.1")))
    waiting.start()
    guard.end("ceo", "10.0.0.1", True)  # the right password: its place is free again
    waiting.join(timeout=30)
    assert answer == [0]


def test_after_three_failures_only_one_attempt_at_a_time_is_checked(guard, clock):
    fail(guard, times=3)
    clock.now += 5
    assert guard.begin("ceo", "10.0.0.1") == 0
    assert guard.begin("ceo", "10.0.0.1") > 0  # the one in flight may fail and double the wait


def test_the_limit_holds_for_the_name_from_another_client_and_for_the_client_with_another_name(guard):
    fail(guard, times=5)
    assert guard.begin("CEO ", "10.9.9.9") == 20  # the same user name, any client, any case
    assert guard.begin("someone", "10.0.0.1") == 20  # the same client, any user name
    assert guard.begin("someone", "10.9.9.9") == 0


def test_logging_in_to_ones_own_account_does_not_clear_guesses_at_others(guard):
    # The attack of issue 21: guess twice at one account, log in to one's own, guess on.
    fail(guard, "ann", "10.0.0.1", times=2)
    succeed(guard, "mallory", "10.0.0.1")
    fail(guard, "bob", "10.0.0.1")
    assert guard.begin("bob", "10.0.0.1") == 5  # three guesses from this client: 5 s
    assert guard.begin("carl", "10.0.0.1") == 5


def test_a_success_forgets_the_users_own_typos_from_that_client(guard):
    fail(guard, "ann", "10.0.0.1")
    fail(guard, "bob", "10.0.0.1")
    succeed(guard, "ann", "10.0.0.1")
    assert {(s.kind, s.key, s.failures) for s in guard.status()} == {
        (USER, "bob", 1),
        (CLIENT, "10.0.0.1", 1),  # bob's failure stays with the client; ann's typo is forgotten
    }


def test_a_success_clears_the_user_names_failures_but_not_the_guessing_clients(guard, clock):
    fail(guard, "ceo", "10.0.0.1", times=6)
    clock.now += 40
    succeed(guard, "ceo", "10.9.9.9")  # the real user, from their own machine
    assert [(s.kind, s.key, s.failures) for s in guard.status()] == [(CLIENT, "10.0.0.1", 6)]


def test_failures_are_forgotten_a_day_after_the_last(guard, clock):
    fail(guard, times=8)
    clock.now += FORGET_SECONDS + 1
    fail(guard, times=2)  # counted afresh: two failures, no wait
    assert guard.begin("ceo", "10.0.0.1") == 0


def test_an_admins_unlock_lifts_the_wait_at_once(guard):
    fail(guard, times=8)
    assert guard.unlock(USER, " CEO") is True
    assert guard.begin("ceo", "10.9.9.9") == 0  # the name is free; its client still waits
    assert guard.begin("someone", "10.0.0.1") == 160
    assert guard.unlock(CLIENT, "10.0.0.1") is True
    assert guard.begin("someone", "10.0.0.1") == 0
    assert guard.unlock(USER, "nobody") is False


def test_refused_attempts_are_shown_to_the_admin_but_are_not_failures(guard, clock):
    fail(guard, times=3)
    refused_on_the_way = {s.key: s.refused for s in guard.status()}  # none: the clock waited
    assert refused_on_the_way == {"ceo": 0, "10.0.0.1": 0}
    clock.now += 2
    for _ in range(4):
        assert guard.begin("ceo", "10.0.0.1") == 3
    rows = {(s.kind, s.key): s for s in guard.status()}
    assert {key: (s.failures, s.refused, s.wait_seconds) for key, s in rows.items()} == {
        (USER, "ceo"): (3, 4, 3.0),
        (CLIENT, "10.0.0.1"): (3, 4, 3.0),
    }


def test_a_check_that_breaks_gives_its_place_back_and_counts_nothing(guard):
    for _ in range(3):
        assert guard.begin("ceo", "10.0.0.1") == 0
        guard.end("ceo", "10.0.0.1", None)
    assert guard.begin("ceo", "10.0.0.1") == 0
    assert guard.status() == []


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (0.4, "Too many failed logins: wait 1 second before trying again."),
        (5, "Too many failed logins: wait 5 seconds before trying again."),
        (
            300,
            "Too many failed logins: wait 5 minutes before trying again, or ask an admin to unlock your "
            "user name.",
        ),
    ],
)
def test_a_refusal_says_how_long_to_wait(seconds, message):
    assert refusal(seconds) == message
