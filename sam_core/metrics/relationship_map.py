"""One account's relationship map: the buying organisation against our team, the gaps
that expose the account, waves and planning roles, penetration, and the map as Graphviz DOT.

Gap rules (each with its reason):
- uncovered: a decision maker, or a stakeholder with influence >= 4, has no relationship
  of strength >= 3;
- single-threaded: one member holds all relationships of strength >= 3, or only one
  stakeholder has one;
- no executive pairing: the executive sponsor has no relationship with a customer executive;
- detractor: a stakeholder with influence >= 4 and attitude <= -1;
- stale: a relationship whose last contact is more than 90 days before `as_of`;
- no manager: a stakeholder below executive level whose `reports_to` is empty.

Penetration = departments and levels of the customer reached by a relationship of strength >= 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import polars as pl
from graphviz import escape
from graphviz.quoting import quote

from sam_core.ingest.contract import PLANNING_ROLES
from sam_core.metrics.relationships import KEY_INFLUENCE, STRONG, relationship_summary

STALE_DAYS = 90
WAVES = ("core", "core_team", "extended", "partner", "corporate", "sponsor")
WAVE_LABELS = {
    "core": "Account manager",
    "core_team": "Core team",
    "extended": "Extended team",
    "partner": "Partner team",
    "corporate": "Corporate team",
    "sponsor": "Executive sponsor",
}
ATTITUDE_COLOURS = {-2: "#c62828", -1: "#ef9a9a", 0: "#e0e0e0", 1: "#a5d6a7", 2: "#2e7d32"}
ATTITUDE_LABELS = {-2: "detractor", -1: "critic", 0: "neutral", 1: "supporter", 2: "champion"}


@dataclass(frozen=True)
class AccountMap:
    account_id: str
    account_name: str
    sponsor: str | None
    stakeholders: pl.DataFrame
    team: pl.DataFrame
    relationships: pl.DataFrame


def account_map(con: duckdb.DuckDBPyConnection, account_id: str) -> AccountMap:
    """The stakeholders, team and relationships of one account."""
    found = con.execute(
        "SELECT account_name, executive_sponsor FROM accounts WHERE account_id = ?", [account_id]
    ).fetchall()
    name, sponsor = found[0] if found else (account_id, None)
    return AccountMap(
        account_id,
        name,
        sponsor,
        con.sql(
            "SELECT * EXCLUDE (extras) FROM stakeholders WHERE account_id = ? ORDER BY stakeholder_id",
            params=[account_id],
        ).pl(),
        con.sql(
            "SELECT * EXCLUDE (extras) FROM team WHERE account_id = ? ORDER BY member", params=[account_id]
        ).pl(),
        con.sql(
            "SELECT * EXCLUDE (extras) FROM relationships WHERE account_id = ? ORDER BY member, "
            "stakeholder_id",
            params=[account_id],
        ).pl(),
    )


def reporting_loops(stakeholders: pl.DataFrame) -> set[str]:
    """Stakeholders whose chain of `reports_to` comes back to them."""
    boss = dict(
        zip(stakeholders["stakeholder_id"].to_list(), stakeholders["reports_to"].to_list(), strict=True)
    )
    looped = set()
    for start in boss:
        seen, current = [], start
        while current is not None and current in boss and current not in seen:
            seen.append(current)
            current = boss[current]
        if current is not None and current in seen:
            looped.update(seen[seen.index(current) :])
    return looped


def gaps(
    stakeholders: pl.DataFrame,
    team: pl.DataFrame,
    relationships: pl.DataFrame,
    accounts: pl.DataFrame,
    *,
    as_of: date,
) -> pl.DataFrame:
    """Every gap of the accounts given (frames may hold many accounts): account_id, gap,
    who, reason. `accounts` needs account_id and executive_sponsor."""
    strong = relationships.filter(pl.col("strength") >= STRONG)
    rows: list[pl.DataFrame] = []
    covered = strong.select("account_id", "stakeholder_id").unique()
    key = stakeholders.filter(
        pl.col("decision_maker").fill_null(False) | (pl.col("influence").fill_null(0) >= KEY_INFLUENCE)
    )
    rows.append(
        key.join(covered, on=["account_id", "stakeholder_id"], how="anti").select(
            "account_id",
            pl.lit("uncovered").alias("gap"),
            pl.col("name").alias("who"),
            pl.format(
                "{} ({}) has no relationship of strength {}+.",
                pl.when(pl.col("decision_maker").fill_null(False))
                .then(pl.lit("decision maker"))
                .otherwise(pl.format("influence {}", pl.col("influence"))),
                pl.col("title").fill_null("no title"),
                pl.lit(STRONG),
            ).alias("reason"),
        )
    )
    threads = strong.group_by("account_id").agg(
        pl.col("member").n_unique().alias("members"),
        pl.col("stakeholder_id").n_unique().alias("people"),
        pl.col("member").first().alias("holder"),
    )
    rows.append(
        threads.filter((pl.col("members") == 1) | (pl.col("people") == 1)).select(
            "account_id",
            pl.lit("single-threaded").alias("gap"),
            pl.col("holder").alias("who"),
            pl.when(pl.col("members") == 1)
            .then(pl.format("{} holds all {} strong relationships.", pl.col("holder"), pl.col("people")))
            .otherwise(pl.lit("Only one stakeholder has a strong relationship with us."))
            .alias("reason"),
        )
    )
    executives = stakeholders.filter(pl.col("level") == "executive").select("account_id", "stakeholder_id")
    paired = (
        relationships.join(accounts.select("account_id", "executive_sponsor"), on="account_id")
        .filter(pl.col("member").str.to_lowercase() == pl.col("executive_sponsor").str.to_lowercase())
        .join(executives, on=["account_id", "stakeholder_id"])
        .select("account_id")
        .unique()
    )
    with_people = stakeholders.select("account_id").unique()
    rows.append(
        accounts.join(with_people, on="account_id")
        .join(paired, on="account_id", how="anti")
        .select(
            "account_id",
            pl.lit("no executive pairing").alias("gap"),
            pl.col("executive_sponsor").fill_null("no sponsor").alias("who"),
            pl.when(pl.col("executive_sponsor").is_null())
            .then(pl.lit("The account has no executive sponsor."))
            .otherwise(
                pl.format(
                    "Sponsor {} has no relationship with a customer executive.", pl.col("executive_sponsor")
                )
            )
            .alias("reason"),
        )
    )
    rows.append(
        stakeholders.filter(
            (pl.col("influence").fill_null(0) >= KEY_INFLUENCE) & (pl.col("attitude").fill_null(0) <= -1)
        ).select(
            "account_id",
            pl.lit("detractor").alias("gap"),
            pl.col("name").alias("who"),
            pl.format(
                "Influence {} and attitude {} ({}).",
                pl.col("influence"),
                pl.col("attitude"),
                pl.col("attitude").replace_strict(ATTITUDE_LABELS, default="?", return_dtype=pl.String),
            ).alias("reason"),
        )
    )
    names = stakeholders.select("account_id", "stakeholder_id", pl.col("name").alias("stakeholder"))
    rows.append(
        relationships.filter(pl.col("last_contact") < as_of - timedelta(days=STALE_DAYS))
        .join(names, on=["account_id", "stakeholder_id"], how="left")
        .select(
            "account_id",
            pl.lit("stale").alias("gap"),
            pl.format("{} – {}", pl.col("member"), pl.col("stakeholder")).alias("who"),
            pl.format(
                "Last contact {} ({} days before {}).",
                pl.col("last_contact"),
                (pl.lit(as_of) - pl.col("last_contact")).dt.total_days(),
                pl.lit(str(as_of)),
            ).alias("reason"),
        )
    )
    rows.append(
        stakeholders.filter(
            pl.col("reports_to").is_null() & (pl.col("level").fill_null("") != "executive")
        ).select(
            "account_id",
            pl.lit("no manager").alias("gap"),
            pl.col("name").alias("who"),
            pl.format(
                "{} ({}) has no reports_to: whom they report to is unknown.",
                pl.col("name"),
                pl.col("level").fill_null("level unknown"),
            ).alias("reason"),
        )
    )
    schema = {"account_id": pl.String, "gap": pl.String, "who": pl.String, "reason": pl.String}
    return pl.concat([r.cast(schema) for r in rows]).sort("account_id", "gap", "who")


def account_gaps(m: AccountMap, *, as_of: date) -> pl.DataFrame:
    accounts = pl.DataFrame(
        {"account_id": [m.account_id], "executive_sponsor": [m.sponsor]},
        schema={"account_id": pl.String, "executive_sponsor": pl.String},
    )
    return gaps(m.stakeholders, m.team, m.relationships, accounts, as_of=as_of).drop("account_id")


def all_gaps(con: duckdb.DuckDBPyConnection, *, as_of: date) -> pl.DataFrame:
    """The gaps of every account with stakeholders."""
    return gaps(
        con.sql("SELECT * EXCLUDE (extras) FROM stakeholders").pl(),
        con.sql("SELECT * EXCLUDE (extras) FROM team").pl(),
        con.sql("SELECT * EXCLUDE (extras) FROM relationships").pl(),
        con.sql("SELECT account_id, executive_sponsor FROM accounts").pl(),
        as_of=as_of,
    )


def penetration(m: AccountMap) -> dict[str, int]:
    """Departments and levels of the customer reached by a relationship of strength >= 3."""
    reached = m.stakeholders.join(
        m.relationships.filter(pl.col("strength") >= STRONG).select("stakeholder_id").unique(),
        on="stakeholder_id",
    )
    return {
        "departments_reached": reached["department"].drop_nulls().n_unique(),
        "departments": m.stakeholders["department"].drop_nulls().n_unique(),
        "levels_reached": reached["level"].drop_nulls().n_unique(),
        "levels": m.stakeholders["level"].drop_nulls().n_unique(),
    }


def team_waves(m: AccountMap) -> pl.DataFrame:
    """Per wave, from the account manager outwards: count and names."""
    grouped = m.team.group_by("wave").agg(
        pl.len().alias("members"), pl.col("member").sort().str.join(", ").alias("names")
    )
    order = pl.DataFrame({"wave": list(WAVES), "label": [WAVE_LABELS[w] for w in WAVES]})
    return order.join(grouped, on="wave", how="left").with_columns(
        pl.col("members").fill_null(0), pl.col("names").fill_null("–")
    )


def planning_roles(m: AccountMap, required: tuple[str, ...] = PLANNING_ROLES) -> pl.DataFrame:
    """Each required planning role: who plays it (empty when nobody does)."""
    played = m.team.select(
        "member", pl.col("planning_roles").fill_null("").str.split(";").alias("role")
    ).explode("role")
    by_role = (
        played.filter(pl.col("role") != "")
        .group_by("role")
        .agg(pl.col("member").sort().str.join(", ").alias("played_by"))
    )
    return (
        pl.DataFrame({"role": list(required)})
        .join(by_role, on="role", how="left")
        .with_columns(pl.col("played_by").is_null().alias("empty"))
    )


def stakeholder_coverage(m: AccountMap) -> pl.DataFrame:
    """The stakeholder list with who covers each and how strongly (for export and tables);
    `reports_to` is the manager's name."""
    links = (
        m.relationships.sort("strength", descending=True)
        .group_by("stakeholder_id", maintain_order=True)
        .agg(
            pl.format("{} ({})", pl.col("member"), pl.col("strength")).str.join(", ").alias("relationships"),
            pl.col("strength").max().alias("strongest"),
            pl.col("last_contact").max().alias("last_contact"),
        )
    )
    managers = m.stakeholders.select(
        pl.col("stakeholder_id").alias("reports_to"), pl.col("name").alias("reports_to_name")
    )
    return (
        m.stakeholders.join(links, on="stakeholder_id", how="left")
        .join(managers, on="reports_to", how="left")
        # whom they report to by name (the id where the manager is not a stakeholder of the account)
        .with_columns(
            (pl.col("strongest").fill_null(0) >= STRONG).alias("covered"),
            pl.coalesce("reports_to_name", "reports_to").alias("reports_to"),
        )
        .select(
            "stakeholder_id",
            "name",
            "title",
            "department",
            "level",
            "buying_role",
            "influence",
            "attitude",
            "decision_maker",
            "reports_to",
            "covered",
            "strongest",
            "relationships",
            "last_contact",
        )
    )


def _quote(text) -> str:
    """A DOT string of text from a workbook, quoted by the graphviz package with backslashes
    escaped, so that no text can end its string and write DOT of its own."""
    quoted = quote(escape(str(text if text is not None else "")))
    return quoted if quoted.startswith('"') else f'"{quoted}"'  # a plain id reads the same quoted


def _label(*lines: str) -> str:
    """A DOT label of several lines, each escaped on its own (the line breaks are ours)."""
    return quote("\\n".join(escape(line) for line in lines))


def _attrs(attrs: dict[str, str]) -> str:
    """Attributes of a node or edge; a label is already quoted (`_label`)."""
    return ", ".join(f"{k}={v if k == 'label' else _quote(v)}" for k, v in attrs.items())


def _chain(stakeholders: pl.DataFrame, people: set[str], loops: set[str]) -> set[str]:
    """The people and everyone above them by `reports_to` (loops left out)."""
    manager = {
        s: r
        for s, r in zip(stakeholders["stakeholder_id"], stakeholders["reports_to"], strict=True)
        if r is not None and s not in loops
    }
    seen = set(people)
    for person in people:
        while person in manager and manager[person] not in seen:
            person = manager[person]
            seen.add(person)
    return seen


def relationship_dot(m: AccountMap, *, focus: str | None = None) -> str:
    """The map as Graphviz DOT, laid out left to right so that it fits a laptop's width: the
    customer's org chart (by reports_to) from the top person on the left, our team in a
    column on the right, one edge per relationship (thicker = stronger). Each person is two
    lines (name, then title or role) in 14 pt; the rest is in the tooltip. With `focus` (a
    stakeholder_id or member) only that person, the people they have a relationship with, and
    those stakeholders' managers up the org chart are drawn: a map small enough to read."""
    loops = reporting_loops(m.stakeholders)
    stakeholders, team, relationships = m.stakeholders, m.team, m.relationships
    if focus:
        relationships = relationships.filter(
            (pl.col("stakeholder_id") == focus) | (pl.col("member") == focus)
        )
        customer = {focus} & set(stakeholders["stakeholder_id"]) | set(relationships["stakeholder_id"])
        stakeholders = stakeholders.filter(
            pl.col("stakeholder_id").is_in(_chain(stakeholders, customer, loops))
        )
        team = team.filter(pl.col("member").is_in([focus, *relationships["member"]]))
    shown = set(stakeholders["stakeholder_id"])
    lines = [
        "digraph map {",
        "rankdir=LR; newrank=true; nodesep=0.12; ranksep=0.55; splines=true;",
        'node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=14, margin="0.12,0.04"];',
        "edge [arrowhead=none];",
        'subgraph cluster_customer { label="Customer"; color="#9e9e9e"; fontname="Helvetica"; fontsize=14;',
    ]
    for s in stakeholders.iter_rows(named=True):
        attitude = s["attitude"] if s["attitude"] is not None else 0
        role = s["title"] or s["buying_role"] or ""
        attrs = {
            "label": _label(s["name"] or s["stakeholder_id"], role),
            "tooltip": " · ".join(
                x
                for x in (
                    s["name"],
                    s["title"],
                    f"{s['buying_role'] or '–'}, influence {s['influence'] or '–'}",
                    ATTITUDE_LABELS.get(attitude, ""),
                    "decision maker" if s["decision_maker"] else "",
                )
                if x
            ),
            "fillcolor": ATTITUDE_COLOURS.get(attitude, "#e0e0e0"),
            "color": "#1a237e" if s["decision_maker"] else "#616161",
            "penwidth": "3" if s["decision_maker"] else "1",
        }
        if attitude == -2 or attitude == 2:
            attrs["fontcolor"] = "#ffffff"
        lines.append(f"{_quote(s['stakeholder_id'])} [{_attrs(attrs)}];")
    for s in stakeholders.filter(pl.col("reports_to").is_not_null()).iter_rows(named=True):
        if s["stakeholder_id"] in loops or s["reports_to"] not in shown:
            continue
        lines.append(f'{_quote(s["reports_to"])} -> {_quote(s["stakeholder_id"])} [color="#9e9e9e"];')
    lines.append("}")
    lines.append(
        'subgraph cluster_team { label="Our team"; color="#1f5fa8"; fontname="Helvetica"; fontsize=14; '
        "rank=same;"
    )
    for t in team.iter_rows(named=True):
        attrs = {
            "label": _label(t["member"], WAVE_LABELS.get(t["wave"], t["wave"])),
            "fillcolor": "#ffd54f" if t["wave"] == "sponsor" else "#bbdefb",
            "color": "#1f5fa8",
        }
        lines.append(f"{_quote('member:' + t['member'])} [{_attrs(attrs)}];")
    lines.append("}")
    known_members = set(team["member"].to_list())
    for r in relationships.iter_rows(named=True):
        if r["member"] not in known_members:
            attrs = {
                "label": _label(r["member"], "(not in Team)"),
                "fillcolor": "#eeeeee",
            }
            lines.append(f"{_quote('member:' + r['member'])} [{_attrs(attrs)}];")
            known_members.add(r["member"])
        colour = "#1f5fa8" if r["strength"] >= STRONG else "#90a4ae"
        lines.append(
            f"{_quote(r['stakeholder_id'])} -> {_quote('member:' + r['member'])} "
            f'[penwidth={r["strength"] * 0.8:.1f}, color="{colour}", '
            f'tooltip="strength {r["strength"]}"];'
        )
    lines.append("}")
    return "\n".join(lines)


def strategic_relationships(con: duckdb.DuckDBPyConnection, *, as_of: date) -> pl.DataFrame:
    """Every account with stakeholders: coverage, single-threaded, executive alignment and
    the number of gaps of each kind (for the portfolio view of relationships)."""
    counts = (
        all_gaps(con, as_of=as_of)
        .group_by("account_id", "gap")
        .len()
        .pivot(on="gap", index="account_id", values="len")
    )
    names = con.sql("SELECT account_id, account_name, account_manager, executive_sponsor FROM accounts").pl()
    table = (
        relationship_summary(con)
        .join(names, on="account_id", how="left")
        .join(counts, on="account_id", how="left")
    )
    gap_columns = ["uncovered", "single-threaded", "no executive pairing", "detractor", "stale", "no manager"]
    for column in gap_columns:
        table = table.with_columns(
            (pl.col(column) if column in table.columns else pl.lit(0))
            .fill_null(0)
            .cast(pl.Int64)
            .alias(column)
        )
    return (
        table.with_columns(pl.sum_horizontal(gap_columns).alias("gaps"))
        .select(
            "account_id",
            "account_name",
            "account_manager",
            "executive_sponsor",
            "coverage",
            "single_threaded",
            "executive_aligned",
            "gaps",
            *gap_columns,
        )
        .sort("gaps", descending=True)
    )
