CREATE TABLE passports (
	id INTEGER NOT NULL, 
	number VARCHAR(16) NOT NULL, 
	person_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (person_id), 
	FOREIGN KEY(person_id) REFERENCES people (id)
);