"""The Flask-SQLAlchemy side of litemodel's two-language tests
(runtime/tests/flask_interop.rs): a Flask application writing the same SQLite
file as a litemodel process, at the same time.

    python flask_interop.py lockstep DB         # sets posts.views when told, on stdin
    python flask_interop.py columns DB ROUNDS   # sets posts.views of the shared posts
    python flask_interop.py soak DB SECONDS     # inserts authors with posts, updates views
    python flask_interop.py verify DB           # reads every row back

Each mode prints `ready` once it is set up, and one JSON object on its last
line. The models are the blog
test models (runtime/tests/common/blog.toml) as a Flask application declares
them. The Rust side changes `posts.title` of the shared posts and SQLAlchemy
`posts.views`: both write only the column they changed, so nothing is lost.

Run by the Rust test with the virtualenv of record.sh; record_interop.sh runs
that test and records the outcome in flask_interop.recorded.txt.
"""
import json
import os
import sys
import time

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.exc import OperationalError

db = SQLAlchemy()

#: The posts of this author are updated by both sides.
SHARED_AUTHOR = "shared"
#: Posts per author inserted in one commit.
POSTS_PER_AUTHOR = 3


class Author(db.Model):
    __tablename__ = "authors"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), nullable=False)
    posts = db.relationship("Post", backref="author")


class Post(db.Model):
    __tablename__ = "posts"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(128), nullable=False)
    views = db.Column(db.Integer, nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("authors.id"))


def make_app(path):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + path
    # The busy timeout litemodel documents (5 s), said explicitly: pysqlite's
    # default is the same. The soak can set another (LITEMODEL_SOAK_BUSY_SECS).
    timeout = float(os.environ.get("LITEMODEL_SOAK_BUSY_SECS", "5"))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": timeout}}
    db.init_app(app)
    return app


class Stats:
    def __init__(self):
        self.commits = 0
        self.locked = 0
        self.max_commit_ms = 0.0
        self.total_commit_ms = 0.0

    def commit(self):
        """Commits, timing it; a "database is locked" is counted and re-raised."""
        start = time.perf_counter()
        try:
            db.session.commit()
        except OperationalError as err:
            db.session.rollback()
            if "locked" in str(err):
                self.locked += 1
            raise
        elapsed = (time.perf_counter() - start) * 1000.0
        self.commits += 1
        self.total_commit_ms += elapsed
        self.max_commit_ms = max(self.max_commit_ms, elapsed)

    def as_dict(self):
        return {
            "commits": self.commits,
            "locked": self.locked,
            "max_commit_ms": round(self.max_commit_ms, 3),
            "mean_commit_ms": round(self.total_commit_ms / max(self.commits, 1), 3),
        }


def shared_post_ids():
    author = db.session.execute(
        db.select(Author).filter_by(name=SHARED_AUTHOR)
    ).scalar_one()
    return sorted(post.id for post in author.posts)


def lockstep(path):
    """For each line `ID N` on stdin: sets post ID's views to N, commits, and
    answers `ok ID`. The Rust side loads the post before it asks and commits
    its own change after the answer: a full-row UPDATE would lose every one
    of these changes."""
    stats = Stats()
    last = {}
    with make_app(path).app_context():
        print("ready", flush=True)
        for line in sys.stdin:
            post_id, n = (int(word) for word in line.split())
            post = db.session.get(Post, post_id)
            post.views = n
            stats.commit()
            last[post_id] = n
            print(f"ok {post_id}", flush=True)
    return {"stats": stats.as_dict(), "last_views": last}


def columns(path, rounds):
    """Sets `views` of every shared post, one commit per post and round."""
    stats = Stats()
    last = {}
    with make_app(path).app_context():
        ids = shared_post_ids()
        print("ready", flush=True)
        for n in range(1, rounds + 1):
            for post_id in ids:
                post = db.session.get(Post, post_id)
                post.views = n
                stats.commit()
                last[post_id] = n
    return {"stats": stats.as_dict(), "last_views": last}


def check_whole(expected_posts):
    """Every author but the shared one has all its posts: no commit is seen in part."""
    partial = db.session.execute(
        db.text(
            "SELECT count(*) FROM authors a WHERE a.name <> :shared AND "
            "(SELECT count(*) FROM posts p WHERE p.author_id = a.id) <> :k"
        ),
        {"shared": SHARED_AUTHOR, "k": expected_posts},
    ).scalar_one()
    if partial:
        raise AssertionError(f"{partial} authors seen without all their posts")
    return db.session.execute(db.text("SELECT count(*) FROM authors")).scalar_one()


def soak(path, seconds):
    """Until `seconds` pass: an author with its posts, then a shared post's
    views, then (every tenth round) a read of everything, checking that no
    commit is seen in part and that counts only grow."""
    stats = Stats()
    last = {}
    reads = 0
    seen = 0
    with make_app(path).app_context():
        ids = shared_post_ids()
        print("ready", flush=True)
        deadline = time.monotonic() + seconds
        n = 0
        while time.monotonic() < deadline:
            n += 1
            author = Author(name=f"flask {n}")
            author.posts = [
                Post(title=f"flask {n} post {i}", views=i) for i in range(POSTS_PER_AUTHOR)
            ]
            db.session.add(author)
            stats.commit()
            post_id = ids[n % len(ids)]
            post = db.session.get(Post, post_id)
            post.views = n
            stats.commit()
            last[post_id] = n
            if n % 10 == 0:
                count = check_whole(POSTS_PER_AUTHOR)
                if count < seen:
                    raise AssertionError("a committed author disappeared")
                seen = count
                db.session.rollback()  # end the read
                reads += 1
    return {"stats": stats.as_dict(), "authors": n, "reads": reads, "last_views": last}


def verify(path):
    """Every row, as Flask-SQLAlchemy reads it back."""
    with make_app(path).app_context():
        check_whole(POSTS_PER_AUTHOR)
        authors = {}
        posts = 0
        for author in db.session.execute(db.select(Author)).scalars():
            if author.name == SHARED_AUTHOR:
                continue
            writer = author.name.rsplit(" ", 1)[0]
            authors[writer] = authors.get(writer, 0) + 1
            for post in author.posts:
                if not post.title.startswith(author.name + " post "):
                    raise AssertionError(f"{post.title!r} under {author.name!r}")
                posts += 1
        shared = {
            post.id: {"title": post.title, "views": post.views}
            for post in db.session.get(Author, db.session.execute(
                db.select(Author.id).filter_by(name=SHARED_AUTHOR)).scalar_one()).posts
        }
        return {"authors": authors, "posts": posts, "shared": shared}


def main(argv):
    mode, path = argv[1], argv[2]
    if mode == "lockstep":
        result = lockstep(path)
    elif mode == "columns":
        result = columns(path, int(argv[3]))
    elif mode == "soak":
        result = soak(path, float(argv[3]))
    elif mode == "verify":
        result = verify(path)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv)
