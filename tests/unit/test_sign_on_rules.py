"""Company sign-on's rules: who a signed-in person is (from the id_token's claims), what role
and accounts they get (Users table first, then the first mapped group), when a sign-in may still
start a session, and the settings that switch it on (SAM_AUTH, the [auth] secrets)."""

from __future__ import annotations

import pytest

from sam_core.access.directory import DirectoryEntry
from sam_core.access.oidc import SIGN_IN_SECONDS, Identity, resolve, role_from_groups, token_id
from sam_core.access.permissions import User
from sam_core.access.users import ConfigurationError, check_sign_on
from sam_core.settings import load_settings, role_mapping

ROLES = (("sam-admins", "admin"), ("sam-managers", "account_manager"), ("sam-executives", "executive"))
CLAIMS = {
    "iss": "https://login.example.com",
    "sub": "u-1",
    "iat": 1_800_000_000,
    "nonce": "n-1",
    "email": "Maria.Keller@Example.com",
    "name": "Maria K.",
    "groups": ["staff", "sam-managers"],
}


def identity(**changes) -> Identity:
    return Identity.from_claims({**CLAIMS, **changes})


def auth(**provider) -> dict:
    """An [auth] section with one provider, [auth.company]."""
    section = {"client_id": "id", "client_secret": "secret", "server_metadata_url": "https://idp/.well-known"}
    return {
        "redirect_uri": "https://sam.example.com/oauth2callback",
        "cookie_secret": "s" * 40,
        "company": {**section, **provider},
    }


# -- who the person is ------------------------------------------------------------------


def test_the_email_is_kept_in_lower_case_with_the_name_and_groups():
    found = identity()
    assert (found.email, found.name, found.groups) == (
        "maria.keller@example.com",
        "Maria K.",
        ("staff", "sam-managers"),
    )


@pytest.mark.parametrize(
    ("claims", "email"),
    [
        ({"email": None, "preferred_username": "Maria@Example.com"}, "maria@example.com"),  # Entra's UPN
        ({"email": None, "preferred_username": "maria", "upn": "m@example.com"}, "m@example.com"),
        ({"email": None, "preferred_username": "maria"}, ""),  # not an address: none
        ({"email_verified": False}, ""),  # the provider says it is not verified: not used
        ({"email_verified": True}, "maria.keller@example.com"),
    ],
)
def test_the_email_comes_from_the_email_claim_or_an_address_the_provider_vouches_for(claims, email):
    assert identity(**claims).email == email


def test_a_single_group_given_as_text_is_one_group():
    assert identity(groups="sam-admins").groups == ("sam-admins",)
    assert Identity.from_claims({**CLAIMS, "roles": ["Admin"]}, groups_claim="roles").groups == ("Admin",)


def test_each_sign_in_has_its_own_id_and_every_read_of_one_the_same():
    assert token_id(CLAIMS) == token_id(dict(CLAIMS))
    assert token_id(CLAIMS) != token_id({**CLAIMS, "nonce": "n-2"})  # the next sign-in
    assert token_id(CLAIMS) != token_id({**CLAIMS, "iat": CLAIMS["iat"] + 1})
    assert token_id(CLAIMS) != token_id({**CLAIMS, "sub": "u-2"})


def test_a_session_keeps_the_email_name_and_groups_of_the_identity():
    found = identity()
    again = Identity.from_json(found.to_json(), found.token_id)
    assert (again.email, again.name, again.groups, again.token_id) == (
        found.email,
        found.name,
        found.groups,
        found.token_id,
    )


@pytest.mark.parametrize(
    ("seconds_after_issue", "fresh"),
    [
        (0, True),
        (SIGN_IN_SECONDS, True),
        (SIGN_IN_SECONDS + 1, False),
        (-SIGN_IN_SECONDS, True),
        (-301, False),
    ],
)
def test_a_sign_in_starts_a_session_only_within_five_minutes_of_its_token(seconds_after_issue, fresh):
    # (a negative time: the provider's clock is ahead of the app's)
    assert identity().fresh(CLAIMS["iat"] + seconds_after_issue) is fresh


def test_a_token_without_an_issue_time_is_never_fresh():
    assert identity(iat=None).fresh(CLAIMS["iat"]) is False


# -- what they may do ------------------------------------------------------------------


def test_the_first_group_of_the_mapping_the_person_is_in_gives_the_role():
    # in both groups: the mapping's order decides, not the order of the token's claim
    assert role_from_groups(("sam-executives", "sam-admins"), ROLES) == "admin"
    assert role_from_groups(("SAM-Managers",), ROLES) == "account_manager"  # case does not matter
    assert role_from_groups(("staff",), ROLES) is None


@pytest.mark.parametrize(
    ("entry_role", "groups", "role"),
    [
        (None, ("sam-managers",), "account_manager"),  # not in the table's role: the groups
        ("coach", ("sam-managers",), "coach"),  # the table's role wins over the groups
        ("executive", (), "executive"),  # no group claim at all (Google): the table alone
    ],
)
def test_the_users_table_role_comes_first_then_the_groups(entry_role, groups, role):
    entry = DirectoryEntry("maria.keller@example.com", "Maria Keller", entry_role, frozenset())
    assert resolve(identity(groups=list(groups)), entry, ROLES).user.role == role


def test_no_role_from_the_table_or_the_groups_is_refused_with_the_groups_named():
    access = resolve(identity(groups=["staff", "it"]), None, ROLES)
    assert access.user is None
    assert access.reason == (
        "No role for maria.keller@example.com: the app's Users table does not list you, and none of your "
        "groups (staff, it) gives a role."
    )


def test_no_access_in_the_users_table_refuses_whatever_the_groups_say():
    entry = DirectoryEntry("maria.keller@example.com", "Maria Keller", "none", frozenset())
    access = resolve(identity(groups=["sam-admins"]), entry, ROLES)
    assert (access.user, access.no_access) == (None, True)


def test_without_an_email_nobody_is_let_in_even_with_a_mapped_group():
    access = resolve(identity(email=None, groups=["sam-admins"]), None, ROLES)
    assert access.user is None and "no (verified) e-mail address" in access.reason


def test_the_users_table_gives_the_name_that_owns_accounts_and_the_accounts_granted():
    entry = DirectoryEntry("maria.keller@example.com", "Maria Keller", None, frozenset({"ACC-9"}))
    user = resolve(identity(), entry, ROLES).user
    assert (user.username, user.name, user.role) == (
        "maria.keller@example.com",
        "Maria Keller",
        "account_manager",
    )
    assert user.owns("ACC-1", "Maria Keller")
    assert user.owns("ACC-9", "Jonas Weber")  # granted
    assert not user.owns("ACC-2", "Maria K.")  # the provider's display name owns nothing


def test_an_account_manager_the_users_table_lacks_owns_no_account_by_the_providers_name():
    user = resolve(identity(name="Maria Keller"), None, ROLES).user
    assert (user.name, user.role) == ("Maria Keller", "account_manager")
    assert not user.owns("ACC-1", "Maria Keller")
    assert user.owns("ACC-3", "maria.keller@example.com")  # data that names managers by e-mail


def test_a_password_user_still_owns_by_their_name():
    assert User("maria", "Maria Keller", "account_manager").owns("ACC-1", "maria keller")


# -- settings ------------------------------------------------------------------------------


def test_the_password_method_is_the_default_and_the_auth_secrets_switch_company_sign_on_on():
    assert load_settings(env={}).auth == "password"
    settings = load_settings(env={}, secrets={"auth": auth()})
    assert (settings.auth, settings.sign_on.provider, settings.sign_on.label) == (
        "oidc",
        "company",
        "Company",
    )
    assert load_settings(env={"SAM_AUTH": "password"}, secrets={"auth": auth()}).sign_on is None


@pytest.mark.parametrize(
    ("metadata", "label"),
    [
        ("https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration", "Microsoft"),
        ("https://acme.okta.com/oauth2/default/.well-known/openid-configuration", "Okta"),
        ("https://accounts.google.com/.well-known/openid-configuration", "Google"),
    ],
)
def test_the_button_names_the_provider_from_its_metadata_url(metadata, label):
    settings = load_settings(env={}, secrets={"auth": auth(server_metadata_url=metadata)})
    assert settings.sign_on.label == label
    named = load_settings(
        env={"SAM_OIDC_LABEL": "Acme SSO"}, secrets={"auth": auth(server_metadata_url=metadata)}
    )
    assert named.sign_on.label == "Acme SSO"


def test_the_keys_directly_under_auth_are_the_default_provider():
    flat = {k: v for k, v in auth().items() if k != "company"} | auth()["company"]
    sign_on = load_settings(env={}, secrets={"auth": flat}).sign_on
    assert (sign_on.provider, sign_on.label) == (None, "your company account")


def test_company_sign_on_without_auth_secrets_is_refused_naming_what_to_set():
    with pytest.raises(ValueError, match=r"SAM_AUTH=oidc needs the \[auth\] section"):
        load_settings(env={"SAM_AUTH": "oidc"})


def test_missing_keys_are_named():
    broken = auth()
    del broken["cookie_secret"], broken["company"]["client_secret"]
    with pytest.raises(
        ValueError, match=r"needs cookie_secret, client_secret in \[auth\] / \[auth.company\]"
    ):
        load_settings(env={}, secrets={"auth": broken})


def test_two_providers_need_sam_oidc_provider():
    two = {**auth(), "okta": dict(auth()["company"])}
    with pytest.raises(
        ValueError, match=r"Set SAM_OIDC_PROVIDER to the provider to sign in with: .* company, okta"
    ):
        load_settings(env={}, secrets={"auth": two})
    assert load_settings(env={"SAM_OIDC_PROVIDER": "okta"}, secrets={"auth": two}).sign_on.provider == "okta"
    with pytest.raises(ValueError, match=r"has no \[auth.entra\] section"):
        load_settings(env={"SAM_OIDC_PROVIDER": "entra"}, secrets={"auth": two})


def test_the_group_mapping_keeps_its_order_and_knows_manager():
    assert role_mapping("sam-admins=admin;\n Sales Managers = manager ;; x=coach") == (
        ("sam-admins", "admin"),
        ("Sales Managers", "account_manager"),
        ("x", "coach"),
    )


@pytest.mark.parametrize("text", ["sam-admins", "sam-admins=boss", "=admin"])
def test_a_group_mapping_that_is_not_group_equals_role_is_refused(text):
    with pytest.raises(ValueError, match=f"SAM_OIDC_ROLES lists group=role pairs .* {text!r} is not one"):
        role_mapping(text)


def test_sam_auth_accepts_only_the_two_methods():
    with pytest.raises(ValueError, match="SAM_AUTH must be 'password' or 'oidc', not 'saml'"):
        load_settings(env={"SAM_AUTH": "saml"})


@pytest.mark.parametrize(
    ("secret", "redirect", "problem"),
    [
        ("short", "https://sam.example.com/oauth2callback", "cookie_secret of 32\\+ characters"),
        ("s" * 40, "http://sam.example.com/oauth2callback", "is not https"),
    ],
)
def test_production_refuses_a_short_cookie_secret_and_a_redirect_that_is_not_https(secret, redirect, problem):
    section = auth()
    section.update(cookie_secret=secret, redirect_uri=redirect)
    settings = load_settings(env={"SAM_MODE": "production"}, secrets={"auth": section})
    with pytest.raises(ConfigurationError, match=problem):
        check_sign_on(settings)


def test_production_allows_http_on_this_machine_and_demo_mode_checks_nothing():
    section = auth()
    section.update(redirect_uri="http://127.0.0.1:8501/oauth2callback")
    check_sign_on(load_settings(env={"SAM_MODE": "production"}, secrets={"auth": section}))
    section.update(cookie_secret="short", redirect_uri="http://sam.example.com/oauth2callback")
    check_sign_on(load_settings(env={}, secrets={"auth": section}))
