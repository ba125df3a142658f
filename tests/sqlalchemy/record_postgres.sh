#!/usr/bin/env bash
# Re-records tests/sqlalchemy/*.postgres.{txt,sql}: the schema SQLAlchemy 2.1's
# create_all() makes through psycopg on a real PostgreSQL, in a throwaway cluster
# (.ci/postgres). Needs python3, the PyPI registry and PostgreSQL's server binaries;
# the tests themselves need none of PyPI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv="${LITEMODEL_SQLALCHEMY_PG_VENV:-$root/target/sqlalchemy-pg-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r "$here/requirements.txt" -r "$here/requirements-postgres.txt"
fi
eval "$("$root/.ci/postgres" start)"
trap '"$root/.ci/postgres" stop "$LITEMODEL_TEST_POSTGRES_DIR"' EXIT
"$venv/bin/python" "$here/record_postgres.py" "$LITEMODEL_TEST_POSTGRES" "$@"
# The values SQLAlchemy stores for every column type (runtime/tests/types.rs).
(cd "$here" && "$venv/bin/python" column_types_postgres.py record "$LITEMODEL_TEST_POSTGRES")
