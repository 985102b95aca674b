"""Company sign-on (OpenID Connect): a login method. Like the password method it proves who
someone is and nothing more; what follows (the session, its lifetime, logout, revocation, the
record) is `sam_core.access.sessions`, the same for both methods.

Streamlit's `st.login` does the sign-in: the company's identity provider checks the person, and
Streamlit hands the app the claims of the id_token it validated (`st.user`), keeping them in an
identity cookie for 30 days. This module turns those claims into an `Identity`, and an identity
with the Users table (`sam_core.access.directory`) and the group mapping of the settings into
the app's `User`, or a refusal that says why (`Access`):

- the role is the Users table's role for the e-mail address when it has one (`none`: refused);
  otherwise the first group of the mapping (SAM_OIDC_ROLES) the person is in; otherwise none,
  and the person is asked to see their admin;
- the name that owns accounts (`Accounts.account_manager`) and the accounts granted come from
  the Users table only: an e-mail address not in it owns no account, whatever name the
  provider sends.

A sign-in starts one session. Each sign-in has its own id (`token_id`, a hash of the id_token's
issuer, subject, issue time and nonce); the session remembers it. The identity cookie of a
sign-in whose session has ended or expired never starts another one, and a cookie without a
session starts one only within SIGN_IN_SECONDS of the token's issue: an old identity cookie is
never turned into a session silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sam_core.access.directory import NO_ACCESS, DirectoryEntry, normal_email
from sam_core.access.permissions import User

# How long after the identity provider issued the id_token a session may start from it: the
# round trip back to the app takes seconds; the rest allows for clocks that differ.
SIGN_IN_SECONDS = 300


@dataclass(frozen=True)
class Identity:
    """Who the identity provider says a signed-in person is."""

    email: str  # lower case; "" when the provider sent none, or one it says is not verified
    name: str
    groups: tuple[str, ...]
    token_id: str  # this sign-in (see token_id)
    issued_at: float | None = None  # the id_token's iat, seconds since 1970

    @classmethod
    def from_claims(cls, claims: Mapping, *, groups_claim: str = "groups") -> Identity:
        """From the id_token's claims (st.user): `email` (else `preferred_username` or `upn` when
        it is an address), `name`, and the groups claim (a list, or one string)."""
        email = ""
        if claims.get("email_verified") not in (False, "false", "False"):
            candidates = (claims.get("email"), claims.get("preferred_username"), claims.get("upn"))
            email = next((normal_email(str(c)) for c in candidates if c and "@" in str(c)), "")
        groups = claims.get(groups_claim) or ()
        if isinstance(groups, str):
            groups = (groups,)
        iat = claims.get("iat")
        return cls(
            email=email,
            name=str(claims.get("name") or claims.get("preferred_username") or email),
            groups=tuple(str(g) for g in groups),
            token_id=token_id(claims),
            issued_at=float(iat) if isinstance(iat, int | float) else None,
        )

    def to_json(self) -> str:
        """What a session keeps of the identity: e-mail, name and groups."""
        return json.dumps({"email": self.email, "name": self.name, "groups": list(self.groups)})

    @classmethod
    def from_json(cls, text: str, token: str) -> Identity:
        data = json.loads(text)
        return cls(data["email"], data["name"], tuple(data["groups"]), token)

    def fresh(self, now: float) -> bool:
        """True while a session may start from this sign-in: its token was issued at most
        SIGN_IN_SECONDS ago (or ahead, for a provider whose clock is ahead)."""
        return self.issued_at is not None and abs(now - self.issued_at) <= SIGN_IN_SECONDS


def token_id(claims: Mapping) -> str:
    """One sign-in's id: the same for every read of the same identity cookie, different for the
    next sign-in of the same person (a new issue time and nonce)."""
    parts = (claims.get("iss"), claims.get("sub"), claims.get("iat"), claims.get("nonce"))
    return hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()


@dataclass(frozen=True)
class Access:
    """What a signed-in identity may do: a user, or why not (for the person and the record)."""

    user: User | None
    reason: str = ""
    no_access: bool = False  # the Users table says `none` (rather than: no role found)


def role_from_groups(groups: tuple[str, ...], roles: tuple[tuple[str, str], ...]) -> str | None:
    """The role of the first mapped group (in the mapping's order) the person is in; groups
    are compared ignoring case."""
    mine = {g.casefold() for g in groups}
    return next((role for group, role in roles if group.casefold() in mine), None)


def resolve(identity: Identity, entry: DirectoryEntry | None, roles: tuple[tuple[str, str], ...]) -> Access:
    """The app's user for a signed-in identity, given their Users row (None: not in it) and the
    group mapping; or why they have no access."""
    if not identity.email:
        return Access(
            None,
            "Your identity provider sent no (verified) e-mail address for you, and the app knows people by "
            "their e-mail. Your admin can add the email claim to the app's registration.",
        )
    if entry is not None and entry.role == NO_ACCESS:
        return Access(None, "An admin has turned off your access (the Users table says: no access).", True)
    role = entry.role if entry is not None and entry.role else role_from_groups(identity.groups, roles)
    if role is None:
        groups = ", ".join(identity.groups) if identity.groups else "none"
        return Access(
            None,
            f"No role for {identity.email}: the app's Users table does not list you, and none of your groups "
            f"({groups}) gives a role.",
        )
    name = (entry.name if entry is not None else "") or identity.name or identity.email
    granted = entry.accounts if entry is not None else frozenset()
    manager_name = entry.name if entry is not None else ""
    return Access(User(identity.email, name, role, granted, manager_name=manager_name))
