CREATE TABLE books (
	id INTEGER NOT NULL, 
	title VARCHAR(128) NOT NULL, 
	author_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(author_id) REFERENCES authors (id)
);