"""Tiny workbooks made by code, for tests."""

from __future__ import annotations

import io
from datetime import date, datetime

import xlsxwriter


def workbook_bytes(
    sheets: dict[str, list],
    *,
    title_rows: dict[str, list[str]] | None = None,
    created: datetime | None = None,
) -> bytes:
    """An .xlsx holding `sheets`: each a list of dicts (header from the keys) or of lists
    (the first is the header). Dates become real Excel dates; `title_rows` go above; `created`
    is the creation time the file records (UTC; when its data was taken), else now."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    if created is not None:
        book.set_properties({"created": created})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        if rows and isinstance(rows[0], dict):
            header = list(dict.fromkeys(k for r in rows for k in r))
            rows = [header] + [[r.get(k) for k in header] for r in rows]
        offset = 0
        for offset, title in enumerate((title_rows or {}).get(name, []), start=1):
            ws.write(offset - 1, 0, title)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if isinstance(value, (date, datetime)):
                    ws.write_datetime(
                        offset + i, j, datetime(value.year, value.month, value.day), date_format
                    )
                elif isinstance(value, str):
                    ws.write_string(offset + i, j, value)  # never a formula
                elif value is not None:
                    ws.write(offset + i, j, value)
    book.close()
    return buffer.getvalue()


def new_account_workbook(
    account_id: str, account_name: str, manager: str, monthly_revenue: float = 1e9
) -> bytes:
    """A month-end upload: a new account of `manager` with `monthly_revenue` in each of the
    last 12 full months (so the Portfolio's trailing-12-month revenue grows by 12 x that)."""
    y, m, months = date.today().year, date.today().month, []
    for _ in range(12):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        months.append(date(y, m, 1))
    return workbook_bytes(
        {
            "Accounts": [
                {"account_id": account_id, "account_name": account_name, "account_manager": manager}
            ],
            "Financials": [
                {"account_id": account_id, "period": p, "revenue": monthly_revenue} for p in months
            ],
        }
    )
