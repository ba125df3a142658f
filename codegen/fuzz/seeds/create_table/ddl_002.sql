CREATE TABLE items (
	id INTEGER NOT NULL, 
	type VARCHAR(16), 
	"order" INTEGER, 
	"default" BOOLEAN, 
	self TEXT, 
	PRIMARY KEY (id)
);