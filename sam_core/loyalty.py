"""Loyalty figures of SPEC.md section 4.

- Loyalty index (0-100) = mean over respondents of the mean of the answers they gave among
  recommend_score scaled to 0-100 (x * 10), satisfaction and continue_score scaled to
  0-100 ((x - 1) / 4 * 100).
- NPS = % promoters (recommend 9-10) - % detractors (0-6), over respondents who answered.
- Fewer than 3 respondents is thin (`THIN_BELOW`).
- Feedback revenue coverage = share of T12M revenue from accounts with at least one
  response in the latest wave.

A response without a wave label belongs to the half-year of its survey date ("2025 H2").
"""
from __future__ import annotations

import duckdb
import polars as pl

THIN_BELOW = 3

_RESPONSES = """
    responses AS (
        SELECT *, coalesce(wave, strftime(survey_date, '%Y') || ' H' || CASE WHEN month(survey_date) <= 6 THEN '1' ELSE '2' END) AS wave_label,
               (coalesce(recommend_score * 10, 0) + coalesce((satisfaction - 1) * 25, 0) + coalesce((continue_score - 1) * 25, 0))
               / nullif((recommend_score IS NOT NULL)::INT + (satisfaction IS NOT NULL)::INT + (continue_score IS NOT NULL)::INT, 0)
               AS respondent_index
        FROM surveys
    )"""


def waves(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Survey waves, oldest first (ordered by their latest response)."""
    rows = con.execute(f"WITH {_RESPONSES} SELECT wave_label FROM responses GROUP BY 1 ORDER BY max(survey_date)").fetchall()  # sql-ok
    return [r[0] for r in rows]


def loyalty_by_account(con: duckdb.DuckDBPyConnection, *, wave: str | None = None) -> pl.DataFrame:
    """Per account and wave (one wave if given): respondents, loyalty index, NPS, thin flag."""
    query = f"""WITH {_RESPONSES}
    SELECT account_id, wave_label AS wave, max(survey_date) AS last_response,
           count(*) AS respondents,
           avg(respondent_index) AS loyalty_index,
           100.0 * (count(*) FILTER (WHERE recommend_score >= 9) - count(*) FILTER (WHERE recommend_score <= 6))
               / nullif(count(recommend_score), 0) AS nps,
           count(*) < {THIN_BELOW} AS thin
    FROM responses WHERE ? IS NULL OR wave_label = ?
    GROUP BY ALL ORDER BY account_id, last_response"""  # sql-ok: THIN_BELOW is a constant
    return con.sql(query, params=[wave, wave]).pl()


def latest_loyalty(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each account's figures in the latest wave (accounts not in it are absent)."""
    known = waves(con)
    if not known:
        return pl.DataFrame(schema={"account_id": pl.String, "wave": pl.String, "respondents": pl.Int64,
                                    "loyalty_index": pl.Float64, "nps": pl.Float64, "thin": pl.Boolean})
    return loyalty_by_account(con, wave=known[-1])


def program_loyalty(con: duckdb.DuckDBPyConnection, *, wave: str | None) -> dict[str, float | int | None]:
    """Loyalty index and NPS over all respondents of a wave (not an average of accounts)."""
    if wave is None:
        return {"loyalty_index": None, "nps": None, "respondents": 0}
    query = f"""WITH {_RESPONSES}
    SELECT avg(respondent_index),
           100.0 * (count(*) FILTER (WHERE recommend_score >= 9) - count(*) FILTER (WHERE recommend_score <= 6))
               / nullif(count(recommend_score), 0),
           count(*)
    FROM responses WHERE wave_label = ?"""  # sql-ok
    index, nps, n = con.execute(query, [wave]).fetchall()[0]
    return {"loyalty_index": index, "nps": nps, "respondents": n}


def feedback_revenue_coverage(revenue: pl.DataFrame, surveyed_accounts: pl.Series) -> float | None:
    """Share of T12M revenue from accounts with at least one response in the latest wave."""
    total = revenue["revenue"].sum()
    if not total:
        return None
    heard = revenue.filter(pl.col("account_id").is_in(surveyed_accounts.implode()))["revenue"].sum()
    return float(heard / total)
