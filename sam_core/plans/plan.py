"""The account plan (SPEC.md section 8): its sections, every version of every item, review
stamps, the plan as of any moment, two moments compared, and the stale flag.

Storage: `plan_items` keeps each saved state of an item as a new row (version 1, 2, ...,
with who, when and how: app, workbook or demo); a removed item is a last version marked
deleted. The plan as of a moment is the latest version of each item at that moment. A save
names the version the editor started from; when somebody saved a newer one meanwhile, the
save is refused with their change (EditConflict), so two editors never lose an update.

The action plan is the Actions data itself (one list with the survey closed loop); the plan
keeps only which actions are shared with the customer (section `shared_actions`).

A plan section is stale when it was not reviewed within `review_days` (a setting, 90 by
default) or before the account's last held 90-day review; the plan is as fresh as its
stalest section.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import polars as pl

from sam_core.access.permissions import User, ensure
from sam_core.errors import EditConflict, NotFound, ValidationFailed
from sam_core.ingest import contract as c
from sam_core.outputs.formatting import long_date
from sam_core.store import WRITE_LOCK, bump_data_version, transaction

DEFAULT_REVIEW_DAYS = 90
APP, WORKBOOK, DEMO = "app", "workbook", "demo"


@dataclass(frozen=True)
class Section:
    """One kind of plan item: its fields are the columns of its contract plan sheet."""

    key: str  # as stored in plan_items.section
    title: str
    sheet: c.Sheet
    review: str  # the review section it belongs to
    prefix: str = ""  # of new item ids
    id_column: str | None = "item_id"  # the sheet column holding the item id (None: made from key fields)
    label: str = ""  # the field that names an item in lists and history
    customer_fields: tuple[str, ...] = ()  # shown in the customer version, for items marked shared

    @property
    def fields(self) -> tuple[c.Column, ...]:
        skip = {"account_id", "version", self.id_column}
        return tuple(col for col in self.sheet.columns if col.name not in skip)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.fields)


_SHEET = c.PLAN_SHEETS_BY_NAME
SECTIONS: tuple[Section, ...] = (
    Section("business", "The customer's business", _SHEET["Plan business"], "business", id_column=None),
    Section(
        "objectives",
        "Our objectives",
        _SHEET["Plan objectives"],
        "objectives",
        "OBJ",
        label="objective",
        customer_fields=("objective", "measure", "target", "due", "status", "progress"),
    ),
    Section(
        "value",
        "Economic value propositions",
        _SHEET["Plan value"],
        "value",
        "VAL",
        label="problem",
        customer_fields=("problem", "offer", "value", "investment", "roi", "validated"),
    ),
    Section("whitespace", "Whitespace", _SHEET["Plan whitespace"], "whitespace", id_column=None),
    Section(
        "competitors",
        "Competitive position",
        _SHEET["Plan competitors"],
        "competitors",
        "CMP",
        label="competitor",
    ),
    Section(
        "shared_actions", "Shared actions", _SHEET["Plan shared actions"], "actions", id_column="action_id"
    ),
    Section(
        "commitments",
        "Sponsor commitments",
        _SHEET["Plan sponsor commitments"],
        "sponsor",
        "COM",
        label="commitment",
    ),
    Section("contacts", "Contact plan", _SHEET["Plan contacts"], "sponsor", "CON", label="executive"),
)
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}
# What the manager stamps "reviewed", in the plan's order.
REVIEW_SECTIONS: tuple[tuple[str, str], ...] = (
    ("business", "The customer's business"),
    ("objectives", "Our objectives"),
    ("value", "Economic value propositions"),
    ("whitespace", "Whitespace"),
    ("competitors", "Competitive position"),
    ("actions", "Action plan"),
    ("sponsor", "Executive sponsor's plan"),
)
REVIEW_TITLES = dict(REVIEW_SECTIONS)
SHORT = {
    "business": "business",
    "objectives": "objectives",
    "value": "value propositions",
    "whitespace": "whitespace",
    "competitors": "competition",
    "actions": "action plan",
    "sponsor": "sponsor plan",
}
BUSINESS_ID = "business"
# Actions shown in the customer version: these columns only.
CUSTOMER_ACTION_FIELDS = ("description", "owner", "due", "status")


@dataclass(frozen=True)
class Change:
    """One edit of one item: `item_id` None adds an item; `fields` None removes it.
    `expected_version` is the version the editor started from (0 or None for a new item)."""

    section: str
    item_id: str | None
    fields: dict | None
    expected_version: int | None = None


@dataclass(frozen=True)
class Plan:
    """An account's plan as of `at` (None: now)."""

    account: dict  # account_id, account_name, account_manager, executive_sponsor, customer_executive
    at: datetime | None
    items: dict[str, pl.DataFrame]  # section key -> item_id, version, fields..., changed_by, changed_at
    actions: pl.DataFrame  # action_id, description, owner, source, created, due, status, closed, shared


def now_utc() -> datetime:
    """The clock of every stamp (UTC, without time zone, as DuckDB stores it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def moment(at: date | datetime | None) -> datetime | None:
    """A date means the end of that day (UTC); a datetime itself; None means now."""
    if at is None or isinstance(at, datetime):
        return at
    return datetime.combine(at, time.max)


# -- fields: types, checks, JSON ------------------------------------------------------------

_POLARS = {
    c.NUMBER: pl.Float64,
    c.INTEGER: pl.Int64,
    c.DATE: pl.Date,
    c.YES_NO: pl.Boolean,
}


def item_schema(section: Section) -> dict[str, pl.DataType]:
    return {col.name: _POLARS.get(col.kind, pl.String) for col in section.fields}


def _normal(col: c.Column, value):
    """A field value as stored: stripped text or None, numbers as numbers, dates as dates."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value != value:  # NaN from an empty editor cell
        return None
    if col.kind in (c.TEXT, c.ID, c.CHOICE):
        return str(value).strip()
    if col.kind == c.NUMBER:
        return float(value)
    if col.kind == c.INTEGER:
        return int(value)
    if col.kind == c.YES_NO:
        return bool(value)
    if col.kind == c.DATE:
        return value.date() if isinstance(value, datetime) else value
    return value


def item_problems(section: Section, fields: dict) -> list[str]:
    """What is wrong with an item's fields on their own (types, required, ranges, allowed values)."""
    out = []
    unknown = sorted(set(fields) - set(section.field_names))
    if unknown:
        out.append(f"{section.title}: unknown field(s) {', '.join(unknown)}.")
    for col in section.fields:
        value = fields.get(col.name)
        if value is None:
            if col.required:
                out.append(f"{section.title}: {col.name.replace('_', ' ')} is required.")
            continue
        if col.kind == c.CHOICE and value not in col.allowed:
            out.append(f"{section.title}: {col.name} '{value}' is not one of: {', '.join(col.allowed)}.")
        if col.kind in (c.NUMBER, c.INTEGER) and (
            (col.minimum is not None and value < col.minimum)
            or (col.maximum is not None and value > col.maximum)
        ):
            span = (
                f"{col.minimum:g}-{col.maximum:g}" if col.maximum is not None else f"at least {col.minimum:g}"
            )
            out.append(f"{section.title}: {col.name} {value:g} is out of range ({span}).")
        if col.kind == c.DATE and not isinstance(value, date):
            out.append(f"{section.title}: {col.name} '{value}' is not a date.")
    if section.key == "value" and fields.get("validated") and not fields.get("evidence"):
        out.append(
            "A value proposition marked validated needs the evidence: how did the customer confirm it?"
        )
    start, completion = fields.get("start"), fields.get("completion")
    if section.key == "commitments" and start and completion and completion < start:
        out.append(f"The completion date {completion} is before the start date {start}.")
    if (
        section.key == "whitespace"
        and fields.get("status") == "pipeline"
        and not fields.get("opportunity_id")
    ):
        out.append(
            f"Whitespace {fields.get('offering')} / {fields.get('business_unit')} is in pipeline: give its "
            "opportunity_id."
        )
    return out


def _reference_problems(con, account_id: str, section: Section, fields: dict) -> list[str]:
    """References to the account's own data: opportunities, stakeholders, actions."""
    checks = {
        "whitespace": ("opportunity_id", "opportunities", "opportunity_id", "opportunity"),
        "contacts": ("stakeholder_id", "stakeholders", "stakeholder_id", "stakeholder"),
    }
    out = []
    if section.key in checks:
        field, table, key, what = checks[section.key]
        value = fields.get(field)
        if value and not _belongs(con, table, key, value, account_id):
            out.append(f"There is no {what} {value} of account {account_id}; pick one of the account's own.")
    return out


def _belongs(con, table: str, key: str, value: str, account_id: str) -> bool:
    return bool(
        con.execute(
            # sql-ok: table and key names of this module
            f"SELECT count(*) FROM {table} WHERE {key} = ? AND account_id = ?",  # sql-ok
            [value, account_id],
        ).fetchall()[0][0]
    )


def clean_fields(section: Section, fields: dict) -> dict:
    """The fields of an item as stored (every field present, empty text as None)."""
    by_name = {col.name: col for col in section.fields}
    out = dict.fromkeys(section.field_names)
    for name, value in fields.items():
        out[name] = _normal(by_name[name], value) if name in by_name else value
    return out


def encode(fields: dict) -> str:
    """An item's fields as stored (JSON, dates as ISO text)."""
    return json.dumps(
        {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}, sort_keys=True
    )


def _decode(section: Section, text: str) -> dict:
    raw = json.loads(text)
    out = {}
    for col in section.fields:
        value = raw.get(col.name)
        out[col.name] = date.fromisoformat(value) if col.kind == c.DATE and value else value
    return out


def whitespace_id(fields: dict) -> str:
    """A whitespace cell is one offering x one business unit of the customer."""
    return f"{(fields.get('offering') or '').strip()} / {(fields.get('business_unit') or '').strip()}"


# -- the account and its owner ----------------------------------------------------------------


def account_of(con: duckdb.DuckDBPyConnection, account_id: str) -> dict:
    """The account's header (id, name, manager, sponsor, customer executive); NotFound if none."""
    found = con.execute(
        """SELECT account_id, account_name, account_manager, executive_sponsor, customer_executive,
                  coalesce(strategic, false) AS strategic
           FROM accounts WHERE account_id = ?""",
        [account_id],
    ).fetchall()
    if not found:
        raise NotFound(f"There is no account {account_id}.")
    names = ("account_id", "account_name", "account_manager", "executive_sponsor", "customer_executive")
    return dict(zip((*names, "strategic"), found[0], strict=True))


def plan_accounts(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The accounts that have a plan: strategic ones and any with plan items, by name."""
    return con.sql(
        """SELECT account_id, account_name, account_manager, executive_sponsor FROM accounts
           WHERE coalesce(strategic, false) OR account_id IN (SELECT account_id FROM plan_items)
           ORDER BY account_name, account_id"""
    ).pl()


# -- writing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Current:
    version: int
    fields: dict | None  # None: removed
    changed_by: str
    changed_at: datetime


def _current(con, account_id: str, section: Section, item_id: str) -> _Current | None:
    row = con.execute(
        """SELECT version, fields, deleted, changed_by, changed_at FROM plan_items
           WHERE account_id = ? AND section = ? AND item_id = ? ORDER BY version DESC LIMIT 1""",
        [account_id, section.key, item_id],
    ).fetchall()
    if not row:
        return None
    version, text, deleted, who, when = row[0]
    return _Current(version, None if deleted else _decode(section, text), who, when)


def _fields_at(con, account_id: str, section: Section, item_id: str, version: int) -> dict | None:
    row = con.execute(
        """SELECT fields, deleted FROM plan_items
           WHERE account_id = ? AND section = ? AND item_id = ? AND version = ?""",
        [account_id, section.key, item_id, version],
    ).fetchall()
    return None if not row or row[0][1] else _decode(section, row[0][0])


def save_items(
    con: duckdb.DuckDBPyConnection,
    *,
    user: User,
    account_id: str,
    changes: list[Change],
    now: datetime | None = None,
    via: str = APP,
) -> list[str]:
    """Save edits of an account's plan, all or nothing; returns the item ids, new ones
    included. The account's manager (admins: any account) only. Refused with ValidationFailed
    (what is wrong with which item) or EditConflict (somebody saved one of the items after
    the editor opened it: their change is in the error); nothing is saved then. An edit that
    changes nothing is not recorded."""
    account = account_of(con, account_id)
    ensure(user, "edit_plan", account_id=account_id, account_manager=account["account_manager"])
    prepared = []
    problems = []
    for change in changes:
        item, wrong = prepare(con, account_id, change)
        prepared.append(item)
        problems += wrong
    if problems:
        raise ValidationFailed(" ".join(dict.fromkeys(problems)))
    with WRITE_LOCK, transaction(con):
        return write(con, {account_id: prepared}, user=user, now=now, via=via)[account_id]


@dataclass(frozen=True)
class Prepared:
    section: Section
    item_id: str | None
    fields: dict | None
    expected: int


def prepare(con: duckdb.DuckDBPyConnection, account_id: str, change: Change) -> tuple[Prepared, list[str]]:
    """A change checked on its own and against the account's data: (the change ready to
    write, what is wrong with it)."""
    section = SECTIONS_BY_KEY.get(change.section)
    if section is None:
        raise ValidationFailed(f"There is no plan section {change.section!r}.")
    fields = None if change.fields is None else clean_fields(section, change.fields)
    problems = (
        []
        if fields is None
        else item_problems(section, fields) + _reference_problems(con, account_id, section, fields)
    )
    item_id = change.item_id
    if section.key == "business":
        item_id = BUSINESS_ID
    elif section.key == "whitespace" and fields is not None:
        item_id = item_id or whitespace_id(fields)
        if item_id != whitespace_id(fields):
            problems.append("A whitespace cell keeps its offering and business unit; add a new cell instead.")
    elif section.key == "shared_actions":
        if item_id is None:
            problems.append("Name the action to share.")
        elif not _belongs(con, "actions", "action_id", item_id, account_id):
            problems.append(f"There is no action {item_id} of account {account_id}.")
    return Prepared(section, item_id, fields, change.expected_version or 0), problems


def write(
    con: duckdb.DuckDBPyConnection,
    prepared: dict[str, list[Prepared]],
    *,
    user: User,
    now: datetime | None = None,
    via: str = APP,
) -> dict[str, list[str]]:
    """Write prepared changes per account inside the caller's transaction (under WRITE_LOCK;
    the caller checked permissions). Raises EditConflict, writing nothing, when an item's
    version is not the one a change started from. Returns the item ids per account."""
    stamp = now or now_utc()
    conflicts, rows, saved = [], [], {}
    for account_id, changes in prepared.items():
        saved[account_id] = []
        for p in changes:
            item_id = p.item_id
            if item_id is None:
                n = con.execute("SELECT nextval('plan_item_seq')").fetchall()[0][0]
                item_id = f"{p.section.prefix}-{n:05d}"
            current = _current(con, account_id, p.section, item_id)
            version = current.version if current else 0
            saved[account_id].append(item_id)
            if version != p.expected:
                conflicts += _their_change(con, account_id, p.section, item_id, p.expected, current)
                continue
            if p.fields == (current.fields if current else None):
                continue  # nothing changed (or removing what is already gone)
            kept = p.fields if p.fields is not None else (current.fields if current else {})
            deleted = p.fields is None
            rows.append(
                [
                    account_id,
                    p.section.key,
                    item_id,
                    version + 1,
                    encode(kept),
                    deleted,
                    user.username,
                    stamp,
                    via,
                ]
            )
    if conflicts:
        frame = pl.DataFrame(conflicts, schema=CONFLICT_SCHEMA, orient="row")
        who = ", ".join(dict.fromkeys(frame["changed_by"].to_list()))
        raise EditConflict(
            f"{who} saved a newer version after you opened it; nothing was saved. Their change is "
            "shown below and the form now holds it: make your change again if it is still needed.",
            frame,
        )
    if rows:
        con.executemany("INSERT INTO plan_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        bump_data_version(con)
    return saved


def current_version(con: duckdb.DuckDBPyConnection, account_id: str, section_key: str, item_id: str) -> int:
    """The item's latest version (0 when it never existed)."""
    found = _current(con, account_id, SECTIONS_BY_KEY[section_key], item_id)
    return found.version if found else 0


CONFLICT_SCHEMA = {
    "what": pl.String,
    "field": pl.String,
    "when_you_opened": pl.String,
    "now": pl.String,
    "changed_by": pl.String,
    "changed_at": pl.Datetime,
}


def _their_change(
    con, account_id, section: Section, item_id, expected: int, current: _Current | None
) -> list:
    """Rows of CONFLICT_SCHEMA: the fields that differ between the version the editor opened
    and the one saved since."""
    before = _fields_at(con, account_id, section, item_id, expected) if expected else None
    after = current.fields if current else None
    what = f"{section.title}: {item_label(section, item_id, after or before or {})}"
    who, when = (current.changed_by, current.changed_at) if current else ("?", None)
    if after is None or before is None:
        state = ("(none)" if before is None else "present", "removed" if after is None else "added")
        return [[what, "(item)", state[0], state[1], who, when]]
    return [
        [what, name, _text(before.get(name)), _text(after.get(name)), who, when]
        for name in section.field_names
        if before.get(name) != after.get(name)
    ] or [[what, "(item)", f"version {expected}", f"version {current.version}", who, when]]


def _text(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return str(value)


def item_label(section: Section, item_id: str, fields: dict) -> str:
    if section.key in ("whitespace", "shared_actions", "business"):
        return item_id
    return str(fields.get(section.label) or item_id)


def review(
    con: duckdb.DuckDBPyConnection,
    *,
    user: User,
    account_id: str,
    sections: list[str],
    now: datetime | None = None,
) -> None:
    """Stamp plan sections reviewed (by the user, now). The account's manager (admins: any)."""
    account = account_of(con, account_id)
    ensure(user, "review_plan", account_id=account_id, account_manager=account["account_manager"])
    unknown = [s for s in sections if s not in REVIEW_TITLES]
    if unknown or not sections:
        raise ValidationFailed(
            f"Choose plan sections to review (of: {', '.join(REVIEW_TITLES)}); "
            f"not {', '.join(unknown) or 'none'}."
        )
    stamp = now or now_utc()
    with WRITE_LOCK, transaction(con):
        con.executemany(
            "INSERT INTO plan_reviews VALUES (?, ?, ?, ?)",
            [[account_id, s, user.username, stamp] for s in dict.fromkeys(sections)],
        )
        bump_data_version(con)


# -- reading --------------------------------------------------------------------------------------


def items(
    con: duckdb.DuckDBPyConnection, account_id: str, section_key: str, *, at: date | datetime | None = None
) -> pl.DataFrame:
    """The items of one section as of `at` (None: now), in the order they were added:
    item_id, version, the section's fields, changed_by, changed_at (of the version shown),
    and for value propositions `roi` = (value - investment) / investment."""
    section = SECTIONS_BY_KEY[section_key]
    until = moment(at)
    rows = con.execute(
        """SELECT item_id, version, fields, changed_by, changed_at FROM (
               SELECT *, min(changed_at) OVER (PARTITION BY item_id) AS added_at,
                      row_number() OVER (PARTITION BY item_id ORDER BY version DESC) AS newest
               FROM plan_items
               WHERE account_id = ? AND section = ? AND (?::TIMESTAMP IS NULL OR changed_at <= ?))
           WHERE newest = 1 AND NOT deleted ORDER BY added_at, item_id""",
        [account_id, section.key, until, until],
    ).fetchall()
    schema = {
        "item_id": pl.String,
        "version": pl.Int64,
        **item_schema(section),
        "changed_by": pl.String,
        "changed_at": pl.Datetime("us"),
    }
    frame = pl.DataFrame(
        [
            {"item_id": i, "version": v, **_decode(section, f), "changed_by": who, "changed_at": when}
            for i, v, f, who, when in rows
        ],
        schema=schema,
        orient="row",
    )
    if section.key == "value":
        frame = frame.with_columns(
            pl.when(pl.col("investment") > 0)
            .then((pl.col("value") - pl.col("investment")) / pl.col("investment"))
            .alias("roi")
        )
    return frame


def actions(
    con: duckdb.DuckDBPyConnection,
    account_id: str,
    *,
    at: date | datetime | None = None,
    today: date | None = None,
) -> pl.DataFrame:
    """The action plan: the account's actions (the Actions data, one list with the loyalty
    closed loop) with `shared` (with the customer), `from_survey` and `overdue` (open and due
    before `today`). As of a past moment: actions added in the app later are left out and
    values changed in the app since are shown as they were."""
    from sam_core.plans.edits import rows_as_of  # edits imports this module

    until = moment(at)
    frame = rows_as_of(con, "Actions", account_id, at=until)
    if until is not None:
        frame = frame.filter(pl.col("created").is_null() | (pl.col("created") <= until.date()))
    shared = items(con, account_id, "shared_actions", at=until).select(
        pl.col("item_id").alias("action_id"), "shared"
    )
    surveys = con.execute("SELECT response_id FROM surveys WHERE account_id = ?", [account_id]).fetchall()
    day = today or (until.date() if until else date.today())
    return (
        frame.join(shared, on="action_id", how="left")
        .with_columns(
            pl.col("shared").fill_null(False),
            pl.col("source").is_in([r[0] for r in surveys]).fill_null(False).alias("from_survey"),
            (pl.col("status").is_in(["open", "in_progress"]) & (pl.col("due") < day))
            .fill_null(False)
            .alias("overdue"),
        )
        .select(
            "action_id",
            "description",
            "owner",
            "source",
            "from_survey",
            "created",
            "due",
            "status",
            "closed",
            "shared",
            "overdue",
        )
        .sort(pl.col("status").is_in(["done", "dropped"]), pl.col("due"), "action_id", nulls_last=True)
    )


def account_plan(
    con: duckdb.DuckDBPyConnection,
    account_id: str,
    *,
    at: date | datetime | None = None,
    today: date | None = None,
) -> Plan:
    """The whole plan of an account as of `at` (None: now)."""
    return Plan(
        account=account_of(con, account_id),
        at=moment(at),
        items={s.key: items(con, account_id, s.key, at=at) for s in SECTIONS},
        actions=actions(con, account_id, at=at, today=today),
    )


# -- never stale ------------------------------------------------------------------------------


def section_reviews(
    con: duckdb.DuckDBPyConnection, account_id: str, *, as_of: date, review_days: int = DEFAULT_REVIEW_DAYS
) -> pl.DataFrame:
    """Per review section of one account: section, title, reviewed_on, reviewed_by, stale, reason."""
    return _reviews(con, as_of=as_of, review_days=review_days, account_id=account_id).drop("account_id")


def _reviews(con, *, as_of: date, review_days: int, account_id: str | None = None) -> pl.DataFrame:
    """One row per plan account (or the one account) and review section."""
    rows = con.execute(
        """WITH sections AS (SELECT unnest(?::VARCHAR[]) AS section,
                                    generate_subscripts(?::VARCHAR[], 1) AS n),
                accounts_ AS (SELECT account_id FROM accounts
                    WHERE (?::VARCHAR IS NULL AND (coalesce(strategic, false)
                               OR account_id IN (SELECT account_id FROM plan_items)))
                       OR account_id = ?),
                last AS (SELECT account_id, section, arg_max(reviewed_by, reviewed_at) AS reviewed_by,
                                max(reviewed_at) AS reviewed_at
                         FROM plan_reviews WHERE reviewed_at <= ? GROUP BY ALL),
                ninety AS (SELECT account_id, max(date) AS last_review FROM engagements
                           WHERE type = 'ninety_day_review' AND status = 'held' AND date <= ? GROUP BY ALL)
           SELECT a.account_id, s.section, l.reviewed_at::DATE AS reviewed_on, l.reviewed_by, r.last_review
           FROM accounts_ a CROSS JOIN sections s
           LEFT JOIN last l ON l.account_id = a.account_id AND l.section = s.section
           LEFT JOIN ninety r ON r.account_id = a.account_id
           ORDER BY a.account_id, s.n""",
        [
            [k for k, _ in REVIEW_SECTIONS],
            [k for k, _ in REVIEW_SECTIONS],
            account_id,
            account_id,
            moment(as_of),
            as_of,
        ],
    ).fetchall()
    frame = pl.DataFrame(
        rows,
        schema={
            "account_id": pl.String,
            "section": pl.String,
            "reviewed_on": pl.Date,
            "reviewed_by": pl.String,
            "last_review": pl.Date,
        },
        orient="row",
    )
    limit = as_of - timedelta(days=review_days)
    reviewed = pl.col("reviewed_on")
    return frame.with_columns(
        pl.col("section").replace_strict(REVIEW_TITLES, return_dtype=pl.String).alias("title"),
        (reviewed.is_null() | (reviewed < limit) | (reviewed < pl.col("last_review")).fill_null(False)).alias(
            "stale"
        ),
        pl.when(reviewed.is_null())
        .then(pl.lit("never reviewed"))
        .when(reviewed < limit)
        .then(
            pl.format(
                "last reviewed {}, {} days ago (more than {})",
                reviewed.map_elements(long_date, return_dtype=pl.String),
                (pl.lit(as_of) - reviewed).dt.total_days(),
                pl.lit(review_days),
            )
        )
        .when(reviewed < pl.col("last_review"))
        .then(
            pl.lit("reviewed before the 90-day review of ")
            + pl.col("last_review").map_elements(long_date, return_dtype=pl.String)
        )
        .alias("reason"),
    ).select("account_id", "section", "title", "reviewed_on", "reviewed_by", "stale", "reason", "last_review")


def plan_status(
    con: duckdb.DuckDBPyConnection, *, as_of: date, review_days: int = DEFAULT_REVIEW_DAYS
) -> pl.DataFrame:
    """Per account with a plan (strategic, or with plan items): account_id, reviewed_on (the
    oldest section stamp: a plan is as fresh as its stalest section; null while a section was
    never reviewed), stale, and reason (null when fresh), e.g. 'no plan yet', 'never reviewed:
    whitespace' or 'last reviewed 12 Jan 2026, over 90 days ago' (sections named unless all)."""
    reviews = _reviews(con, as_of=as_of, review_days=review_days)
    with_items = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT account_id FROM plan_items WHERE changed_at <= ?", [moment(as_of)]
        ).fetchall()
    }
    out = []
    for (account_id,), rows in reviews.group_by("account_id", maintain_order=True):
        dates = rows["reviewed_on"]
        never = rows.filter(pl.col("reviewed_on").is_null())
        if account_id not in with_items and never.height == rows.height:
            out.append([account_id, None, True, "no plan yet"])
            continue
        stale = rows.filter(pl.col("stale") & pl.col("reviewed_on").is_not_null())
        limit = as_of - timedelta(days=review_days)
        old = stale.filter(pl.col("reviewed_on") < limit)
        before = stale.filter(pl.col("reviewed_on") >= limit)

        def which(frame: pl.DataFrame) -> str:
            everything = frame.height == len(REVIEW_SECTIONS)
            return "" if everything else ": " + ", ".join(SHORT[k] for k in frame["section"])

        reasons = []
        if never.height:
            reasons.append("never reviewed" + which(never))
        for (day,), group in old.group_by("reviewed_on", maintain_order=True):
            reasons.append(f"last reviewed {long_date(day)}, over {review_days} days ago" + which(group))
        if before.height:
            reasons.append(
                f"not reviewed since the 90-day review of {long_date(before['last_review'][0])}"
                + which(before)
            )
        out.append(
            [account_id, None if never.height else dates.min(), bool(reasons), "; ".join(reasons) or None]
        )
    return pl.DataFrame(
        out,
        schema={"account_id": pl.String, "reviewed_on": pl.Date, "stale": pl.Boolean, "reason": pl.String},
        orient="row",
    )


# -- history ----------------------------------------------------------------------------------------


def changes(con: duckdb.DuckDBPyConnection, account_id: str) -> pl.DataFrame:
    """Every change of the plan, newest first, one row per field: changed_at, changed_by, via,
    section, item, field, old, new (a review stamp is a row with field 'reviewed')."""
    rows = con.execute(
        """SELECT section, item_id, version, fields, deleted, changed_by, changed_at, via,
                  lag(fields) OVER w AS old_fields, lag(deleted) OVER w AS old_deleted
           FROM plan_items WHERE account_id = ?
           WINDOW w AS (PARTITION BY section, item_id ORDER BY version)
           ORDER BY changed_at, section, item_id, version""",
        [account_id],
    ).fetchall()
    out = []
    for key, item_id, _, text, deleted, who, when, via, old_text, old_deleted in rows:
        section = SECTIONS_BY_KEY.get(key)
        if section is None:
            continue
        new = {} if deleted else _decode(section, text)
        old = {} if old_text is None or old_deleted else _decode(section, old_text)
        label = item_label(section, item_id, new or _decode(section, text))
        if deleted:
            if not old_deleted:
                out.append([when, who, via, section.title, label, "(removed)", None, None])
            continue
        out += [
            [
                when,
                who,
                via,
                section.title,
                label,
                name,
                _text_or_none(old.get(name)),
                _text_or_none(new.get(name)),
            ]
            for name in section.field_names
            if old.get(name) != new.get(name)
        ]
    for section, who, when in con.execute(
        "SELECT section, reviewed_by, reviewed_at FROM plan_reviews WHERE account_id = ?", [account_id]
    ).fetchall():
        out.append([when, who, APP, REVIEW_TITLES.get(section, section), "", "reviewed", None, "reviewed"])
    return pl.DataFrame(out, schema=HISTORY_SCHEMA, orient="row").sort(
        "changed_at", descending=True, maintain_order=True
    )


HISTORY_SCHEMA = {
    "changed_at": pl.Datetime("us"),
    "changed_by": pl.String,
    "via": pl.String,
    "section": pl.String,
    "item": pl.String,
    "field": pl.String,
    "old": pl.String,
    "new": pl.String,
}


def _text_or_none(value) -> str | None:
    return None if value is None else _text(value)


def compare(
    con: duckdb.DuckDBPyConnection,
    account_id: str,
    since: date | datetime,
    until: date | datetime | None = None,
) -> pl.DataFrame:
    """What changed in the plan between two moments (a date means the end of that day; until
    None: now): section, item, change (added, removed, changed), field, then, now. The action
    plan is compared too (status, due, owner, description, shared)."""
    out = []
    for section in SECTIONS:
        if section.key == "shared_actions":
            continue  # compared with the actions below
        then = {r["item_id"]: r for r in items(con, account_id, section.key, at=since).iter_rows(named=True)}
        now = {r["item_id"]: r for r in items(con, account_id, section.key, at=until).iter_rows(named=True)}
        out += _diff(
            section.title, then, now, section.field_names, lambda r, s=section: item_label(s, r["item_id"], r)
        )
    fields = ("description", "owner", "due", "status", "shared")
    then = {r["action_id"]: r for r in actions(con, account_id, at=since).iter_rows(named=True)}
    now = {r["action_id"]: r for r in actions(con, account_id, at=until).iter_rows(named=True)}
    out += _diff("Action plan", then, now, fields, lambda r: f"{r['action_id']} {r['description']}")
    return pl.DataFrame(out, schema=COMPARE_SCHEMA, orient="row")


COMPARE_SCHEMA = {
    "section": pl.String,
    "item": pl.String,
    "change": pl.String,
    "field": pl.String,
    "then": pl.String,
    "now": pl.String,
}


def _diff(title: str, then: dict, now: dict, fields, label) -> list:
    out = []
    for key in [*then, *(k for k in now if k not in then)]:
        before, after = then.get(key), now.get(key)
        if before is None:
            out.append([title, label(after), "added", None, None, None])
        elif after is None:
            out.append([title, label(before), "removed", None, None, None])
        else:
            out += [
                [title, label(after), "changed", f, _text_or_none(before[f]), _text_or_none(after[f])]
                for f in fields
                if before[f] != after[f]
            ]
    return out


def milestones(con: duckdb.DuckDBPyConnection, account_id: str, *, as_of: date) -> dict[str, date]:
    """Dates worth comparing the plan with: the last held QBR and 90-day review, and the last
    time each was reviewed (labels -> dates, most recent first)."""
    rows = con.execute(
        """SELECT type, max(date) FROM engagements
           WHERE account_id = ? AND status = 'held' AND date <= ? AND type IN ('qbr', 'ninety_day_review')
           GROUP BY type""",
        [account_id, as_of],
    ).fetchall()
    names = {"qbr": "the last QBR", "ninety_day_review": "the last 90-day review"}
    found = {f"{names[t]} ({long_date(d)})": d for t, d in rows}
    return dict(sorted(found.items(), key=lambda kv: kv[1], reverse=True))


def customer_view(plan: Plan) -> dict[str, pl.DataFrame]:
    """What the customer version holds, and nothing else: the objectives and value
    propositions marked shared and the actions marked shared, each with its customer fields."""
    objectives = SECTIONS_BY_KEY["objectives"]
    value = SECTIONS_BY_KEY["value"]
    return {
        "Objectives": plan.items["objectives"]
        .filter(pl.col("shared").fill_null(False))
        .select(objectives.customer_fields),
        "Value propositions": plan.items["value"]
        .filter(pl.col("shared").fill_null(False))
        .select(value.customer_fields),
        "Actions": plan.actions.filter(pl.col("shared")).select(CUSTOMER_ACTION_FIELDS),
    }


def open_opportunities(con: duckdb.DuckDBPyConnection, account_id: str) -> pl.DataFrame:
    """opportunity_id, label ('name, stage'): the account's open opportunities, for whitespace cells."""
    return con.sql(
        """SELECT opportunity_id, coalesce(name, '') || ', ' || coalesce(stage, 'no stage') AS label
           FROM opportunities WHERE account_id = ? AND coalesce(stage, '') NOT IN ('won', 'lost')
           ORDER BY opportunity_id""",
        params=[account_id],
    ).pl()


def executives(con: duckdb.DuckDBPyConnection, account_id: str) -> pl.DataFrame:
    """stakeholder_id, label: the account's stakeholders, executives and seniors first (for the
    contact plan)."""
    return con.sql(
        """SELECT stakeholder_id, name || coalesce(', ' || title, '') AS label FROM stakeholders
           WHERE account_id = ?
           ORDER BY CASE level WHEN 'executive' THEN 0 WHEN 'senior' THEN 1 ELSE 2 END, name""",
        params=[account_id],
    ).pl()


def opportunity_names(con: duckdb.DuckDBPyConnection, account_id: str) -> dict[str, str]:
    """opportunity_id -> name of every opportunity of the account (open or closed), for the
    whitespace cells that name their opportunity; one without a name keeps its id."""
    rows = con.execute(
        "SELECT opportunity_id, coalesce(name, opportunity_id) FROM opportunities WHERE account_id = ?",
        [account_id],
    ).fetchall()
    return dict(rows)
