"""What one element costs the browser: a click on a page of ten elements of one kind.

For each kind (none, figure, markdown, table, dataframe, chart) starts bench/elements_app.py
with `streamlit run`, opens it in Chromium and times a choice in its select box until the run it
causes is over and nothing is stale (the same in-page timing as bench/pages_browser.py). The
difference to "none", divided by ten, is what one element of that kind adds to every run that
draws it.

    python bench/elements_browser.py [--rounds 10] [--kinds none,dataframe]
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

KINDS = ["none", "figure", "markdown", "table", "dataframe", "chart"]
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
    args = parser.parse_args()
    medians = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        for kind in args.kinds.split(","):
            proc, url = start("bench/elements_app.py", {"SAM_BENCH_KIND": kind})
            try:
                medians[kind] = statistics.median(clicks(browser, url, args.rounds))
            finally:
                proc.terminate()
                proc.wait(timeout=20)
            extra = medians[kind] - medians.get("none", medians[kind])
            each = f"{extra * 100:+5.1f} ms"  # (the click's extra seconds / 10 elements) in ms
            print(f"{kind:10} click {medians[kind] * 1000:5.0f} ms; per element {each}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()
