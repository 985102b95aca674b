#!/usr/bin/env bash
# Install everything the tests need into .venv (and Chromium where missing), check style with
# ruff, then run the whole suite: unit, integration, page (AppTest) and real-browser
# (Playwright) tests. Extra arguments go to pytest (e.g. tests/unit -k loyalty).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  as_root apt-get update -qq
  as_root apt-get install -y -qq chromium
fi
if ! command -v pdftoppm >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  # the brief PDF is tested as a rendered page (poppler's pdftoppm and pdftotext -bbox-layout)
  as_root apt-get update -qq
  as_root apt-get install -y -qq poppler-utils
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -n 2 "$@"
