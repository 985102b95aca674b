"""Which client a login attempt comes from, for the login limits.

Streamlit's web server (uvicorn) replaces the connection's address by the X-Forwarded-For
header's when the connection comes from an address in the environment variable
`FORWARDED_ALLOW_IPS`, which defaults to 127.0.0.1 and ::1: anyone who reaches the port
from this machine, or through a proxy that passes the header on unchanged, could then pick
their own address, one per attempt. The app's setting `SAM_TRUSTED_PROXIES` says which
proxies to believe, and the server must be started with `FORWARDED_ALLOW_IPS` set to the
same list (scripts/run.sh does it; empty: believe no one). When the two differ, an attempt
that carries X-Forwarded-For is refused rather than counted under an address its sender
may have chosen; without the header the connection's own address is used as it is.
"""

from __future__ import annotations

import ipaddress

from sam_core.errors import SamError

# What uvicorn believes when FORWARDED_ALLOW_IPS is not set.
UVICORN_DEFAULT_TRUST = "127.0.0.1,::1"
LOCAL = "localhost"  # Streamlit reports no address for a connection from this machine


class ProxyNotConfigured(SamError):
    """X-Forwarded-For cannot be trusted as the server is started; the attempt is refused."""


def _networks(text: str) -> frozenset[str]:
    items = set()
    for item in (part.strip() for part in text.split(",")):
        if item:
            try:
                items.add(str(ipaddress.ip_network(item, strict=False)))
            except ValueError:
                items.add(item)  # '*' or a name: never equal to a list of addresses
    return frozenset(items)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address("127.0.0.1" if address == LOCAL else address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network) for network in trusted)


def login_client(
    address: str | None,
    forwarded_for: str | None,
    *,
    trusted_proxies: tuple[str, ...],
    server_trusts: str | None,
) -> str:
    """The client address a login attempt is counted under.

    `address`: the connection's address as Streamlit reports it (None from this machine);
    `forwarded_for`: the request's X-Forwarded-For header; `trusted_proxies`: the setting
    SAM_TRUSTED_PROXIES (normalised networks); `server_trusts`: the server's
    FORWARDED_ALLOW_IPS (None when not set). Raises ProxyNotConfigured when the address may be
    one the sender chose, or is the proxy's own (every client behind it would share it)."""
    client = address or LOCAL
    server = _networks(UVICORN_DEFAULT_TRUST if server_trusts is None else server_trusts)
    if forwarded_for and server != frozenset(trusted_proxies):
        raise ProxyNotConfigured(
            "Login refused: this request names its client in X-Forwarded-For, and the server is not "
            "set up to tell whether to believe it. An administrator sets SAM_TRUSTED_PROXIES to the "
            "reverse proxy's address and starts the app with scripts/run.sh (which passes it on to the "
            "web server as FORWARDED_ALLOW_IPS); see Security in the README."
        )
    if not forwarded_for and trusted_proxies and _is_trusted(client, trusted_proxies):
        raise ProxyNotConfigured(
            f"Login refused: the request came through the proxy at {client} without an X-Forwarded-For "
            "header, so every client behind it would share one login limit. Configure the proxy to send "
            "X-Forwarded-For (see Security in the README)."
        )
    return client
