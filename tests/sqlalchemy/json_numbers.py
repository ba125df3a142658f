"""Records the text Flask-SQLAlchemy's JSON column stores for numbers that an
f64 cannot hold: the fixture of runtime/tests/json_numbers.rs.

    python json_numbers.py      # writes json_numbers.stored.json beside this file

Each value is inserted through the ORM into a real SQLite file and the stored
text is read back with sqlite3. `round_trip` holds the texts that litemodel must
read and write back byte for byte; `non_finite` the texts Python writes for
float infinities and NaN (`json.dumps`' default `allow_nan=True`), which are not
JSON and which litemodel refuses with a clear error.

Run through `record.sh`, which sets up the pinned Flask-SQLAlchemy in a virtualenv.
"""
import json
import os
import sqlite3
import tempfile

from importlib.metadata import version
import sqlalchemy
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

HERE = os.path.dirname(os.path.abspath(__file__))

db = SQLAlchemy()


class Doc(db.Model):
    __tablename__ = "docs"
    id = db.Column(db.Integer, primary_key=True)
    data = db.Column(db.JSON)


ROUND_TRIP = [
    {"n": 1000000000000000000000000000001},
    {"n": -1000000000000000000000000000001},
    {"u64_max_plus_one": 18446744073709551616, "i64_min_minus_one": -9223372036854775809},
    {"small": 1, "negative": -7, "zero": 0},
    # Floats as Python writes them: repr(), exponents with a sign and two digits.
    {"tenth": 0.1, "sum": 0.1 + 0.2, "pi": 3.141592653589793, "whole": 2.0},
    {"big": 1e16, "tiny": 1.5e-05, "max": 1.7976931348623157e308, "min": 5e-324},
    # json.loads makes a float of a long decimal and of 1e400 (inf): these are
    # the values Python holds after reading such text.
    {"long": json.loads("0.0123456789000000012345678900000001234567890000123456789")},
    [1, 2.5, None, True, "\u00e9", {"deep": [10 ** 40]}],
]

NON_FINITE = [
    {"overflow": json.loads("1e400")},
    {"negative": -float("inf")},
    {"nan": float("nan")},
]


def stored(values):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "db.sqlite")
        app = Flask(__name__)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + path
        db.init_app(app)
        with app.app_context():
            db.create_all()
            for value in values:
                db.session.add(Doc(data=value))
            db.session.commit()
            db.engine.dispose()
        con = sqlite3.connect(path)
        rows = con.execute("SELECT data, typeof(data) FROM docs ORDER BY id").fetchall()
        con.close()
    for text, kind in rows:
        assert kind == "text", (text, kind)
    return [text for text, _ in rows]


def main():
    recording = {
        "recorded_with": f"SQLAlchemy {sqlalchemy.__version__}, "
                         f"Flask-SQLAlchemy {version('flask-sqlalchemy')}",
        "round_trip": stored(ROUND_TRIP),
        "non_finite": stored(NON_FINITE),
    }
    with open(os.path.join(HERE, "json_numbers.stored.json"), "w") as f:
        json.dump(recording, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
