"""Logging out on the server: login cookies issued before the logout stop working."""

from __future__ import annotations

from sam_core.access.logouts import LogoutRegister


def register_at(now: float) -> LogoutRegister:
    return LogoutRegister(clock=lambda: now)


def test_a_cookie_of_a_user_who_never_logged_out_is_valid():
    assert register_at(1000.0).cookie_still_valid("coach", issued_at=10.0)


def test_a_logout_ends_every_cookie_issued_before_it_and_not_the_next_login():
    logouts = register_at(1000.0)
    logouts.logged_out("coach")
    assert [logouts.cookie_still_valid("coach", issued_at=t) for t in (999.0, 1000.0, 1000.5)] == [
        False,
        False,
        True,
    ]


def test_a_logout_ends_only_that_users_cookies():
    logouts = register_at(1000.0)
    logouts.logged_out("coach")
    assert logouts.cookie_still_valid("executive", issued_at=999.0)
