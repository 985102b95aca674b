"""Contracts and their renewals (the `Contracts` sheet).

- Renewal date = `renewal_date`, or the contract's `end` when it has none.
- Notice deadline = renewal date - `notice_days` (90 days when empty): from that day on the
  contract is *within its notice period* (the last moment to renegotiate or to be cancelled).
- Upcoming renewals: renewal date from `as_of` to `as_of` + 180 days (`RENEWAL_WINDOW_DAYS`),
  with the account's health and loyalty beside each, soonest first.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

RENEWAL_WINDOW_DAYS = 180
DEFAULT_NOTICE_DAYS = 90

RENEWALS_SCHEMA = {
    "contract_id": pl.String,
    "account_id": pl.String,
    "name": pl.String,
    "annual_value": pl.Float64,
    "renewal_date": pl.Date,
    "auto_renew": pl.Boolean,
    "notice_days": pl.Int64,
    "notice_by": pl.Date,
    "in_notice": pl.Boolean,
    "days_left": pl.Int64,
}


def renewals(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: date,
    days: int = RENEWAL_WINDOW_DAYS,
    account_ids: list[str] | None = None,
) -> pl.DataFrame:
    """Contracts renewing from `as_of` to `as_of + days` (of the accounts named, or all):
    contract_id, account_id, name, annual_value (reporting currency), renewal_date, auto_renew,
    notice_days (the default filled in), notice_by (renewal - notice), in_notice (as_of on or
    after notice_by), days_left (to the renewal), soonest first."""
    return (
        con.sql(
            """WITH c AS (
               SELECT contract_id, account_id, name, annual_value,
                      coalesce(renewal_date, "end") AS renewal_date,
                      coalesce(auto_renew, false) AS auto_renew,
                      coalesce(notice_days, ?)::BIGINT AS notice_days
               FROM contracts
               WHERE ?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], account_id)
           )
           SELECT *, (renewal_date - INTERVAL (notice_days) DAY)::DATE AS notice_by,
                  ?::DATE >= renewal_date - INTERVAL (notice_days) DAY AS in_notice,
                  (renewal_date - ?::DATE)::BIGINT AS days_left
           FROM c
           WHERE renewal_date >= ?::DATE AND renewal_date <= ?::DATE + INTERVAL (?) DAY
           ORDER BY renewal_date, account_id, contract_id""",
            params=[DEFAULT_NOTICE_DAYS, account_ids, account_ids, as_of, as_of, as_of, as_of, days],
        )
        .pl()
        .cast(RENEWALS_SCHEMA)
    )


def renewals_with_health(
    con: duckdb.DuckDBPyConnection,
    overview: pl.DataFrame,
    *,
    as_of: date,
    days: int = RENEWAL_WINDOW_DAYS,
    account_ids: list[str] | None = None,
) -> pl.DataFrame:
    """`renewals` with the account beside each, from the account overview (health.account_overview
    at the same `as_of`): see `with_health`."""
    return with_health(renewals(con, as_of=as_of, days=days, account_ids=account_ids), overview)


def with_health(found: pl.DataFrame, overview: pl.DataFrame) -> pl.DataFrame:
    """Renewals (`renewals`) with the account beside each: account_name, account_manager,
    executive_sponsor, health, health_band, loyalty_index, nps, respondents."""
    beside = ["account_name", "account_manager", "executive_sponsor", "health", "health_band"]
    beside += ["loyalty_index", "nps", "respondents"]
    if overview.is_empty():
        return found.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in beside)
    return found.join(overview.select("account_id", *beside), on="account_id", how="left")
