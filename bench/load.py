"""Load benchmark: many real browser sessions at once, while an account manager uploads.

Starts `streamlit run` on a fresh demo database (or `--db`), opens N sessions in Chromium
(one browser, a context each), logs each in as an executive and walks Portfolio ->
Relationship map -> Sponsor cadence -> Loyalty, timing each page until its script run has
finished rendering. Meanwhile an account manager uploads and commits a workbook through the
Data upload page; afterwards every session reloads the Portfolio and must see the new
revenue. Reports per page the median and 95th percentile, errors, and the server's memory.
Goal (issue 9) on a 2-core machine: 20 sessions with p95 under 2 s per page; 50 with no errors.

    python bench/load.py --sessions 20 [--ramp 10] [--db PATH] [--rounds 1]
"""
from __future__ import annotations

import argparse
import asyncio
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

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "support"))
from workbooks import workbook_bytes  # noqa: E402

PAGES = ["Portfolio", "Relationship map", "Sponsor cadence", "Loyalty"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--disable-dev-shm-usage"]
DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SAM_DB_PATH": str(db), "SAM_MODE": "demo"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def settle(page) -> None:
    await page.wait_for_timeout(150)  # let a rerun that was just requested begin
    await page.wait_for_selector(DONE, timeout=120_000)


async def log_in(page, url: str, user: str) -> None:
    await page.goto(url, timeout=120_000)
    await page.get_by_role("textbox", name="Username").fill(user)
    await page.get_by_role("textbox", name="Password").fill("demo")
    await page.get_by_role("button", name="Login").click()
    await page.get_by_text("Log out").wait_for(timeout=120_000)
    await settle(page)


async def revenue(page) -> str:
    metric = page.get_by_test_id("stMetric").filter(has_text="Revenue, last 12 months")
    return await metric.get_by_test_id("stMetricValue").inner_text(timeout=120_000)


async def session(browser, url: str, rounds: int, times: dict, errors: list, delay: float) -> None:
    await asyncio.sleep(delay)  # people arrive over the first seconds of a meeting, not in one instant
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    try:
        await log_in(page, url, "executive")
        for _ in range(rounds):
            for title in PAGES:
                started = time.perf_counter()
                await page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
                await settle(page)
                if await page.get_by_test_id("stException").count():
                    errors.append(f"{title}: exception shown")
                times[title].append(time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - a benchmark counts every failure
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
    finally:
        await context.close()


async def upload(browser, url: str, path: Path, errors: list) -> float:
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    try:
        await log_in(page, url, "manager")
        started = time.perf_counter()
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data upload").click()
        await settle(page)
        await page.locator("input[type=file]").set_input_files(str(path))
        await settle(page)
        await page.get_by_role("button", name="Commit the upload").click()
        await page.get_by_text("rows added").wait_for(timeout=120_000)
        return time.perf_counter() - started
    except Exception as exc:  # noqa: BLE001
        errors.append(f"upload: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
        return float("nan")
    finally:
        await context.close()


def new_revenue_workbook(tmp: Path) -> Path:
    y, m, months = date.today().year, date.today().month, []
    for _ in range(12):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        months.append(date(y, m, 1))
    path = tmp / "month-end.xlsx"
    path.write_bytes(workbook_bytes({
        "Accounts": [{"account_id": "LOAD-1", "account_name": "Load Test AG", "account_manager": "Maria Keller"}],
        "Financials": [{"account_id": "LOAD-1", "period": p, "revenue": 1e9} for p in months]}))
    return path


async def run(args) -> dict:
    tmp = Path(tempfile.mkdtemp())
    db = tmp / "sam.duckdb"
    if args.db:
        shutil.copy(args.db, db)
    proc, url = start_server(db)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            warm = await browser.new_context()
            await log_in(await warm.new_page(), url, "executive")  # first visit builds the demo data
            await warm.close()
            times, errors = {title: [] for title in PAGES}, []
            peak = rss_mb(proc.pid)
            sessions = [asyncio.create_task(session(browser, url, args.rounds, times, errors, i * args.ramp / args.sessions))
                        for i in range(args.sessions)]
            upload_task = asyncio.create_task(upload(browser, url, new_revenue_workbook(tmp), errors))
            while not all(t.done() for t in sessions + [upload_task]):
                peak = max(peak, rss_mb(proc.pid))
                await asyncio.sleep(0.5)
            upload_seconds = upload_task.result()
            # Afterwards, everyone must see the new figure.
            check = await browser.new_context()
            page = await check.new_page()
            await log_in(page, url, "executive")
            seen = await revenue(page)
            await check.close()
            await browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    def p95(xs):
        return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)] if xs else float("nan")
    return {
        "sessions": args.sessions, "rounds": args.rounds, "ramp_s": args.ramp,
        "pages": {t: {"median_s": round(statistics.median(v), 2) if v else None, "p95_s": round(p95(v), 2) if v else None, "n": len(v)}
                  for t, v in times.items()},
        "errors": errors, "server_peak_rss_mb": round(peak), "upload_commit_s": round(upload_seconds, 1),
        "revenue_after_upload": seen,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the sessions arrive")
    parser.add_argument("--db", help="start from a copy of this database (default: a fresh demo)")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2))
    worst = max((v["p95_s"] or 0) for v in figures["pages"].values())
    print(f"{args.sessions} sessions: worst page p95 {worst:.2f} s (goal < 2 s at 20: {'PASS' if worst < 2 else 'MISS'}); "
          f"errors {len(figures['errors'])}; server peak {figures['server_peak_rss_mb']} MB; revenue seen after the upload: "
          f"{figures['revenue_after_upload']}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"load-{args.sessions}.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
