"""How the items of a brief read, in the brief PDF, the deck and the projector alike (figures
through the formatting layer, so that they read exactly as the app shows them)."""

from __future__ import annotations

from datetime import date

from sam_core.outputs.formatting import growth, long_date, money, month, nps, percent, score

STATUS_LABELS = {"overdue": "Overdue", "due soon": "Due soon", "compliant": "On track", "not applicable": "–"}
GAP_LABELS = {
    "uncovered": "Uncovered",
    "single-threaded": "Single-threaded",
    "no executive pairing": "No executive pairing",
    "detractor": "Detractor",
    "stale": "Stale contact",
    "no manager": "No manager known",
}


def revenue_change(a: dict) -> str:
    """What the revenue tile says under the figure: growth and what it compares."""
    if a["financials"] == "no financials":
        return f"no financials to {month(a['data_through'])}"
    if a["growth"] is None:
        return "no revenue in the prior 12 months"
    if a["financials"] == "not reported":
        return f"{growth(a['growth'])} like for like; {month(a['data_through'])} not reported"
    if a["financials"] == "won deals":
        return f"{growth(a['growth'])}; from won deals"
    return f"{growth(a['growth'])} on the prior 12 months"


def revenue_figure(a: dict, currency: str) -> str:
    return "–" if a["financials"] == "no financials" else money(a["revenue"], currency)


def health_figure(a: dict) -> str:
    return "–" if a["health"] is None else f"{score(a['health'])} / 100"


def loyalty_figure(a: dict) -> str:
    return score(a["loyalty_index"])


def loyalty_detail(a: dict) -> str:
    """'NPS +33 · 3 respondents' (thin when under the threshold); no arrow: a count is no change."""
    if a["loyalty_index"] is None:
        return "no response in the latest wave"
    people = f"{a['respondents']} respondent{'s' if a['respondents'] != 1 else ''}"
    return f"NPS {nps(a['nps'])} · {people}" + (" (thin)" if a["thin"] else "")


def pipeline_detail(a: dict, currency: str) -> str:
    deals = f"{a['open_deals']} deal{'s' if a['open_deals'] != 1 else ''}"
    return f"{money(a['open_pipeline'], currency)} open in {deals}"


def won_detail(a: dict) -> str:
    if a["win_rate_count"] is None:
        return "no deals closed"
    return f"win rate {percent(a['win_rate_count'])} of deals"


def coverage_line(a: dict) -> str:
    """'Coverage 50% of key stakeholders (1 of 2)', and single-threaded when so."""
    if a["coverage"] is None:
        return "No key stakeholders recorded"
    line = f"Coverage {percent(a['coverage'])} of key stakeholders "
    line += f"({a['key_covered']} of {a['key_stakeholders']})"
    return line + (" · single-threaded" if a["single_threaded"] else "")


def cadence_when(rule: dict, as_of: date) -> str:
    """'since 2 May 2026' for a rule overdue since its deadline, 'by 30 Jun 2026' otherwise (a rule
    can be overdue before its deadline: none held last month, and this month ends later)."""
    if rule["deadline"] is None:
        return "never held"
    late = rule["status"] == "overdue" and rule["deadline"] <= as_of
    return f"{'since' if late else 'by'} {long_date(rule['deadline'])}"


def touchpoint(t: dict | None) -> str:
    return "none" if t is None else f"{long_date(t['date'])}, {t['type'].replace('_', ' ')}"


def opportunity_line(o: dict, currency: str) -> str:
    close = f", closes {long_date(o['close_date'])}" if o["close_date"] else ""
    return f"{o['name']} · {money(o['amount'], currency)} · {o['stage'] or 'no stage'}{close}"


def action_line(x: dict) -> str:
    due = f"due {long_date(x['due'])}" if x["due"] else "no due date"
    return f"{x['description']} · {x['owner'] or 'no owner'} · {'OVERDUE, ' if x['overdue'] else ''}{due}"


def gap_line(g: dict) -> str:
    return f"{GAP_LABELS.get(g['gap'], g['gap'])}: {g['who']}"


def renewal_line(r: dict, currency: str) -> str:
    """A contract renewing soon (a row of metrics.contracts.renewals): 'Service 2026 · €1.2m a year ·
    renews 30 Sep 2026, automatically · notice by 2 Jul 2026 (in the notice period)'."""
    auto = ", automatically" if r["auto_renew"] else ""
    notice = f"notice by {long_date(r['notice_by'])}" + (" (in the notice period)" if r["in_notice"] else "")
    return (
        f"{r['name'] or r['contract_id']} · {money(r['annual_value'], currency)} a year · "
        f"renews {long_date(r['renewal_date'])}{auto} · {notice}"
    )
