"""The login cookie, set and deleted by the server as an HttpOnly cookie.

A Streamlit page cannot set an HttpOnly cookie itself: a cookie written by a script in the
page can be read by any script in the page. So the script run that logs someone in issues a
*ticket*, a random one-time value held here for a few minutes, and draws a small script
(`st.html`) that posts the ticket to this app's own route, `/_sam/login-cookie` (an `st.App`
route, see serve.py); the route answers with the `Set-Cookie` header the ticket stands for
(HttpOnly, SameSite=Strict, Secure over https). Logging out deletes the cookie the same way.
The route knows nothing else: what a cookie may do is decided when it comes back
(`ui.session.log_in_from_cookie`).

Nothing here reruns the app: the script reports nothing back to Streamlit.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from dataclasses import dataclass

import streamlit as st

COOKIE = "sam_login"
ROUTE = "/_sam/login-cookie"
TICKET_SECONDS = 300.0


@dataclass(frozen=True)
class _Ticket:
    value: str  # the cookie's value; "" deletes it
    max_age: int
    issued: float  # time.monotonic()


class Tickets:
    """One-time tickets, each standing for one Set-Cookie header, shared by the app's script
    runs and the cookie route (they run in the same server process)."""

    def __init__(self) -> None:
        self._tickets: dict[str, _Ticket] = {}
        self._lock = threading.Lock()
        self.route_installed = False

    def issue(self, value: str, max_age: int) -> str:
        ticket = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            for stale in [t for t, v in self._tickets.items() if now - v.issued > TICKET_SECONDS]:
                del self._tickets[stale]
            self._tickets[ticket] = _Ticket(value, max_age, now)
        return ticket

    def pending(self, ticket: str) -> bool:
        with self._lock:
            found = self._tickets.get(ticket)
            return found is not None and time.monotonic() - found.issued <= TICKET_SECONDS

    def redeem(self, ticket: str) -> _Ticket | None:
        with self._lock:
            found = self._tickets.pop(ticket, None)
        if found is None or time.monotonic() - found.issued > TICKET_SECONDS:
            return None
        return found


TICKETS = Tickets()


def _tickets() -> Tickets:
    # Through sys.modules: with a development file watcher this module may be imported anew,
    # and the route must see the tickets the app's runs issue.
    return sys.modules[__name__].TICKETS


def set_cookie_header(ticket: _Ticket, *, secure: bool, path: str = "/") -> str:
    """The Set-Cookie header a ticket stands for."""
    header = f"{COOKIE}={ticket.value}; Path={path}; Max-Age={ticket.max_age}; HttpOnly; SameSite=Strict"
    return header + ("; Secure" if secure else "")


def _base_path() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


async def redeem(request):
    """The route: exchange a ticket (the request's body) for its Set-Cookie header."""
    from starlette.responses import Response

    ticket = _tickets().redeem((await request.body()).decode("ascii", "replace").strip())
    if ticket is None:
        return Response(status_code=404)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    secure = request.url.scheme in ("https", "wss")
    response.headers.append("Set-Cookie", set_cookie_header(ticket, secure=secure, path=_base_path() or "/"))
    return response


def routes() -> list:
    """The routes serve.py gives `st.App`."""
    from starlette.routing import Route

    _tickets().route_installed = True
    return [Route(_base_path() + ROUTE, redeem, methods=["POST"])]


def issue(value: str, max_age: int) -> str:
    """A ticket for the cookie `value` (or "" to delete it) with this lifetime in seconds."""
    return _tickets().issue(value, max_age)


def pending(ticket: str) -> bool:
    """True until the browser has redeemed the ticket (or it expired)."""
    return _tickets().pending(ticket)


def route_installed() -> bool:
    """False when the app runs without serve.py (`streamlit run app.py`): no cookie then."""
    return _tickets().route_installed


def send(ticket: str) -> None:
    """Draw the script that posts the ticket to the route (it runs once, when drawn)."""
    st.html(
        "<script>fetch("
        + json.dumps(_base_path() + ROUTE)
        + ', {method: "POST", credentials: "same-origin", keepalive: true, body: '
        + json.dumps(ticket)
        + "});</script>",
        unsafe_allow_javascript=True,
    )
