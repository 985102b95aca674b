"""How the items of a brief read, in the brief PDF, the deck and the projector alike (figures
through the formatting layer, so that they read exactly as the app shows them)."""

from __future__ import annotations

from datetime import date

from sam_core.outputs.formatting import (
    NO_CHANGE,
    change,
    growth,
    long_date,
    money,
    money_in,
    money_unit,
    month,
    nps,
    percent,
    score,
    value_label,
)

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


def pipeline_figure(a: dict, currency: str) -> str:
    """The weighted pipeline in the magnitude of the open pipeline beside it ('€0.8m' over '€8.4m
    open', never '€836.1k' over '€8.4m')."""
    unit = money_unit([a["weighted_pipeline"], a["open_pipeline"]])
    return money_in(a["weighted_pipeline"], unit, currency)


def pipeline_detail(a: dict, currency: str) -> str:
    """'€8.4m open in 1 deal', in the same magnitude as `pipeline_figure`."""
    deals = f"{a['open_deals']} deal{'s' if a['open_deals'] != 1 else ''}"
    unit = money_unit([a["weighted_pipeline"], a["open_pipeline"]])
    return f"{money_in(a['open_pipeline'], unit, currency)} open in {deals}"


def won_detail(a: dict) -> str:
    if a["win_rate_count"] is None:
        return "no deals closed"
    return f"win rate {percent(a['win_rate_count'])} of deals"


def won_line(a: dict, currency: str) -> str:
    """What the account won in the money window, in words: 'won €46.8m in the 12 months to Oct 2026,
    win rate 100% of deals, 100% of value'; with no deal closed (won or lost) 'no deals won or lost
    in the 12 months to Oct 2026' (never 'won €0 ..., win rate – of deals')."""
    window = f"in the 12 months to {month(a['data_through'])}"
    if a["win_rate_count"] is None:
        return f"no deals won or lost {window}"
    won = f"won {money(a['won_value'], currency)}" if a["won_value"] else "none won"
    return (
        f"{won} {window}, win rate {percent(a['win_rate_count'])} of deals, "
        f"{percent(a['win_rate_value'])} of value"
    )


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
    """'31 Oct 2026, 90-day review': the engagement type as words (formatting.value_label)."""
    return "none" if t is None else f"{long_date(t['date'])}, {value_label(t['type'])}"


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


# -- health moves (issue 17): health and its parts in whole points in one sentence -------------------


def points_change(value: float | None) -> str:
    """A move of health points, whole points with the sign: 3.0 -> '+3 points', -1 -> '-1 point';
    under half a point -> 'no change' (never '+0 points')."""
    return change(value, digits=0, unit="points") or NO_CHANGE


def moved_part(movement) -> str | None:
    """'momentum +3 points' for the part that moved most (metrics.health_history.part_movement, the
    largest move first), in whole points as the health beside it; None when no part moved by half a
    point or more."""
    if movement is None or movement.is_empty():
        return None
    top = movement.row(0, named=True)
    moved = points_change(top["change"])
    return None if moved == NO_CHANGE else f"{top['part']} {moved}"


def health_move(since: date, then: float, now: float, movement=None) -> str:
    """'Since 31 Oct 2026: health 56 -> 59 (+3 points); the part that moved most: momentum +3
    points.' or 'Since 31 Oct 2026: health 87, no change; no part moved.' The change is that of the
    whole figures shown, so '56 -> 59' always reads '+3'."""
    before, after = round(then), round(now)
    moved = moved_part(movement)
    if before == after:
        health = f"health {score(after)}, {NO_CHANGE}"
    else:
        health = f"health {score(before)} -> {score(after)} ({points_change(after - before)})"
    if moved:
        part = f"the part that moved most: {moved}"
    else:
        part = "no part moved" if before == after else "no part moved by a whole point"
    return f"Since {long_date(since)}: {health}; {part}."
