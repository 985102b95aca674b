"""What one script run needs once: the settings, a fresh memo per run, and garbage collection
kept off the sessions' path."""

from __future__ import annotations

import atexit
import gc
import threading
import time

import streamlit as st

from sam_core.settings import Settings, load_settings

# Streamlit's own full collection after every run (runner.postScriptGC, off in config.toml)
# holds the GIL and stalls every session; this one runs at most every GC_SECONDS.
GC_SECONDS = 10.0
_frozen = [False]


_last_collection = [time.monotonic()]


_collecting = threading.Lock()


RUN_KEY = "sam_run"  # what one script run computes once: settings, the data version


def _secrets() -> dict:
    try:
        return dict(st.secrets)
    except FileNotFoundError:  # no secrets.toml: settings come from the environment
        return {}


def settings() -> Settings:
    """Read once per run, so the resources below follow a change of setting."""
    return once_per_run("settings", lambda: load_settings(secrets=_secrets()))


def collect_garbage() -> None:
    """After a run: a full garbage collection if none ran in the last GC_SECONDS. A page's
    frames sit in reference cycles (its functions refer to its globals) that only a full
    collection frees."""
    now = time.monotonic()
    if now - _last_collection[0] >= GC_SECONDS and _collecting.acquire(blocking=False):
        try:
            _last_collection[0] = now
            gc.collect()
        finally:
            _collecting.release()


def start_run() -> None:
    """Called first in each run of app.py: a fresh memo for what a run computes once."""
    st.session_state[RUN_KEY] = {}


def once_per_run(name: str, compute):
    """`compute()` once per script run: app.py gives each run a fresh memo (a page run on
    its own, as in a test of its guard, computes every time)."""
    memo = st.session_state.get(RUN_KEY)
    if memo is None:
        return compute()
    if name not in memo:
        memo[name] = compute()
    return memo[name]


def freeze_import_heap() -> None:
    """Everything imported when the server starts (Streamlit, polars, Altair's schema
    classes...) lives as long as the server: leave it out of every garbage collection from
    now on, so that a collection only walks what the sessions create. Called once by app.py
    after its imports."""
    if not _frozen[0]:
        _frozen[0] = True
        gc.freeze()
        # Frozen objects are never freed; give them back at exit, or DuckDB's bindings report
        # every one of its type objects as leaked when the server stops.
        atexit.register(gc.unfreeze)
