"""The Streamlit glue: the run, the session and login, cached data, shared widgets, downloads, and
the larger views that pages share (presentation, assessment questionnaire, upload mapping)."""
