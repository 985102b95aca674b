"""The account plan: its sections and history (plan), the living data edited in the app
(edits), the sections that come from the data (facts), plan workbooks (workbook) and the
demo plans (demo)."""
