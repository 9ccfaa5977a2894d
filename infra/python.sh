#!/usr/bin/env bash
# Python 3.11 virtualenv with the exact pins of requirements.lock; re-run when they change.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VENV="$ROOT/.venv"
STAMP="$VENV/.installed"

find_python() {
  for candidate in "${HOTLINE_PYTHON:-}" python3.11 python3; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  return 1
}

if [[ -f "$STAMP" && "$STAMP" -nt "$ROOT/requirements.lock" && "$STAMP" -nt "$ROOT/pyproject.toml" ]]; then
  exit 0
fi
py=$(find_python) || { apt_install python3.11 python3.11-venv; py=$(find_python) || fail "Python 3.11 not found"; }
[[ -x "$VENV/bin/python" ]] || "$py" -m venv "$VENV" || fail "could not create $VENV (is python3.11-venv installed?)"
log "installing Python packages into .venv"
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements.lock" || fail "pip install of requirements.lock failed"
"$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --no-build-isolation -e "$ROOT" || fail "pip install -e . failed"
touch "$STAMP"
