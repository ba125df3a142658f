CREATE TABLE follows (
	follower_id INTEGER NOT NULL, 
	followed_id INTEGER NOT NULL, 
	since INTEGER NOT NULL, 
	PRIMARY KEY (follower_id, followed_id), 
	FOREIGN KEY(follower_id) REFERENCES users (id), 
	FOREIGN KEY(followed_id) REFERENCES users (id)
);