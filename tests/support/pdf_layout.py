"""A PDF's text as poppler lays it out: each line's box and words, and which lines overlap."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

Line = tuple[float, float, float, float, str]  # x0, y0, x1, y1 (points from the top left), words


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"{tool} is missing: apt-get install poppler-utils (scripts/test.sh does)"
    return found


def text_lines(pdf: bytes, tmp_path: Path) -> tuple[tuple[float, float], list[Line]]:
    """The page size and every text line's box (points, from the top left) as pdftotext lays them out."""
    source = tmp_path / "brief.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        [poppler("pdftotext"), "-bbox-layout", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', out)
    lines = []
    for match in re.finditer(
        r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', out, re.S
    ):
        words = " ".join(re.findall(r">([^<]*)</word>", match.group(5)))
        lines.append((*(float(match.group(i)) for i in range(1, 5)), words))
    return (float(page.group(1)), float(page.group(2))), lines


def overlapping(lines: list[Line]) -> list[tuple[str, str]]:
    """Pairs of lines whose boxes overlap by more than half a point both ways."""
    return [
        (a[4], b[4])
        for i, a in enumerate(lines)
        for b in lines[i + 1 :]
        if min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5
    ]
