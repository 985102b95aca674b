"""The product's brain: workbook contract, ingest and validation, storage, metrics,
permissions and exports. Imports no Streamlit."""
