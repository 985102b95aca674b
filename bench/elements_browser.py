"""What one element costs the browser: a click on a page of ten elements of one kind.

For each kind (none, figure, markdown, table, dataframe, chart) starts bench/elements_app.py
with `streamlit run`, opens it in Chromium and times a choice in its select box until the run it
causes is over and nothing is stale (the same in-page timing as bench/pages_browser.py). The
difference to "none", divided by ten, is what one element of that kind adds to every run that
draws it.

`--mixes` instead draws each page's own mix of figures, text, tables and charts (counted in a run
of the page as the executive, widgets and the sidebar left out) with bare Streamlit and nothing to
compute, and reports each against "none": what the page's content costs the browser whatever
the app does to compute it, a floor under the page's click in bench/pages_browser.py.

    python bench/elements_browser.py [--rounds 10] [--kinds none,dataframe] [--mixes]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from login import CHROMIUM_ARGS, DONE, start
from pages_browser import CHOOSE

KINDS = ["none", "figure", "text", "markdown", "table", "dataframe", "chart"]
# Each page's figures, lines of text (headings, captions, notes), tables and charts in one run as
# the executive (demo data), its widgets and the sidebar left out.
MIXES = {
    "portfolio": "figure=16,text=20,dataframe=3,chart=4",
    "relationship_map": "figure=5,text=5,dataframe=1",
    "sponsor_cadence": "figure=5,text=5,dataframe=2",
    "loyalty": "figure=5,text=4,dataframe=1,chart=2",
    "self_assessment": "figure=4,text=6,dataframe=3,chart=1",
    "account_plan": "text=29,dataframe=7",
}
FIGURE = "[data-testid='stMetricValue']"


def clicks(browser, url: str, rounds: int) -> list[float]:
    """Seconds from each choice to the end of its run, after two that fill the caches."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(url)
    page.wait_for_selector(FIGURE)
    page.wait_for_selector(DONE)
    times = []
    for round_ in range(rounds + 2):
        page.get_by_role("combobox", name="Account").click()
        page.get_by_role("option").first.wait_for()
        elapsed = page.evaluate(CHOOSE, FIGURE)
        page.wait_for_timeout(150)
        page.wait_for_selector(DONE)
        if round_ >= 2:
            times.append(elapsed / 1000)
    page.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--mixes", action="store_true", help="each page's mix of elements (above)")
    args = parser.parse_args()
    kinds = ["none", *MIXES] if args.mixes else args.kinds.split(",")
    medians = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for kind in kinds:
            proc, url = start("bench/elements_app.py", {"SAM_BENCH_KIND": MIXES.get(kind, kind)})
            try:
                medians[kind] = statistics.median(clicks(browser, url, args.rounds))
            finally:
                proc.terminate()
                proc.wait(timeout=20)
            none = medians.get("none", medians[kind])
            if kind in MIXES:
                against = f"{medians[kind] / none:.1f}x the page without them"
            else:  # (the click's extra seconds / 10 elements) in ms
                against = f"per element {(medians[kind] - none) * 100:+5.1f} ms"
            print(f"{kind:16} click {medians[kind] * 1000:5.0f} ms; {against}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
