CREATE TABLE users (
	id INTEGER NOT NULL, 
	username VARCHAR(64), 
	role_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(role_id) REFERENCES roles (id)
);