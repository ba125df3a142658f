CREATE TABLE volumes (
	id INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	shelf_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(shelf_id) REFERENCES shelves (id)
);