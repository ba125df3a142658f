CREATE TABLE categories (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	parent_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(parent_id) REFERENCES categories (id)
);