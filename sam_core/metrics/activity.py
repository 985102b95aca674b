"""Evidence momentum, action counts and data freshness per account (SPEC.md section 4).

- Evidence momentum = positive minus negative evidence signals in the last 90 days.
- Open actions: status open or in_progress; overdue: open with `due` before `as_of`.
- Freshness: when each account's data last arrived, per sheet; engagements and
  relationships older than 90 days, or a latest survey older than 12 months, are stale.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from sam_core.ingest.contract import NEGATIVE_SIGNALS, POSITIVE_SIGNALS

MOMENTUM_DAYS = 90
STALE_DAYS = 90
STALE_SURVEY_MONTHS = 12


def evidence_momentum(con: duckdb.DuckDBPyConnection, *, as_of: date) -> pl.DataFrame:
    """account_id, positive, negative, momentum (last 90 days), for accounts with evidence."""
    return con.sql(
        """SELECT account_id,
                  count(*) FILTER (WHERE list_contains(?, signal) AND date > ?::DATE - INTERVAL (?) DAY
                      AND date <= ?) AS positive,
                  count(*) FILTER (WHERE list_contains(?, signal) AND date > ?::DATE - INTERVAL (?) DAY
                      AND date <= ?) AS negative,
                  positive - negative AS momentum
           FROM evidence GROUP BY account_id ORDER BY account_id""",
        params=[
            list(POSITIVE_SIGNALS),
            as_of,
            MOMENTUM_DAYS,
            as_of,
            list(NEGATIVE_SIGNALS),
            as_of,
            MOMENTUM_DAYS,
            as_of,
        ],
    ).pl()


def action_counts(con: duckdb.DuckDBPyConnection, *, as_of: date) -> pl.DataFrame:
    """account_id, actions, open_actions, overdue_actions, as they stood on `as_of`: the actions
    created by then; open = open or in progress now, or closed after `as_of`; overdue = open
    with `due` before `as_of`. (For today this is the actions as they are.)"""
    return con.sql(
        """WITH stood AS (
               SELECT account_id, due,
                      status IN ('open', 'in_progress') OR coalesce(closed > ?, false) AS open
               FROM actions WHERE created <= ?
           )
           SELECT account_id, count(*) AS actions, count(*) FILTER (WHERE open) AS open_actions,
                  count(*) FILTER (WHERE open AND due < ?) AS overdue_actions
           FROM stood GROUP BY account_id ORDER BY account_id""",
        params=[as_of, as_of, as_of],
    ).pl()


def data_freshness(con: duckdb.DuckDBPyConnection, *, as_of: date) -> pl.DataFrame:
    """Per account: last_upload (any sheet) and `stale`, a note naming what is stale
    (null when nothing is): last held engagement or last relationship contact over 90
    days old, or latest survey response over 12 months old."""
    return con.sql(
        """WITH arrived AS (
               SELECT s.account_id, max(u.uploaded_at) AS last_upload
               FROM upload_scope s JOIN uploads u USING (upload_id)
               WHERE s.sheet <> 'Rates'  -- its scope holds currencies, not accounts
               GROUP BY s.account_id
           ),
           met AS (SELECT account_id, max(date) AS last_engagement FROM engagements
                   WHERE status = 'held' AND date <= ? GROUP BY account_id),
           talked AS (SELECT account_id, max(last_contact) AS last_contact FROM relationships
               GROUP BY account_id),
           heard AS (SELECT account_id, max(survey_date) AS last_survey FROM surveys GROUP BY account_id)
           SELECT a.account_id, r.last_upload, m.last_engagement, t.last_contact, h.last_survey,
                  nullif(concat_ws('; ',
                      CASE WHEN m.last_engagement < ?::DATE - INTERVAL (?) DAY
                           THEN 'engagements ' || (?::DATE - m.last_engagement) || ' days old' END,
                      CASE WHEN t.last_contact < ?::DATE - INTERVAL (?) DAY
                           THEN 'relationships ' || (?::DATE - t.last_contact) || ' days old' END,
                      CASE WHEN h.last_survey < ?::DATE - INTERVAL (?) MONTH
                           THEN 'survey ' || date_diff('month', h.last_survey,
                               ?::DATE) || ' months old' END), '') AS stale
           FROM accounts a LEFT JOIN arrived r USING (account_id) LEFT JOIN met m USING (account_id)
           LEFT JOIN talked t USING (account_id) LEFT JOIN heard h USING (account_id)
           ORDER BY a.account_id""",
        params=[as_of, as_of, STALE_DAYS, as_of, as_of, STALE_DAYS, as_of, as_of, STALE_SURVEY_MONTHS, as_of],
    ).pl()
