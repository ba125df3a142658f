CREATE TABLE notes (
	id INTEGER NOT NULL, 
	body TEXT NOT NULL, 
	user_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);