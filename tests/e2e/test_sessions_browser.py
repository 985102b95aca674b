"""Several sessions at once: executives with the Portfolio open while an account manager
commits an upload in Chromium; each of them sees the new figure on their next run."""

from __future__ import annotations

import asyncio
import threading

import pytest
from playwright.sync_api import expect
from streamlit_client import Session
from workbooks import new_account_workbook

pytestmark = pytest.mark.e2e
REVENUE = "Revenue, last 12 months"


class Sessions:
    """Protocol-level sessions, kept open on an event loop of their own while the test drives
    the browser."""

    def __init__(self, url: str, count: int):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sessions = [Session(url, timeout=60) for _ in range(count)]

    def each(self, step) -> list:
        """`step(session)` for every session at once; their results."""

        async def all_of_them():
            return await asyncio.gather(*(step(session) for session in self.sessions))

        return asyncio.run_coroutine_threadsafe(all_of_them(), self.loop).result(timeout=120)

    def log_in(self) -> list[str]:
        """Each logs in as the executive; the revenue each lands on."""

        async def log_in(session: Session) -> str:
            await session.__aenter__()
            return (await session.log_in("executive", "demo")).metric(REVENUE)

        return self.each(log_in)

    def revenue_on_next_run(self) -> list[str]:
        async def rerun(session: Session) -> str:
            return (await session.run(page="Portfolio")).metric(REVENUE)

        return self.each(rerun)

    def close(self) -> None:
        self.each(lambda session: session.__aexit__())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def month_end(tmp_path) -> str:
    path = tmp_path / "month-end.xlsx"
    path.write_bytes(new_account_workbook("MEET-1", "Meeting Test AG", "Maria Keller"))
    return str(path)


def test_every_open_session_sees_a_commit_on_its_next_run(own_server, page, log_in, upload_page, tmp_path):
    log_in("manager")  # the first visit builds the demo data
    executives = Sessions(own_server, 2)
    try:
        before = executives.log_in()
        page.goto(own_server + "/data_upload")
        upload_page.choose_file(month_end(tmp_path))
        upload_page.commit()
        expect(page.get_by_text("rows added")).to_be_visible(timeout=60_000)
        after = executives.revenue_on_next_run()
    finally:
        executives.close()
    assert before == ["€1.5bn", "€1.5bn"]
    assert after == ["€13.5bn", "€13.5bn"]
