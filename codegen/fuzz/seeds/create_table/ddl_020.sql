CREATE TABLE comments (
	id INTEGER NOT NULL, 
	body TEXT NOT NULL, 
	timestamp DATETIME, 
	post_id INTEGER, 
	parent_id INTEGER, 
	author_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE, 
	FOREIGN KEY(parent_id) REFERENCES comments (id), 
	FOREIGN KEY(author_id) REFERENCES users (id)
);