"""How SQLAlchemy stores every column type on PostgreSQL: the fixture of
litemodel's PostgreSQL interchange tests (runtime/tests/types.rs).

    python column_types_postgres.py record CONNINFO         # writes column_types.postgres.stored.json
    python column_types_postgres.py check CONNINFO SCHEMA   # reads rows litemodel wrote, with SQLAlchemy

`record` creates the tables of column_types.py (the twin of
runtime/tests/types_common/types.toml) through psycopg, inserts column_types.ROWS
through the ORM, and records each stored value as PostgreSQL's own text for it
(`column::text`): the Rust test checks that litemodel stores the same Rust values
as exactly the same values, and reads SQLAlchemy's values as the same Rust values.

`check` is the other direction: it reads the `samples` rows litemodel wrote in
SCHEMA (`LITEMODEL_TYPES_POSTGRES_SCHEMA=name cargo test -p litemodel --test types`
keeps the schema) with SQLAlchemy and compares them with ROWS.

Run through `record_postgres.sh`, which starts a throwaway server and sets up the
pinned SQLAlchemy and psycopg in a virtualenv.
"""
import json
import os
import sys

import psycopg
import sqlalchemy
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

import column_types
from column_types import ROWS, Base, Sample

HERE = os.path.dirname(os.path.abspath(__file__))
DATABASE = "record_column_types_values"


def url(conninfo, database, schema=None):
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    query = {"host": params["host"]} if params.get("host", "").startswith("/") else {}
    if schema:
        query["options"] = f"-csearch_path={schema}"
    return sqlalchemy.engine.URL.create(
        "postgresql+psycopg",
        username=params.get("user"),
        host=None if query.get("host") else params.get("host"),
        port=int(params["port"]) if "port" in params else None,
        database=database,
        query=query,
    )


def record(conninfo):
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
        con.execute(f'CREATE DATABASE "{DATABASE}"')
    try:
        engine = create_engine(url(conninfo, DATABASE))
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            for row in ROWS:
                session.add(Sample(**row))
            session.commit()
        engine.dispose()
        columns = [c.name for c in Sample.__table__.columns]
        params = psycopg.conninfo.conninfo_to_dict(conninfo)
        params["dbname"] = DATABASE
        rows = []
        with psycopg.connect(**params) as con:
            casts = ", ".join(f'"{name}"::text' for name in columns)
            for row in con.execute(f"SELECT {casts} FROM samples ORDER BY id"):
                rows.append(dict(zip(columns, row)))
    finally:
        with psycopg.connect(conninfo, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{DATABASE}"')
    out = {
        "recorded_with": f"SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}",
        "samples": rows,
    }
    with open(os.path.join(HERE, "column_types.postgres.stored.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"recorded column_types.postgres.stored.json with {out['recorded_with']}")


def expected(row):
    """What SQLAlchemy reads back on PostgreSQL for a ROWS entry (defaults applied;
    aware datetimes keep their offset there)."""
    full = column_types.expected(row)
    if row.get("taken_tz") is not None:
        full["taken_tz"] = row["taken_tz"]
    return full


def check(conninfo, schema):
    params = psycopg.conninfo.conninfo_to_dict(conninfo)
    engine = create_engine(url(conninfo, params.get("dbname", "postgres"), schema))
    failures = 0
    with Session(engine) as session:
        loaded = {s.id: s for s in session.scalars(select(Sample))}
        for row in ROWS:
            sample = loaded.get(row["id"])
            if sample is None:
                print(f"row {row['id']}: missing")
                failures += 1
                continue
            for name, want in expected(row).items():
                got = getattr(sample, name)
                if got != want:
                    print(f"row {row['id']}.{name}: SQLAlchemy read {got!r}, expected {want!r}")
                    failures += 1
    if failures:
        sys.exit(1)
    print(f"SQLAlchemy {sqlalchemy.__version__} read every value litemodel wrote on PostgreSQL unchanged")


if __name__ == "__main__":
    if sys.argv[1:2] == ["record"] and len(sys.argv) == 3:
        record(sys.argv[2])
    elif sys.argv[1:2] == ["check"] and len(sys.argv) == 4:
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
