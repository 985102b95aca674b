"""The users file: who may log in, their role and the accounts granted to them.

Format (YAML)::

    users:
      maria:
        name: Maria Keller        # as written in Accounts.account_manager
        role: account_manager     # executive, account_manager, coach or admin
        password: "$2b$12$..."    # bcrypt hash (python -m sam_core hash-password)
        accounts: [ACC-0042]      # optional: accounts granted beyond those she manages
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import bcrypt
import yaml

from sam_core.access.permissions import ROLES, User
from sam_core.errors import SamError
from sam_core.settings import DEMO_COOKIE_KEY, ROOT, Settings

DEMO_USERS_FILE = ROOT / "config" / "users.demo.yaml"
DEMO_PASSWORD = b"demo"


class ConfigurationError(SamError):
    """The deployment's settings are unsafe or incomplete; the app refuses to start."""


@dataclass(frozen=True)
class Account:
    user: User
    password_hash: str


@dataclass(frozen=True)
class UsersFile:
    accounts: dict[str, Account]

    @classmethod
    def load(cls, path: Path) -> UsersFile:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except FileNotFoundError as exc:
            raise ConfigurationError(
                f"The users file {path} does not exist (setting SAM_USERS_FILE)."
            ) from exc
        except yaml.YAMLError as exc:
            raise ConfigurationError(f"The users file {path} is not valid YAML: {exc}") from exc
        accounts = {}
        for username, entry in (data.get("users") or {}).items():
            entry = entry or {}
            role = entry.get("role")
            if role not in ROLES:
                raise ConfigurationError(
                    f"{path}: user {username!r} has role {role!r}; use one of {', '.join(ROLES)}."
                )
            if not str(entry.get("password", "")).startswith("$2"):
                raise ConfigurationError(f"{path}: user {username!r} needs a bcrypt password hash.")
            user = User(
                str(username),
                str(entry.get("name") or username),
                role,
                frozenset(str(a) for a in entry.get("accounts") or ()),
            )
            accounts[str(username)] = Account(user, str(entry["password"]))
        if not accounts:
            raise ConfigurationError(f"The users file {path} lists no users.")
        return cls(accounts)

    def user(self, username: str) -> User | None:
        account = self.accounts.get(username)
        return account.user if account else None


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(12)).decode()


def uses_demo_users(settings: Settings) -> bool:
    """True when the users file is the bundled demo one (whose passwords are all `demo`)."""
    return Path(settings.users_file).resolve() == DEMO_USERS_FILE.resolve()


def check_sign_on(settings: Settings) -> None:
    """Company sign-on (no users file, no login cookie of the app's own): outside demo mode,
    refuse a short cookie secret (it signs Streamlit's identity cookie) and a redirect URI that
    is not https (but on this machine), and secrets that others on this machine may read or
    change."""
    sign_on = settings.sign_on
    if sign_on is None or settings.demo:
        return
    if len(sign_on.cookie_secret) < 32:
        raise ConfigurationError(
            "Production mode needs a cookie_secret of 32+ characters in the [auth] section of "
            ".streamlit/secrets.toml (it signs the identity cookie; e.g. `openssl rand -hex 32`)."
        )
    host = urlparse(sign_on.redirect_uri).hostname or ""
    if not sign_on.redirect_uri.startswith("https://") and host not in ("localhost", "127.0.0.1", "::1"):
        raise ConfigurationError(
            f"The redirect_uri {sign_on.redirect_uri} of [auth] is not https: the identity provider would "
            "send the sign-in over an unencrypted connection. Serve the app over https and register "
            "https://<your host>/oauth2callback."
        )
    _check_files(settings, check_users_file=False)


def check_deployment(settings: Settings, users: UsersFile) -> None:
    """In any mode, refuse the demo cookie key with a users file other than the demo one: the
    key is published in the repository, so anyone could sign a login cookie for those users.
    Outside demo mode, also refuse a short cookie key, the demo users file and any user whose
    password is the demo password."""
    if settings.cookie_key == DEMO_COOKIE_KEY and not uses_demo_users(settings):
        raise ConfigurationError(
            f"The users file {settings.users_file} is not the demo one, and the login cookie would be "
            "signed with the demo cookie key that is published in the repository: set SAM_COOKIE_KEY to "
            "a key of your own (32+ characters, e.g. `openssl rand -hex 32`), and SAM_MODE=production "
            "for a real deployment."
        )
    if settings.demo:
        return
    if not settings.cookie_key or settings.cookie_key == DEMO_COOKIE_KEY or len(settings.cookie_key) < 32:
        raise ConfigurationError(
            "Production mode needs its own cookie key of 32+ characters: set SAM_COOKIE_KEY "
            "or cookie_key in .streamlit/secrets.toml."
        )
    if uses_demo_users(settings):
        raise ConfigurationError("Production mode cannot use the demo users file; set SAM_USERS_FILE.")
    weak = [
        name for name, a in users.accounts.items() if bcrypt.checkpw(DEMO_PASSWORD, a.password_hash.encode())
    ]
    if weak:
        raise ConfigurationError(f"Production mode refuses the demo password for: {', '.join(sorted(weak))}.")
    _check_files(settings)


def _check_files(settings: Settings, *, check_users_file: bool = True) -> None:
    files = [(ROOT / ".streamlit" / "secrets.toml", "secrets file")]
    if check_users_file:
        files.insert(0, (Path(settings.users_file), "users file"))
    for path, what in files:
        if path.exists() and path.stat().st_mode & 0o022:
            raise ConfigurationError(
                f"The {what} {path} can be changed by other users of this machine; "
                f"allow only its owner to write it (chmod go-w)."
            )
        if path.exists() and what == "secrets file" and path.stat().st_mode & 0o004:
            raise ConfigurationError(
                f"The {what} {path} holds the cookie key and can be read by anyone on this machine (chmod "
                "o-r)."
            )
