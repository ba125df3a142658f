"""Records what the Python shell prints for the seed's shell steps.

The seed is the Flask tutorial's data chapter: (1)-(3) the application module
`hrllo.py` with `data.sqlite` beside it, `db.create_all()` in an app context,
`SQLALCHEMY_COMMIT_ON_TEARDOWN = True`; (4)/(5) `Role.users` with
`lazy='dynamic'` and the shell session that orders it; (6)/(7) the same
relationship with the default `lazy='select'` and the same session, whose
`order_by` raises `AttributeError`. After the seed, and marked as beyond it,
the book's own session, which the example also replays.

Each model runs as the seed runs it: `hrllo.py` written to a new directory,
`flask shell` (an app context pushed, a console reading `<stdin>`), one line
at a time, with what the console prints after each line (the repr of an
expression's value, a traceback) captured in order. The transcript is what
`cargo run --example hrllo` must print for these steps (`tests/seed_transcript.rs`).

Run `tests/sqlalchemy/record.sh` to re-record `seed_transcript.txt`.
"""
import code
import contextlib
import importlib
import io
import os
import sys
import tempfile
from importlib.metadata import version

HERE = os.path.dirname(os.path.abspath(__file__))
TRANSCRIPT = os.path.join(HERE, "seed_transcript.txt")

# The seed's application module; `{lazy}` is the only difference between (4)
# and (6), and `{methods}` is empty in the seed. Flask-SQLAlchemy 3 no longer
# reads SQLALCHEMY_COMMIT_ON_TEARDOWN; the seed sets it and commits explicitly.
HRLLO = '''\
import os
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

basedir = os.path.abspath(os.path.dirname(__file__))

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = \\
    'sqlite:///' + os.path.join(basedir, 'data.sqlite')
app.config['SQLALCHEMY_COMMIT_ON_TEARDOWN'] = True
db = SQLAlchemy(app)


class Role(db.Model):
    __tablename__ = 'roles'
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), unique=True)
    users = db.relationship('User', backref='role'{lazy})

    def __repr__(self):
        return '<Role %r>' % self.name


class User(db.Model):
    __tablename__ = 'users'
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True, index=True)
    role_id = db.Column(db.Integer, db.ForeignKey('roles.id'))

    def __repr__(self):
        return '<User %r>' % self.username
{methods}'''

# (3) and (5): create the tables, then a role and its users, all new.
CREATE_AND_ADD = [
    "from hrllo import db, Role, User",
    "db.create_all()",
    "obs_role = Role(name='Observer')",
    "user_fred = User(username='fred', role=obs_role)",
    "user_steve = User(username='steve', role=obs_role)",
    "db.session.add_all([obs_role, user_fred, user_steve])",
    "db.session.commit()",
]

# Beyond the seed: the book's session, with the application's own
# is_administrator() (litemodel's src/app.rs) added to User.
IS_ADMINISTRATOR = '''
    def is_administrator(self):
        return self.role is not None and self.role.name == 'Administrator'
'''

BOOK = [
    "from hrllo import db, Role, User",
    "db.create_all()",
    "admin_role = Role(name='Admin')",
    "mod_role = Role(name='Moderator')",
    "user_role = Role(name='User')",
    "user_john = User(username='john', role=admin_role)",
    "user_susan = User(username='susan', role=user_role)",
    "user_david = User(username='david', role=user_role)",
    "print(admin_role.id)",
    "db.session.add_all([admin_role, mod_role, user_role, user_john, user_susan, user_david])",
    "db.session.commit()",
    "print(admin_role.id)",
    "print(user_john.role_id)",
    "admin_role.name = 'Administrator'",
    "db.session.delete(mod_role)",
    "db.session.commit()",
    "Role.query.all()",
    "User.query.filter_by(role=user_role).all()",
    "user_role.users.order_by(User.username).all()",
    "user_role.users.count()",
    "user_john.is_administrator()",
]

# The sessions, each under the header line the example prints before it:
# (header, lazy, methods, lines).
SESSIONS = [
    (
        "# (1)-(5) hrllo, users with lazy='dynamic': flask shell on a new data.sqlite",
        ", lazy='dynamic'",
        "",
        CREATE_AND_ADD + ["obs_role.users.order_by(User.username).all()"],
    ),
    (
        "# (6)/(7) hrllo, users with the default lazy='select': flask shell on a new data.sqlite",
        "",
        "",
        CREATE_AND_ADD + ["obs_role.users", "obs_role.users.order_by(User.username).all()"],
    ),
    (
        "# Beyond the seed: the book's session (Admin, Moderator, User; john, susan, david), "
        "lazy='dynamic', on a new data.sqlite",
        ", lazy='dynamic'",
        IS_ADMINISTRATOR,
        BOOK,
    ),
]


def replay(lazy, methods, lines):
    """The console's output for `lines`, each line preceded by its prompt."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "hrllo.py"), "w") as f:
            f.write(HRLLO.format(lazy=lazy, methods=methods))
        sys.path.insert(0, tmp)
        sys.modules.pop("hrllo", None)
        importlib.invalidate_caches()
        try:
            hrllo = importlib.import_module("hrllo")
            # What `flask shell` does: push an app context, start a console.
            with hrllo.app.app_context():
                console = code.InteractiveConsole({"app": hrllo.app}, filename="<stdin>")
                for line in lines:
                    out.append(f">>> {line}")
                    printed = io.StringIO()
                    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                        more = console.push(line)
                    assert not more, f"incomplete input: {line}"
                    out.extend(printed.getvalue().splitlines())
                hrllo.db.session.remove()
                hrllo.db.engine.dispose()
        finally:
            sys.path.remove(tmp)
            sys.modules.pop("hrllo", None)
    return out


def main():
    lines = [
        "# Recorded by tests/sqlalchemy/record_seed_transcript.py with Flask-SQLAlchemy "
        f"{version('flask-sqlalchemy')}, SQLAlchemy {version('sqlalchemy')}, "
        f"Flask {version('flask')}, Python {sys.version.split()[0]}; do not edit.",
    ]
    for header, lazy, methods, session in SESSIONS:
        lines.append(header)
        lines.extend(replay(lazy, methods, session))
    with open(TRANSCRIPT, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
