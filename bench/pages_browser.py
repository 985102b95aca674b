"""Every page open and a typical click per page, in Chromium, against the floor.

Starts the dashboard (on a demo database built beforehand) and the floor app of
bench/login_floor.py (the same login, navigation and pages, each page a title, one select box
and one figure), each with `streamlit run` on this machine, logs in to both as the executive
and then, alternating between the two in the same run so that both see the same machine:

- **open**: clicks the page in the sidebar and times until the page's first figure (its first
  `st.metric`, or for the Account plan its status banner) is drawn, and until its script run
  is over (`open, done`);
- **click**: a typical choice on that page (the Portfolio's as-of month, the Relationship map's
  account, a sponsor on Sponsor cadence, the Loyalty survey wave, the Self-assessment shown,
  the Account plan's account; the floor's select box) and times until the page's run that it
  causes is over and nothing on the page is stale. Two more choices rerun only their part of the
  page (st.fragment): the account below the Portfolio's table, and the Relationship map's focus.

Each time is taken inside the page (a script clicks and watches the document), so polling
from outside adds nothing. The first two rounds fill the caches (both choices of each select
box) and are not counted. Reports medians per page and the ratio to the floor's same step,
printing each step as it is measured; the figures go to bench/out/pages_browser.json.

    python bench/pages_browser.py [--rounds 5] [--pages portfolio,loyalty] [--shell]

`--shell` also measures the app's shell: a copy of the app whose measured pages are each its
heading, the guard, one select box and one figure, under the real login, navigation and sidebar.
What the shell takes beyond the floor is the app's own cost on every page; the rest is the page.

Goal (issue 17): every page open and every click at most 1.5x the floor, at demo size.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from login import CHROMIUM_ARGS, DONE, app_script, demo_database, start

WARM = 2  # rounds that fill the caches (both choices of each select box), not counted

# (name, title, what shows the page is there, the select box a typical click changes); the last
# two are the same pages again with a choice that reruns only a part of the page
PAGES = [
    ("portfolio", "Portfolio", "[data-testid='stMetricValue']", "As of"),
    ("relationship_map", "Relationship map", "[data-testid='stMetricValue']", "Account"),
    ("sponsor_cadence", "Sponsor cadence", "[data-testid='stMetricValue']", "Sponsor"),
    ("loyalty", "Loyalty", "[data-testid='stMetricValue']", "Survey wave"),
    ("self_assessment", "Self-assessment", "[data-testid='stMetricValue']", "Assessment"),
    ("account_plan", "Account plan", "[data-testid='stAlert']", "Account"),
    # choices that rerun only their part of the page (st.fragment)
    ("portfolio_account", "Portfolio", "[data-testid='stMetricValue']", "Account"),
    ("relationship_focus", "Relationship map", "[data-testid='stGraphVizChart']", "Focus on"),  # (the map)
]

# Watches the page from a click until the run it causes is over and nothing on the page is
# stale. With a title it clicks that page's sidebar link and resolves with [ms to the page's first
# figure, ms until its run is over]: the first figure is there when the page's heading is and an
# element of `ready` was added or changed since the click (React keeps an element at the same place
# from one page to the next, so "new" is what the records show, not a new node), and is not stale.
# Without a title it clicks another option of the open drop-down than the one shown (so each round
# alternates between two) and resolves with the ms until the run it causes is over.
WATCH = """(title, ready) => new Promise((resolve, reject) => {
  const app = document.querySelector("[data-testid='stApp']");
  const started = performance.now();
  let first = null, ran = false, touched = false;
  const element = (node) => node && (node.nodeType === 1 ? node : node.parentElement);
  const check = (records) => {
    for (const r of records || []) {
      // a run that starts and ends between two callbacks shows only in the records
      if (r.target === app && r.oldValue === "running") ran = true;
      const target = element(r.target);
      if (r.type !== "attributes" && target && target.closest(ready)) touched = true;
      for (const added of r.addedNodes || []) {
        const e = element(added);
        if (e && (e.matches(ready) || e.querySelector(ready) || e.closest(ready))) touched = true;
      }
    }
    if (app.getAttribute("data-test-script-state") === "running") ran = true;
    if (title !== null && first === null && touched) {
      const heading = [...document.querySelectorAll("h1")].some(h => h.innerText.trim() === title);
      const shown = [...document.querySelectorAll(ready)].some(e => !e.closest("[data-stale='true']"));
      if (heading && shown) first = performance.now() - started;
    }
    // A quick run (the floor's) is drawn in one go: the run state never shows as running, so
    // the page's heading and figure (or a touched figure) are what says that it ran.
    const ended = title === null ? ran || touched : ran || first !== null;
    const over = ended && app.getAttribute("data-test-script-state") === "notRunning"
      && !document.querySelector("[data-stale='true']");
    if (over) {
      watcher.disconnect();
      const done = performance.now() - started;
      resolve(title === null ? done : [first === null ? done : first, done]);
    }
  };
  const watcher = new MutationObserver(check);
  watcher.observe(document.body,
    {subtree: true, childList: true, attributes: true, attributeOldValue: true, characterData: true});
  setTimeout(() => { watcher.disconnect(); reject(new Error("no finished run within 60 s")); }, 60000);
  if (title === null) {
    [...document.querySelectorAll("[role='option']")]
      .find(o => o.getAttribute("aria-selected") !== "true").click();
  } else {
    [...document.querySelectorAll("[data-testid='stSidebarNav'] a")]
      .find(a => a.innerText.split("\\n").map(t => t.trim()).includes(title)).click();
  }
})"""
OPEN = f"([title, ready]) => ({WATCH})(title, ready)"  # a page's open: [first figure, done] in ms
CHOOSE = f"(ready) => ({WATCH})(null, ready)"  # a choice in the open drop-down: done in ms


# A measured page of the shell (--shell): the app's header and guard, one select box, one figure.
SHELL_PAGE = """import streamlit as st
from ui import session, widgets
widgets.header({title!r})
session.guard({key!r})
FIGURES = {{"Alpha": "1.5bn", "Beta": "0.9bn", "Gamma": "0.4bn", "Delta": "0.2bn"}}
account = st.selectbox("Account", list(FIGURES), key="shell_{key}")
st.metric("Revenue, last 12 months", FIGURES[account])
"""


def shell_copy(pages: list[tuple[str, str]]) -> Path:
    """A copy of the app in a temporary folder with each of `pages` (url path, title) replaced by
    its shell page."""
    copy = Path(tempfile.mkdtemp()) / "app"
    skipped = (".git", ".venv", "bench", "data", "tests", "docs", ".ruff_cache", "__pycache__")
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*skipped))
    for key, title in pages:
        (copy / "pages" / f"{key}.py").write_text(SHELL_PAGE.format(title=title, key=key))
    return copy


def log_in(browser, url: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(url)
    page.wait_for_timeout(300)
    page.wait_for_selector(DONE)
    page.get_by_role("textbox", name="Username").fill("executive")
    page.get_by_role("textbox", name="Password").fill("demo")
    page.get_by_role("button", name="Login").click()
    page.get_by_text("Log out").wait_for()
    page.wait_for_timeout(500)
    page.wait_for_selector(DONE)
    return context, page


def settle(page) -> None:
    page.wait_for_timeout(150)
    page.wait_for_selector(DONE)


def heading(page) -> str:
    return page.evaluate("() => (document.querySelector('h1') || {innerText: ''}).innerText.trim()")


def one_page(page, title: str, ready: str, box: str) -> tuple[float, float, float]:
    """(open to first figure, open to done, click to done) in seconds."""
    if heading(page) == title:  # an open from the page itself draws nothing new: come from another
        away = "Relationship map" if title == "Portfolio" else "Portfolio"
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=away, exact=True).click()
        settle(page)
    first, done = page.evaluate(OPEN, [title, ready])
    settle(page)
    combo = page.get_by_role("combobox", name=box, exact=True).first
    combo.scroll_into_view_if_needed()  # (the Portfolio's account is below the fold)
    settle(page)
    combo.click()
    page.get_by_role("option").first.wait_for()
    click = page.evaluate(CHOOSE, ready)
    page.keyboard.press("Escape")  # a multiselect stays open
    settle(page)
    return first / 1000, done / 1000, click / 1000


def print_rows(figures: dict, seconds: str, ratio: str) -> None:
    for path, row in figures.items():
        cells = [f"{row[s][seconds]:.2f}/{row[s]['floor_s']:.2f} s {row[s][ratio]:.1f}x" for s in row]
        print(f"{path:18} " + " ".join(f"{c:>24}" for c in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pages", default=",".join(p for p, *_ in PAGES))
    parser.add_argument("--shell", action="store_true", help="also measure the app's shell (see above)")
    args = parser.parse_args()
    wanted = [p for p in PAGES if p[0] in args.pages.split(",")]
    db = demo_database()
    servers = {
        "app": start(app_script(), {"SAM_DB_PATH": str(db), "SAM_MODE": "demo"}),
        "floor": start("bench/login_floor.py", {}),
    }
    shell = shell_copy([(key, title) for key, title, *_ in wanted]) if args.shell else None
    if shell is not None:
        shutil.copy(db, shell.parent / db.name)  # a database file is opened by one process only
        env = {"SAM_DB_PATH": str(shell.parent / db.name), "SAM_MODE": "demo"}
        servers["shell"] = start(app_script(shell), env, cwd=shell)
    times = {name: {p: {"open": [], "done": [], "click": []} for p, *_ in wanted} for name in servers}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            sessions = {name: log_in(browser, url) for name, (_, url) in servers.items()}
            for round_ in range(args.rounds + WARM):  # the first rounds fill the caches: not counted
                for path, title, ready, box in wanted:
                    for name, (_, page) in sessions.items():
                        plain = name != "app"  # the floor and the shell: one select box, one figure
                        first, done, click = one_page(
                            page,
                            title,
                            "[data-testid='stMetricValue']" if plain else ready,
                            "Account" if plain else box,
                        )
                        print(f"{name:5} {path:18} {first:.2f} {done:.2f} {click:.2f}", flush=True)
                        if round_ >= WARM:
                            times[name][path]["open"].append(first)
                            times[name][path]["done"].append(done)
                            times[name][path]["click"].append(click)
            browser.close()
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(db.parent, ignore_errors=True)
        if shell is not None:
            shutil.rmtree(shell.parent, ignore_errors=True)
    figures = {}
    for path, *_ in wanted:
        row = {}
        for step in ("open", "done", "click"):
            app, floor = (statistics.median(times[n][path][step]) for n in ("app", "floor"))
            row[step] = {"app_s": round(app, 3), "floor_s": round(floor, 3), "ratio": round(app / floor, 2)}
            if shell is not None:
                shell_s = statistics.median(times["shell"][path][step])
                row[step] |= {"shell_s": round(shell_s, 3), "shell_ratio": round(shell_s / floor, 2)}
        figures[path] = row
    print(json.dumps(figures, indent=2))
    print(f"{'page':18} {'open (first figure)':>26} {'open (run over)':>24} {'click (run over)':>24}")
    print_rows(figures, "app_s", "ratio")
    if shell is not None:
        print("the shell alone (each page its heading, one select box and one figure):")
        print_rows(figures, "shell_s", "shell_ratio")
    worst = max(row[s]["ratio"] for row in figures.values() for s in ("open", "click"))
    print(f"worst open/click ratio {worst:.1f}x (goal at most 1.5x: {'PASS' if worst <= 1.5 else 'MISS'})")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pages_browser.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
