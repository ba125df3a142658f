#!/usr/bin/env bash
# Re-records tests/sqlalchemy/*.schema.txt, column_types.stored.json,
# json_numbers.stored.json and
# seed_transcript.txt with the real Flask-SQLAlchemy.
# Needs python3 and the PyPI registry; the tests themselves do not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv="${LITEMODEL_SQLALCHEMY_VENV:-$here/../../target/sqlalchemy-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
"$venv/bin/python" "$here/record.py" "$@"
# The stored values of every column type (runtime/tests/types.rs reads them).
"$venv/bin/python" "$here/column_types.py" record
# The text SQLAlchemy stores for JSON numbers beyond f64 (runtime/tests/json_numbers.rs).
"$venv/bin/python" "$here/json_numbers.py"
# What the Python shell prints for the seed's steps (tests/seed_transcript.rs
# holds `cargo run --example hrllo` to it).
"$venv/bin/python" "$here/record_seed_transcript.py"
"$venv/bin/python" -c 'import sqlalchemy, flask_sqlalchemy; print("recorded with SQLAlchemy", sqlalchemy.__version__)'
