CREATE TABLE users (
	id SERIAL NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	favorite_post_id INTEGER, 
	invited_by_id INTEGER, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_users_favorite_post_id ON users (favorite_post_id);

CREATE INDEX ix_users_invited_by_id ON users (invited_by_id);

CREATE TABLE posts (
	id SERIAL NOT NULL, 
	title VARCHAR(120) NOT NULL, 
	author_id INTEGER, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_posts_author_id ON posts (author_id);

CREATE TABLE comments (
	id SERIAL NOT NULL, 
	body TEXT NOT NULL, 
	post_id INTEGER NOT NULL, 
	parent_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(post_id) REFERENCES posts (id), 
	FOREIGN KEY(parent_id) REFERENCES comments (id)
);

CREATE INDEX ix_comments_parent_id ON comments (parent_id);

CREATE INDEX ix_comments_post_id ON comments (post_id);

ALTER TABLE users ADD FOREIGN KEY(invited_by_id) REFERENCES users (id);

ALTER TABLE posts ADD CONSTRAINT fk_posts_author_id FOREIGN KEY(author_id) REFERENCES users (id);

ALTER TABLE users ADD CONSTRAINT fk_users_favorite_post_id FOREIGN KEY(favorite_post_id) REFERENCES posts (id);

-- drop_all

ALTER TABLE posts DROP CONSTRAINT fk_posts_author_id;

ALTER TABLE users DROP CONSTRAINT fk_users_favorite_post_id;

DROP TABLE comments;

DROP TABLE posts;

DROP TABLE users;

