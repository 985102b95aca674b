"""Cached aggregates are computed once per key under striped locks; a computation must never
wait on another one, or two keys that share a stripe deadlock the page."""

from __future__ import annotations

import threading

import pytest


class OneStripe:
    """One plain lock for every key, taken with a time limit: a computation that waits on
    another fails the page instead of hanging it."""

    def __init__(self):
        self.lock = threading.Lock()

    def __enter__(self):
        if not self.lock.acquire(timeout=5):
            raise AssertionError("a cached computation waited on another one")

    def __exit__(self, *exc):
        self.lock.release()


@pytest.mark.parametrize("page", ["portfolio", "relationship_map", "sponsor_cadence", "loyalty"])
def test_every_page_finishes_when_all_cached_computations_share_one_lock(app_as, monkeypatch, page):
    from ui import data

    monkeypatch.setattr(data, "_STRIPES", [OneStripe()])
    at = app_as("admin")
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert at.title and at.title[0].value
