-- The catalog signature of a PostgreSQL database's public schema: what
-- record_postgres.py dumps after SQLAlchemy's create_all() and what litemodel's
-- PostgreSQL schema test dumps after running its DDL. Each query returns one text
-- column, one line of the signature per row, in a fixed order.
SELECT format('table %s', c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
ORDER BY c.relname;

SELECT format('column %s.%s %s %s default=%s identity=%s', c.relname, a.attname,
              format_type(a.atttypid, a.atttypmod),
              CASE WHEN a.attnotnull THEN 'not-null' ELSE 'null' END,
              coalesce(pg_get_expr(d.adbin, d.adrelid), '-'),
              CASE WHEN a.attidentity = '' THEN '-' ELSE a.attidentity::text END)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum;

SELECT format('constraint %s on %s type=%s: %s', con.conname, c.relname, con.contype,
              pg_get_constraintdef(con.oid, true))
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
ORDER BY c.relname, con.conname;

SELECT format('index %s on %s: %s', i.relname, t.relname, pg_get_indexdef(i.oid))
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
ORDER BY t.relname, i.relname;

SELECT format('enum %s: %s', t.typname,
              string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder))
FROM pg_type t
JOIN pg_enum e ON e.enumtypid = t.oid
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = 'public'
GROUP BY t.typname
ORDER BY t.typname;

SELECT format('sequence %s owned-by=%s type=%s start=%s increment=%s', s.relname,
              coalesce(t.relname || '.' || a.attname, '-'),
              format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement)
FROM pg_class s
JOIN pg_namespace n ON n.oid = s.relnamespace
JOIN pg_sequence q ON q.seqrelid = s.oid
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid
  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
LEFT JOIN pg_class t ON t.oid = d.refobjid
LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE n.nspname = 'public' AND s.relkind = 'S'
ORDER BY s.relname;
