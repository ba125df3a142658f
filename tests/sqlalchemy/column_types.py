"""How SQLAlchemy stores every column type on SQLite: the fixture of litemodel's
interchange tests (runtime/tests/types.rs).

    python column_types.py record          # writes column_types.stored.json beside this file
    python column_types.py check DB.sqlite # reads a database litemodel wrote, with SQLAlchemy

`record` creates the tables of runtime/tests/types_common/types.toml with plain
SQLAlchemy 2, inserts ROWS through the ORM, and records the DDL and the literal
stored values (`typeof()` and the value, read back with sqlite3). The Rust test
checks that litemodel creates the same DDL, reads those stored values as the
same Rust values, and stores the same Rust values as exactly the same values.

`check` is the other direction: it reads the `samples` rows of a database that
litemodel wrote (`LITEMODEL_TYPES_DB=path cargo test -p litemodel --test types`)
with SQLAlchemy and compares them with ROWS.

Run through `record.sh`, which sets up the pinned SQLAlchemy in a virtualenv.
"""
import base64
import datetime
import decimal
import json
import os
import sqlite3
import sys
import tempfile
import uuid

import sqlalchemy
from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Column, Date,
                        DateTime, Enum, Float, ForeignKey, Integer, LargeBinary,
                        Numeric, SmallInteger, String, Text, Time, UniqueConstraint,
                        Uuid, create_engine, select, text)
from sqlalchemy.orm import DeclarativeBase, Session

HERE = os.path.dirname(os.path.abspath(__file__))


class Base(DeclarativeBase):
    pass


class Sample(Base):
    __tablename__ = "samples"
    __table_args__ = {"sqlite_autoincrement": True}
    id = Column(Integer, primary_key=True)
    count = Column(Integer, nullable=False, default=0)
    small = Column(SmallInteger)
    big = Column(BigInteger)
    flag = Column(Boolean, nullable=False, default=False)
    ratio = Column(Float)
    price = Column(Numeric(10, 2), default=decimal.Decimal("9.99"))
    label = Column(String(32), nullable=False)
    body = Column(Text)
    raw = Column(LargeBinary)
    day = Column(Date)
    at = Column(Time)
    taken = Column(DateTime)
    taken_tz = Column(DateTime(timezone=True))
    extra = Column(JSON)
    token = Column(Uuid)
    # The spec's enum names (types.toml: the default `SampleStatus`, `enum_name = "Mood"`):
    # on PostgreSQL they name the enum types; on SQLite they appear nowhere.
    status = Column(Enum("draft", "in review", "published", name="SampleStatus"), default="draft")
    mood = Column(Enum("happy", "sad", name="Mood"))
    cents = Column(BigInteger)


class Stamp(Base):
    __tablename__ = "stamps"
    id = Column(Integer, primary_key=True)
    public_id = Column(Uuid, nullable=False, default=uuid.uuid4)
    created = Column(DateTime, nullable=False, default=datetime.datetime.utcnow)
    created_tz = Column(DateTime(timezone=True), default=lambda: datetime.datetime.now(datetime.timezone.utc))
    day = Column(Date, default=datetime.date.today)
    updated = Column(DateTime, onupdate=datetime.datetime.utcnow)
    note = Column(Text)
    server_note = Column(String(16), server_default=text("'from server'"))
    server_time = Column(DateTime, server_default=text("CURRENT_TIMESTAMP"))
    launch = Column(DateTime, default=datetime.datetime(2026, 11, 26, 10, 0))
    launch_day = Column(Date, default=datetime.date(2026, 11, 26))
    alarm = Column(Time, default=datetime.time(7, 30))
    fixed_id = Column(Uuid, default=uuid.UUID("12345678-1234-5678-1234-567812345678"))


class Odd(Base):
    __tablename__ = "order items"
    id = Column(Integer, primary_key=True)
    type = Column(String(16))
    order = Column(Integer)
    my_col = Column("my col", Text)
    say_hi = Column('say "hi"', Text)
    groesse = Column("größe", Integer)
    self_text = Column("self", Text)
    upper = Column("Upper", Integer)


class Shelf(Base):
    __tablename__ = "shelves"
    __table_args__ = (
        UniqueConstraint("name", name="uq_shelves_name"),
        CheckConstraint("length(name) > 0", name="ck_shelves_name_not_empty"),
    )
    id = Column(Integer, primary_key=True)
    name = Column(String(32), nullable=False)


class Book(Base):
    __tablename__ = "books"
    id = Column(Integer, primary_key=True)
    shelf_id = Column(Integer, ForeignKey("shelves.id", ondelete="CASCADE", onupdate="CASCADE"), index=True)
    title = Column(String(64), nullable=False)


UTC = datetime.timezone.utc

# The rows of `samples`; runtime/tests/types.rs builds the same values in Rust.
ROWS = [
    dict(id=1, count=7, small=-32768, big=2**62, flag=True, ratio=0.1,
         price=decimal.Decimal("1234.50"), label="h\u00e9llo \"q\" '", body="two\nlines \U0001F600",
         raw=b"\x00\xff\x10", day=datetime.date(2026, 11, 26),
         at=datetime.time(10, 0, 5, 123456), taken=datetime.datetime(2026, 11, 26, 10, 0),
         taken_tz=datetime.datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
         extra={"b": [1, 2.5, None], "a": "\u00e9\U0001F600", "nested": {"t": True, "big": 1e16}},
         token=uuid.UUID("12345678-1234-5678-1234-567812345678"), status="in review",
         mood="sad", cents=12345),
    dict(id=2, count=0, flag=False, label="nulls", price=None, status=None, extra=None),
    dict(id=3, count=-2147483648, small=32767, big=-2**63, flag=False, ratio=1e16,
         price=decimal.Decimal("-0.01"), label="edges", body="", raw=b"",
         day=datetime.date(1, 1, 1), at=datetime.time(0, 0),
         taken=datetime.datetime(9999, 12, 31, 23, 59, 59, 999999),
         taken_tz=datetime.datetime(2000, 2, 29, 23, 0, 0, 1, tzinfo=UTC),
         extra=5, token=uuid.UUID(int=0), status="published", mood="happy", cents=-1),
]


def stored(value):
    """A stored SQLite value as JSON: its storage class and value."""
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        raise TypeError("sqlite3 returns no bools")
    if isinstance(value, int):
        return {"type": "integer", "value": value}
    if isinstance(value, float):
        return {"type": "real", "value": value}
    if isinstance(value, str):
        return {"type": "text", "value": value}
    if isinstance(value, bytes):
        return {"type": "blob", "base64": base64.b64encode(value).decode()}
    raise TypeError(type(value))


def record():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "types.sqlite")
        engine = create_engine(f"sqlite:///{path}")
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            for row in ROWS:
                session.add(Sample(**row))
            session.commit()
        engine.dispose()
        con = sqlite3.connect(path)
        columns = [c.name for c in Sample.__table__.columns]
        rows = []
        for row in con.execute(f"SELECT {', '.join(columns)} FROM samples ORDER BY id"):
            rows.append({name: stored(value) for name, value in zip(columns, row)})
        create = {name: sql for name, sql in con.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name")}
        con.close()
    out = {
        "recorded_with": f"SQLAlchemy {sqlalchemy.__version__}",
        "create": create,
        "samples": rows,
    }
    with open(os.path.join(HERE, "column_types.stored.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"recorded column_types.stored.json with SQLAlchemy {sqlalchemy.__version__}")


def expected(row):
    """What SQLAlchemy reads back for a ROWS entry (defaults applied)."""
    full = {c.name: None for c in Sample.__table__.columns}
    full.update(row)
    # A column default also applies to an explicit None on insert.
    defaults = {"count": 0, "flag": False, "price": decimal.Decimal("9.99"), "status": "draft"}
    for name, value in defaults.items():
        if full[name] is None:
            full[name] = value
    # SQLAlchemy drops the offset on SQLite, so aware datetimes come back naive.
    if full["taken_tz"] is not None:
        full["taken_tz"] = full["taken_tz"].replace(tzinfo=None)
    return full


def check(path):
    engine = create_engine(f"sqlite:///{path}")
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
    print(f"SQLAlchemy {sqlalchemy.__version__} read every value litemodel wrote unchanged")


if __name__ == "__main__":
    if sys.argv[1:2] == ["record"]:
        record()
    elif sys.argv[1:2] == ["check"] and len(sys.argv) == 3:
        check(sys.argv[2])
    else:
        sys.exit(__doc__)
