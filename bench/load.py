"""Load benchmark: a meeting's worth of sessions at once, while an account manager uploads.

Starts `streamlit run` on the demo data (a fresh database, built by the first visit) or on
the 10,000-account program (`--data 10k`). A first visitor logs in and walks the pages (the
cold caches are theirs). Then N sessions arrive over `--ramp` seconds; each logs in through
the login form and walks Portfolio -> Relationship map -> Sponsor cadence -> Loyalty,
speaking Streamlit's own websocket protocol (tests/support/streamlit_client.py), so the server,
not N browsers on the same two cores, is measured: a page's time runs from the request
to the last element of its script run. Meanwhile an account manager, in a real Chromium,
uploads a workbook on the Data upload page and commits it (12 months of EUR 1bn for a new
account). Afterwards every session opens the Portfolio again and must show the new revenue.

Reports per page the median, 95th percentile and maximum, errors, the server's peak memory,
the upload's time, and what rendering adds in a real browser (one Chromium walking the
pages on the idle server). Goal (issue 9) on a 2-core machine: 20 sessions with p95 under
2 s per page; 50 sessions with no errors.

    python bench/load.py --sessions 20 [--data demo|10k] [--ramp 10] [--think 0] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests" / "support"))
from login import CHROMIUM_ARGS, DONE, start
from program import program_db
from streamlit_client import Session
from workbooks import new_account_workbook

PAGES = ["Portfolio", "Relationship map", "Sponsor cadence", "Loyalty"]
REVENUE = "Revenue, last 12 months"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def visitor(
    url: str,
    *,
    delay: float,
    rounds: int,
    think: float,
    times: dict,
    errors: list,
    uploaded: asyncio.Event,
    seen: list,
) -> None:
    """One executive: log in, walk the pages, and once the upload is in, look at the Portfolio."""
    await asyncio.sleep(delay)  # people arrive over the first seconds of a meeting, not in one instant
    try:
        async with Session(url) as session:
            started = time.perf_counter()
            await session.log_in("executive", "demo")
            times["Login"].append(time.perf_counter() - started)
            for _ in range(rounds):
                for title in PAGES:
                    run = await session.run(page=title)
                    times[title].append(run.seconds)
                    if not run.ok:
                        errors.append(f"{title}: {run.exceptions or 'the run did not finish'}")
                    await asyncio.sleep(think)
            await uploaded.wait()
            seen.append((await session.run(page="Portfolio")).metric(REVENUE))
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}")


async def settle(page) -> None:
    await page.wait_for_timeout(150)  # let a rerun that was just requested begin
    await page.wait_for_selector(DONE, timeout=120_000)


async def browser_log_in(page, url: str, user: str) -> None:
    await page.goto(url, timeout=120_000)
    await page.get_by_role("textbox", name="Username").fill(user)
    await page.get_by_role("textbox", name="Password").fill("demo")
    await page.get_by_role("button", name="Login").click()
    await page.get_by_text("Log out").wait_for(timeout=120_000)
    await settle(page)


async def manager_upload(browser, url: str, path: Path, *, delay: float, errors: list) -> float:
    """The account manager, in Chromium: Data upload, choose the file, commit. Seconds to commit."""
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(120_000)  # as every other wait here: slow is measured, not an error
    page = await context.new_page()
    try:
        await browser_log_in(page, url, "manager")
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name="Data upload").click()
        await settle(page)
        await page.locator("input[type=file]").set_input_files(str(path))
        await settle(page)
        started = time.perf_counter()
        await page.get_by_role("button", name="Commit the upload").click()
        await page.get_by_text("rows added").wait_for(timeout=120_000)
        return time.perf_counter() - started
    except Exception as exc:
        errors.append(f"upload: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
        await page.screenshot(path=str(ROOT / "bench" / "out" / "upload-failure.png"), full_page=True)
        return float("nan")
    finally:
        await context.close()


async def browser_walk(browser, url: str) -> dict[str, float]:
    """One Chromium walking the pages on the idle server: click to rendered, per page."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await context.new_page()
    await browser_log_in(page, url, "executive")
    walked = {}
    for title in PAGES:
        started = time.perf_counter()
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
        await settle(page)
        walked[title] = round(time.perf_counter() - started, 2)
    await context.close()
    return walked


def month_end_workbook(folder: Path) -> Path:
    path = folder / "month-end.xlsx"
    path.write_bytes(new_account_workbook("LOAD-1", "Load Test AG", "Maria Keller"))
    return path


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "median_s": round(statistics.median(ordered), 2),
        "p95_s": round(p95, 2),
        "max_s": round(ordered[-1], 2),
        "n": len(ordered),
    }


async def run(args) -> dict:
    tmp = Path(tempfile.mkdtemp())
    db = tmp / "sam.duckdb"
    if args.data == "10k":
        shutil.copy(program_db(ROOT / "bench" / "out"), db)
    proc, url = start("serve.py", {"SAM_DB_PATH": str(db), "SAM_MODE": "demo"})  # as scripts/run.sh does
    try:
        started = time.perf_counter()
        async with Session(url) as first:  # the first visitor builds the demo data and fills the caches
            await first.log_in("executive", "demo")
            for title in PAGES:
                await first.run(page=title)
            before = (await first.run(page="Portfolio")).metric(REVENUE)
        first_visit = time.perf_counter() - started
        times, errors, seen = {title: [] for title in ["Login", *PAGES]}, [], []
        uploaded = asyncio.Event()
        peak = rss_mb(proc.pid)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            visitors = [
                asyncio.create_task(
                    visitor(
                        url,
                        delay=i * args.ramp / args.sessions,
                        rounds=args.rounds,
                        think=args.think,
                        times=times,
                        errors=errors,
                        uploaded=uploaded,
                        seen=seen,
                    )
                )
                for i in range(args.sessions)
            ]
            upload = asyncio.create_task(
                manager_upload(browser, url, month_end_workbook(tmp), delay=args.ramp / 2, errors=errors)
            )
            upload.add_done_callback(lambda _: uploaded.set())
            while not all(t.done() for t in visitors):
                peak = max(peak, rss_mb(proc.pid))
                await asyncio.sleep(0.25)
            rendering = await browser_walk(browser, url)
            await browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return {
        "data": args.data,
        "sessions": args.sessions,
        "rounds": args.rounds,
        "ramp_s": args.ramp,
        "think_s": args.think,
        "first_visit_s": round(first_visit, 1),
        "pages": {title: summary(v) for title, v in times.items()},
        "errors": errors,
        "server_peak_rss_mb": round(peak),
        "upload_commit_s": round(upload.result(), 1),
        "revenue_before": before,
        "revenue_after_upload": sorted(set(seen)),
        "sessions_seeing_new_revenue": sum(s != before for s in seen),
        "one_browser_on_idle_server_s": rendering,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--data", choices=["demo", "10k"], default="demo")
    parser.add_argument("--rounds", type=int, default=1, help="walks through the four pages per session")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the sessions arrive")
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds a user looks at a page before the next"
    )
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2))
    worst = max(v.get("p95_s", 0) for k, v in figures["pages"].items() if k != "Login")
    print(
        f"{args.sessions} sessions on {args.data}: worst page p95 {worst:.2f} s (goal < 2 s: "
        f"{'PASS' if worst < 2 else 'MISS'}); "
        f"errors {len(figures['errors'])}; server peak {figures['server_peak_rss_mb']} MB; new revenue "
        "seen by "
        f"{figures['sessions_seeing_new_revenue']} of {args.sessions} sessions"
    )
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"load-{args.data}-{args.sessions}.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
