"""Account health bands (SPEC.md section 4)."""

from __future__ import annotations

import pytest

from sam_core.metrics.health import health_band


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (None, "no data"),
        (0, "at risk"),
        (39.9, "at risk"),
        (40, "watch"),
        (69.9, "watch"),
        (70, "healthy"),
        (100, "healthy"),
    ],
)
def test_health_bands_at_their_edges(score, band):
    assert health_band(score) == band
