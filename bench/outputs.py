"""Benchmark: the meeting downloads for the top 20 of the demo data (not a test).

Goal (issue 18): the deck (PowerPoint) and the one-page brief (PDF) each under 2 s, measured as the
download button builds them: the account overview is already cached by the page; the build gathers
what the outputs show and renders them. `python bench/outputs.py [--n 20] [--runs 5]`
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sam_core.demo import load_demo
from sam_core.metrics.headline import headline
from sam_core.metrics.health import account_overview
from sam_core.metrics.portfolio import data_through, ranked
from sam_core.outputs.brief import account_brief
from sam_core.outputs.brief_pdf import brief_pdf
from sam_core.outputs.deck import deck_pptx
from sam_core.outputs.meeting import meeting
from sam_core.store import connect

AS_OF = date(2026, 11, 24)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    db = out / "outputs-demo.duckdb"
    if not db.exists():
        con = connect(db)
        load_demo(con, AS_OF)
        con.close()
    con = connect(db)
    through = data_through(con, as_of=AS_OF)
    overview = account_overview(con, as_of=AS_OF, through=through)  # cached by the page
    top = ranked(overview)["account_id"].head(args.n).to_list()

    def deck() -> bytes:  # the headline is cached by the page too; measured here all the same
        h = headline(con, overview, as_of=AS_OF, n=args.n, through=through)
        m = meeting(con, overview, h, as_of=AS_OF, n=args.n, through=through)
        return deck_pptx(m, currency="EUR")

    def brief() -> bytes:
        return brief_pdf(account_brief(con, overview, top[0], as_of=AS_OF, through=through), currency="EUR")

    for name, build in (("deck (pptx)", deck), ("brief (pdf)", brief)):
        build()  # warm: imports, fonts
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            size = len(build())
            times.append(time.perf_counter() - start)
        print(
            f"{name}, top {args.n}: median {statistics.median(times):.2f} s, best {min(times):.2f} s, "
            f"worst {max(times):.2f} s over {args.runs} runs ({size / 1024:.0f} KB)"
        )


if __name__ == "__main__":
    main()
