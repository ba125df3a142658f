CREATE TABLE messages (
	id INTEGER NOT NULL, 
	sender_id INTEGER, 
	recipient_id INTEGER, 
	body TEXT, 
	PRIMARY KEY (id), 
	FOREIGN KEY(sender_id) REFERENCES users (id), 
	FOREIGN KEY(recipient_id) REFERENCES users (id)
);