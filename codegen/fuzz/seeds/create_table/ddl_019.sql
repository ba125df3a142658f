CREATE TABLE profiles (
	id INTEGER NOT NULL, 
	about TEXT, 
	user_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (user_id), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);