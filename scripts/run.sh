#!/usr/bin/env bash
# Install the app into .venv (first time only) and run it; on a fresh checkout it builds the
# demo data on the first visit. Extra arguments go to `streamlit run` (e.g. --server.port 8502).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh requirements.txt
exec .venv/bin/python -m streamlit run app.py "$@"
