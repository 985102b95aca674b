"""The demo program: a deterministic generator (fixed seed) of a complete contract workbook.

About 440 accounts, the top 20 holding about 93% of trailing-12-month revenue; 36 months of
financials ending with the last full month before `today` (the first 12 from a random stream
of their own, so that figures as of any of the last 12 months have a full year before them),
as real reporting looks: a few accounts have not reported that month yet (one of them Maria
Keller's), two large ones have already sent this month's figures so far, and three accounts
known only from the CRM have opportunities but no financials; an open pipeline with some
probabilities left to the stage's default, and won and lost deals over the last year; and, for
the strategic accounts, stakeholders, team waves, relationships, two years of engagements,
evidence, two survey waves and actions. Some accounts are deliberately unhealthy so that every
view has something to show: single-threaded, uncovered decision makers, no executive
alignment, overdue cadence, thin survey responses, overdue actions.

Contracts for the strategic accounts, some renewing within 180 days. And the stories the
early warnings (sam_core.attention) tell, each made without drawing on the generator's random
numbers (so every other figure stays as it was): a CRM update loaded after the demo removes a
decision maker of ACC-0005 (Maria Keller's) and replaces the customer executive of ACC-0001;
ACC-0010 (Maria Keller's) falls by more than 10 points of health in the last 30 days (actions
gone overdue, negative signals, no internal review this month or last); ACC-0003 crosses 10% of
revenue in the last data-through month (a large order); ACC-0007's contract is within its
notice period while the account's health is low; and detractors without an action.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from sam_core.access.permissions import ADMIN, COACH, User
from sam_core.ingest import contract as c
from sam_core.ingest.uploads import DEMO, LoadResult, load_files
from sam_core.metrics.health_history import record_health
from sam_core.metrics.maturity import PROVEN_8, Assessment, save_assessment
from sam_core.outputs.workbook import write_workbook
from sam_core.plans.demo import add_demo_plans
from sam_core.store import WRITE_LOCK, is_empty

SEED = 20261124
OPPORTUNITY_KINDS = ("Renewal", "Expansion", "New site", "Platform", "Service contract")
ACCOUNT_COUNT = 440
TOP_COUNT = 20
TOP_SHARE = 0.93
EXTRA_STRATEGIC = 10  # strategic accounts beyond the top 20
MONTHS = 24
EARLIER_MONTHS = 12  # financials before the 24 months, so the past 12 months' growth compares full years
# Accounts (by index, largest first) that have not reported the last full month yet; the
# first is Maria Keller's. Accounts that already sent this month's figures so far. Accounts
# known only from the CRM (opportunities, no financials).
NOT_REPORTED = (15, 101, 152, 233, 318, 389)
EARLY = (0, 3)
CRM_ONLY = (437, 438, 439)
BUSINESS_UNITS = ("Industrial Solutions", "Healthcare", "Digital Services")
REGIONS = ("DACH", "Nordics", "Benelux", "UK & Ireland", "France", "Iberia", "North America")
INDUSTRIES = (
    "Manufacturing",
    "Logistics",
    "Pharma",
    "Retail",
    "Energy",
    "Financial services",
    "Automotive",
    "Telecom",
)
MANAGERS = (
    "Maria Keller",
    "Jonas Weber",
    "Sofia Lind",
    "Liam O'Brien",
    "Chloé Martin",
    "Marco Rossi",
    "Ana García",
    "Pieter de Vries",
    "Emma Novak",
    "Noah Fischer",
)
SPONSORS = (
    "Helena Brandt",
    "Thomas Gruber",
    "Ingrid Olsen",
    "Victor Laurent",
    "Grace Whitfield",
    "Paul Hartmann",
)
FIRST = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Eva",
    "Felix",
    "Greta",
    "Hugo",
    "Ida",
    "Jan",
    "Karin",
    "Lars",
    "Mia",
    "Nils",
    "Olga",
    "Per",
    "Rita",
    "Stefan",
    "Tara",
    "Uwe",
    "Vera",
    "Walter",
    "Yara",
    "Zoe",
)
LAST = (
    "Schmidt",
    "Jensen",
    "Dubois",
    "Rossi",
    "Novak",
    "Smith",
    "Kowalski",
    "Berg",
    "Moreau",
    "Weiss",
    "Hansen",
    "Costa",
    "Meyer",
    "Larsen",
    "Bauer",
    "Roth",
    "Vogel",
    "Sauer",
    "Falk",
    "Krüger",
)
NAME_A = (
    "Nordic",
    "Alpine",
    "Atlas",
    "Vertex",
    "Helios",
    "Orion",
    "Baltic",
    "Rhein",
    "Summit",
    "Pioneer",
    "Crown",
    "Delta",
    "Harbor",
    "Meridian",
    "Polar",
    "Sterling",
    "Titan",
    "Union",
    "Vista",
    "Zenith",
    "Aurora",
    "Cobalt",
)
NAME_B = (
    "Logistics",
    "Pharma",
    "Foods",
    "Energy",
    "Motors",
    "Retail",
    "Telecom",
    "Steel",
    "Chemicals",
    "Health",
    "Systems",
    "Bank",
    "Airlines",
    "Paper",
    "Glass",
    "Textiles",
    "Robotics",
    "Water",
)
COMMENTS_GOOD = (
    "Responsive team, great partnership.",
    "The account manager really understands our business.",
    "Strong delivery this year.",
    "Quarterly reviews are valuable for us.",
    "Good value for money.",
)
COMMENTS_BAD = (
    "Too many hand-offs between your teams.",
    "Invoices are hard to reconcile.",
    "We rarely see anyone senior from your side.",
    "Delivery slipped twice this quarter.",
    "Prices went up without enough notice.",
)
QUESTIONS = ("Ease of doing business", "Value for money", "Quality of the account team")
# The early warnings' stories (see the module's docstring), by account index (largest first).
CROSSING = 2  # ACC-0003: over 10% of revenue in the last data-through month, not in the one before
CROSSING_SHARES = (0.097, 0.103)  # its share of revenue in the window before, and in the last one
FALLING = 9  # ACC-0010, Maria Keller's: health down more than 10 points in 30 days
LEAVING = 4  # ACC-0005, Maria Keller's: a decision maker removed by the CRM update
RENEWING_AT_RISK = 6  # ACC-0007 (at risk): its contract is within its notice period


@dataclass(frozen=True)
class Profile:
    """What kind of story a strategic account tells in the demo."""

    cadence: str  # compliant / due_soon / overdue
    single_threaded: bool
    uncovered_decision_maker: bool
    no_executive_alignment: bool
    detractor: bool
    health: float  # 0 (troubled) .. 1 (thriving): drives scores and signals


def month_start(d: date) -> date:
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


DEMO_LOADER = User("demo", "Demo data generator", ADMIN)
DEMO_COACH = User("coach", "Carla Jensen", COACH)


def demo_workbook(today: date, seed: int = SEED) -> dict[str, pl.DataFrame]:
    """All eleven contract sheets but Rates as frames, deterministic for (`today`, `seed`)."""
    return _Generator(today, seed).sheets()


def crm_update(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The demo's later CRM export, the complete history of what it lists: ACC-0005's stakeholders
    without a decision maker who left (and their relationships), and ACC-0001 with a new customer
    executive."""
    leaving_account = f"ACC-{LEAVING + 1:04d}"
    people = frames["Stakeholders"].filter(pl.col("account_id") == leaving_account)
    leaver = people.filter(pl.col("decision_maker") == "yes")["stakeholder_id"][-1]
    # ACC-0001's other decision maker becomes the customer executive paired with our sponsor
    successor = frames["Stakeholders"].filter(
        (pl.col("account_id") == "ACC-0001") & (pl.col("decision_maker") == "yes")
    )["name"][-1]
    return {
        "Accounts": frames["Accounts"]
        .filter(pl.col("account_id") == "ACC-0001")
        .with_columns(pl.lit(successor).alias("customer_executive")),
        # who reported to the leaver reports to the chief executive now
        "Stakeholders": people.filter(pl.col("stakeholder_id") != leaver).with_columns(
            pl.when(pl.col("reports_to") == leaver)
            .then(pl.lit(people["stakeholder_id"][0]))
            .otherwise(pl.col("reports_to"))
            .alias("reports_to")
        ),
        "Relationships": frames["Relationships"].filter(
            (pl.col("account_id") == leaving_account) & (pl.col("stakeholder_id") != leaver)
        ),
    }


def demo_workbook_bytes(today: date, seed: int = SEED) -> bytes:
    buffer = io.BytesIO()
    write_workbook(demo_workbook(today, seed), buffer)
    return buffer.getvalue()


def ensure_demo(con: duckdb.DuckDBPyConnection, today: date, *, progress=lambda step, fraction: None) -> bool:
    """Load the demo data if the database holds no account yet; True if it did."""
    with WRITE_LOCK:
        if not is_empty(con):
            return False
        load_demo(con, today, progress=progress)
        return True


def load_demo(
    con: duckdb.DuckDBPyConnection,
    today: date,
    *,
    seed: int = SEED,
    save_to: Path | None = None,
    progress=lambda step, fraction: None,
) -> LoadResult:
    """Write the demo workbook and load it through the same path as any upload, then add
    self-assessments of different business units and the account plans of the strategic
    accounts. `progress(step, fraction)` reports."""
    progress("Generating the demo workbook", 0.1)
    frames = demo_workbook(today, seed)
    buffer = io.BytesIO()
    write_workbook(frames, buffer)
    content = buffer.getvalue()
    if save_to is not None:
        Path(save_to).write_bytes(content)
    progress("Validating and loading it", 0.5)
    result = load_files(con, [("demo.xlsx", content)], user=DEMO_LOADER, kind=DEMO)
    progress("Adding self-assessments", 0.9)
    rnd = random.Random(seed)
    for scope, months_ago, bias in (
        (BUSINESS_UNITS[0], 9, 2.4),
        (BUSINESS_UNITS[1], 2, 1.4),
        (BUSINESS_UNITS[0], 1, 2.8),
    ):
        scores = {
            (area, p): max(0, min(4, round(rnd.gauss(bias, 0.9))))
            for area, practices in PROVEN_8
            for p in practices
        }
        principles = {
            n: ("no", "partly", "yes")[max(0, min(2, round(rnd.gauss(bias / 2, 0.6))))] for n in range(1, 8)
        }
        save_assessment(
            con,
            Assessment(scope, add_months(today, -months_ago), principles, scores, "Demo assessment"),
            user=DEMO_COACH,
        )
    progress("Adding account plans", 0.92)
    add_demo_plans(con, today, seed=seed)
    progress("Loading a later CRM update", 0.94)
    update = io.BytesIO()
    write_workbook(crm_update(frames), update)
    load_files(con, [("crm-update.xlsx", update.getvalue())], user=DEMO_LOADER, kind=DEMO, replace=True)
    progress("Keeping the health of the last 12 months", 0.96)
    record_health(con, today=today)
    progress("Done", 1.0)
    return result


def _financials_row(a: dict, period: date, revenue: float, margin: float, season: float) -> dict:
    """A month of an account's financials: profit and EBITDA from its margin, a plan 5% above the
    seasonal average."""
    return {
        "account_id": a["account_id"],
        "period": period,
        "revenue": round(revenue, 2),
        "profit": round(revenue * margin, 2),
        "ebitda": round(revenue * margin * 0.62, 2),
        "plan_revenue": round(a["_revenue"] / 12 * season * 1.05, 2),
    }


class _Generator:
    def __init__(self, today: date, seed: int):
        self.today = today
        self.seed = seed
        self.rnd = random.Random(seed)
        self.last_month = add_months(month_start(today), -1)
        self.periods = [add_months(self.last_month, -i) for i in range(MONTHS - 1, -1, -1)]

    def pick(self, seq):
        return self.rnd.choice(seq)

    def person(self) -> str:
        return f"{self.pick(FIRST)} {self.pick(LAST)}"

    def sheets(self) -> dict[str, pl.DataFrame]:
        accounts = self.accounts()
        strategic = [a for a in accounts if a["strategic"] == "yes"]
        profiles = self.profiles(strategic)
        stakeholders = self.stakeholders(strategic)
        # the customer executive paired with the sponsor is one of the account's own people: its chief
        # executive (the first stakeholder), not a name found nowhere else
        chiefs = {}
        for person in stakeholders:
            chiefs.setdefault(person["account_id"], person["name"])
        for a in strategic:
            a["customer_executive"] = chiefs.get(a["account_id"], a["customer_executive"])
        team = self.team(strategic)
        relationships = self.relationships(strategic, profiles, stakeholders, team)
        surveys, _answers = self.surveys(accounts, strategic, profiles, stakeholders)
        out = {
            "Accounts": accounts,
            "Financials": self.financials(accounts),
            "Opportunities": self.opportunities(accounts),
            "Stakeholders": stakeholders,
            "Team": team,
            "Relationships": relationships,
            "Engagements": self._attended_by_stakeholders(
                self.engagements(strategic, profiles), stakeholders
            ),
            "Evidence": self.evidence(strategic, profiles),
            "Surveys": surveys,
            "Actions": self.actions(surveys, strategic),
        }
        out["Financials"] += self.earlier_financials(accounts, out["Financials"])
        out["Contracts"] = self.contracts(strategic)
        self.stories(out)
        frames = {}
        for name, rows in out.items():
            sheet = c.SHEETS_BY_NAME[name]
            columns = list(sheet.column_names) + (list(QUESTIONS) if name == "Surveys" else [])
            frames[name] = pl.DataFrame(
                [{k: r.get(k) for k in columns} for r in rows], infer_schema_length=None
            )
        return frames

    # -- accounts and money ---------------------------------------------------------
    def accounts(self) -> list[dict]:
        names, rows = set(), []
        # Yearly revenue: the top 20 decay geometrically; the tail is many small accounts.
        top = [0.86**i for i in range(TOP_COUNT)]
        tail = [self.rnd.lognormvariate(0, 0.9) for _ in range(ACCOUNT_COUNT - TOP_COUNT)]
        total = 1_500_000_000
        top_rev = [w / sum(top) * total * TOP_SHARE for w in top]
        tail_rev = sorted((w / sum(tail) * total * (1 - TOP_SHARE) for w in tail), reverse=True)
        for i, revenue in enumerate(top_rev + tail_rev):
            name = f"{self.pick(NAME_A)} {self.pick(NAME_B)}"
            while name in names:
                name = (
                    f"{self.pick(NAME_A)} {self.pick(NAME_B)} "
                    f"{self.pick(('Group', 'AG', 'AB', 'SA', 'Ltd', 'Holding'))}"
                )
            names.add(name)
            is_top = i < TOP_COUNT
            strategic = is_top or TOP_COUNT <= i < TOP_COUNT + EXTRA_STRATEGIC
            # Maria Keller (the demo account manager) owns a few top accounts and some tail ones.
            manager = (
                MANAGERS[0] if i in (1, 4, 9, 15, 30, 77, 120) else MANAGERS[1 + i % (len(MANAGERS) - 1)]
            )
            status = "at_risk" if i in (6, 13, 18) else ("lost" if i in (400, 431) else "active")
            rows.append(
                {
                    "account_id": f"ACC-{i + 1:04d}",
                    "account_name": name,
                    "account_manager": manager,
                    "executive_sponsor": SPONSORS[i % len(SPONSORS)] if strategic else None,
                    "customer_executive": self.person() if strategic else None,
                    "parent_account": None,
                    "tier": None,
                    "industry": self.pick(INDUSTRIES),
                    "region": self.pick(REGIONS),
                    "business_unit": BUSINESS_UNITS[i % 3],
                    "status": status,
                    "strategic": "yes" if strategic else "no",
                    "customer_since": date(self.rnd.randint(1998, 2022), self.rnd.randint(1, 12), 1),
                    "wallet_estimate": round(revenue / self.rnd.uniform(0.25, 0.7), -3),
                    "_revenue": revenue,
                    "_growth": -0.25 if status == "at_risk" else self.rnd.uniform(-0.12, 0.28),
                }
            )
        for child, parent in ((200, 0), (201, 0), (250, 2), (300, 5), (350, 11)):
            rows[child]["parent_account"] = rows[parent]["account_id"]
        return rows

    def financials(self, accounts: list[dict]) -> list[dict]:
        rows = []
        this_month = month_start(self.today)
        days = (add_months(this_month, 1) - this_month).days
        for i, a in enumerate(accounts):
            margin = self.rnd.uniform(0.18, 0.42)
            lost = a["status"] == "lost"
            periods = list(self.periods)
            if i in NOT_REPORTED:
                periods = periods[:-1]
            if i in EARLY:
                periods.append(this_month)
            for k, period in enumerate(periods):
                # Growth compounds over the two years so T12M vs prior 12M shows it.
                trend = (1 + a["_growth"]) ** ((k - MONTHS + 1) / 12)
                season = 1 + 0.08 * ((period.month % 12) in (10, 11, 0)) - 0.05 * (period.month in (7, 8))
                revenue = a["_revenue"] / 12 * trend * season * self.rnd.uniform(0.9, 1.1)
                if period == this_month:
                    revenue *= self.today.day / days  # the month so far
                if lost and k >= MONTHS - 6:
                    revenue = 0.0
                if i in CRM_ONLY:
                    continue
                rows.append(_financials_row(a, period, revenue, margin, season))
        return rows

    def opportunities(self, accounts: list[dict]) -> list[dict]:
        rows, n = [], 0
        stages = ("prospecting", "qualifying", "proposal", "negotiation", "won", "lost")
        probability = {
            "prospecting": 10,
            "qualifying": 25,
            "proposal": 50,
            "negotiation": 75,
            "won": 100,
            "lost": 0,
        }
        for i, a in enumerate(accounts):
            count = self.rnd.randint(3, 8) if a["strategic"] == "yes" else self.rnd.randint(0, 2)
            if i in CRM_ONLY:
                count = 4
            for _ in range(count):
                n += 1
                stage = self.pick(stages)
                closed = stage in ("won", "lost")
                offset = -self.rnd.randint(10, 360) if closed else self.rnd.randint(10, 330)
                # Some CRM exports leave the probability to the stage's default.
                given = closed or self.rnd.random() < 0.7
                rows.append(
                    {
                        "opportunity_id": f"OPP-{n:05d}",
                        "account_id": a["account_id"],
                        "name": f"{self.pick(OPPORTUNITY_KINDS)} {self.pick(NAME_B)}",
                        "stage": stage,
                        "amount": round(a["_revenue"] * self.rnd.uniform(0.02, 0.25), -2),
                        "close_date": self.today + timedelta(days=offset),
                        "probability": probability[stage] if given else None,
                        "owner": a["account_manager"],
                    }
                )
        return rows

    # -- the strategic accounts: people and relationships ---------------------------
    def profiles(self, strategic: list[dict]) -> dict[str, Profile]:
        out = {}
        for i, a in enumerate(strategic):
            at_risk = a["status"] == "at_risk"
            cadence = "overdue" if i % 5 == 3 or at_risk else ("due_soon" if i % 7 == 2 else "compliant")
            out[a["account_id"]] = Profile(
                cadence=cadence,
                single_threaded=i in (7, 16, 22),
                uncovered_decision_maker=i in (3, 11, 18, 25),
                no_executive_alignment=i in (8, 18, 27),
                detractor=i in (6, 13, 21),
                health=0.25 if at_risk else (0.45 if cadence == "overdue" else self.rnd.uniform(0.6, 0.95)),
            )
        return out

    def stakeholders(self, strategic: list[dict]) -> list[dict]:
        rows, n = [], 0
        for a in strategic:
            count = self.rnd.randint(6, 12)
            ids = []
            for k in range(count):
                n += 1
                sid = f"STK-{n:05d}"
                level = "executive" if k == 0 else ("senior" if k <= 3 else self.pick(("manager", "staff")))
                reports_to = None if k == 0 else (ids[0] if k <= 3 else ids[self.rnd.randint(1, 3)])
                if k == count - 1 and self.rnd.random() < 0.15:
                    reports_to = None  # somebody whose manager nobody knows
                name = self.person()
                rows.append(
                    {
                        "stakeholder_id": sid,
                        "account_id": a["account_id"],
                        "name": name,
                        "title": {
                            "executive": "Chief Executive Officer",
                            "senior": self.pick(("CFO", "CIO", "VP Operations", "VP Procurement")),
                            "manager": self.pick(("Head of IT", "Procurement Manager", "Plant Manager")),
                            "staff": self.pick(("Engineer", "Buyer", "Analyst")),
                        }[level],
                        "department": self.pick(("Board", "Finance", "IT", "Operations", "Procurement")),
                        "reports_to": reports_to,
                        "level": level,
                        "buying_role": "economic"
                        if k == 0
                        else self.pick(("technical", "user", "coach", "gatekeeper", "influencer")),
                        "influence": 5 if k == 0 else (4 if k <= 3 else self.rnd.randint(1, 3)),
                        "attitude": self.rnd.choice((0, 1, 1, 2)) if k <= 3 else self.rnd.randint(-1, 2),
                        "decision_maker": "yes" if k <= 1 else "no",
                        "email": f"{name.lower().replace(' ', '.')}@"
                        f"{a['account_name'].split()[0].lower()}.example",
                    }
                )
                ids.append(sid)
        return rows

    def team(self, strategic: list[dict]) -> list[dict]:
        rows = []
        for i, a in enumerate(strategic):
            members = [
                (a["account_manager"], "Account Manager", "core", "chief_of_relationships;business_driver")
            ]
            roles = ["forward_thinker", "technical_expert", "project_manager", "devils_advocate"]
            if i % 4 == 1:
                roles.remove("devils_advocate")  # a planning role nobody plays
            used = {a["account_manager"]}
            for wave, title, count in (
                ("core_team", "Solution Architect", 3),
                ("extended", "Service Manager", 2),
                ("partner", "Partner Manager", 1),
                ("corporate", "Finance Business Partner", 1),
            ):
                for _ in range(count):
                    name = self.person()
                    while name in used:
                        name = self.person()
                    used.add(name)
                    members.append((name, title, wave, roles.pop(0) if roles else None))
            members.append((a["executive_sponsor"], "Executive Sponsor", "sponsor", None))
            rows += [
                {"account_id": a["account_id"], "member": m, "title": t, "wave": w, "planning_roles": r}
                for m, t, w, r in members
            ]
        return rows

    def relationships(self, strategic, profiles, stakeholders, team) -> list[dict]:
        rows = []
        people = {}
        for s in stakeholders:
            people.setdefault(s["account_id"], []).append(s)
        members = {}
        for t in team:
            members.setdefault(t["account_id"], []).append(t)
        for a in strategic:
            p = profiles[a["account_id"]]
            stake, crew = people[a["account_id"]], members[a["account_id"]]
            manager = a["account_manager"]
            sponsor = a["executive_sponsor"]
            pairs = {}
            for s in stake:
                if p.uncovered_decision_maker and s["decision_maker"] == "yes" and s["level"] != "executive":
                    continue  # the decision maker nobody covers
                if p.single_threaded:
                    pairs[(manager, s["stakeholder_id"])] = (
                        self.rnd.randint(3, 5) if s["influence"] >= 3 else 2
                    )
                    continue
                owner = self.pick([m["member"] for m in crew if m["wave"] not in ("sponsor",)])
                pairs[(owner, s["stakeholder_id"])] = (
                    self.rnd.randint(2, 5) if s["influence"] >= 3 else self.rnd.randint(1, 4)
                )
            if p.single_threaded:
                for s in stake[1:4]:
                    pairs[
                        (
                            self.pick([m["member"] for m in crew if m["wave"] == "core_team"]),
                            s["stakeholder_id"],
                        )
                    ] = 2
            executive = stake[0]["stakeholder_id"]
            if not p.no_executive_alignment and not p.single_threaded:
                pairs[(sponsor, executive)] = self.rnd.randint(3, 5)
            for (member, sid), strength in pairs.items():
                stale = p.cadence == "overdue" and self.rnd.random() < 0.3
                rows.append(
                    {
                        "account_id": a["account_id"],
                        "member": member,
                        "stakeholder_id": sid,
                        "strength": strength,
                        "last_contact": self.today
                        - timedelta(days=self.rnd.randint(95, 200) if stale else self.rnd.randint(3, 80)),
                    }
                )
            if p.detractor:
                s = stake[1]
                s["attitude"], s["influence"] = -2, 5
        return rows

    # -- cadence, signals, voice of the customer --------------------------------------
    def engagements(self, strategic, profiles) -> list[dict]:
        rows = []
        start = self.periods[0]

        def add(a, day, kind, status, sponsor=False, note=None):
            rows.append(
                {
                    "engagement_id": f"ENG-{len(rows) + 1:05d}",
                    "account_id": a["account_id"],
                    "date": day,
                    "type": kind,
                    "status": status,
                    "sponsor_attended": "yes" if sponsor else "no",
                    "customer_attendees": self.person() if status == "held" else None,
                    "notes": note,
                }
            )

        for a in strategic:
            cadence = profiles[a["account_id"]].cadence
            gap = {"compliant": 0, "due_soon": 0, "overdue": 100}[cadence]
            stop = self.today - timedelta(days=gap)
            # Internal reviews monthly; QBRs quarterly with the sponsor.
            for m in [*self.periods, month_start(self.today)]:
                day = m + timedelta(days=self.rnd.randint(3, 20))
                if day < stop and day < self.today:
                    add(a, day, "internal_review", "held")
                if m.month in (1, 4, 7, 10) and day < stop and day < self.today:
                    add(a, day + timedelta(days=5), "qbr", "held", sponsor=self.rnd.random() < 0.9)
            # Executive visits: three a year when healthy, one in the last year when overdue.
            for k in range(6 if cadence != "overdue" else 2):
                day = start + timedelta(days=int(k * 700 / 6) + self.rnd.randint(0, 40))
                if day < stop:
                    add(a, day, self.pick(("executive_visit", "site_visit")), "held", sponsor=True)
            # 90-day reviews: every ~85 days; the last one 75 days ago when due soon.
            last = self.today - timedelta(days={"compliant": 30, "due_soon": 75, "overdue": 130}[cadence])
            day = last
            while day > start:
                add(a, day, "ninety_day_review", "held", sponsor=True)
                day -= timedelta(days=85)
            if cadence == "compliant":
                for k in range(1, 5):
                    add(a, last + timedelta(days=85 * k), "ninety_day_review", "planned")
            elif cadence == "due_soon":
                add(a, last + timedelta(days=85), "ninety_day_review", "planned")
            if self.rnd.random() < 0.3:
                add(
                    a,
                    self.today - timedelta(days=self.rnd.randint(20, 200)),
                    "qbr",
                    "cancelled",
                    note="Customer postponed",
                )
        return rows

    @staticmethod
    def _attended_by_stakeholders(engagements: list[dict], stakeholders: list[dict]) -> list[dict]:
        """Who came from the customer is one of the account's own senior people (an internal review
        has nobody from the customer), never a name found nowhere else in the data."""
        seniors: dict[str, list[str]] = {}
        for person in stakeholders:
            if person["level"] in ("executive", "senior"):
                seniors.setdefault(person["account_id"], []).append(person["name"])
        for i, e in enumerate(engagements):
            names = seniors.get(e["account_id"])
            if e["type"] == "internal_review" or not names:
                e["customer_attendees"] = None
            elif e["customer_attendees"] is not None:
                e["customer_attendees"] = names[i % len(names)]
        return engagements

    def evidence(self, strategic, profiles) -> list[dict]:
        rows = set()
        for a in strategic:
            health = profiles[a["account_id"]].health
            for _ in range(self.rnd.randint(6, 20)):
                positive = self.rnd.random() < health
                signal = self.pick(c.POSITIVE_SIGNALS if positive else c.NEGATIVE_SIGNALS)
                rows.add((a["account_id"], self.today - timedelta(days=self.rnd.randint(1, 360)), signal))
        return [{"account_id": a, "date": d, "signal": s, "note": None} for a, d, s in sorted(rows)]

    def surveys(self, accounts, strategic, profiles, stakeholders):
        rows = []
        waves = [(add_months(self.today, -13), "previous"), (add_months(self.today, -2), "latest")]
        people = {}
        for s in stakeholders:
            people.setdefault(s["account_id"], []).append(s)
        surveyed_tail = [a for a in accounts if a["strategic"] == "no"][:60]
        for wave_start, _ in waves:
            label = f"{wave_start.year} H{1 if wave_start.month <= 6 else 2}"
            for a in strategic + surveyed_tail:
                p = profiles.get(a["account_id"])
                health = p.health if p else self.rnd.uniform(0.4, 0.9)
                if p:
                    candidates = people[a["account_id"]]
                    count = (
                        2
                        if a["account_id"] in ("ACC-0008", "ACC-0017")
                        else min(len(candidates), self.rnd.randint(3, 6))
                    )
                    respondents = [
                        (s["stakeholder_id"], s["name"], s["title"])
                        for s in self.rnd.sample(candidates, count)
                    ]
                elif self.rnd.random() < 0.7:
                    respondents = [(None, self.person(), "Procurement Manager")]
                else:
                    continue
                for sid, name, title in respondents:
                    mood = min(1.0, max(0.0, self.rnd.gauss(health, 0.18)))
                    recommend = min(10, round(3 + mood * 7.5))
                    row = {
                        "response_id": f"RSP-{len(rows) + 1:05d}",
                        "account_id": a["account_id"],
                        "survey_date": wave_start + timedelta(days=self.rnd.randint(0, 25)),
                        "wave": label,
                        "stakeholder_id": sid,
                        "respondent_name": name,
                        "respondent_title": title,
                        "recommend_score": recommend,
                        "satisfaction": max(1, min(5, round(1 + mood * 4))),
                        "continue_score": max(1, min(5, round(1.5 + mood * 3.5))),
                        "comment": self.pick(COMMENTS_GOOD if mood > 0.6 else COMMENTS_BAD)
                        if self.rnd.random() < 0.6
                        else None,
                    }
                    for q in QUESTIONS:
                        row[q] = max(1, min(5, round(1 + self.rnd.gauss(mood, 0.15) * 4)))
                    rows.append(row)
        return rows, None

    def actions(self, surveys, strategic) -> list[dict]:
        rows = []
        for s in surveys:
            if s["recommend_score"] > 6 or self.rnd.random() < 0.25:
                continue  # a quarter of low scores get no action: the closed loop has gaps
            created = s["survey_date"] + timedelta(days=self.rnd.randint(3, 20))
            due = created + timedelta(days=45)
            done = due < self.today and self.rnd.random() < 0.6
            rows.append(
                {
                    "action_id": f"ACT-{len(rows) + 1:05d}",
                    "account_id": s["account_id"],
                    "description": f"Follow up on feedback from {s['respondent_name']}",
                    "owner": self.pick(MANAGERS),
                    "source": s["response_id"],
                    "created": created,
                    "due": due,
                    "status": "done" if done else self.pick(("open", "in_progress")),
                    "closed": due - timedelta(days=self.rnd.randint(0, 20)) if done else None,
                }
            )
        for a in strategic[:12]:
            created = self.today - timedelta(days=self.rnd.randint(10, 120))
            rows.append(
                {
                    "action_id": f"ACT-{len(rows) + 1:05d}",
                    "account_id": a["account_id"],
                    "description": "Prepare the executive sponsor for the next QBR",
                    "owner": a["executive_sponsor"],
                    "source": "internal review",
                    "created": created,
                    "due": created + timedelta(days=30),
                    "status": "open",
                    "closed": None,
                }
            )
        return rows

    # -- earlier financials, contracts and the early warnings' stories (no draws from self.rnd) ----
    def earlier_financials(self, accounts: list[dict], financials: list[dict]) -> list[dict]:
        """The 12 months before the 24, on the same trend and seasons, with the margin of each
        account's first month."""
        rnd = random.Random(self.seed + 11)
        first = {}
        for r in financials:
            first.setdefault(r["account_id"], r)
        rows = []
        for a in accounts:
            known = first.get(a["account_id"])
            if known is None:
                continue  # known only from the CRM
            margin = known["profit"] / known["revenue"] if known["revenue"] else 0.3
            for k in range(-EARLIER_MONTHS, 0):
                period = add_months(self.periods[0], k)
                trend = (1 + a["_growth"]) ** ((k - MONTHS + 1) / 12)
                season = 1 + 0.08 * ((period.month % 12) in (10, 11, 0)) - 0.05 * (period.month in (7, 8))
                revenue = a["_revenue"] / 12 * trend * season * rnd.uniform(0.9, 1.1)
                rows.append(_financials_row(a, period, revenue, margin, season))
        return rows

    def contracts(self, strategic: list[dict]) -> list[dict]:
        """One or two contracts per strategic account, from a random stream of their own; some
        renew within 180 days, ACC-0007's within its notice period."""
        rnd = random.Random(self.seed + 7)
        rows = []
        for i, a in enumerate(strategic):
            for k in range(1 if i % 3 else 2):
                years = rnd.choice((2, 3, 3, 5))
                end = self.today + timedelta(days=rnd.randint(20, 900))
                if i == RENEWING_AT_RISK and k == 0:
                    end = self.today + timedelta(days=40)
                start = end.replace(year=end.year - years) if (end.month, end.day) != (2, 29) else end
                rows.append(
                    {
                        "contract_id": f"CON-{len(rows) + 1:04d}",
                        "account_id": a["account_id"],
                        "name": ("Master agreement" if k == 0 else "Managed services")
                        + f" {start.year}-{end.year}",
                        "annual_value": round(a["_revenue"] * rnd.uniform(0.25, 0.6) / (k + 1), -3),
                        "start": start + timedelta(days=1),
                        "end": end,
                        "renewal_date": end - timedelta(days=rnd.choice((0, 0, 30))),
                        "auto_renew": rnd.choice(("yes", "no")),
                        "notice_days": 90 if i == RENEWING_AT_RISK else rnd.choice((60, 90, 90, 180, None)),
                    }
                )
        return rows

    def stories(self, out: dict[str, list[dict]]) -> None:
        """The early warnings' stories, written over the generated rows."""
        accounts = out["Accounts"]
        self._crossing(accounts, out["Financials"])
        falling = accounts[FALLING]["account_id"]
        today = self.today
        # Two actions of an internal review, due 12 days ago and still open.
        for n, what in enumerate(("Send the revised rollout plan", "Escalate the delivery delays")):
            out["Actions"].append(
                {
                    "action_id": f"ACT-F{n + 1:04d}",
                    "account_id": falling,
                    "description": what,
                    "owner": accounts[FALLING]["account_manager"],
                    "source": "internal review",
                    "created": today - timedelta(days=45),
                    "due": today - timedelta(days=12),
                    "status": "open",
                    "closed": None,
                }
            )
        # Bad news in the last two weeks.
        taken = {(e["account_id"], e["date"], e["signal"]) for e in out["Evidence"]}
        for n, signal in enumerate(c.NEGATIVE_SIGNALS):
            row = (falling, today - timedelta(days=2 + 2 * n), signal)
            if row not in taken:
                out["Evidence"].append({"account_id": row[0], "date": row[1], "signal": row[2], "note": None})
        # No internal review this month or last.
        first = add_months(month_start(today), -1)
        out["Engagements"][:] = [
            e
            for e in out["Engagements"]
            if not (e["account_id"] == falling and e["type"] == "internal_review" and e["date"] >= first)
        ]

    def _crossing(self, accounts: list[dict], financials: list[dict]) -> None:
        """ACC-0003's revenue scaled so that it held CROSSING_SHARES[0] of the revenue of the 12
        months to the month before last, and a large order in the last month takes it to
        CROSSING_SHARES[1] of the 12 months to the last month (the months the demo reports)."""
        account = accounts[CROSSING]["account_id"]
        last = self.periods[-1]
        now_window = set(self.periods[-12:])
        then_window = set(self.periods[-13:-1])

        def total(window: set[date], mine: bool) -> float:
            return sum(
                r["revenue"]
                for r in financials
                if r["period"] in window and (r["account_id"] == account) == mine
            )

        others_then, others_now = total(then_window, False), total(now_window, False)
        target_then, target_now = CROSSING_SHARES
        scale = target_then / (1 - target_then) * others_then / total(then_window, True)
        rows = [r for r in financials if r["account_id"] == account]
        for r in rows:
            margin = r["profit"] / r["revenue"] if r["revenue"] else 0.0
            r["revenue"] = round(r["revenue"] * scale, 2)
            r["profit"], r["ebitda"] = round(r["revenue"] * margin, 2), round(r["revenue"] * margin * 0.62, 2)
        order = target_now / (1 - target_now) * others_now - total(now_window, True)
        for r in rows:
            if r["period"] == last and order > 0:
                margin = r["profit"] / r["revenue"] if r["revenue"] else 0.0
                r["revenue"] = round(r["revenue"] + order, 2)
                r["profit"], r["ebitda"] = (
                    round(r["revenue"] * margin, 2),
                    round(r["revenue"] * margin * 0.62, 2),
                )
