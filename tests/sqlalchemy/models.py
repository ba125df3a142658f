"""The top-level models.toml written for Flask-SQLAlchemy.

`record.py` creates a database from these classes with `db.create_all()` and records
its schema in `models.schema.txt`; litemodel's tests check that `litemodel create-all`
on models.toml produces exactly that schema.
"""
import datetime
import uuid

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Role(db.Model):
    __tablename__ = 'roles'
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(64), unique=True)
    users = db.relationship('User', backref='role', lazy='dynamic')

    def __repr__(self):
        return '<Role %r>' % self.name


class User(db.Model):
    __tablename__ = 'users'
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True, index=True)
    role_id = db.Column(db.Integer, db.ForeignKey('roles.id'))
    posts = db.relationship('Post', backref='author', order_by='Post.timestamp.desc()')
    followed = db.relationship('Follow', foreign_keys='Follow.follower_id',
                               backref=db.backref('follower', lazy='joined'),
                               lazy='dynamic', cascade='all, delete-orphan')
    followers = db.relationship('Follow', foreign_keys='Follow.followed_id',
                                backref=db.backref('followed', lazy='joined'),
                                lazy='dynamic', cascade='all, delete-orphan')
    profile = db.relationship('Profile', uselist=False, backref='user', lazy='noload')
    comments = db.relationship('Comment', lazy='write_only', overlaps='author')

    def __repr__(self):
        return '<User %r>' % self.username


class Post(db.Model):
    __tablename__ = 'posts'
    __table_args__ = (
        db.Index('ix_posts_author_id_timestamp', 'author_id', 'timestamp'),
        db.UniqueConstraint('author_id', 'title', name='uq_posts_author_title'),
        db.CheckConstraint('views >= 0', name='ck_posts_views'),
    )
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(128), nullable=False)
    body = db.Column(db.Text)
    timestamp = db.Column(db.DateTime, index=True, default=datetime.datetime.utcnow)
    author_id = db.Column(db.Integer, db.ForeignKey('users.id', ondelete='CASCADE'), index=True)
    status = db.Column(db.Enum('draft', 'published', name='PostStatus'), default='draft')
    views = db.Column(db.Integer, nullable=False, default=0, server_default=db.text('0'))
    rating = db.Column(db.Float)
    price = db.Column(db.Numeric(10, 2))
    pinned = db.Column(db.Boolean, nullable=False, server_default=db.text('0'))
    slug = db.Column(db.String(64), unique=True)
    order = db.Column(db.Integer)
    type = db.Column(db.String(16))
    public_id = db.Column(db.Uuid, nullable=False, unique=True, default=uuid.uuid4)
    meta = db.Column(db.JSON)
    edited = db.Column(db.DateTime, onupdate=datetime.datetime.utcnow)

    def __repr__(self):
        return '<Post %r>' % self.title


post_tags = db.Table(
    'post_tags',
    db.Column('post_id', db.Integer, db.ForeignKey('posts.id'), primary_key=True),
    db.Column('tag_id', db.Integer, db.ForeignKey('tags.id'), primary_key=True, index=True),
)

Post.tags = db.relationship('Tag', secondary=post_tags, backref='posts', lazy='selectin',
                            order_by='Tag.name')
Post.comments = db.relationship('Comment', backref='post', cascade='all, delete-orphan',
                                order_by='Comment.timestamp')


class Tag(db.Model):
    __tablename__ = 'tags'
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(32), nullable=False, unique=True)


class Comment(db.Model):
    __tablename__ = 'comments'
    id = db.Column(db.Integer, primary_key=True)
    body = db.Column(db.Text, nullable=False)
    timestamp = db.Column(db.DateTime, index=True)
    post_id = db.Column(db.Integer, db.ForeignKey('posts.id', ondelete='CASCADE'), index=True)
    parent_id = db.Column(db.Integer, db.ForeignKey('comments.id'), index=True)
    author_id = db.Column(db.Integer, db.ForeignKey('users.id'), index=True)
    replies = db.relationship('Comment', backref=db.backref('parent', remote_side=[id]),
                              lazy='raise')
    author = db.relationship('User', lazy='joined')


class Follow(db.Model):
    __tablename__ = 'follows'
    follower_id = db.Column(db.Integer, db.ForeignKey('users.id'), primary_key=True)
    followed_id = db.Column(db.Integer, db.ForeignKey('users.id'), primary_key=True, index=True)
    timestamp = db.Column(db.DateTime)


class Profile(db.Model):
    __tablename__ = 'profiles'
    id = db.Column(db.Integer, primary_key=True)
    about = db.Column(db.Text)
    user_id = db.Column(db.Integer, db.ForeignKey('users.id'), unique=True)
