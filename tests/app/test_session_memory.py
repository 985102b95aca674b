"""A session keeps no page's data once the page has run.

Streamlit keeps each widget's format_func and callbacks with the session; a function written
in a page refers to the page's globals, so it would keep every frame of the page alive for as
long as the session lasts (36 MB a session on the Loyalty page of a 10,000-account program).
"""

from __future__ import annotations

import gc

import polars as pl
import pytest


def page_namespaces() -> dict[int, dict]:
    """The globals of every page run whose objects are still alive, by id."""
    gc.collect()
    return {id(o): o for o in gc.get_objects() if isinstance(o, dict) and o.get("__name__") == "__main__"}


@pytest.mark.parametrize(
    "page", ["portfolio", "relationship_map", "sponsor_cadence", "loyalty", "self_assessment", "data_upload"]
)
def test_a_page_holds_none_of_its_frames_after_its_run(app_as, page):
    earlier = page_namespaces()  # other tests' sessions in this process
    at = app_as("admin")
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    held = [
        (name, value.shape)
        for key, namespace in page_namespaces().items()
        if key not in earlier
        for name, value in namespace.items()
        if isinstance(value, pl.DataFrame)
    ]
    assert held == []
