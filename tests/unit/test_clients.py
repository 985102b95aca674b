"""Which address a login attempt counts under: X-Forwarded-For is believed only from the
proxies of SAM_TRUSTED_PROXIES, and only when the web server was started to believe the same
(FORWARDED_ALLOW_IPS); otherwise an attempt that carries it is refused, never counted under an
address its sender chose."""

from __future__ import annotations

import pytest

from sam_core.access.clients import LOCAL, ProxyNotConfigured, login_client
from sam_core.settings import load_settings

PROXY = ("10.0.0.5/32",)


@pytest.mark.parametrize(
    ("address", "forwarded_for", "trusted", "server_trusts", "client"),
    [
        ("203.0.113.7", None, (), None, "203.0.113.7"),  # a browser straight to the server
        (None, None, (), None, LOCAL),  # from this machine: Streamlit gives no address
        (None, "198.51.100.1", (), "", LOCAL),  # started as scripts/run.sh: the header changes nothing
        ("203.0.113.7", "198.51.100.1", (), "", "203.0.113.7"),
        # behind the proxy 10.0.0.5, started with FORWARDED_ALLOW_IPS=10.0.0.5: the server put the
        # client's address from the header in place of the proxy's
        ("198.51.100.9", "198.51.100.9", PROXY, "10.0.0.5", "198.51.100.9"),
        ("198.51.100.9", "6.6.6.6, 198.51.100.9", PROXY, "10.0.0.5/32", "198.51.100.9"),
    ],
)
def test_the_client_is_the_address_the_server_can_vouch_for(
    address, forwarded_for, trusted, server_trusts, client
):
    assert (
        login_client(address, forwarded_for, trusted_proxies=trusted, server_trusts=server_trusts) == client
    )


@pytest.mark.parametrize(
    ("address", "forwarded_for", "trusted", "server_trusts"),
    [
        # `streamlit run` without FORWARDED_ALLOW_IPS: uvicorn believes the header from 127.0.0.1,
        # so a local client could name any address it likes, one per attempt
        ("6.6.6.6", "6.6.6.6", (), None),
        # the proxy is set in the app but the server was started to believe someone else
        ("198.51.100.9", "198.51.100.9", PROXY, ""),
        ("198.51.100.9", "198.51.100.9", PROXY, "*"),
    ],
)
def test_a_forwarded_address_the_server_may_have_taken_on_trust_is_refused(
    address, forwarded_for, trusted, server_trusts
):
    with pytest.raises(ProxyNotConfigured, match="SAM_TRUSTED_PROXIES"):
        login_client(address, forwarded_for, trusted_proxies=trusted, server_trusts=server_trusts)


def test_a_trusted_proxy_that_sends_no_forwarded_for_is_refused_rather_than_shared():
    with pytest.raises(ProxyNotConfigured, match="without an X-Forwarded-For header"):
        login_client("10.0.0.5", None, trusted_proxies=PROXY, server_trusts="10.0.0.5")


def test_trusted_proxies_are_read_as_addresses_and_networks():
    settings = load_settings(env={"SAM_TRUSTED_PROXIES": " 10.0.0.5, 10.1.0.0/16 ,::1"})
    assert settings.trusted_proxies == ("10.0.0.5/32", "10.1.0.0/16", "::1/128")
    assert load_settings(env={}).trusted_proxies == ()


def test_a_trusted_proxy_that_is_not_an_address_is_explained():
    with pytest.raises(ValueError, match=r"SAM_TRUSTED_PROXIES must list IP addresses .* not 'proxy.local'"):
        load_settings(env={"SAM_TRUSTED_PROXIES": "proxy.local"})
