"""Relationship figures of SPEC.md section 4, per account.

- Relationship coverage = share of key stakeholders (decision makers, and stakeholders
  with influence >= 4) who have a relationship of strength >= 3.
- Single-threaded = one member holds all relationships of strength >= 3, or only one
  stakeholder has one.
- Executive alignment = the executive sponsor has a relationship with a stakeholder of
  level `executive`.
"""

from __future__ import annotations

import duckdb
import polars as pl

STRONG = 3  # strength from which a relationship counts
KEY_INFLUENCE = 4


def relationship_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per account with stakeholders: key stakeholders, covered, coverage (0-1 or null when
    there is no key stakeholder), strong relationships, single_threaded, executive_aligned,
    last_contact."""
    query = """
    WITH key_people AS (
        SELECT account_id, stakeholder_id FROM stakeholders
        WHERE coalesce(decision_maker, false) OR coalesce(influence, 0) >= ?
    ),
    strong AS (SELECT * FROM relationships WHERE strength >= ?),
    per_account AS (
        SELECT s.account_id,
               count(DISTINCT k.stakeholder_id) AS key_stakeholders,
               count(DISTINCT k.stakeholder_id) FILTER (WHERE k.stakeholder_id IN
                   (SELECT stakeholder_id FROM strong r WHERE r.account_id = s.account_id)) AS key_covered
        FROM (SELECT DISTINCT account_id FROM stakeholders) s
        LEFT JOIN key_people k USING (account_id)
        GROUP BY s.account_id
    ),
    threads AS (
        SELECT account_id, count(*) AS strong_relationships, count(DISTINCT member) AS strong_members,
               count(DISTINCT stakeholder_id) AS strong_stakeholders
        FROM strong GROUP BY account_id
    ),
    aligned AS (
        SELECT DISTINCT r.account_id
        FROM relationships r
        JOIN accounts a ON a.account_id = r.account_id
            AND lower(trim(r.member)) = lower(trim(a.executive_sponsor))
        JOIN stakeholders s ON s.stakeholder_id = r.stakeholder_id AND s.level = 'executive'
    ),
    contact AS (SELECT account_id, max(last_contact) AS last_contact FROM relationships GROUP BY account_id)
    SELECT p.account_id, p.key_stakeholders, p.key_covered,
           p.key_covered / nullif(p.key_stakeholders, 0) AS coverage,
           coalesce(t.strong_relationships, 0) AS strong_relationships,
           coalesce(t.strong_members = 1 OR t.strong_stakeholders = 1, false) AS single_threaded,
           g.account_id IS NOT NULL AS executive_aligned,
           c.last_contact
    FROM per_account p
    LEFT JOIN threads t USING (account_id)
    LEFT JOIN aligned g USING (account_id)
    LEFT JOIN contact c USING (account_id)
    ORDER BY p.account_id"""
    return con.sql(query, params=[KEY_INFLUENCE, STRONG]).pl()
