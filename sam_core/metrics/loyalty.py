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

from datetime import date

import duckdb
import polars as pl

THIN_BELOW = 3

_RESPONSES = """
    responses AS (
        SELECT *, coalesce(wave, strftime(survey_date, '%Y') || ' H' || CASE WHEN month(survey_date) <= 6
            THEN '1' ELSE '2' END) AS wave_label,
               (coalesce(recommend_score * 10, 0) + coalesce((satisfaction - 1) * 25,
                   0) + coalesce((continue_score - 1) * 25, 0))
               / nullif((recommend_score IS NOT NULL)::INT + (satisfaction IS NOT NULL)::INT
                        + (continue_score IS NOT NULL)::INT, 0)
               AS respondent_index
        FROM surveys
    )"""
# The same, as of a date: the responses given on or before it (the first parameter).
_RESPONSES_UNTIL = _RESPONSES.replace("FROM surveys", "FROM surveys WHERE survey_date <= ?")


def _responses(as_of: date | None) -> tuple[str, list]:
    """The responses CTE and its parameters: every response, or those given by `as_of`."""
    return (_RESPONSES, []) if as_of is None else (_RESPONSES_UNTIL, [as_of])


def waves(con: duckdb.DuckDBPyConnection, *, as_of: date | None = None) -> list[str]:
    """Survey waves, oldest first (ordered by their latest response); with `as_of`, the waves
    with a response on or before it."""
    responses, params = _responses(as_of)
    rows = con.execute(
        # sql-ok: table and column names from the contract and constants, values bound
        f"WITH {responses} SELECT wave_label FROM responses GROUP BY 1 ORDER BY max(survey_date)",
        params,
    ).fetchall()  # sql-ok
    return [r[0] for r in rows]


def loyalty_by_account(
    con: duckdb.DuckDBPyConnection, *, wave: str | None = None, as_of: date | None = None
) -> pl.DataFrame:
    """Per account and wave (one wave if given): respondents, loyalty index, NPS, thin flag
    (with `as_of`, over the responses given by then)."""
    responses, params = _responses(as_of)
    # sql-ok: table and column names from the contract and constants, values bound
    query = f"""WITH {responses}
    SELECT account_id, wave_label AS wave, max(survey_date) AS last_response,
           count(*) AS respondents,
           avg(respondent_index) AS loyalty_index,
           100.0 * (count(*) FILTER (WHERE recommend_score >= 9)
                    - count(*) FILTER (WHERE recommend_score <= 6))
               / nullif(count(recommend_score), 0) AS nps,
           count(*) < {THIN_BELOW} AS thin
    FROM responses WHERE ? IS NULL OR wave_label = ?
    GROUP BY ALL ORDER BY account_id, last_response"""  # sql-ok: THIN_BELOW is a constant
    return con.sql(query, params=[*params, wave, wave]).pl()


def latest_loyalty(con: duckdb.DuckDBPyConnection, *, as_of: date | None = None) -> pl.DataFrame:
    """Each account's figures in the latest wave (on or before `as_of`; accounts not in it are absent)."""
    known = waves(con, as_of=as_of)
    if not known:
        return pl.DataFrame(
            schema={
                "account_id": pl.String,
                "wave": pl.String,
                "respondents": pl.Int64,
                "loyalty_index": pl.Float64,
                "nps": pl.Float64,
                "thin": pl.Boolean,
            }
        )
    return loyalty_by_account(con, wave=known[-1], as_of=as_of)


def program_loyalty(
    con: duckdb.DuckDBPyConnection, *, wave: str | None, as_of: date | None = None
) -> dict[str, float | int | None]:
    """Loyalty index and NPS over all respondents of a wave (not an average of accounts)."""
    if wave is None:
        return {"loyalty_index": None, "nps": None, "respondents": 0}
    responses, params = _responses(as_of)
    # sql-ok: table and column names from the contract and constants, values bound
    query = f"""WITH {responses}
    SELECT avg(respondent_index),
           100.0 * (count(*) FILTER (WHERE recommend_score >= 9)
                    - count(*) FILTER (WHERE recommend_score <= 6))
               / nullif(count(recommend_score), 0),
           count(*)
    FROM responses WHERE wave_label = ?"""  # sql-ok
    index, nps, n = con.execute(query, [*params, wave]).fetchall()[0]
    return {"loyalty_index": index, "nps": nps, "respondents": n}


def feedback_revenue_coverage(revenue: pl.DataFrame, surveyed_accounts: pl.Series) -> float | None:
    """Share of T12M revenue from accounts with at least one response in the latest wave."""
    total = revenue["revenue"].sum()
    if not total:
        return None
    heard = revenue.filter(pl.col("account_id").is_in(surveyed_accounts.implode()))["revenue"].sum()
    return float(heard / total)


# -- program, account and drill-down views -------------------------------------------

LOW_SCORE = (
    "recommend_score <= 6 OR satisfaction <= 2 OR continue_score <= 2"  # detractor or low-scoring response
)
_KEY = "(coalesce(decision_maker, false) OR coalesce(influence, 0) >= 4)"
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "too",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
        "not",
        "no",
        "very",
        "more",
        "much",
        "can",
        "could",
        "would",
        "should",
        "been",
        "had",
        "do",
        "does",
        "did",
    ]
)


def wave_trend(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per wave, oldest first: respondents, loyalty index, NPS, shares of promoters,
    passives and detractors, and the share of key stakeholders (decision makers,
    influence >= 4) who answered (0 when no response names a stakeholder; empty only when
    there are no key stakeholders)."""
    # sql-ok: table and column names from the contract and constants, values bound
    return con.sql(f"""WITH {_RESPONSES},
        per_wave AS (
            SELECT wave_label AS wave, max(survey_date) AS last_response, count(*) AS respondents,
                   avg(respondent_index) AS loyalty_index,
                   100.0 * (count(*) FILTER (WHERE recommend_score >= 9)
                    - count(*) FILTER (WHERE recommend_score <= 6))
                       / nullif(count(recommend_score), 0) AS nps,
                   count(*) FILTER (WHERE recommend_score >= 9) / nullif(count(recommend_score),
                       0) AS promoters,
                   count(*) FILTER (WHERE recommend_score BETWEEN 7
                       AND 8.999) / nullif(count(recommend_score), 0) AS passives,
                   count(*) FILTER (WHERE recommend_score <= 6) / nullif(count(recommend_score),
                       0) AS detractors,
                   list(DISTINCT stakeholder_id) FILTER (WHERE stakeholder_id IS NOT NULL) AS answered
            FROM responses GROUP BY 1
        ),
        key_people AS (SELECT list(stakeholder_id) AS ids FROM stakeholders WHERE {_KEY})
        SELECT wave, respondents, loyalty_index, nps, promoters, passives, detractors,
               -- no response linked to a stakeholder: none of the key stakeholders answered (0%)
               len(list_intersect(coalesce(answered, []), ids)) / nullif(len(ids), 0)
                   AS key_stakeholders_answered
        FROM per_wave, key_people ORDER BY last_response""").pl()  # sql-ok: constants only


def account_loyalty(con: duckdb.DuckDBPyConnection, *, wave: str) -> pl.DataFrame:
    """Per account in `wave`: respondents, loyalty index, NPS, thin, the change since the
    account's previous wave, key stakeholders answered of all, and flags; lowest index first,
    thin accounts after the others."""
    known = waves(con)
    previous = known[known.index(wave) - 1] if wave in known and known.index(wave) > 0 else None
    now = loyalty_by_account(con, wave=wave)
    before = (
        loyalty_by_account(con, wave=previous).select(
            "account_id", pl.col("loyalty_index").alias("previous_index"), pl.col("nps").alias("previous_nps")
        )
        if previous
        else pl.DataFrame(
            schema={"account_id": pl.String, "previous_index": pl.Float64, "previous_nps": pl.Float64}
        )
    )
    key = con.sql(
        # sql-ok: table and column names from the contract and constants, values bound
        f"""WITH {_RESPONSES}
        SELECT s.account_id, count(*) AS key_stakeholders,
               count(*) FILTER (WHERE s.stakeholder_id IN (SELECT stakeholder_id FROM responses
                   WHERE wave_label = ?)) AS key_answered
        FROM stakeholders s WHERE {_KEY} GROUP BY 1""",
        params=[wave],
    ).pl()  # sql-ok: constants only
    names = con.sql("SELECT account_id, account_name FROM accounts").pl()
    out = (
        now.join(names, on="account_id", how="left")
        .join(before, on="account_id", how="left")
        .join(key, on="account_id", how="left")
        .with_columns(
            (pl.col("loyalty_index") - pl.col("previous_index")).alias("change"),
            (pl.col("nps") - pl.col("previous_nps")).alias("nps_change"),
        )
    )
    return (
        out.with_columns(
            pl.concat_str(
                [
                    pl.when(pl.col("change") < 0).then(
                        pl.format("loyalty fell {} points", (-pl.col("change")).round(1))  # not 'fell -18.2'
                    ),
                    pl.when(pl.col("key_stakeholders") > 0).then(
                        pl.when(pl.col("key_answered") * 2 < pl.col("key_stakeholders")).then(
                            pl.format(
                                "{} of {} key stakeholders answered",
                                pl.col("key_answered"),
                                pl.col("key_stakeholders"),
                            )
                        )
                    ),
                    pl.when(pl.col("thin")).then(pl.lit("thin")),
                ],
                separator="; ",
                ignore_nulls=True,
            )
            .replace("", None)
            .alias("flags"),
        )
        .select(
            "account_id",
            "account_name",
            "respondents",
            "thin",
            "loyalty_index",
            "change",
            "nps",
            "nps_change",
            "key_answered",
            "key_stakeholders",
            "flags",
        )
        # lowest first, but a thin account (under 3 respondents) never leads: its index is one
        # or two people's view
        .sort(["thin", "loyalty_index"], nulls_last=True)
    )


def question_scores(con: duckdb.DuckDBPyConnection, *, account_id: str, wave: str) -> pl.DataFrame:
    """Mean score per question for one account and wave: the three standard questions and
    the export's own question columns; scale, respondents and a thin flag for each."""
    return con.sql(
        # sql-ok: table and column names from the contract and constants, values bound
        f"""WITH {_RESPONSES},
        mine AS (SELECT * FROM responses WHERE account_id = ? AND wave_label = ?),
        standard AS (
            SELECT 1 AS place, 'Likelihood to recommend' AS question, 10 AS scale_max,
                avg(recommend_score) AS mean, count(recommend_score) AS respondents FROM mine
            UNION ALL SELECT 2, 'Satisfaction', 5, avg(satisfaction), count(satisfaction) FROM mine
            UNION ALL SELECT 3, 'Likelihood to continue buying', 5, avg(continue_score),
                count(continue_score) FROM mine
        ),
        extra AS (
            SELECT 4 AS place, a.question, max(a.scale_max) AS scale_max, avg(a.score) AS mean,
                count(*) AS respondents
            FROM survey_answers a JOIN mine m USING (response_id) GROUP BY a.question
        )
        SELECT question, scale_max, mean, respondents, respondents < {THIN_BELOW} AS thin
        FROM (SELECT * FROM standard UNION ALL SELECT * FROM extra)
        WHERE respondents > 0 ORDER BY place, question""",  # sql-ok: constants only
        params=[account_id, wave],
    ).pl()


def respondents(con: duckdb.DuckDBPyConnection, *, account_id: str, wave: str) -> pl.DataFrame:
    """Each response of an account in a wave with the respondent's profile from the
    relationship map, their scores, index, comment and linked actions."""
    return con.sql(
        # sql-ok: table and column names from the contract and constants, values bound
        f"""WITH {_RESPONSES}
        SELECT r.response_id, r.survey_date, coalesce(s.name, r.respondent_name) AS respondent,
               coalesce(s.title, r.respondent_title) AS title, s.buying_role, s.influence, s.attitude,
               r.recommend_score, r.satisfaction, r.continue_score, r.respondent_index, r.comment,
               string_agg(x.action_id || ' (' || x.status || ')', ', ') AS actions
        FROM responses r
        LEFT JOIN stakeholders s ON s.stakeholder_id = r.stakeholder_id
        LEFT JOIN actions x ON x.source = r.response_id AND x.account_id = r.account_id
        WHERE r.account_id = ? AND r.wave_label = ?
        GROUP BY ALL ORDER BY r.respondent_index NULLS LAST""",
        params=[account_id, wave],
    ).pl()  # sql-ok


def comments(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every comment with its account, wave, score and band (promoter 9-10, passive 7-8,
    detractor 0-6 of recommend_score)."""
    # sql-ok: table and column names from the contract and constants, values bound
    return con.sql(f"""WITH {_RESPONSES}
        SELECT r.account_id, a.account_name, r.wave_label AS wave, r.survey_date,
            r.respondent_name AS respondent,
               r.recommend_score,
               CASE WHEN r.recommend_score >= 9 THEN 'promoter' WHEN r.recommend_score >= 7 THEN 'passive'
                    WHEN r.recommend_score IS NOT NULL THEN 'detractor' END AS band,
               r.comment
        FROM responses r LEFT JOIN accounts a USING (account_id)
        WHERE r.comment IS NOT NULL ORDER BY r.survey_date DESC""").pl()  # sql-ok


def search_comments(
    comment_frame: pl.DataFrame,
    text: str = "",
    *,
    bands: list[str] | None = None,
    waves: list[str] | None = None,
    accounts: list[str] | None = None,
) -> pl.DataFrame:
    """The comments holding `text` in any case ('deliver' finds 'Delivery slipped'), in the
    chosen score bands, waves and accounts (by name; none chosen: all)."""
    shown = comment_frame
    if text.strip():
        shown = shown.filter(
            pl.col("comment").str.to_lowercase().str.contains(text.strip().lower(), literal=True)
        )
    for column, chosen in (("band", bands), ("wave", waves), ("account_name", accounts)):
        if chosen:
            shown = shown.filter(pl.col(column).is_in(chosen))
    return shown


def recurring_words(comment_frame: pl.DataFrame, *, top: int = 12) -> pl.DataFrame:
    """The words that recur most in detractor comments and in promoter comments."""
    words = (
        comment_frame.filter(pl.col("band").is_in(["detractor", "promoter"]))
        .select("band", pl.col("comment").str.to_lowercase().str.extract_all(r"[a-zà-ÿ']{3,}").alias("word"))
        .explode("word")
        .filter(pl.col("word").is_not_null() & ~pl.col("word").is_in(list(STOP_WORDS)))
    )
    counted = (
        words.group_by("band", "word").len().sort(["band", "len", "word"], descending=[False, True, False])
    )
    return counted.group_by("band", maintain_order=True).head(top).rename({"len": "mentions"})


def closed_loop(con: duckdb.DuckDBPyConnection, *, as_of) -> pl.DataFrame:
    """Every detractor or low-scoring response (recommend <= 6, or satisfaction or continue
    <= 2) with its account's manager and its linked actions (an action of the same account
    whose source is the response_id); `loop_open` when none."""
    return con.sql(
        # sql-ok: table and column names from the contract and constants, values bound
        f"""WITH {_RESPONSES}
        SELECT r.response_id, r.account_id, a.account_name, a.account_manager, r.wave_label AS wave,
               r.survey_date,
               r.respondent_name AS respondent, r.recommend_score, r.comment,
               x.action_id, x.description, x.owner, x.due, x.status, x.closed,
               x.status IN ('open', 'in_progress') AND x.due < ? AS overdue,
               x.action_id IS NULL AS loop_open
        FROM responses r LEFT JOIN accounts a USING (account_id)
        LEFT JOIN actions x ON x.source = r.response_id AND x.account_id = r.account_id
        WHERE {LOW_SCORE}
        ORDER BY loop_open DESC, r.survey_date DESC""",
        params=[as_of],
    ).pl()  # sql-ok: constants only


def loop_figures(loop: pl.DataFrame) -> dict[str, float | int | None]:
    """Share of low-scoring responses with an action, and the median days from the survey
    to the action closed (done actions only)."""
    per_response = loop.group_by("response_id").agg(pl.col("loop_open").all())
    closed = loop.filter(pl.col("status") == "done").select(
        (pl.col("closed") - pl.col("survey_date")).dt.total_days()
    )
    return {
        "responses": per_response.height,
        "with_action": per_response.filter(~pl.col("loop_open")).height,
        "share_with_action": None
        if per_response.is_empty()
        else per_response.filter(~pl.col("loop_open")).height / per_response.height,
        "median_days_to_close": None if closed.is_empty() else float(closed.to_series().median()),
    }


def recurring_words_of_all(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """recurring_words over every comment in the database."""
    return recurring_words(comments(con))
