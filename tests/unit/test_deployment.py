"""Outside demo mode the app refuses demo credentials; settings are read as documented."""

from __future__ import annotations

import pytest

from sam_core.access.users import (
    DEMO_USERS_FILE,
    ConfigurationError,
    UsersFile,
    check_deployment,
    hash_password,
)
from sam_core.settings import DEMO_COOKIE_KEY, load_settings

STRONG_KEY = "k" * 40


def users_file(tmp_path, password: str):
    path = tmp_path / "users.yaml"
    path.write_text(
        f'users:\n  ceo:\n    name: Chief\n    role: executive\n    password: "{hash_password(password)}"\n'
    )
    path.chmod(0o600)
    return path


def test_demo_mode_is_the_default_with_the_demo_users_and_key():
    settings = load_settings(env={})
    assert (settings.mode, settings.cookie_key, settings.users_file) == (
        "demo",
        DEMO_COOKIE_KEY,
        DEMO_USERS_FILE,
    )
    check_deployment(settings, UsersFile.load(settings.users_file))


def test_the_plan_review_period_and_the_offerings_are_settings():
    settings = load_settings(env={"SAM_PLAN_REVIEW_DAYS": "60", "SAM_OFFERINGS": " Cloud ; Support;;"})
    assert (settings.plan_review_days, settings.offerings) == (60, ("Cloud", "Support"))
    assert load_settings(env={}).plan_review_days == 90


@pytest.mark.parametrize("days", ["0", "ninety", "-5"])
def test_a_review_period_that_is_not_a_positive_whole_number_is_refused(days):
    with pytest.raises(
        ValueError, match=f"SAM_PLAN_REVIEW_DAYS must be a whole number of days, at least 1, not '{days}'"
    ):
        load_settings(env={"SAM_PLAN_REVIEW_DAYS": days})


def test_the_early_warnings_settings():
    settings = load_settings(
        env={
            "SAM_ACTION_WORKING_DAYS": "3",
            "SAM_HEALTH_DROP_POINTS": "15",
            "SAM_TOP_ACCOUNTS": "10",
            "SAM_OUTBOX": "/var/spool/sam",
            "SAM_PLAN_REVIEW_DAYS": "60",
        }
    )
    rules = settings.attention_rules
    assert (rules.action_working_days, rules.health_drop_points, rules.top_accounts, rules.review_days) == (
        3,
        15,
        10,
        60,
    )
    assert str(settings.outbox) == "/var/spool/sam"
    defaults = load_settings(env={}).attention_rules
    assert (defaults.action_working_days, defaults.health_drop_points, defaults.top_accounts) == (2, 10, 20)


@pytest.mark.parametrize(
    "name,value,unit",
    [("SAM_ACTION_WORKING_DAYS", "0", "working days"), ("SAM_HEALTH_DROP_POINTS", "ten", "points")],
)
def test_an_early_warnings_setting_that_is_not_a_positive_number_is_refused(name, value, unit):
    with pytest.raises(
        ValueError, match=f"{name} must be a whole number of {unit}, at least 1, not '{value}'"
    ):
        load_settings(env={name: value})


def test_secrets_take_precedence_over_the_environment():
    settings = load_settings(env={"SAM_CURRENCY": "USD"}, secrets={"currency": "GBP"})
    assert settings.currency == "GBP"


@pytest.mark.parametrize("key", ["", DEMO_COOKIE_KEY, "short-key"])
def test_production_refuses_a_missing_demo_or_short_cookie_key(tmp_path, key):
    settings = load_settings(
        env={
            "SAM_MODE": "production",
            "SAM_COOKIE_KEY": key,
            "SAM_USERS_FILE": str(users_file(tmp_path, "s3cret!")),
        }
    )
    with pytest.raises(ConfigurationError, match="cookie key"):
        check_deployment(settings, UsersFile.load(settings.users_file))


def test_production_refuses_the_demo_users_file():
    settings = load_settings(
        env={"SAM_MODE": "production", "SAM_COOKIE_KEY": STRONG_KEY, "SAM_USERS_FILE": str(DEMO_USERS_FILE)}
    )
    with pytest.raises(ConfigurationError, match="demo users file"):
        check_deployment(settings, UsersFile.load(settings.users_file))


def test_production_refuses_the_demo_password(tmp_path):
    settings = load_settings(
        env={
            "SAM_MODE": "production",
            "SAM_COOKIE_KEY": STRONG_KEY,
            "SAM_USERS_FILE": str(users_file(tmp_path, "demo")),
        }
    )
    with pytest.raises(ConfigurationError, match="demo password for: ceo"):
        check_deployment(settings, UsersFile.load(settings.users_file))


def test_production_starts_with_its_own_key_users_and_passwords(tmp_path):
    settings = load_settings(
        env={
            "SAM_MODE": "production",
            "SAM_COOKIE_KEY": STRONG_KEY,
            "SAM_USERS_FILE": str(users_file(tmp_path, "s3cret!")),
        }
    )
    check_deployment(settings, UsersFile.load(settings.users_file))


@pytest.mark.parametrize(
    "content,message",
    [
        ("users:\n  x:\n    role: king\n    password: '$2b$12$abc'\n", "role 'king'"),
        ("users:\n  x:\n    role: admin\n    password: plain\n", "bcrypt"),
        ("users: {}\n", "lists no users"),
    ],
)
def test_a_broken_users_file_is_explained(tmp_path, content, message):
    path = tmp_path / "users.yaml"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=message):
        UsersFile.load(path)


def test_sam_core_never_imports_streamlit():
    import subprocess
    import sys

    code = (
        "import sys, pkgutil, importlib, sam_core\n"
        "for m in pkgutil.walk_packages(sam_core.__path__, 'sam_core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print('streamlit' in sys.modules)"
    )
    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("typed", "escaped"),
    [
        ("**bold**", r"\*\*bold\*\*"),
        ("<img src=x onerror=alert(1)>", r"\<img src\=x onerror\=alert\(1\)\>"),
        (":red[alarm]", "\\:\u2060red\\[alarm\\]"),
        ("[link](http://x)", "\\[link\\]\\(http\u2060\\:\u2060//x\\)"),
        ("www.evil.example", "www\u2060\\.evil\\.example"),
        ("https://evil.example", "https\u2060\\:\u2060//evil\\.example"),
        ("pay@evil.example", "pay\u2060@evil\\.example"),
        (":material/warning: act now", "\\:\u2060material/warning\\:\u2060 act now"),
        ("# heading", r"\# heading"),
        ("- item", r"\- item"),
        ("`code`", r"\`code\`"),
        ("a_b_c", r"a\_b\_c"),
    ],
)
def test_text_from_workbooks_is_escaped_for_markdown(typed, escaped):
    from sam_core.outputs.formatting import plain

    assert plain(typed) == escaped


def test_production_refuses_a_users_file_others_can_change(tmp_path):
    path = users_file(tmp_path, "s3cret!")
    path.chmod(0o666)
    settings = load_settings(
        env={"SAM_MODE": "production", "SAM_COOKIE_KEY": STRONG_KEY, "SAM_USERS_FILE": str(path)}
    )
    with pytest.raises(ConfigurationError, match="can be changed by other users"):
        check_deployment(settings, UsersFile.load(settings.users_file))


def test_demo_mode_with_a_real_users_file_refuses_the_published_demo_cookie_key(tmp_path):
    # SAM_MODE unset (demo) but real users: a cookie signed with the key in the repository
    # would otherwise log anyone in as any of them.
    settings = load_settings(env={"SAM_USERS_FILE": str(users_file(tmp_path, "s3cret!"))})
    assert (settings.demo, settings.cookie_key) == (True, DEMO_COOKIE_KEY)
    with pytest.raises(ConfigurationError, match=r"is not the demo one.*demo cookie key"):
        check_deployment(settings, UsersFile.load(settings.users_file))


def test_demo_mode_with_a_real_users_file_starts_with_a_key_of_its_own(tmp_path):
    settings = load_settings(
        env={"SAM_USERS_FILE": str(users_file(tmp_path, "s3cret!")), "SAM_COOKIE_KEY": STRONG_KEY}
    )
    check_deployment(settings, UsersFile.load(settings.users_file))
