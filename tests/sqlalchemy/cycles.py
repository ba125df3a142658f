"""A foreign-key cycle, as runtime/tests/common/cycles.toml declares it: users and posts
reference each other, users reference themselves, comments reference posts and each other.

SQLAlchemy's create_all() cannot create users before posts nor posts before users: on
PostgreSQL it creates every table of the cycle without its foreign keys and adds them
afterwards with ALTER TABLE ... ADD CONSTRAINT; drop_all() drops the named ones first
with ALTER TABLE ... DROP CONSTRAINT (an unnamed one cannot be dropped that way).

User.favorite_post has post_update=True: a new user and their new favourite post are
inserted by one flush, the user's key set by an UPDATE after the INSERTs."""
from sqlalchemy import ForeignKey, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = mapped_column(Integer, primary_key=True)
    name = mapped_column(String(64), nullable=False)
    favorite_post_id = mapped_column(Integer, index=True)
    invited_by_id = mapped_column(Integer, ForeignKey("users.id"), index=True)
    favorite_post = relationship("Post", foreign_keys=[favorite_post_id], post_update=True)
    posts = relationship("Post", foreign_keys="[Post.author_id]", backref="author")
    __table_args__ = (
        ForeignKeyConstraint(["favorite_post_id"], ["posts.id"],
                             name="fk_users_favorite_post_id"),
    )


class Post(Base):
    __tablename__ = "posts"
    id = mapped_column(Integer, primary_key=True)
    title = mapped_column(String(120), nullable=False)
    author_id = mapped_column(Integer, index=True)
    __table_args__ = (
        ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_posts_author_id"),
    )


class Comment(Base):
    __tablename__ = "comments"
    id = mapped_column(Integer, primary_key=True)
    body = mapped_column(Text, nullable=False)
    post_id = mapped_column(Integer, ForeignKey("posts.id"), nullable=False, index=True)
    parent_id = mapped_column(Integer, ForeignKey("comments.id"), index=True)
