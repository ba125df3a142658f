#!/usr/bin/env bash
# Generates the Flask-SQLAlchemy models of the showcase, the seed, the column
# types spec, the runtime's test specs and the valid codegen fixtures with `litemodel generate --lang python`, runs them through the real
# Flask-SQLAlchemy, and records the schemas they make and the modules' checksums
# in tests/sqlalchemy/generated/ (codegen/cli/tests/python_models.rs compares them
# with litemodel's DDL). Needs python3 and the PyPI registry; the tests do not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="${LITEMODEL_SQLALCHEMY_VENV:-$root/target/sqlalchemy-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt"
fi
cargo build --quiet --manifest-path "$root/Cargo.toml" -p litemodel-cli --bin litemodel
litemodel="$root/target/debug/litemodel"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# name and spec; python_models.rs lists the same pairs.
specs=(
  "models:$root/models.toml"
  "seed:$root/tests/fixtures/ok/seed.toml"
  "types:$root/runtime/tests/types_common/types.toml"
  "blog:$root/runtime/tests/common/blog.toml"
  "library:$root/runtime/tests/common/library.toml"
  "keyword_names:$root/codegen/tests/fixtures/ok/keyword_names.toml"
  "rowid_column_with_integer_key:$root/codegen/tests/fixtures/ok/rowid_column_with_integer_key.toml"
  "two_foreign_keys_to_one_table:$root/codegen/tests/fixtures/ok/two_foreign_keys_to_one_table.toml"
  "python_edge_cases:$here/python_edge_cases.toml"
)
names=()
for pair in "${specs[@]}"; do
  name=${pair%%:*}
  "$litemodel" --color never --spec "${pair#*:}" generate --lang python --out "$out/$name.py" 2>/dev/null
  names+=("$name")
done
cd "$here"
"$venv/bin/python" "$here/record_generated.py" "$out" "${names[@]}"
"$venv/bin/python" -c 'import sqlalchemy; from importlib.metadata import version; print("recorded with SQLAlchemy", sqlalchemy.__version__, "Flask-SQLAlchemy", version("flask-sqlalchemy"))'
