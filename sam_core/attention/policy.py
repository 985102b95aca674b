"""The settings of the early warnings (environment variables, see sam_core.settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttentionRules:
    action_working_days: int = 2  # SAM_ACTION_WORKING_DAYS: a low score needs an action within
    health_drop_points: float = 10  # SAM_HEALTH_DROP_POINTS: a fall in 30 days that is flagged
    top_accounts: int = 20  # SAM_TOP_ACCOUNTS: executives' accounts; where stale plans and data count
    review_days: int = 90  # SAM_PLAN_REVIEW_DAYS: a plan section not reviewed for longer is stale


DEFAULT_ATTENTION = AttentionRules()
