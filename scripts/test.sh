#!/usr/bin/env bash
# Install everything the tests need (Python packages and, where missing, Chromium) and run
# the whole suite: unit, integration, page (AppTest) and real-browser (Playwright) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq chromium
fi
python -m pip install -q -r requirements-dev.txt
python -m pytest -n 2 "$@"
