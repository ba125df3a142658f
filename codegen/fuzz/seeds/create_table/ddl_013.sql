CREATE TABLE book_tags (
	book_id INTEGER NOT NULL, 
	tag_id INTEGER NOT NULL, 
	PRIMARY KEY (book_id, tag_id), 
	FOREIGN KEY(book_id) REFERENCES books (id), 
	FOREIGN KEY(tag_id) REFERENCES tags (id)
);