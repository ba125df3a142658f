CREATE TYPE "SampleStatus" AS ENUM ('draft', 'in review', 'published');

CREATE TYPE "Mood" AS ENUM ('happy', 'sad');

CREATE TABLE samples (
	id SERIAL NOT NULL, 
	count INTEGER NOT NULL, 
	small SMALLINT, 
	big BIGINT, 
	flag BOOLEAN NOT NULL, 
	ratio FLOAT, 
	price NUMERIC(10, 2), 
	label VARCHAR(32) NOT NULL, 
	body TEXT, 
	raw BYTEA, 
	day DATE, 
	at TIME WITHOUT TIME ZONE, 
	taken TIMESTAMP WITHOUT TIME ZONE, 
	taken_tz TIMESTAMP WITH TIME ZONE, 
	extra JSON, 
	token UUID, 
	status "SampleStatus", 
	mood "Mood", 
	cents BIGINT, 
	PRIMARY KEY (id)
);

CREATE TABLE stamps (
	id SERIAL NOT NULL, 
	public_id UUID NOT NULL, 
	created TIMESTAMP WITHOUT TIME ZONE NOT NULL, 
	created_tz TIMESTAMP WITH TIME ZONE, 
	day DATE, 
	updated TIMESTAMP WITHOUT TIME ZONE, 
	note TEXT, 
	server_note VARCHAR(16) DEFAULT 'from server', 
	server_time TIMESTAMP WITHOUT TIME ZONE DEFAULT CURRENT_TIMESTAMP, 
	launch TIMESTAMP WITHOUT TIME ZONE, 
	launch_day DATE, 
	alarm TIME WITHOUT TIME ZONE, 
	fixed_id UUID, 
	PRIMARY KEY (id)
);

CREATE TABLE "order items" (
	id SERIAL NOT NULL, 
	type VARCHAR(16), 
	"order" INTEGER, 
	"my col" TEXT, 
	"say ""hi""" TEXT, 
	"größe" INTEGER, 
	self TEXT, 
	"Upper" INTEGER, 
	PRIMARY KEY (id)
);

CREATE TABLE shelves (
	id SERIAL NOT NULL, 
	name VARCHAR(32) NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_shelves_name UNIQUE (name), 
	CONSTRAINT ck_shelves_name_not_empty CHECK (length(name) > 0)
);

CREATE TABLE books (
	id SERIAL NOT NULL, 
	shelf_id INTEGER, 
	title VARCHAR(64) NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(shelf_id) REFERENCES shelves (id) ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE INDEX ix_books_shelf_id ON books (shelf_id);

-- drop_all

DROP TABLE books;

DROP TABLE shelves;

DROP TABLE "order items";

DROP TABLE stamps;

DROP TABLE samples;

DROP TYPE "SampleStatus";

DROP TYPE "Mood";

