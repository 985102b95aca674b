"""How a brief's cadence rule reads in the brief PDF, the deck and the projector."""

from __future__ import annotations

from datetime import date

import pytest

from sam_core.outputs import wording

AS_OF = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("status", "deadline", "reads"),
    [
        ("overdue", date(2026, 11, 2), "since 2 Nov 2026"),  # the deadline has passed
        ("overdue", AS_OF, "since 29 Nov 2026"),  # due today and not held: late from today
        # Internal reviews: none held last month, so overdue, but this month ends tomorrow
        # (on 29 Nov the brief once said "since 30 Nov 2026").
        ("overdue", date(2026, 11, 30), "by 30 Nov 2026"),
        ("due soon", date(2026, 12, 15), "by 15 Dec 2026"),
        ("compliant", date(2027, 2, 26), "by 26 Feb 2027"),
        ("overdue", None, "never held"),
    ],
)
def test_a_cadence_rule_says_since_only_for_a_deadline_already_passed(status, deadline, reads):
    assert wording.cadence_when({"status": status, "deadline": deadline}, AS_OF) == reads
