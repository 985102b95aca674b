"""The product's brain; imports no Streamlit. The folders follow the data: `ingest/` (contract,
reading, validation, mapping, uploads) -> `store` (the DuckDB file) -> `metrics/` (every figure
the pages show) -> `outputs/` (formatting, charts, PDF, PowerPoint, Excel), with `access/`
(users, permissions, login limits) beside them."""
