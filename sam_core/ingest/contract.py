"""The workbook contract of SPEC.md section 3, written once as data.

The validator, the template writer, the storage schema and the docs all read
these definitions; nothing else lists sheets or columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sam_core.access.permissions import ROLES

# Column kinds: how a cell is read and checked.
TEXT = "text"  # free text, stripped
ID = "id"  # identifier: text; a whole number read from a numeric cell loses its ".0"
NUMBER = "number"  # float
INTEGER = "integer"  # whole number
DATE = "date"  # Excel date, ISO text or local text (format resolved per column)
PERIOD = "period"  # a date, 2025-Q3 or 2025-07; stored as the period's first day
YES_NO = "yes_no"  # yes/no, true/false, y/n, 1/0, x
CHOICE = "choice"  # one of `allowed`
CHOICES = "choices"  # any of `allowed`, separated by ';'

PLANNING_ROLES = (
    "chief_of_relationships",
    "business_driver",
    "forward_thinker",
    "technical_expert",
    "project_manager",
    "devils_advocate",
)
ENGAGEMENT_TYPES = (
    "executive_visit",
    "internal_review",
    "qbr",
    "ninety_day_review",
    "planning_workshop",
    "site_visit",
    "other",
)
POSITIVE_SIGNALS = (
    "meeting_accepted",
    "call_returned",
    "introduction_solicited",
    "advice_sought",
    "early_in_buying_process",
    "inside_information_shared",
    "scope_expanded",
    "buying_accelerated",
)
NEGATIVE_SIGNALS = (
    "meeting_declined",
    "call_unreturned",
    "introduction_unsolicited",
    "late_in_buying_process",
    "scope_reduced",
    "buying_decelerated",
)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    description: str = ""
    aliases: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()
    # Other spellings of allowed values, normalised (see `normalise_value`) -> allowed value.
    value_aliases: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    sql_type: str = ""
    money: bool = False  # an amount in the workbook's currency, converted to the reporting currency

    @property
    def storage_type(self) -> str:
        if self.sql_type:
            return self.sql_type
        return {
            NUMBER: "DOUBLE",
            INTEGER: "INTEGER",
            DATE: "DATE",
            PERIOD: "DATE",
            YES_NO: "BOOLEAN",
        }.get(self.kind, "VARCHAR")


@dataclass(frozen=True)
class Sheet:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str
    aliases: tuple[str, ...] = ()
    # Numeric columns the contract does not name are survey questions (Surveys only).
    extra_columns_are_questions: bool = False
    # The columns that tell one row from another when an export has no id column: a generated
    # id is made from them (see mapping.generate_ids), so the next export updates the same rows.
    natural_key: tuple[str, ...] = ()
    # The date column whose month picks the exchange rate of the sheet's money columns.
    dated_by: str | None = None
    table: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", self.name.lower())

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def has_accounts(self) -> bool:
        """True for every sheet whose rows belong to an account (all but Rates)."""
        return "account_id" in self.column_names

    @property
    def money_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.money)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name, kind, required=False, description="", aliases=(), **kw) -> Column:
    return Column(name, kind, required, description, tuple(aliases), **kw)


ACCOUNT_ID = _c(
    "account_id",
    ID,
    True,
    "Your identifier of the customer account.",
    ("account", "account number", "account no", "customer id", "customer number", "acct id"),
)

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Accounts",
        ("account_id",),
        (
            ACCOUNT_ID,
            _c(
                "account_name",
                TEXT,
                True,
                "The customer's name.",
                ("customer", "customer name", "company", "company name", "name"),
            ),
            _c(
                "account_manager",
                TEXT,
                True,
                "Who owns the account on our side (their name as in the users file).",
                ("account owner", "owner", "key account manager", "kam", "account lead"),
            ),
            _c(
                "executive_sponsor",
                TEXT,
                False,
                "Our executive sponsor for the account.",
                ("sponsor", "exec sponsor", "executive"),
            ),
            _c(
                "customer_executive",
                TEXT,
                False,
                "The customer's senior executive paired with our sponsor.",
                ("customer exec", "client executive"),
            ),
            _c(
                "parent_account",
                ID,
                False,
                "account_id of the parent; figures roll up from subsidiaries.",
                ("parent", "parent id", "parent account id", "subsidiary of", "parent company"),
            ),
            _c(
                "tier",
                CHOICE,
                False,
                "A, B or C; computed from revenue when empty.",
                ("segment", "abc tier", "abc"),
                allowed=("A", "B", "C"),
            ),
            _c("industry", TEXT, False, "Industry.", ("sector", "vertical")),
            _c("region", TEXT, False, "Sales region.", ("territory", "geo")),
            _c(
                "business_unit",
                TEXT,
                False,
                "Our business unit that owns the account.",
                ("bu", "division", "unit"),
            ),
            _c(
                "status",
                CHOICE,
                False,
                "active, at_risk or lost.",
                ("account status",),
                allowed=("active", "at_risk", "lost"),
                value_aliases=(("risk", "at_risk"), ("atrisk", "at_risk"), ("churned", "lost")),
            ),
            _c(
                "strategic",
                YES_NO,
                False,
                "yes for accounts in the strategic program.",
                ("is strategic", "strategic account", "key account"),
            ),
            _c(
                "customer_since",
                DATE,
                False,
                "First year of business (a date).",
                ("client since", "start date"),
            ),
            _c(
                "wallet_estimate",
                NUMBER,
                False,
                "The customer's yearly spend in our categories.",
                ("wallet", "wallet size", "total addressable spend"),
                minimum=0,
                money=True,
            ),
        ),
        "One row per customer account; rows are upserted by account_id.",
        ("customers", "account list", "accounts export"),
    ),
    Sheet(
        "Financials",
        ("account_id", "period"),
        (
            ACCOUNT_ID,
            _c(
                "period",
                PERIOD,
                True,
                "A date, 2025-Q3 or 2025-07; stored as the period's first day.",
                ("month", "date", "quarter", "fiscal period"),
            ),
            _c(
                "revenue",
                NUMBER,
                True,
                "Revenue in the period.",
                ("sales", "net revenue", "turnover", "net sales"),
                money=True,
            ),
            _c("profit", NUMBER, False, "Gross profit in the period.", ("gross profit",), money=True),
            _c("ebitda", NUMBER, False, "EBITDA in the period.", (), money=True),
            _c(
                "plan_revenue",
                NUMBER,
                False,
                "Planned revenue for the period.",
                ("plan", "budget", "target revenue", "revenue plan"),
                money=True,
            ),
        ),
        "Revenue, profit, EBITDA and plan per account and period.",
        ("finance", "revenue", "p&l"),
        dated_by="period",
    ),
    Sheet(
        "Opportunities",
        ("opportunity_id",),
        (
            _c(
                "opportunity_id",
                ID,
                True,
                "Identifier of the opportunity.",
                ("opportunity id", "opp id", "deal id"),
            ),
            ACCOUNT_ID,
            _c(
                "name",
                TEXT,
                False,
                "What is being sold.",
                ("opportunity name", "opportunity", "deal name", "topic", "product"),
            ),
            _c(
                "stage",
                CHOICE,
                False,
                "prospecting, qualifying, proposal, negotiation, won or lost.",
                ("sales stage", "pipeline stage", "deal stage", "opportunity stage"),
                allowed=("prospecting", "qualifying", "proposal", "negotiation", "won", "lost"),
                value_aliases=(
                    ("closed_won", "won"),
                    ("closed_lost", "lost"),
                    ("qualification", "qualifying"),
                    ("prospect", "prospecting"),
                ),
            ),
            _c(
                "amount",
                NUMBER,
                True,
                "Value of the opportunity.",
                ("close value", "value", "deal value", "opportunity amount", "est revenue"),
                minimum=0,
                money=True,
            ),
            _c(
                "close_date",
                DATE,
                False,
                "Expected or actual close date.",
                ("expected close date", "estimated close date", "close"),
            ),
            _c(
                "probability",
                NUMBER,
                False,
                "Win probability, 0-1 or 0-100 %.",
                ("win probability", "probability %", "probability (%)"),
                minimum=0,
                maximum=100,
            ),
            _c(
                "owner",
                TEXT,
                False,
                "Who works the opportunity.",
                ("opportunity owner", "sales agent", "sales rep", "deal owner", "salesperson"),
            ),
        ),
        "Open and closed opportunities.",
        ("pipeline", "deals", "opps", "sales pipeline", "opportunities export", "deal list"),
        natural_key=("account_id", "name"),
        dated_by="close_date",
    ),
    Sheet(
        "Stakeholders",
        ("stakeholder_id",),
        (
            _c(
                "stakeholder_id",
                ID,
                True,
                "Identifier of the person at the customer.",
                ("contact id", "person id"),
            ),
            ACCOUNT_ID,
            _c("name", TEXT, True, "Full name.", ("contact name", "full name", "contact")),
            _c("title", TEXT, False, "Job title.", ("job title", "position")),
            _c("department", TEXT, False, "Department.", ("function", "dept")),
            _c(
                "reports_to",
                ID,
                False,
                "stakeholder_id of their manager.",
                ("manager id", "reports to id", "manager"),
            ),
            _c(
                "level",
                CHOICE,
                False,
                "executive, senior, manager or staff.",
                ("seniority",),
                allowed=("executive", "senior", "manager", "staff"),
                value_aliases=(
                    ("c_level", "executive"),
                    ("exec", "executive"),
                    ("vp", "senior"),
                    ("director", "senior"),
                ),
            ),
            _c(
                "buying_role",
                CHOICE,
                False,
                "economic, technical, user, coach, gatekeeper or influencer.",
                ("role", "buying role", "buyer role"),
                allowed=("economic", "technical", "user", "coach", "gatekeeper", "influencer"),
                value_aliases=(
                    ("economic_buyer", "economic"),
                    ("technical_buyer", "technical"),
                    ("user_buyer", "user"),
                ),
            ),
            _c(
                "influence",
                INTEGER,
                False,
                "1 (little) to 5 (decisive).",
                ("influence level", "power"),
                minimum=1,
                maximum=5,
            ),
            _c(
                "attitude",
                INTEGER,
                False,
                "-2 detractor, -1 critic, 0 neutral, +1 supporter, +2 champion.",
                ("sentiment", "disposition"),
                minimum=-2,
                maximum=2,
                value_aliases=(
                    ("detractor", "-2"),
                    ("critic", "-1"),
                    ("neutral", "0"),
                    ("supporter", "1"),
                    ("champion", "2"),
                ),
            ),
            _c(
                "decision_maker",
                YES_NO,
                False,
                "yes if they decide the purchase.",
                ("dm", "is decision maker", "decision maker"),
            ),
            _c("email", TEXT, False, "E-mail address.", ("e-mail", "email address")),
        ),
        "The buying organisation: people at the customer.",
        ("contacts", "buying center", "buying centre", "people"),
        natural_key=("account_id", "name"),
    ),
    Sheet(
        "Team",
        ("account_id", "member"),
        (
            ACCOUNT_ID,
            _c("member", TEXT, True, "Our team member's name.", ("team member", "member name", "name")),
            _c("title", TEXT, False, "Their job title.", ("job title", "position")),
            _c(
                "wave",
                CHOICE,
                True,
                "core (the account manager), core_team, extended, partner, corporate or sponsor.",
                ("team", "circle", "ring", "team wave"),
                allowed=("core", "core_team", "extended", "partner", "corporate", "sponsor"),
                value_aliases=(
                    ("account_manager", "core"),
                    ("extended_team", "extended"),
                    ("partner_team", "partner"),
                    ("corporate_team", "corporate"),
                    ("executive_sponsor", "sponsor"),
                ),
            ),
            _c(
                "planning_roles",
                CHOICES,
                False,
                "Any of " + ", ".join(PLANNING_ROLES) + "; separated by ';'.",
                ("roles", "planning role"),
                allowed=PLANNING_ROLES,
                value_aliases=(("devil_s_advocate", "devils_advocate"),),
            ),
        ),
        "Our selling team per account, in waves around the account manager.",
        ("account team", "team members", "selling team"),
    ),
    Sheet(
        "Relationships",
        ("account_id", "member", "stakeholder_id"),
        (
            ACCOUNT_ID,
            _c("member", TEXT, True, "Our team member (as in Team).", ("team member", "our contact")),
            _c(
                "stakeholder_id",
                ID,
                True,
                "The stakeholder (as in Stakeholders).",
                ("contact id", "stakeholder", "contact"),
            ),
            _c(
                "strength",
                INTEGER,
                True,
                "1 weak ... 5 trusted.",
                ("relationship strength", "score"),
                minimum=1,
                maximum=5,
            ),
            _c(
                "last_contact",
                DATE,
                False,
                "Date of the last contact.",
                ("last contacted", "last touch", "last contact date"),
            ),
        ),
        "Who on our team knows whom at the customer, and how well.",
        ("relationship map", "coverage"),
    ),
    Sheet(
        "Engagements",
        ("engagement_id",),
        (
            _c(
                "engagement_id",
                ID,
                True,
                "Identifier of the meeting.",
                ("activity id", "meeting id", "event id"),
            ),
            ACCOUNT_ID,
            _c(
                "date",
                DATE,
                True,
                "When it took place or is planned.",
                (
                    "activity date",
                    "meeting date",
                    "start date",
                    "timestamp",
                    "engage date",
                    "engagement date",
                    "interaction date",
                ),
            ),
            _c(
                "type",
                CHOICE,
                True,
                ", ".join(ENGAGEMENT_TYPES) + ".",
                ("activity type", "meeting type", "engagement type"),
                allowed=ENGAGEMENT_TYPES,
                value_aliases=(
                    ("90_day_review", "ninety_day_review"),
                    ("90day_review", "ninety_day_review"),
                    ("quarterly_business_review", "qbr"),
                    ("executive_visit", "executive_visit"),
                    ("exec_visit", "executive_visit"),
                    ("internal_account_review", "internal_review"),
                ),
            ),
            _c(
                "status",
                CHOICE,
                True,
                "planned, held or cancelled.",
                ("activity status", "meeting status"),
                allowed=("planned", "held", "cancelled"),
                value_aliases=(
                    ("completed", "held"),
                    ("done", "held"),
                    ("scheduled", "planned"),
                    ("canceled", "cancelled"),
                ),
            ),
            _c(
                "sponsor_attended",
                YES_NO,
                False,
                "yes if our executive sponsor took part.",
                ("sponsor present", "exec attended", "sponsor"),
            ),
            _c("customer_attendees", TEXT, False, "Who attended from the customer.", ("attendees",)),
            _c("notes", TEXT, False, "Notes.", ("description", "comments", "subject")),
        ),
        "Executive visits, reviews, QBRs and other meetings.",
        ("activities", "meetings", "engagement", "interactions", "interaction log", "activity log"),
        natural_key=("account_id", "date", "type"),
    ),
    Sheet(
        "Evidence",
        ("account_id", "date", "signal"),
        (
            ACCOUNT_ID,
            _c("date", DATE, True, "When it was observed.", ("observed", "observed on", "timestamp")),
            _c(
                "signal",
                CHOICE,
                True,
                ", ".join(POSITIVE_SIGNALS + NEGATIVE_SIGNALS) + ".",
                ("evidence", "signal type"),
                allowed=POSITIVE_SIGNALS + NEGATIVE_SIGNALS,
            ),
            _c("note", TEXT, False, "What happened.", ("notes", "comment")),
        ),
        "Observed signals of relationship strength.",
        ("signals", "evidence signals"),
    ),
    Sheet(
        "Surveys",
        ("response_id",),
        (
            _c("response_id", ID, True, "Identifier of the response.", ("response id", "respondent id")),
            ACCOUNT_ID,
            _c(
                "survey_date",
                DATE,
                True,
                "When it was answered.",
                ("date", "response date", "submitted", "submitted at", "timestamp"),
            ),
            _c("wave", TEXT, False, "The survey wave, e.g. 2025 H1.", ("survey wave", "survey", "campaign")),
            _c("stakeholder_id", ID, False, "The respondent's stakeholder_id, if known.", ("contact id",)),
            _c("respondent_name", TEXT, False, "The respondent's name.", ("respondent", "name")),
            _c("respondent_title", TEXT, False, "The respondent's job title.", ("title", "job title")),
            _c(
                "recommend_score",
                NUMBER,
                False,
                "0-10: how likely to recommend us.",
                ("nps", "likelihood to recommend", "recommend", "how likely are you to recommend us"),
                minimum=0,
                maximum=10,
            ),
            _c(
                "satisfaction",
                NUMBER,
                False,
                "1-5: overall satisfaction.",
                ("csat", "overall satisfaction"),
                minimum=1,
                maximum=5,
            ),
            _c(
                "continue_score",
                NUMBER,
                False,
                "1-5: how likely to keep buying.",
                ("likelihood to continue", "continue", "repurchase", "likelihood to keep buying"),
                minimum=1,
                maximum=5,
            ),
            _c("comment", TEXT, False, "Free-text comment.", ("comments", "verbatim", "feedback")),
        ),
        "Loyalty survey responses; further numeric columns are questions (header = question text).",
        ("survey", "loyalty survey", "responses", "survey responses", "nps"),
        natural_key=("account_id", "survey_date", "stakeholder_id", "respondent_name"),
        extra_columns_are_questions=True,
    ),
    Sheet(
        "Actions",
        ("action_id",),
        (
            _c("action_id", ID, True, "Identifier of the action.", ("action id", "task id")),
            ACCOUNT_ID,
            _c("description", TEXT, True, "What is to be done.", ("action", "task", "subject")),
            _c("owner", TEXT, True, "Who does it.", ("assigned to", "assignee", "responsible")),
            _c(
                "source",
                TEXT,
                False,
                "Survey response_id, engagement_id or free text.",
                ("origin", "source id"),
            ),
            _c("created", DATE, True, "When it was raised.", ("created date", "created on", "opened")),
            _c("due", DATE, False, "When it is due.", ("due date", "deadline")),
            _c(
                "status",
                CHOICE,
                True,
                "open, in_progress, done or dropped.",
                ("action status",),
                allowed=("open", "in_progress", "done", "dropped"),
                value_aliases=(
                    ("in_progress", "in_progress"),
                    ("closed", "done"),
                    ("completed", "done"),
                    ("cancelled", "dropped"),
                ),
            ),
            _c(
                "closed",
                DATE,
                False,
                "When it was done or dropped.",
                ("closed date", "completed on", "completed"),
            ),
        ),
        "Action items, from surveys, reviews or elsewhere.",
        ("action items", "tasks", "action plan"),
        natural_key=("account_id", "description", "created"),
    ),
    Sheet(
        "Rates",
        ("currency", "month"),
        (
            _c(
                "currency",
                TEXT,
                True,
                "Three-letter currency code (ISO 4217), e.g. USD.",
                ("currency code", "from currency", "ccy"),
            ),
            _c(
                "month",
                PERIOD,
                True,
                "The month the rate applies to (2025-07 or a date in it).",
                ("period", "date", "rate month"),
            ),
            _c(
                "rate",
                NUMBER,
                True,
                "Value of 1 unit of the currency in the reporting currency.",
                ("exchange rate", "fx rate", "conversion rate"),
            ),
        ),
        "Exchange rates to the reporting currency, per currency and month (admins only).",
        ("exchange rates", "fx rates", "currency rates", "fx"),
    ),
)

SHEETS_BY_NAME = {s.name: s for s in SHEETS}

# Survey questions live beside the Surveys sheet, one row per response and question.
SURVEY_ANSWERS_COLUMNS = (
    ("response_id", "VARCHAR"),
    ("account_id", "VARCHAR"),
    ("question", "VARCHAR"),
    ("score", "DOUBLE"),
    ("scale_max", "INTEGER"),
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(text: str) -> str:
    """Sheet and header matching key: lower case, no spaces, underscores or punctuation."""
    return _NON_ALNUM.sub("", str(text).lower())


def normalise_value(text: str) -> str:
    """Allowed-value matching key: lower case, words joined by underscores."""
    return _NON_ALNUM.sub("_", str(text).strip().lower()).strip("_")


# Sheets that explain a workbook rather than hold data: never read as contract sheets.
INSTRUCTION_WORDS = ("readme", "instructions", "instruction", "notes", "help", "about", "howto", "guide")


def is_instructions(sheet_name: str) -> bool:
    """True for a README, instructions or notes sheet (the template's own README included)."""
    key = normalise_name(sheet_name)
    return any(key.startswith(w) or key.endswith(w) for w in INSTRUCTION_WORDS)


def match_sheet(sheet_name: str) -> Sheet | None:
    """The contract sheet a workbook sheet name means, or None."""
    key = normalise_name(sheet_name)
    for sheet in SHEETS:
        if key == normalise_name(sheet.name) or key in {normalise_name(a) for a in sheet.aliases}:
            return sheet
    return None


def match_column(sheet: Sheet, header: str, *, exact: bool = False) -> Column | None:
    """The contract column a header means on this sheet (exact name first, then aliases;
    with `exact`, the name only)."""
    names, aliases = _column_keys(sheet)
    key = normalise_name(header)
    found = names.get(key)
    return found if found is not None or exact else aliases.get(key)


_KEYS: dict[int, tuple[Sheet, dict[str, Column], dict[str, Column]]] = {}


def _column_keys(sheet: Sheet) -> tuple[dict[str, Column], dict[str, Column]]:
    """Per sheet, normalised column names and normalised aliases (the first column wins),
    worked out once: matching headers is on the path of every upload."""
    known = _KEYS.get(id(sheet))
    if known is None or known[0] is not sheet:
        names = {normalise_name(c.name): c for c in sheet.columns}
        aliases: dict[str, Column] = {}
        for column in sheet.columns:
            for alias in column.aliases:
                aliases.setdefault(normalise_name(alias), column)
        known = _KEYS[id(sheet)] = (sheet, names, aliases)
    return known[1], known[2]


# -- Account plans (SPEC.md section 8) ------------------------------------------------
# The plan's own sheets, for bulk load and export of plans. They are not data tables: a
# plan sheet is loaded through sam_core.plans (every item versioned, who and when), on the
# Account plan page or with `python -m sam_core load-plans`.
OBJECTIVE_STATUSES = ("not_started", "on_track", "at_risk", "achieved", "missed")
WHITESPACE_STATUSES = ("sold", "pipeline", "target", "not_a_fit")
THREAT_LEVELS = ("low", "medium", "high")
COMMITMENT_STATUSES = ("planned", "in_progress", "done", "dropped")

_ITEM_ID = _c(
    "item_id",
    ID,
    False,
    "The plan item's id, as exported; leave empty for a new item.",
    ("id", "item"),
)
_VERSION = _c(
    "version",
    INTEGER,
    False,
    "The item's version when it was exported: if it was changed in the app since, the app's "
    "version is kept and the row reported. Leave empty for a new item.",
    minimum=1,
)
_SHARED = _c(
    "shared",
    YES_NO,
    False,
    "yes to show it in the customer version of the plan.",
    ("shared with customer", "share", "customer visible"),
)

PLAN_SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "Plan business",
        ("account_id",),
        (
            ACCOUNT_ID,
            _c("goals", TEXT, False, "The customer's business goals.", ("business goals",)),
            _c("strategy", TEXT, False, "The customer's strategy.", ("business strategy",)),
            _c("market_dynamics", TEXT, False, "Their market: trends, pressures, competitors.", ("market",)),
            _c("buying", TEXT, False, "What they buy, and from whom.", ("what they buy", "suppliers")),
            _VERSION,
        ),
        "Account plan: the customer's business (one row per account).",
        ("customer business",),
    ),
    Sheet(
        "Plan objectives",
        ("account_id", "item_id"),
        (
            ACCOUNT_ID,
            _ITEM_ID,
            _c("objective", TEXT, True, "What we want to achieve with the account.", ("goal",)),
            _c("measure", TEXT, False, "How it is measured.", ("kpi", "metric")),
            _c("target", TEXT, False, "The target value of the measure.", ("target value",)),
            _c("due", DATE, False, "When it is due.", ("due date", "deadline")),
            _c(
                "status",
                CHOICE,
                False,
                ", ".join(OBJECTIVE_STATUSES) + ".",
                allowed=OBJECTIVE_STATUSES,
                value_aliases=(("on_target", "on_track"), ("done", "achieved"), ("open", "not_started")),
            ),
            _c("progress", INTEGER, False, "Progress, 0-100 %.", ("progress %",), minimum=0, maximum=100),
            _SHARED,
            _VERSION,
        ),
        "Account plan: our objectives for the account.",
        ("objectives",),
    ),
    Sheet(
        "Plan value",
        ("account_id", "item_id"),
        (
            ACCOUNT_ID,
            _ITEM_ID,
            _c("problem", TEXT, True, "The customer's problem.", ("customer problem",)),
            _c("offer", TEXT, True, "Our offer that solves it.", ("our offer", "solution")),
            _c(
                "value",
                NUMBER,
                False,
                "Quantified value to the customer, per year, in the reporting currency.",
                ("value to customer", "customer value"),
                minimum=0,
            ),
            _c(
                "investment",
                NUMBER,
                False,
                "The customer's investment, in the reporting currency.",
                ("customer investment", "cost"),
                minimum=0,
            ),
            _c(
                "validated",
                YES_NO,
                False,
                "yes when the customer confirmed the value (give the evidence).",
                ("validated with customer",),
            ),
            _c("evidence", TEXT, False, "How the value was validated (internal).", ("validation evidence",)),
            _SHARED,
            _VERSION,
        ),
        "Account plan: economic value propositions (ROI = (value - investment) / investment).",
        ("value propositions", "economic value"),
    ),
    Sheet(
        "Plan whitespace",
        ("account_id", "offering", "business_unit"),
        (
            ACCOUNT_ID,
            _c("offering", TEXT, True, "One of our offerings (the list is a setting).", ("product",)),
            _c(
                "business_unit",
                TEXT,
                True,
                "The customer's business unit or buying centre.",
                ("buying centre", "buying center", "customer unit"),
            ),
            _c(
                "status",
                CHOICE,
                True,
                ", ".join(WHITESPACE_STATUSES) + " (pipeline: give the opportunity_id).",
                allowed=WHITESPACE_STATUSES,
                value_aliases=(
                    ("in_pipeline", "pipeline"),
                    ("not_fit", "not_a_fit"),
                    ("no_fit", "not_a_fit"),
                ),
            ),
            _c("opportunity_id", ID, False, "The opportunity (as in Opportunities) of a pipeline cell."),
            _c("note", TEXT, False, "Note.", ("notes", "comment")),
            _VERSION,
        ),
        "Account plan: whitespace, our offerings against the customer's business units.",
        ("whitespace",),
    ),
    Sheet(
        "Plan competitors",
        ("account_id", "item_id"),
        (
            ACCOUNT_ID,
            _ITEM_ID,
            _c("competitor", TEXT, True, "The competitor.", ("competition",)),
            _c("area", TEXT, False, "Where they compete with us at the account.", ("product area",)),
            _c(
                "threat",
                CHOICE,
                False,
                ", ".join(THREAT_LEVELS) + ".",
                ("threat level",),
                allowed=THREAT_LEVELS,
            ),
            _c("insulation", TEXT, False, "How the account is insulated against them.", ("defence",)),
            _VERSION,
        ),
        "Account plan: competitive position.",
        ("competitors", "competition"),
    ),
    Sheet(
        "Plan sponsor commitments",
        ("account_id", "item_id"),
        (
            ACCOUNT_ID,
            _ITEM_ID,
            _c("commitment", TEXT, True, "What the executive sponsor commits to.", ("action",)),
            _c("start", DATE, False, "Start date.", ("start date",)),
            _c("completion", DATE, False, "Completion date.", ("completion date", "end")),
            _c(
                "status",
                CHOICE,
                False,
                ", ".join(COMMITMENT_STATUSES) + ".",
                allowed=COMMITMENT_STATUSES,
            ),
            _VERSION,
        ),
        "Account plan: the executive sponsor's own action plan.",
        ("sponsor commitments", "sponsor plan"),
    ),
    Sheet(
        "Plan contacts",
        ("account_id", "item_id"),
        (
            ACCOUNT_ID,
            _ITEM_ID,
            _c("executive", TEXT, True, "The customer's executive (name, title).", ("customer executive",)),
            _c("stakeholder_id", ID, False, "Their stakeholder_id, if known."),
            _c("our_contact", TEXT, False, "Who meets them on our side (usually the sponsor).", ("owner",)),
            _c("frequency", TEXT, False, "How often, e.g. quarterly.", ("cadence",)),
            _c("next_contact", DATE, False, "The next planned contact.", ("next meeting",)),
            _c("purpose", TEXT, False, "What the contact is for.", ("agenda",)),
            _VERSION,
        ),
        "Account plan: the sponsor's contact plan with the customer's executives.",
        ("contact plan",),
    ),
    Sheet(
        "Plan shared actions",
        ("action_id",),
        (
            ACCOUNT_ID,
            _c("action_id", ID, True, "The action (as in Actions)."),
            _c("shared", YES_NO, True, "yes to show the action in the customer version of the plan."),
            _VERSION,
        ),
        "Account plan: which actions of the Actions sheet are shared with the customer.",
        ("shared actions",),
    ),
)
PLAN_SHEETS_BY_NAME = {s.name: s for s in PLAN_SHEETS}


def match_plan_sheet(sheet_name: str) -> Sheet | None:
    """The plan sheet a workbook sheet name means, or None."""
    key = normalise_name(sheet_name)
    for sheet in PLAN_SHEETS:
        if key == normalise_name(sheet.name) or key in {normalise_name(a) for a in sheet.aliases}:
            return sheet
    return None


# -- The Users table of company sign-on -----------------------------------------------
# Not a data table: an admin loads it on the Administration page (or `python -m sam_core
# load-users`) through sam_core.access.directory, every change recorded; the Data upload page
# skips it.
NO_ACCESS = "none"  # a Users role that refuses the person whatever their groups say
USER_ROLES = (*ROLES, NO_ACCESS)

USERS_SHEET = Sheet(
    "Users",
    ("email",),
    (
        _c(
            "email",
            TEXT,
            True,
            "The person's e-mail address as their identity provider sends it (company sign-on).",
            ("e-mail", "mail", "email address", "e-mail address", "user", "login", "upn"),
        ),
        _c(
            "name",
            TEXT,
            False,
            "Their name as Accounts.account_manager writes it: the accounts with that manager are theirs. "
            "Empty: no account is theirs by name.",
            ("full name", "display name", "account manager", "manager name"),
        ),
        _c(
            "role",
            CHOICE,
            False,
            "executive, account_manager, coach, admin, or none (no access whatever their groups); empty: "
            "the role their groups give (setting SAM_OIDC_ROLES).",
            ("sam role", "app role"),
            allowed=USER_ROLES,
            value_aliases=(
                ("manager", "account_manager"),
                ("kam", "account_manager"),
                ("exec", "executive"),
                ("administrator", "admin"),
                ("no_access", NO_ACCESS),
                ("blocked", NO_ACCESS),
            ),
        ),
        _c(
            "accounts",
            TEXT,
            False,
            "account_ids granted beyond those they manage, separated by ';'.",
            ("accounts granted", "account ids", "granted accounts"),
        ),
    ),
    "The Users table of company sign-on: e-mail -> name, role and accounts (admins only; loaded on the "
    "Administration page, adds and changes users, removes none).",
    ("user directory", "sam users", "people directory"),
)


def match_users_sheet(sheet_name: str) -> bool:
    """True for the Users sheet (by its name or an alias)."""
    key = normalise_name(sheet_name)
    return key == normalise_name(USERS_SHEET.name) or key in {normalise_name(a) for a in USERS_SHEET.aliases}
