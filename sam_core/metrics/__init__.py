"""Every figure the pages show, computed in DuckDB from the stored data (SPEC.md sections 4-6)."""
