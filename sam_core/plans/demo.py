"""Demo account plans for the strategic accounts of the demo program (fixed seed): written
over the last seven months with later edits, so history and "compare" have something to
show; some plans reviewed recently, some stale (not reviewed for months, or not since the
last 90-day review, or a section never reviewed), a few without a plan; some value
propositions validated with the customer. The demo account manager (Maria Keller) has a
fresh plan and stale ones."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import duckdb

from sam_core.plans.plan import (
    BUSINESS_ID,
    DEMO,
    REVIEW_SECTIONS,
    SECTIONS_BY_KEY,
    Change,
    clean_fields,
    encode,
    item_problems,
    whitespace_id,
)
from sam_core.settings import DEFAULT_OFFERINGS
from sam_core.store import WRITE_LOCK, bump_data_version, transaction

# How each strategic account's plan was kept, by its position among the strategic accounts.
FRESH, OLD, BEFORE_REVIEW, PARTIAL, NO_PLAN = "fresh", "old", "before review", "partial", "no plan"
MARIA = {"ACC-0002": FRESH, "ACC-0005": OLD, "ACC-0010": BEFORE_REVIEW, "ACC-0016": FRESH}
UNITS = ("Operations", "Finance", "IT", "Procurement", "R&D", "Logistics")
GOALS = (
    "Grow revenue {g}% a year while holding margin; expand into two new regions.",
    "Cut operating cost by {g}% through automation and fewer suppliers.",
    "Become carbon neutral in production by 2030 without raising unit cost.",
    "Double the share of digital services in their revenue within three years.",
)
STRATEGIES = (
    "Consolidating suppliers into a few strategic partners; central procurement since last year.",
    "Buy-and-build: acquisitions in adjacent markets, integrated on one platform.",
    "Premium positioning with service contracts; outsourcing of non-core operations.",
)
MARKETS = (
    "Price pressure from Asian competitors; customers demanding shorter delivery times.",
    "Regulation tightening (reporting, sustainability); consolidation among their customers.",
    "Demand recovering after two flat years; energy costs still volatile.",
)
BUYING = (
    "Platform and services from us; hardware from two local suppliers; consulting from a Big Four firm.",
    "Mostly from us in Operations; Finance buys analytics from a competitor (contract ends next year).",
    "Multi-sourced by policy: no supplier above 40% of spend in a category.",
)
OBJECTIVES = (
    ("Renew the framework agreement for three years", "contract signed", "3-year term"),
    ("Grow share of wallet", "share of wallet", "+8 pts"),
    ("Win the analytics rollout in Finance", "deal won", "€1.5m"),
    ("Raise the loyalty index", "loyalty index", "80"),
    ("Open a relationship with the new CFO", "meetings held", "2 per quarter"),
    ("Reduce support escalations", "escalations per quarter", "under 3"),
)
VALUE = (
    ("Unplanned downtime in two plants", "Predictive maintenance on the core platform", 2_400_000, 600_000),
    ("Manual month-end close takes 9 days", "Analytics and automated reconciliation", 900_000, 250_000),
    ("Too many small suppliers to manage", "Managed services bundle with one contract", 1_200_000, 400_000),
    ("Slow onboarding of new sites", "Standard site template and training", 500_000, 150_000),
)
EVIDENCE = (
    "Confirmed by their COO in the March QBR; savings in the plant report.",
    "CFO signed off the business case; pilot measured a 6-day close.",
    "Procurement's own analysis, shared with us in May.",
)
COMPETITORS = (
    ("Northwind Systems", "Analytics", "high", "Integrated data model; three-year support contract."),
    ("Contoso Services", "Managed services", "medium", "Sponsor relationship with their COO; on-site team."),
    ("Fabrikam", "Core platform", "low", "Switching cost: 40 integrations built on our platform."),
)
COMMITMENTS = (
    "Host their executive team at our innovation centre",
    "Quarterly call with the CEO",
    "Sponsor the joint sustainability programme",
    "Introduce our CTO to their IT leadership",
)
PURPOSES = ("Strategy alignment", "Renewal and expansion", "Escalation path", "Innovation roadmap")


def plan_profile(position: int, account_id: str) -> str:
    """How the plan of the strategic account at `position` was kept."""
    if account_id in MARIA:
        return MARIA[account_id]
    return (FRESH, OLD, FRESH, BEFORE_REVIEW, PARTIAL, FRESH, OLD, NO_PLAN, FRESH, FRESH)[position % 10]


def add_demo_plans(con: duckdb.DuckDBPyConnection, today: date, *, seed: int) -> int:
    """Write the demo plans in one transaction; returns how many accounts got one."""
    rnd = random.Random(seed + 19)
    accounts = con.execute(
        "SELECT account_id, executive_sponsor, industry FROM accounts WHERE strategic ORDER BY account_id"
    ).fetchall()
    stamps: list[tuple[datetime, str, Change]] = []
    reviews = []
    planned = 0
    for position, (account_id, sponsor, industry) in enumerate(accounts):
        profile = plan_profile(position, account_id)
        if profile == NO_PLAN:
            continue
        planned += 1
        start = today - timedelta(days=rnd.randint(180, 220))

        def at(days_after: int, hour: int = 9, start: date = start) -> datetime:
            return datetime.combine(
                min(start + timedelta(days=days_after), today - timedelta(days=1)),
                time(hour, rnd.randint(0, 59)),
            )

        def add(when: datetime, section: str, item_id: str | None, fields: dict | None, version: int = 0):
            stamps.append((when, account_id, Change(section, item_id or BUSINESS_ID, fields, version)))  # noqa: B023

        add(
            at(0),
            "business",
            None,
            {
                "goals": rnd.choice(GOALS).format(g=rnd.randint(4, 12)),
                "strategy": rnd.choice(STRATEGIES),
                "market_dynamics": rnd.choice(MARKETS) + f" ({industry}.)",
                "buying": rnd.choice(BUYING),
            },
        )
        for k, (objective, measure, target) in enumerate(rnd.sample(OBJECTIVES, rnd.randint(2, 4))):
            fields = {
                "objective": objective,
                "measure": measure,
                "target": target,
                "due": today + timedelta(days=rnd.randint(30, 300)),
                "status": "on_track",
                "progress": rnd.randint(5, 30),
                "shared": k < 2,
            }
            item = f"OBJ-D{account_id[-4:]}-{k + 1}"
            add(at(1), "objectives", item, fields)
            later = dict(fields, progress=min(100, fields["progress"] + rnd.randint(10, 40)))
            if rnd.random() < 0.3:
                later["status"] = "at_risk"
            add(at(rnd.randint(60, 150), 14), "objectives", item, later, 1)
        for k, (problem, offer, value, investment) in enumerate(rnd.sample(VALUE, rnd.randint(1, 3))):
            validated = rnd.random() < 0.5
            add(
                at(2),
                "value",
                f"VAL-D{account_id[-4:]}-{k + 1}",
                {
                    "problem": problem,
                    "offer": offer,
                    "value": float(round(value * rnd.uniform(0.6, 1.4), -4)),
                    "investment": float(round(investment * rnd.uniform(0.8, 1.2), -4)),
                    "validated": validated,
                    "evidence": rnd.choice(EVIDENCE) if validated else None,
                    "shared": k == 0 or validated,
                },
            )
        opportunities = [
            r[0]
            for r in con.execute(
                """SELECT opportunity_id FROM opportunities
                   WHERE account_id = ? AND stage NOT IN ('won', 'lost') ORDER BY opportunity_id""",
                [account_id],
            ).fetchall()
        ]
        for unit in rnd.sample(UNITS, 3):
            for offering in DEFAULT_OFFERINGS:
                roll = rnd.random()
                if roll < 0.3:
                    cell = {"status": "sold"}
                elif roll < 0.45 and opportunities:
                    cell = {"status": "pipeline", "opportunity_id": opportunities.pop(0)}
                elif roll < 0.7:
                    cell = {"status": "target", "note": "Raise in the next QBR"}
                elif roll < 0.8:
                    cell = {"status": "not_a_fit"}
                else:
                    continue
                fields = {"offering": offering, "business_unit": unit, **cell}
                add(at(3), "whitespace", whitespace_id(fields), fields)
        for k, (name, area, threat, insulation) in enumerate(rnd.sample(COMPETITORS, 2)):
            add(
                at(4),
                "competitors",
                f"CMP-D{account_id[-4:]}-{k + 1}",
                {"competitor": name, "area": area, "threat": threat, "insulation": insulation},
            )
        for k, commitment in enumerate(rnd.sample(COMMITMENTS, 2)):
            begin = start + timedelta(days=rnd.randint(10, 90))
            add(
                at(5),
                "commitments",
                f"COM-D{account_id[-4:]}-{k + 1}",
                {
                    "commitment": commitment,
                    "start": begin,
                    "completion": begin + timedelta(days=rnd.randint(60, 240)),
                    "status": "done" if begin + timedelta(days=120) < today else "in_progress",
                },
            )
        executives = con.execute(
            """SELECT stakeholder_id, name, title FROM stakeholders
               WHERE account_id = ? AND level IN ('executive', 'senior') ORDER BY stakeholder_id LIMIT 2""",
            [account_id],
        ).fetchall()
        for k, (sid, name, title) in enumerate(executives):
            add(
                at(5),
                "contacts",
                f"CON-D{account_id[-4:]}-{k + 1}",
                {
                    "executive": f"{name}, {title}",
                    "stakeholder_id": sid,
                    "our_contact": sponsor,
                    "frequency": "quarterly" if k == 0 else "twice a year",
                    "next_contact": today + timedelta(days=rnd.randint(10, 100)),
                    "purpose": rnd.choice(PURPOSES),
                },
            )
        for (action_id,) in con.execute(
            """SELECT action_id FROM actions WHERE account_id = ? AND status IN ('open', 'in_progress')
               ORDER BY action_id LIMIT 2""",
            [account_id],
        ).fetchall():
            add(at(6), "shared_actions", action_id, {"shared": True})
        reviews += _reviews(rnd, con, account_id, profile, today)
    rows = []
    for when, account_id, change in sorted(stamps, key=lambda s: s[0]):
        section = SECTIONS_BY_KEY[change.section]
        fields = clean_fields(section, change.fields)
        wrong = item_problems(section, fields)
        if wrong:  # pragma: no cover - the generator writes valid plans
            raise ValueError(wrong)
        version = (change.expected_version or 0) + 1
        rows.append(
            [account_id, section.key, change.item_id, version, encode(fields), False, "demo", when, DEMO]
        )
    with WRITE_LOCK, transaction(con):  # one insert: the first start of the app waits for it
        con.executemany("INSERT INTO plan_items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO plan_reviews VALUES (?, ?, ?, ?)", reviews)
        bump_data_version(con)
    return planned


def _reviews(rnd, con, account_id: str, profile: str, today: date) -> list[list]:
    """Review stamps that make the plan's profile true on `today`."""
    last_review = con.execute(
        """SELECT max(date) FROM engagements WHERE account_id = ? AND type = 'ninety_day_review'
           AND status = 'held' AND date <= ?""",
        [account_id, today],
    ).fetchall()[0][0]
    sections = [key for key, _ in REVIEW_SECTIONS]
    if profile == OLD:
        days = [rnd.randint(100, 150)] * len(sections)
    elif profile == BEFORE_REVIEW and last_review is not None and (today - last_review).days > 1:
        days = [(today - last_review).days + rnd.randint(1, 10)] * len(sections)
    elif profile == PARTIAL:
        days = [rnd.randint(3, 20)] * (len(sections) - 1)
    else:
        since = (today - last_review).days - 1 if last_review and last_review < today else 30
        days = [rnd.randint(0, max(0, min(since, 30)))] * len(sections)
    manager = "manager" if account_id in MARIA else "demo"
    return [
        [account_id, section, manager, datetime.combine(today - timedelta(days=d), time(7, 0))]
        for section, d in zip(sections, days, strict=False)
    ]
