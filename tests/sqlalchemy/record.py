"""Records the schema Flask-SQLAlchemy's create_all() makes for each Python model file.

Run `tests/sqlalchemy/record.sh` to refresh the `*.schema.txt` files after changing a
model file. The dump lists every sqlite_master row and the PRAGMA views of each table,
in a fixed order, so that litemodel's tests can compare databases line by line.
"""
import importlib
import os
import sqlite3
import sys
import tempfile

from flask import Flask

HERE = os.path.dirname(os.path.abspath(__file__))


def dump(path):
    """The same text as `schema_dump` in litemodel's Rust tests."""
    con = sqlite3.connect(path)
    out = []
    rows = con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite_%' ORDER BY type DESC, name").fetchall()
    for kind, name, table, sql in rows:
        out.append(f"{kind} {name} on {table}")
        out.append(f"{sql}")
    for (table,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
        out.append(f"table_info {table}")
        for cid, name, ty, notnull, default, pk in con.execute(f'PRAGMA table_info("{table}")'):
            out.append(f"  {cid} {name} {ty} notnull={notnull} default={default} pk={pk}")
        out.append(f"index_list {table}")
        for _seq, name, unique, origin, partial in sorted(
                con.execute(f'PRAGMA index_list("{table}")'), key=lambda r: r[1]):
            cols = [r[2] for r in con.execute(f'PRAGMA index_info("{name}")')]
            shown = name if not name.startswith("sqlite_autoindex_") else "(autoindex)"
            out.append(f"  {shown} unique={unique} origin={origin} partial={partial} columns={cols}")
        out.append(f"foreign_key_list {table}")
        for row in con.execute(f'PRAGMA foreign_key_list("{table}")'):
            _id, seq, target, frm, to, on_update, on_delete, match = row
            out.append(f"  {frm} -> {target}.{to} seq={seq} on_update={on_update} on_delete={on_delete}")
    con.close()
    return "\n".join(out) + "\n"


def record(module_name):
    module = importlib.import_module(module_name)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "db.sqlite")
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + path
        module.db.init_app(app)
        with app.app_context():
            module.db.create_all()
            module.db.engine.dispose()
        text = dump(path)
    with open(os.path.join(HERE, f"{module_name}.schema.txt"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    for name in sys.argv[1:] or ["seed", "models"]:
        record(name)
