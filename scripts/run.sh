#!/usr/bin/env bash
# Install the app into .venv (first time only) and run it; on a fresh checkout it builds the
# demo data on the first visit. Extra arguments go to `streamlit run` (e.g. --server.port 8502).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh requirements.txt
# The web server believes X-Forwarded-For only from the proxies the app trusts (README, Security).
export FORWARDED_ALLOW_IPS="${SAM_TRUSTED_PROXIES:-}"
exec .venv/bin/python -m streamlit run serve.py "$@"
