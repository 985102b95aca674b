"""Who may do what: `can(...)` to show or hide a control, `ensure(...)` that raises.

Every write in `sam_core` calls `ensure` itself, so hiding a button is never the only
line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sam_core.errors import PermissionDenied

EXECUTIVE = "executive"
ACCOUNT_MANAGER = "account_manager"
COACH = "coach"
ADMIN = "admin"
ROLES = (EXECUTIVE, ACCOUNT_MANAGER, COACH, ADMIN)
ROLE_LABELS = {EXECUTIVE: "Executive", ACCOUNT_MANAGER: "Account manager", COACH: "Coach", ADMIN: "Admin"}

# Pages, in navigation order: (page key, title). URL paths equal the keys.
PAGES = (
    ("portfolio", "Portfolio"),
    ("relationship_map", "Relationship map"),
    ("sponsor_cadence", "Sponsor cadence"),
    ("loyalty", "Loyalty"),
    ("self_assessment", "Self-assessment"),
    ("account_plan", "Account plan"),
    ("data_upload", "Data upload"),
    ("administration", "Administration"),
)

_EVERYONE = frozenset(ROLES)
RULES: dict[str, frozenset[str]] = {
    # viewing pages
    "view:portfolio": _EVERYONE,
    "view:relationship_map": _EVERYONE,
    "view:sponsor_cadence": _EVERYONE,
    "view:loyalty": _EVERYONE,
    "view:self_assessment": frozenset({EXECUTIVE, COACH, ADMIN}),
    "view:data_upload": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "view:account_plan": _EVERYONE,
    "view:administration": frozenset({ADMIN}),
    # actions
    "upload": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "publish_mapping": frozenset({ADMIN}),
    "rollback": frozenset({ADMIN}),  # any upload
    "undo_own_upload": frozenset({ACCOUNT_MANAGER, ADMIN}),  # one's own latest upload
    "load_rates": frozenset({ADMIN}),  # the exchange rates (Rates sheet)
    "change_policy": frozenset({ADMIN}),
    "add_action": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "submit_assessment": frozenset({COACH, ADMIN}),
    # the account plan and the living data edited in the app (as uploads: managers their own)
    "edit_plan": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "review_plan": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "load_plans": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "edit_stakeholder": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "record_engagement": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "update_action": frozenset({ACCOUNT_MANAGER, ADMIN}),
    "unlock_login": frozenset({ADMIN}),
    "end_session": frozenset({ADMIN}),
    "manage_deck_template": frozenset({ADMIN}),  # the company template of the meeting deck
    "manage_users": frozenset({ADMIN}),  # the Users table of company sign-on (and its Users sheet)
}
# Actions that touch one account: an account manager may do them only on accounts they own.
OWNED_ACCOUNT_ACTIONS = frozenset(
    {
        "upload",
        "add_action",
        "edit_plan",
        "review_plan",
        "load_plans",
        "edit_stakeholder",
        "record_engagement",
        "update_action",
    }
)
# The writes of the Account plan page (each checked with `ensure` inside sam_core.plans).
PLAN_ACTIONS = (
    "edit_plan",
    "review_plan",
    "load_plans",
    "edit_stakeholder",
    "record_engagement",
    "add_action",
    "update_action",
)


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    accounts: frozenset[str] = field(
        default_factory=frozenset
    )  # account_ids granted (users file, Users table)
    # The name `Accounts.account_manager` uses for them, when it is not `name`: company sign-on
    # takes it from the Users table only ("" when their e-mail is not there: no account is theirs
    # by name, whatever name the identity provider sends).
    manager_name: str | None = None

    def owns(self, account_id: str, account_manager: str | None) -> bool:
        """An admin owns every account; an account manager the accounts granted to them or
        whose `account_manager` is their (manager) name or user name."""
        if self.role == ADMIN:
            return True
        if account_id in self.accounts:
            return True
        manager = (account_manager or "").strip().casefold()
        names = {
            self.username.casefold(),
            (self.name if self.manager_name is None else self.manager_name).casefold(),
        }
        return bool(manager) and manager in names - {""}


def can(
    user: User | None, action: str, *, account_id: str | None = None, account_manager: str | None = None
) -> bool:
    """True when the user may do `action` (on `account_id`, owned by `account_manager`)."""
    if user is None or user.role not in RULES.get(action, frozenset()):
        return False
    if account_id is not None and action in OWNED_ACCOUNT_ACTIONS:
        return user.owns(account_id, account_manager)
    return True


def ensure(
    user: User | None, action: str, *, account_id: str | None = None, account_manager: str | None = None
) -> None:
    """Raise PermissionDenied with a message saying why, unless `can(...)`."""
    if can(user, action, account_id=account_id, account_manager=account_manager):
        return
    if user is None:
        raise PermissionDenied("Not permitted: please log in.")
    what = action.removeprefix("view:").replace("_", " ")
    if account_id is not None and user.role in RULES.get(action, frozenset()):
        owner = f" (owned by {account_manager})" if account_manager else ""
        raise PermissionDenied(f"Not permitted: {user.name} does not own account {account_id}{owner}.")
    raise PermissionDenied(f"Not permitted: the {ROLE_LABELS.get(user.role, user.role)} role cannot {what}.")


def pages_for(role: str) -> list[tuple[str, str]]:
    """The (page key, title) pairs a role may open, in navigation order."""
    return [(key, title) for key, title in PAGES if role in RULES[f"view:{key}"]]
