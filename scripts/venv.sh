# Sourced by run.sh and test.sh: make sure .venv exists (Python 3.11+) and holds the packages of
# the requirements file given as $1; reinstall only when that file changed. Works on a stock
# Debian or Ubuntu, where pip may not install system-wide (PEP 668) and venv may be missing.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
requirements="$1"
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
  as_root apt-get update -qq && as_root apt-get install -y -qq python3
fi
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Python 3.11 or newer is needed ($("$python" --version) found); set PYTHON=/path/to/python3.11." >&2
  exit 1
}
if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv >/dev/null 2>&1; then  # Debian ships venv separately
    rm -rf .venv
    as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv
    "$python" -m venv .venv
  fi
fi
stamp=".venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$(basename "$requirements")"
if [ ! -e "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements"
  touch "$stamp"
fi
