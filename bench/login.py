"""Login to first figure, in Chromium, against the floor.

Starts the dashboard (on a demo database built beforehand, so no visit builds it) and the
floor app of bench/login_floor.py (the same login form, password check and navigation, with
one figure per page), each with `streamlit run` on this machine. Then, alternating between the
two in the same run so that both see the same machine, a fresh browser context opens the app,
fills in the login form and clicks Login; the time runs from the click until the first figure
(`st.metric`) of the page the app lands on is in the page, as the page itself measures it (a
script clicks and watches the document, so no polling from outside adds its own delay). The
script runs the server sends from the click until the app is idle again are counted from the
websocket (Streamlit's own messages), so a login that reruns the app shows as more runs.

    python bench/login.py [--rounds 7] [--path /portfolio] [--baseline DIR]

`--path` opens a deep link instead of the app's root: the login form shows on that page, and
the figure is that page's. `--baseline DIR` also measures another checkout of the app (an
earlier commit, e.g. `git worktree add /tmp/before <commit>`), in the same alternation.
Goal (issue 17): login to first figure at most 2x the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sam_core.demo import load_demo
from sam_core.store import connect

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
FIGURE = "[data-testid='stMetricValue']"
# Clicks Login and resolves with the milliseconds until the first figure is in the document.
CLICK_AND_WATCH = """() => new Promise(resolve => {
  const started = performance.now();
  const watcher = new MutationObserver(() => {
    if (document.querySelector("[data-testid='stMetricValue']")) {
      watcher.disconnect();
      resolve(performance.now() - started);
    }
  });
  watcher.observe(document.body, {subtree: true, childList: true});
  [...document.querySelectorAll("button")].find(b => b.innerText.trim() === "Login").click();
})"""


def start(script: str, env: dict, cwd: Path = ROOT) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port)),
            *("--server.headless", "true", "--server.address", "127.0.0.1"),
        ],
        cwd=cwd,
        env={**os.environ, "FORWARDED_ALLOW_IPS": "", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"{script} did not start")


def demo_database() -> Path:
    """A fresh demo database, as of today, in a folder of its own."""
    path = Path(tempfile.mkdtemp()) / "sam.duckdb"
    con = connect(path)
    load_demo(con, date.today())
    con.close()
    return path


def app_script(root: Path = ROOT) -> str:
    """The dashboard's entry point: serve.py (the app with its cookie route) where it exists."""
    return "serve.py" if (root / "serve.py").exists() else "app.py"


def one_login(browser, url: str, path: str) -> tuple[float, int]:
    """(seconds from the click on Login to the first figure, script runs from the click until
    the app is idle again) in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(120_000)
    runs = []

    def watch(ws) -> None:
        def received(payload) -> None:
            if isinstance(payload, bytes | bytearray):
                message = ForwardMsg()
                message.ParseFromString(bytes(payload))
                if message.WhichOneof("type") == "script_finished":
                    runs.append(time.perf_counter())

        ws.on("framereceived", received)

    page.on("websocket", watch)
    page.goto(url + path)
    page.get_by_role("textbox", name="Username").fill("executive")
    page.get_by_role("textbox", name="Password").fill("demo")
    page.wait_for_timeout(300)
    page.wait_for_selector(DONE)
    started = time.perf_counter()
    seconds = page.evaluate(CLICK_AND_WATCH) / 1000
    page.locator(FIGURE).first.wait_for(state="visible")
    # The app is idle when no run finished for a second (the login's own reruns, if any).
    deadline = time.perf_counter() + 30
    while time.perf_counter() < deadline:
        page.wait_for_timeout(250)
        if time.perf_counter() - max(runs[-1] if runs else started, started) > 1.0:
            break
    context.close()
    return seconds, sum(t >= started for t in runs)


def summary(values: list[float]) -> dict:
    return {"median_s": round(statistics.median(values), 3), "min_s": round(min(values), 3), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--path", default="", help="a page to open instead of the root, e.g. /portfolio")
    parser.add_argument("--baseline", type=Path, help="another checkout of the app to measure alongside")
    args = parser.parse_args()
    db = demo_database()
    tmp = db.parent
    servers = {
        "app": start(app_script(), {"SAM_DB_PATH": str(db), "SAM_MODE": "demo"}),
        "floor": start("bench/login_floor.py", {}),
    }
    if args.baseline:
        shutil.copy(db, tmp / "baseline.duckdb")  # its own file: DuckDB locks it
        env = {"SAM_DB_PATH": str(tmp / "baseline.duckdb"), "SAM_MODE": "demo"}
        servers["baseline"] = start(app_script(args.baseline), env, cwd=args.baseline.resolve())
    times, runs = {name: [] for name in servers}, {name: [] for name in servers}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            for _, url in servers.values():
                one_login(browser, url, args.path)  # warm-up: the first visit fills caches, not measured
            for _ in range(args.rounds):
                for name, (_, url) in servers.items():
                    seconds, count = one_login(browser, url, args.path)
                    times[name].append(seconds)
                    runs[name].append(count)
            browser.close()
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)
    figures = {"path": args.path or "/"}
    floor = statistics.median(times["floor"])
    for name in servers:
        figures[name] = {**summary(times[name]), "runs_after_click": statistics.median(runs[name])}
        figures[name]["ratio_to_floor"] = round(statistics.median(times[name]) / floor, 2)
    ratio = figures["app"]["ratio_to_floor"]
    print(json.dumps(figures, indent=2))
    print(
        f"login to first figure: app {figures['app']['median_s']:.2f} s, "
        f"floor {figures['floor']['median_s']:.2f} s, {ratio:.1f}x "
        f"(goal at most 2x: {'PASS' if ratio <= 2 else 'MISS'})"
        + "".join(
            f"; baseline {b['median_s']:.2f} s, {b['ratio_to_floor']:.1f}x"
            for b in [figures.get("baseline")]
            if b
        )
    )
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "login.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
