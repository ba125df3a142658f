CREATE TABLE [w]x`` (`a``b` TEXT DEFAULT 'it''s', "c""d" /* comment */ INT -- line
, e GENERATED ALWAYS AS (a || 'x') STORED)