"""Runs the Flask-SQLAlchemy modules that `litemodel generate --lang python` wrote
through the real SQLAlchemy, and records what they make.

    python record_generated.py DIR NAME...

For each NAME, DIR/NAME.py (the generated module) is imported with every warning
but deprecations turned into an error, its mappers are configured (which resolves every relationship
string: targets, foreign_keys, remote_side, order_by, secondary, backrefs), and
`db.create_all()` makes a database whose schema is written to
generated/NAME.schema.txt beside this file, in the text of record.py's `dump`.
generated/checksums.txt holds the FNV-1a checksum of each module, so that
codegen/cli/tests/python_models.rs fails when the generated Python changes
without being recorded again.

Run through record_generated.sh, which generates the modules and sets up the
pinned Flask-SQLAlchemy in a virtualenv.
"""
import importlib.util
import os
import sys
import tempfile
import warnings

from flask import Flask
from sqlalchemy.orm import configure_mappers

from record import dump

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "generated")


def fnv1a64(data):
    """The checksum litemodel's migrations use: FNV-1a, 64 bits, 16 hex digits."""
    value = 0xCBF29CE484222325
    for byte in data.replace(b"\r\n", b"\n"):
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def record(directory, name):
    path = os.path.join(directory, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"generated_{name}", path)
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("error")
        # What the spec asks for may be deprecated (`lazy = "noload"` in
        # SQLAlchemy 2.1): reported below, not an error. Every other warning
        # (a relationship conflict, an unresolvable name) is.
        warnings.simplefilter("always", DeprecationWarning)
        spec.loader.exec_module(module)
        configure_mappers()
        classes = [m.class_ for m in module.db.Model.registry.mappers]
        for cls in classes:
            # Every class can be made, and prints without failing.
            repr(cls())
        with tempfile.TemporaryDirectory() as tmp:
            database = os.path.join(tmp, "db.sqlite")
            app = Flask(__name__)
            app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + database
            module.db.init_app(app)
            with app.app_context():
                module.db.create_all()
                module.db.engine.dispose()
            text = dump(database)
    for warning in caught:
        print(f"{name}: {warning.category.__name__}: {warning.message}", file=sys.stderr)
    with open(os.path.join(OUT, f"{name}.schema.txt"), "w") as f:
        f.write(text)
    with open(path, "rb") as f:
        checksum = fnv1a64(f.read())
    print(f"{name}: {len(classes)} classes, {text.count(chr(10))} schema lines")
    return checksum


def main():
    directory, names = sys.argv[1], sys.argv[2:]
    os.makedirs(OUT, exist_ok=True)
    lines = [f"{name} {record(directory, name)}" for name in names]
    with open(os.path.join(OUT, "checksums.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
