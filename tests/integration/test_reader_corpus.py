"""The reader never crashes or hangs: every odd spreadsheet is read, or refused with a reason the
user can act on, within its time limit, and the test process carries on. Files are made by
tests/support/odd_files.py; the few no library here can write are in tests/fixtures."""

from __future__ import annotations

import re

import odd_files as odd
import pytest

from sam_core.errors import WorkbookError
from sam_core.ingest import sandbox
from sam_core.ingest.inspection import ReadLimits
from sam_core.ingest.reader import open_file

DAMAGED_XLS = (
    r"the workbook is damaged \(the Excel reader stopped at a broken record: .+\)\. Open it in Excel"
)
PASSWORD = r"the workbook is password-protected; save it without a password and upload again\.$"

# name, how to make it, and what must happen: ("read", sheets) or ("refused", message) or
# ("sheet refused", message) when the file opens but a sheet is over the budget.
CASES = [
    ("empty.xlsx", odd.empty, ("read", 1)),
    ("header_only.xlsx", odd.header_only, ("read", 1)),
    ("date1904.xlsx", odd.date1904, ("read", 1)),
    ("merged_cells.xlsx", odd.merged_cells, ("read", 1)),
    ("sheets_90.xlsx", odd.sheets_90, ("read", 90)),
    ("dimension_claims_everything.xlsx", lambda: odd.dimension_lie(b"A1:XFD1048576"), ("read", 1)),
    ("cp1252.csv", lambda: odd.CP1252_CSV, ("read", 1)),
    ("biff8_formulas.xls", lambda: odd.fixture("biff8_formulas.xls"), ("read", 2)),
    ("plain.ods", lambda: odd.fixture("plain.ods"), ("read", 2)),
    ("basic.xlsb", lambda: odd.fixture("basic.xlsb"), ("read", 1)),
    ("cols_16384.xlsx", odd.wide, ("sheet refused", r"it spans 16,384 columns, over the limit of 1,024")),
    ("sparse_corner.xlsx", lambda: odd.sparse("XFD1048576"), ("sheet refused", r"it spans 16,384 columns")),
    (
        "sparse_tall.xlsx",
        lambda: odd.sparse("CV1048576"),
        (
            "sheet refused",
            r"it spans 1,048,576 rows x 100 columns \(104,857,600 cells\), over the limit of 20,000,000",
        ),
    ),
    (
        "deflate_bomb.xlsx",
        odd.deflate_bomb,
        ("refused", r"expands \d[\d,]* times when unpacked; refused as a possible zip bomb"),
    ),
    (
        "billion_laughs.xlsx",
        odd.billion_laughs,
        ("refused", r'declares XML entities \(an entity-expansion or "billion laughs"'),
    ),
    ("xxe.xlsx", odd.external_entity, ("refused", r"declares an external entity \(an XXE attack file")),
    ("truncated_half.xlsx", lambda: odd.accounts()[:2500], ("refused", r"the file is damaged or truncated")),
    ("truncated_tail.xlsx", lambda: odd.accounts()[:-10], ("refused", r"the file is damaged or truncated")),
    ("not_workbook.zip", odd.not_a_workbook_zip, ("refused", r"this is a zip archive, not a workbook")),
    (
        "not_workbook_named.xlsx",
        odd.not_a_workbook_zip,
        ("refused", r"this is a zip archive, not a workbook"),
    ),
    (
        "html_named.xlsx",
        lambda: odd.HTML,
        ("refused", r"this is a web page \(HTML\) saved with a spreadsheet name"),
    ),
    ("html_named.xls", lambda: odd.HTML, ("refused", r"this is a web page \(HTML\)")),
    ("encrypted.xls", lambda: odd.fixture("encrypted.xls"), ("refused", PASSWORD)),
    ("encrypted.ods", lambda: odd.fixture("encrypted.ods"), ("refused", PASSWORD)),
    ("encrypted.xlsx", lambda: odd.fixture("encrypted.xlsx"), ("refused", PASSWORD)),
    ("ref3d_cut.xls", odd.xls_truncated_formula, ("refused", DAMAGED_XLS)),
    ("ptgexp_cut.xls", lambda: odd.xls_truncated_formula(0x01, 3), ("refused", DAMAGED_XLS)),
    ("cce_past_record.xls", lambda: odd.xls_truncated_formula(0x01, 0x4000), ("refused", DAMAGED_XLS)),
    (
        "huge_dimensions.xls",
        odd.xls_huge_dimensions,
        (
            "refused",
            r"sheet 1 declares 4,294,967,295 rows x 16,384 columns .*, over the limit of 20,000,000 cells",
        ),
    ),
]


def outcome(name: str, content: bytes) -> tuple[str, object]:
    try:
        sheets = open_file(name, content)
    except WorkbookError as refused:
        return "refused", str(refused)
    over = [s.refused for s in sheets if s.refused]
    if over:
        return "sheet refused", over[0]
    for sheet in sheets:
        sheet.read()
    return "read", len(sheets)


@pytest.mark.parametrize(("name", "make", "expected"), CASES, ids=[c[0] for c in CASES])
def test_every_odd_file_is_read_or_refused_with_a_reason(name, make, expected, capfd):
    kind, result = outcome(name, make())
    assert kind == expected[0], result
    if kind == "read":
        assert result == expected[1]
    else:
        assert re.search(expected[1], result), result
        assert "Traceback" not in result
    assert capfd.readouterr().err == ""  # a reader's panic message stays in its child


def test_cells_come_back_as_the_reader_gives_them(make_workbook):
    [sheet] = open_file("d.xlsx", odd.date1904())
    assert sheet.read().cells.rows() == [
        ("when", "what"),
        ("2000-01-01 00:00:00", "a"),
        ("2024-02-29 12:30:00", "b"),
    ]
    # The top rows read before mapping are the same text as the whole sheet's.
    assert sheet.head.rows() == sheet.read().cells.rows()


def test_a_sheet_that_lies_about_its_size_is_refused_when_the_reader_aborts():
    """A5 KB file whose cells reach XFD1048576 but whose <dimension> says A1 passes the checks
    on its bytes; the reader then aborts its process allocating 2^34 cells. Only that child dies."""
    content = odd.dimension_lie(b"A1", odd.sparse("XFD1048576"))
    [sheet] = open_file("corner.xlsx", content)
    assert (sheet.rows, sheet.columns, sheet.refused) == (1, 1, "")
    with pytest.raises(
        WorkbookError, match=r"claims a sheet far larger than its content \(reading it would take \d+ GB"
    ):
        sheet.read()
    assert open_file("after.xlsx", odd.accounts())[0].read().cells.height == 2  # the app carries on


def test_opening_a_workbook_reads_only_the_top_rows_of_its_sheets():
    sheets = open_file("many.xlsx", odd.sheets_90())
    assert [s.head.rows() for s in sheets[:2]] == [[("x", "0")], [("x", "1")]]
    assert sheets[0].source._sheets == {}  # no sheet was read yet
    sheets[5].read()
    assert list(sheets[0].source._sheets) == ["S5"]


def test_sheets_over_the_cell_budget_are_refused_before_reading():
    limits = ReadLimits(max_cells=50)
    [sheet] = open_file("w.xlsx", odd.wide(30), limits)
    assert sheet.refused == (
        "it spans 2 rows x 30 columns (60 cells), over the limit of 50 cells (setting SAM_MAX_CELLS); split "
        "it or delete what is not needed."
    )


@pytest.mark.parametrize(
    ("run", "timeout", "message"),
    [
        ((odd.sleep_for, 60), 3, r"^x: reading it took longer than 3 seconds and was stopped"),
        (
            (odd.panic,),
            30,
            r"^x: the workbook is damaged \(the Excel reader stopped at a broken record: index out of bounds",
        ),
        (
            (odd.die,),
            30,
            r"^x: the reader stopped on this file \(signal 9: out of its 256 MB of memory, or a damaged",
        ),
        (
            (odd.allocate, 1024),
            30,
            r"^x: reading it needs more than the reader's 256 MB of memory; split the file\.$",
        ),
    ],
    ids=["hang", "panic", "killed", "out-of-memory"],
)
def test_a_reader_that_hangs_panics_dies_or_runs_out_of_memory_becomes_a_refusal(run, timeout, message):
    with pytest.raises(WorkbookError, match=message):
        sandbox.run(*run, memory_mb=256, timeout_s=timeout, label="x")
    assert sandbox.run(odd.answer, 42, memory_mb=256, timeout_s=30, label="x") == 42


def test_the_files_of_an_upload_whose_process_was_killed_are_removed_by_the_next_one():
    [sheet] = open_file("a.xlsx", odd.accounts())
    parent = sheet.source.folder.parent
    orphan = parent / "sam-upload-2147483647-abc"  # no such process
    orphan.mkdir()
    (orphan / "upload").write_bytes(b"x")
    open_file("b.xlsx", odd.accounts())
    assert not orphan.exists() and sheet.source.folder.exists()
