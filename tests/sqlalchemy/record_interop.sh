#!/usr/bin/env bash
# Runs the two-language tests (runtime/tests/flask_interop.rs: Flask-SQLAlchemy
# and litemodel writing one SQLite file at the same time) with the real
# Flask-SQLAlchemy and records their outcome and figures in
# tests/sqlalchemy/flask_interop.recorded.txt, with the checksum of
# flask_interop.py (the test `the_recorded_run_is_of_the_current_script` holds
# the record to the script). Needs python3 and the PyPI registry; CI does not.
#
#   LITEMODEL_SOAK_SECS=60 tests/sqlalchemy/record_interop.sh   # a longer soak
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="${LITEMODEL_SQLALCHEMY_VENV:-$root/target/sqlalchemy-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
export LITEMODEL_SQLALCHEMY_VENV="$venv"
soak="${LITEMODEL_SOAK_SECS:-3}"
pause="${LITEMODEL_SOAK_PAUSE_MS:-5}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! LITEMODEL_SOAK_SECS="$soak" LITEMODEL_SOAK_PAUSE_MS="$pause" \
  cargo test --quiet --manifest-path "$root/Cargo.toml" -p litemodel --test flask_interop \
  -- --nocapture --test-threads=1 --skip the_recorded_run_is_of_the_current_script >"$log" 2>&1; then
  cat "$log"
  exit 1
fi
{
  "$venv/bin/python" - "$here/flask_interop.py" <<'PY'
import sys
from importlib.metadata import version
import sqlalchemy
value = 0xCBF29CE484222325
for byte in open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n"):
    value ^= byte
    value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
print(f"flask_interop.py fnv1a64 {value:016x}")
print("recorded with SQLAlchemy", sqlalchemy.__version__, "Flask-SQLAlchemy",
      version("flask-sqlalchemy"), "Python", sys.version.split()[0])
PY
  echo "soak length ${soak} s, litemodel pause ${pause} ms, $(nproc) cores"
  grep -oE '(columns|soak): .*' "$log"
  grep -oE 'test result: .*' "$log" | grep -v ' 0 passed' | sed 's/; finished in .*//'
} >"$here/flask_interop.recorded.txt"
cat "$here/flask_interop.recorded.txt"
