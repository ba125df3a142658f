"""Records what SQLAlchemy's create_all() makes on PostgreSQL for each Python model file.

Run `tests/sqlalchemy/record_postgres.sh`: it starts a throwaway server and passes its
libpq connection string as the first argument. For each module this writes
`<module>.postgres.txt`, the catalog signature (the queries of postgres_catalog.sql,
which litemodel's test runs too), and `<module>.postgres.sql`, the DDL statements
SQLAlchemy sent, in the format of `litemodel ddl --dialect postgresql`, then
`-- drop_all` and the statements of drop_all().
"""
import importlib
import os
import sys

import psycopg
import sqlalchemy
from flask import Flask
from sqlalchemy import event, text

HERE = os.path.dirname(os.path.abspath(__file__))


def catalog_queries():
    with open(os.path.join(HERE, "postgres_catalog.sql")) as f:
        sql = f.read()
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    return [q.strip() for q in body.split(";") if q.strip()]


def signature(conninfo):
    """The same text as `catalog_signature` in litemodel's Rust test."""
    out = []
    with psycopg.connect(conninfo) as con:
        for query in catalog_queries():
            out.extend(row[0] for row in con.execute(query))
    return "\n".join(out) + "\n"


def conninfo_params(conninfo):
    return psycopg.conninfo.conninfo_to_dict(conninfo)


def portable(module_name, module):
    """The one change the showcase needs on PostgreSQL (litemodel's test makes it too):
    `server_default=text('0')` on a BOOLEAN column is rejected by PostgreSQL ("column
    is of type boolean but default expression is of type integer"), so `pinned`'s
    default is spelled `false`, which SQLite accepts as well."""
    if module_name == "models":
        module.Post.__table__.c.pinned.server_default = sqlalchemy.schema.DefaultClause(
            text("false"))


def record(conninfo, module_name):
    module = importlib.import_module(module_name)
    portable(module_name, module)
    params = conninfo_params(conninfo)
    database = f"record_{module_name}"
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{database}"')
        con.execute(f'CREATE DATABASE "{database}"')
    url = sqlalchemy.engine.URL.create(
        "postgresql+psycopg", username=params["user"], database=database,
        query={"host": params["host"], "port": params["port"]})
    url = url.render_as_string(hide_password=False)
    statements = []

    def keep_ddl(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(" ", 1)[0] in ("CREATE", "DROP", "ALTER"):
            statements.append(statement.strip())

    def create_and_drop(engine, create_all, drop_all):
        event.listen(engine, "before_cursor_execute", keep_ddl)
        create_all()
        created = len(statements)
        sig = signature(psycopg.conninfo.make_conninfo(conninfo, dbname=database))
        drop_all()
        engine.dispose()
        return created, sig

    if hasattr(module, "db"):
        # Flask-SQLAlchemy models (seed.py, models.py).
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = url
        module.db.init_app(app)
        with app.app_context():
            created, sig = create_and_drop(
                module.db.engine, module.db.create_all, module.db.drop_all)
    else:
        # Plain SQLAlchemy declarative models (column_types.py).
        engine = sqlalchemy.create_engine(url)
        metadata = module.Base.metadata
        created, sig = create_and_drop(
            engine, lambda: metadata.create_all(engine), lambda: metadata.drop_all(engine))
    with psycopg.connect(conninfo, autocommit=True) as con:
        con.execute(f'DROP DATABASE "{database}"')
    with open(os.path.join(HERE, f"{module_name}.postgres.txt"), "w") as f:
        f.write(sig)
    with open(os.path.join(HERE, f"{module_name}.postgres.sql"), "w") as f:
        f.write("".join(s + ";\n\n" for s in statements[:created]))
        f.write("-- drop_all\n\n")
        f.write("".join(s + ";\n\n" for s in statements[created:]))


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    conninfo = sys.argv[1]
    for name in sys.argv[2:] or ["seed", "models", "column_types", "cycles"]:
        record(conninfo, name)
    print("recorded with SQLAlchemy", sqlalchemy.__version__, "psycopg", psycopg.__version__,
          "on", psycopg.connect(conninfo).info.server_version)
