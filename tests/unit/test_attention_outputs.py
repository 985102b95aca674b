"""The early warnings' documents write figures and changes in words."""

from __future__ import annotations

import pytest

from sam_core.outputs.attention import change_text, value_text


@pytest.mark.parametrize(
    "kind,value,text",
    [
        ("money", 1_234_567.0, "€1.2m"),
        ("percent", 0.0312, "3.1%"),
        ("signed", 13.2, "+13"),
        ("number", 13.9, "13.9"),
        ("number", 35.0, "35"),
        ("money", None, "-"),
    ],
)
def test_values_in_words(kind, value, text):
    assert value_text(kind, value) == text


@pytest.mark.parametrize(
    "kind,then,now,text",
    [
        ("money", 1_000_000.0, 1_500_000.0, "+€500.0k"),
        ("money", 1_500_000.0, 1_000_000.0, "-€500.0k"),
        ("percent", 0.10, 0.125, "+2.5 pts"),
        ("number", 70.0, 58.0, "-12"),
        ("number", 3.0, 3.0, "="),
        ("number", None, 3.0, "new"),
        ("number", 3.0, None, "gone"),
    ],
)
def test_changes_in_words(kind, then, now, text):
    assert change_text(kind, then, now) == text
