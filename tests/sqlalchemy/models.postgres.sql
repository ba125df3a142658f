CREATE TYPE "PostStatus" AS ENUM ('draft', 'published');

CREATE TABLE roles (
	id SERIAL NOT NULL, 
	name VARCHAR(64), 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE tags (
	id SERIAL NOT NULL, 
	name VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE users (
	id SERIAL NOT NULL, 
	username VARCHAR(64), 
	role_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(role_id) REFERENCES roles (id)
);

CREATE UNIQUE INDEX ix_users_username ON users (username);

CREATE TABLE posts (
	id SERIAL NOT NULL, 
	title VARCHAR(128) NOT NULL, 
	body TEXT, 
	timestamp TIMESTAMP WITHOUT TIME ZONE, 
	author_id INTEGER, 
	status "PostStatus", 
	views INTEGER DEFAULT 0 NOT NULL, 
	rating FLOAT, 
	price NUMERIC(10, 2), 
	pinned BOOLEAN DEFAULT false NOT NULL, 
	slug VARCHAR(64), 
	"order" INTEGER, 
	type VARCHAR(16), 
	public_id UUID NOT NULL, 
	meta JSON, 
	edited TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_posts_author_title UNIQUE (author_id, title), 
	CONSTRAINT ck_posts_views CHECK (views >= 0), 
	FOREIGN KEY(author_id) REFERENCES users (id) ON DELETE CASCADE, 
	UNIQUE (slug), 
	UNIQUE (public_id)
);

CREATE INDEX ix_posts_author_id_timestamp ON posts (author_id, timestamp);

CREATE INDEX ix_posts_timestamp ON posts (timestamp);

CREATE INDEX ix_posts_author_id ON posts (author_id);

CREATE TABLE follows (
	follower_id INTEGER NOT NULL, 
	followed_id INTEGER NOT NULL, 
	timestamp TIMESTAMP WITHOUT TIME ZONE, 
	PRIMARY KEY (follower_id, followed_id), 
	FOREIGN KEY(follower_id) REFERENCES users (id), 
	FOREIGN KEY(followed_id) REFERENCES users (id)
);

CREATE INDEX ix_follows_followed_id ON follows (followed_id);

CREATE TABLE profiles (
	id SERIAL NOT NULL, 
	about TEXT, 
	user_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (user_id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);

CREATE TABLE post_tags (
	post_id INTEGER NOT NULL, 
	tag_id INTEGER NOT NULL, 
	PRIMARY KEY (post_id, tag_id), 
	FOREIGN KEY(post_id) REFERENCES posts (id), 
	FOREIGN KEY(tag_id) REFERENCES tags (id)
);

CREATE INDEX ix_post_tags_tag_id ON post_tags (tag_id);

CREATE TABLE comments (
	id SERIAL NOT NULL, 
	body TEXT NOT NULL, 
	timestamp TIMESTAMP WITHOUT TIME ZONE, 
	post_id INTEGER, 
	parent_id INTEGER, 
	author_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE, 
	FOREIGN KEY(parent_id) REFERENCES comments (id), 
	FOREIGN KEY(author_id) REFERENCES users (id)
);

CREATE INDEX ix_comments_post_id ON comments (post_id);

CREATE INDEX ix_comments_author_id ON comments (author_id);

CREATE INDEX ix_comments_timestamp ON comments (timestamp);

CREATE INDEX ix_comments_parent_id ON comments (parent_id);

-- drop_all

DROP TABLE comments;

DROP TABLE post_tags;

DROP TABLE profiles;

DROP TABLE follows;

DROP TABLE posts;

DROP TABLE users;

DROP TABLE tags;

DROP TABLE roles;

DROP TYPE "PostStatus";

