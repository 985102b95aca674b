"""Settings, from environment variables (and Streamlit secrets, passed in by the app).

| variable | default | meaning |
|---|---|---|
| SAM_MODE | demo | `demo` or `production`; production refuses demo credentials |
| SAM_DB_PATH | data/sam.duckdb | the DuckDB file |
| SAM_USERS_FILE | config/users.demo.yaml (demo) / config/users.yaml | users, roles, accounts |
| SAM_COOKIE_KEY | the demo key (demo mode only) | signs the login cookie |
| SAM_CURRENCY | EUR | the one currency of money figures |
| SAM_DATE_ORDER | month-first | how text dates that fit both orders are read |
| SAM_MAX_UPLOAD_MB | 50 | largest upload accepted |
| SAM_SESSION_HOURS | 12 | how long a login lasts (the login cookie's lifetime) |
| SAM_PLAN_REVIEW_DAYS | 90 | an account plan section not reviewed for longer is stale |
| SAM_OFFERINGS | five examples | our offerings, separated by `;` (rows of a plan's whitespace) |
| SAM_TRUSTED_PROXIES | (none) | addresses or networks of reverse proxies whose X-Forwarded-For is believed |
| SAM_MAX_CELLS | 20000000 | cells (rows x columns) an upload's sheets may span |
| SAM_READER_MEMORY_MB | 3072 | memory of the child process that reads an upload |
| SAM_READER_TIMEOUT_S | 120 | time it may take |
| SAM_DATA_THROUGH_SHARE | 80 | % of the previous 12 months' revenue whose accounts must have |
|  |  | reported a month for the money figures to run through it ("data through") |
| SAM_WON_AS_REVENUE | no | yes: accounts without financials count won deals as revenue |
| SAM_AUTH | oidc with an [auth] secrets section, else password | the login method: `password` (the users |
|  |  | file) or `oidc` (company sign-on through st.login, see README "Company sign-on") |
| SAM_OIDC_PROVIDER | the only provider of [auth] | which [auth.NAME] section st.login uses (`default`: the |
|  |  | keys directly under [auth]) |
| SAM_OIDC_LABEL | from the metadata URL | the name on the button: "Sign in with Microsoft" |
| SAM_OIDC_GROUPS_CLAIM | groups | the id_token claim that lists the person's groups (or roles) |
| SAM_OIDC_ROLES | (none) | `group=role; group=role`: the first listed group a person is in gives the role |
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sam_core.access.permissions import ACCOUNT_MANAGER, ROLES
from sam_core.ingest.dates import DAY_FIRST, MONTH_FIRST
from sam_core.ingest.inspection import ReadLimits
from sam_core.metrics.portfolio import RevenueRules

ROOT = Path(__file__).resolve().parent.parent
DEMO = "demo"
PRODUCTION = "production"
DEMO_COOKIE_KEY = "sam-demo-cookie-key-not-a-secret-do-not-deploy"
DEFAULT_OFFERINGS = ("Core platform", "Analytics", "Managed services", "Support contract", "Training")
PASSWORD_AUTH, OIDC_AUTH = "password", "oidc"  # the login methods (SAM_AUTH)
DEFAULT_PROVIDER = "default"  # SAM_OIDC_PROVIDER for the keys directly under [auth]
# Role names a mapping may use besides the roles themselves.
ROLE_ALIASES = {"manager": ACCOUNT_MANAGER, "account manager": ACCOUNT_MANAGER, "kam": ACCOUNT_MANAGER}
# The button's provider name, from the host of the provider's metadata URL.
KNOWN_PROVIDERS = (
    ("login.microsoftonline.com", "Microsoft"),
    ("okta.com", "Okta"),
    ("oktapreview.com", "Okta"),
    ("accounts.google.com", "Google"),
)


@dataclass(frozen=True)
class SignOn:
    """Company sign-on (OpenID Connect through st.login): which provider of the [auth]
    secrets, the name on its button, and how a person's groups give a role."""

    provider: str | None  # st.login(provider); None: the keys directly under [auth]
    label: str  # "Microsoft": the button says "Sign in with Microsoft"
    groups_claim: str = "groups"
    roles: tuple[tuple[str, str], ...] = ()  # (group, role), the first group a person is in wins
    redirect_uri: str = ""
    cookie_secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class Settings:
    mode: str = DEMO
    db_path: Path = ROOT / "data" / "sam.duckdb"
    users_file: Path = ROOT / "config" / "users.demo.yaml"
    cookie_key: str = DEMO_COOKIE_KEY
    currency: str = "EUR"
    date_order: str = MONTH_FIRST
    max_upload_mb: int = 50
    session_hours: float = 12
    plan_review_days: int = 90
    offerings: tuple[str, ...] = DEFAULT_OFFERINGS
    trusted_proxies: tuple[str, ...] = ()
    read_limits: ReadLimits = field(default_factory=ReadLimits)
    data_through_share: float = 0.8
    won_as_revenue: bool = False
    sign_on: SignOn | None = None  # set when the login method is company sign-on (SAM_AUTH=oidc)

    @property
    def demo(self) -> bool:
        return self.mode == DEMO

    @property
    def auth(self) -> str:
        """The login method: `password` (the users file) or `oidc` (company sign-on)."""
        return OIDC_AUTH if self.sign_on is not None else PASSWORD_AUTH

    @property
    def revenue_rules(self) -> RevenueRules:
        """How the money figures are windowed (see sam_core.metrics.portfolio)."""
        return RevenueRules(self.data_through_share, self.won_as_revenue)


def load_settings(env: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment; a secret named like the variable (`SAM_COOKIE_KEY`
    or `cookie_key`) takes the place of the environment variable."""
    env = os.environ if env is None else env
    secrets = secrets or {}

    def get(name: str, default: str) -> str:
        short = name.removeprefix("SAM_").lower()
        for value in (secrets.get(name), secrets.get(short), env.get(name)):
            if value and not isinstance(value, Mapping):  # ([auth] is Streamlit's section, not SAM_AUTH)
                return str(value)
        return default

    mode = get("SAM_MODE", DEMO).strip().lower()
    if mode not in (DEMO, PRODUCTION):
        raise ValueError(f"SAM_MODE must be 'demo' or 'production', not {mode!r}.")
    default_users = ROOT / "config" / ("users.demo.yaml" if mode == DEMO else "users.yaml")
    date_order = get("SAM_DATE_ORDER", MONTH_FIRST).strip().lower()
    if date_order not in (MONTH_FIRST, DAY_FIRST):
        raise ValueError(f"SAM_DATE_ORDER must be '{MONTH_FIRST}' or '{DAY_FIRST}', not {date_order!r}.")
    share = get("SAM_DATA_THROUGH_SHARE", "80").strip().rstrip("%")
    try:
        through_share = float(share) / 100
    except ValueError:
        through_share = -1.0
    if not 0.01 <= through_share <= 1:
        raise ValueError(
            f"SAM_DATA_THROUGH_SHARE must be a percentage from 1 to 100 such as 80, not {share!r}."
        )
    won = get("SAM_WON_AS_REVENUE", "no").strip().lower()
    if won not in ("yes", "no", "true", "false", "1", "0"):
        raise ValueError(f"SAM_WON_AS_REVENUE must be yes or no, not {won!r}.")
    return Settings(
        mode=mode,
        db_path=Path(get("SAM_DB_PATH", str(ROOT / "data" / "sam.duckdb"))),
        users_file=Path(get("SAM_USERS_FILE", str(default_users))),
        cookie_key=get("SAM_COOKIE_KEY", DEMO_COOKIE_KEY if mode == DEMO else ""),
        currency=get("SAM_CURRENCY", "EUR").strip().upper(),
        date_order=date_order,
        max_upload_mb=int(get("SAM_MAX_UPLOAD_MB", "50")),
        session_hours=float(get("SAM_SESSION_HOURS", "12")),
        plan_review_days=_positive(get("SAM_PLAN_REVIEW_DAYS", "90"), "SAM_PLAN_REVIEW_DAYS"),
        offerings=tuple(
            o.strip() for o in get("SAM_OFFERINGS", ";".join(DEFAULT_OFFERINGS)).split(";") if o.strip()
        )
        or DEFAULT_OFFERINGS,
        trusted_proxies=trusted_proxies(get("SAM_TRUSTED_PROXIES", "")),
        read_limits=ReadLimits(
            max_cells=int(get("SAM_MAX_CELLS", str(ReadLimits.max_cells))),
            memory_mb=int(get("SAM_READER_MEMORY_MB", str(ReadLimits.memory_mb))),
            timeout_s=float(get("SAM_READER_TIMEOUT_S", str(ReadLimits.timeout_s))),
        ),
        data_through_share=through_share,
        won_as_revenue=won in ("yes", "true", "1"),
        sign_on=_sign_on(get, secrets.get("auth")),
    )


def _sign_on(get, auth) -> SignOn | None:
    """Company sign-on when SAM_AUTH says `oidc`, or says nothing and the secrets have an
    [auth] section; the [auth] section must then hold what st.login needs."""
    method = get("SAM_AUTH", OIDC_AUTH if isinstance(auth, Mapping) else PASSWORD_AUTH).strip().lower()
    if method not in (PASSWORD_AUTH, OIDC_AUTH):
        raise ValueError(f"SAM_AUTH must be '{PASSWORD_AUTH}' or '{OIDC_AUTH}', not {method!r}.")
    if method == PASSWORD_AUTH:
        return None
    where = "the [auth] section of .streamlit/secrets.toml (README: Company sign-on)"
    if not isinstance(auth, Mapping):
        raise ValueError(
            f"SAM_AUTH=oidc needs {where}: redirect_uri, cookie_secret and the provider's client_id, "
            "client_secret and server_metadata_url."
        )
    named = sorted(k for k, v in auth.items() if isinstance(v, Mapping))
    chosen = get("SAM_OIDC_PROVIDER", "").strip()
    if not chosen:
        if "client_id" in auth and not named:
            chosen = DEFAULT_PROVIDER
        elif len(named) == 1 and "client_id" not in auth:
            chosen = named[0]
        else:
            choices = [*named, *([DEFAULT_PROVIDER] if "client_id" in auth else [])]
            raise ValueError(
                f"Set SAM_OIDC_PROVIDER to the provider to sign in with: {where} has "
                f"{', '.join(choices) or 'none'}."
            )
    if chosen != DEFAULT_PROVIDER and chosen not in named:
        raise ValueError(f"SAM_OIDC_PROVIDER is {chosen!r}, but {where} has no [auth.{chosen}] section.")
    provider = auth if chosen == DEFAULT_PROVIDER else auth[chosen]
    missing = [k for k in ("redirect_uri", "cookie_secret") if not auth.get(k)] + [
        k for k in ("client_id", "client_secret", "server_metadata_url") if not provider.get(k)
    ]
    if missing:
        section = "[auth]" if chosen == DEFAULT_PROVIDER else f"[auth] / [auth.{chosen}]"
        raise ValueError(
            f"Company sign-on needs {', '.join(missing)} in {section} of .streamlit/secrets.toml."
        )
    metadata = str(provider["server_metadata_url"])
    known = next((name for host, name in KNOWN_PROVIDERS if host in metadata), None)
    label = (
        get("SAM_OIDC_LABEL", "").strip()
        or known
        or ("your company account" if chosen == DEFAULT_PROVIDER else chosen.capitalize())
    )
    return SignOn(
        provider=None if chosen == DEFAULT_PROVIDER else chosen,
        label=label,
        groups_claim=get("SAM_OIDC_GROUPS_CLAIM", "groups").strip() or "groups",
        roles=role_mapping(get("SAM_OIDC_ROLES", "")),
        redirect_uri=str(auth["redirect_uri"]),
        cookie_secret=str(auth["cookie_secret"]),
    )


def role_mapping(text: str) -> tuple[tuple[str, str], ...]:
    """`sam-admins=admin; sam-managers=manager` -> (('sam-admins', 'admin'), ('sam-managers',
    'account_manager')): groups and the role each gives, in the order written (separated by `;` or
    new lines)."""
    pairs = []
    for item in (part.strip() for part in text.replace("\n", ";").split(";")):
        if not item:
            continue
        group, equals, role = item.rpartition("=")
        role = role.strip().lower()
        role = ROLE_ALIASES.get(role, role)
        if not equals or not group.strip() or role not in ROLES:
            raise ValueError(
                f"SAM_OIDC_ROLES lists group=role pairs separated by ';', each role one of "
                f"{', '.join(ROLES)}; {item!r} is not one."
            )
        pairs.append((group.strip(), role))
    return tuple(pairs)


def _positive(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a whole number of days, at least 1, not {text!r}.")
    return value


def trusted_proxies(text: str) -> tuple[str, ...]:
    """`10.0.0.5, 10.1.0.0/16` -> ('10.0.0.5/32', '10.1.0.0/16'): addresses or networks, comma-separated."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as exc:
            raise ValueError(
                f"SAM_TRUSTED_PROXIES must list IP addresses or networks (such as 10.0.0.5 or 10.1.0.0/16), "
                f"not {item!r}."
            ) from exc
    return tuple(networks)
