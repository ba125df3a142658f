//! Reading a PostgreSQL database's catalogs into a [`DbSchema`]: the tables of the
//! connection's current schema (`current_schema()`, the first schema of its
//! `search_path` that exists), with their columns, constraints, indexes and the enum
//! types their columns use.
//!
//! Each column gets the spec type that makes exactly its catalog type on PostgreSQL
//! (`character varying(64)` is `string(64)`, a `SERIAL` key is an `integer` key);
//! a type no spec type makes is an error naming every such column, so a spec is
//! written only when `create-all` can rebuild the schema. Constraint names PostgreSQL
//! would choose itself (`users_pkey`, `roles_name_key`, `users_role_id_fkey`,
//! `posts_views_check`) are left out of the spec, as `create-all` makes them again;
//! other names are kept.

use std::collections::BTreeMap;

use litemodel_codegen::model::ColumnType;
use litemodel_codegen::names;
use postgres::{Client, IsolationLevel, Transaction};

use super::{
    is_internal_table, Check, Column, ConstraintRef, DbSchema, ForeignKey, Index, IntrospectError,
    SqlObject, Table, Unique,
};

/// Reads the current schema of the database behind `client`, in one read-only
/// snapshot.
///
/// # Errors
///
/// A failed catalog query, no current schema, or columns whose types no spec
/// type makes ([`IntrospectError::UnsupportedColumns`], all of them at once).
pub fn read(client: &mut Client) -> Result<DbSchema, IntrospectError> {
    let mut tx = client
        .build_transaction()
        .read_only(true)
        .isolation_level(IsolationLevel::RepeatableRead)
        .start()?;
    let schema = read_in(&mut tx);
    tx.commit()?;
    schema
}

/// [`read`] inside a transaction the caller holds (the migration planner's
/// scratch schemas, which are never committed).
///
/// # Errors
///
/// As for [`read`].
pub fn read_in(tx: &mut Transaction<'_>) -> Result<DbSchema, IntrospectError> {
    let current: Option<String> = tx
        .query_one("SELECT current_schema()::text", &[])?
        .try_get(0)?;
    if current.is_none() {
        return Err(IntrospectError::NoCurrentSchema);
    }
    let mut unsupported = Vec::new();
    let mut tables = read_tables(tx)?;
    read_constraints(tx, &mut tables)?;
    read_indexes(tx, &mut tables)?;
    let mut schema = DbSchema {
        tables: Vec::new(),
        views: read_views(tx)?,
        triggers: read_triggers(tx)?,
    };
    for (mut table, columns) in tables.into_values() {
        if is_internal_table(&table.name) {
            continue;
        }
        table.columns = resolve_sequences(&mut table, columns, &mut unsupported);
        table.sql = table_summary(&table);
        schema.tables.push(table);
    }
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    unsupported.extend(case_collisions(&schema));
    if !unsupported.is_empty() {
        return Err(IntrospectError::UnsupportedColumns(unsupported));
    }
    Ok(schema)
}

/// Tables, and columns of one table, whose names differ only in case: PostgreSQL
/// keeps them apart, a spec (which matches names as SQLite does, ignoring ASCII
/// case) cannot.
fn case_collisions(schema: &DbSchema) -> Vec<String> {
    let mut out = Vec::new();
    let collide = |names: &[&str], what: &str, out: &mut Vec<String>| {
        for (i, a) in names.iter().enumerate() {
            if let Some(b) = names[i + 1..].iter().find(|b| b.eq_ignore_ascii_case(a)) {
                out.push(format!(
                    "{what} `{a}` and `{b}`: names that differ only in case, which a spec does not tell apart (rename one)"
                ));
            }
        }
    };
    let tables: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    collide(&tables, "tables", &mut out);
    for table in &schema.tables {
        let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        collide(&columns, &format!("columns of `{}`", table.name), &mut out);
    }
    out
}

/// A column as the catalog holds it, before its key is known.
struct RawColumn {
    column: Column,
    /// Why no spec type makes the column's type, if none does.
    unsupported: Option<String>,
    /// The sequence the column owns (a `SERIAL`'s), if any.
    owned_sequence: Option<String>,
    /// `GENERATED ... AS IDENTITY`.
    identity: bool,
}

/// Tables (by oid) with their columns; keys, indexes and notes come later.
fn read_tables(
    tx: &mut Transaction<'_>,
) -> Result<BTreeMap<u32, (Table, Vec<RawColumn>)>, IntrospectError> {
    let mut tables: BTreeMap<u32, (Table, Vec<RawColumn>)> = BTreeMap::new();
    for row in tx.query(
        "SELECT c.oid, c.relname::text FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relispartition \
         ORDER BY c.relname",
        &[],
    )? {
        let table = Table {
            name: row.try_get(1)?,
            ..Table::default()
        };
        tables.insert(row.try_get(0)?, (table, Vec::new()));
    }
    let mut labels: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for row in tx.query(
        "SELECT enumtypid, enumlabel::text FROM pg_enum ORDER BY enumtypid, enumsortorder",
        &[],
    )? {
        labels
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    let rows = tx.query(
        "SELECT a.attrelid, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity <> '', \
                a.attgenerated <> '', t.oid, t.typtype::text, t.typname::text, \
                tn.nspname::text, tn.nspname = current_schema(), \
                CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation \
                     THEN co.collname::text END, \
                (SELECT s.relname::text FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid \
                 WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass \
                   AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum \
                   AND dep.deptype = 'a' AND s.relkind = 'S' LIMIT 1) \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         JOIN pg_namespace tn ON tn.oid = t.typnamespace \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' \
           AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attrelid, a.attnum",
        &[],
    )?;
    for row in rows {
        let Some((table, columns)) = tables.get_mut(&row.try_get::<_, u32>(0)?) else {
            continue;
        };
        let name: String = row.try_get(1)?;
        let format: String = row.try_get(2)?;
        let generated: bool = row.try_get(6)?;
        let type_oid: u32 = row.try_get(7)?;
        let kind: String = row.try_get(8)?;
        let type_name: String = row.try_get(9)?;
        let type_schema: String = row.try_get(10)?;
        let in_current_schema: bool = row.try_get(11)?;
        let place = format!("`{}.{name}`", table.name);
        let spec_type = if kind == "e" {
            let values = labels.get(&type_oid).cloned().unwrap_or_default();
            enum_type(&type_name, &type_schema, in_current_schema, values)
                .map_err(|why| format!("{place}: {why}"))
        } else if type_schema == "pg_catalog" {
            builtin_type(&format).ok_or_else(|| format!("{place}: type `{format}`"))
        } else {
            Err(format!("{place}: type `{format}`"))
        };
        let (spec_type, unsupported) = match spec_type {
            Ok(ty) => (Some(ty), None),
            Err(line) => (None, Some(line)),
        };
        let default: Option<String> = row.try_get(4)?;
        columns.push(RawColumn {
            column: Column {
                name,
                decl_type: format,
                not_null: row.try_get(3)?,
                // A generated column's expression is not a default.
                default: default.filter(|_| !generated),
                collate: row.try_get(12)?,
                generated,
                spec_type,
            },
            unsupported,
            owned_sequence: row.try_get(13)?,
            identity: row.try_get(5)?,
        });
    }
    Ok(tables)
}

/// The columns of `table`, its `SERIAL` key recognised: the table's one integer
/// key (with no foreign key, as the spec's DDL makes `SERIAL`) owning its sequence
/// loses its `nextval` default, which `create-all` makes again; such a key without
/// a sequence is a note (the spec makes one). Another sequence default or identity
/// column, and a type no spec type makes, go to `unsupported` — only for a table
/// with a primary key, as one without is left out of the spec anyway.
fn resolve_sequences(
    table: &mut Table,
    columns: Vec<RawColumn>,
    unsupported: &mut Vec<String>,
) -> Vec<Column> {
    let t = table.name.clone();
    let mut out = Vec::with_capacity(columns.len());
    let keyed = !table.primary_key.is_empty();
    for raw in columns {
        let mut column = raw.column;
        let c = column.name.clone();
        if !keyed {
            out.push(column);
            continue;
        }
        if let Some(line) = raw.unsupported {
            unsupported.push(line);
        }
        let serial_key = table.primary_key == [c.as_str()]
            && column
                .spec_type
                .as_ref()
                .is_some_and(ColumnType::is_integer)
            && !table.foreign_keys.iter().any(|fk| fk.columns.contains(&c));
        let from_sequence = column
            .default
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        match (&raw.owned_sequence, from_sequence, raw.identity) {
            (_, _, true) if serial_key && column.default.is_none() => {
                table.notes.push(format!(
                    "`{t}.{c}`: an identity column; the spec makes it SERIAL (a sequence `{t}_{c}_seq` and a `nextval` default)"
                ));
            }
            (_, _, true) => unsupported.push(format!(
                "`{t}.{c}`: an identity column that is not the table's one integer key (only that key can be SERIAL in a spec)"
            )),
            (Some(sequence), true, false) if serial_key => {
                let expected = format!("{t}_{c}_seq");
                if *sequence != expected {
                    table.notes.push(format!(
                        "`{t}.{c}`: the key's sequence `{sequence}` becomes `{expected}`, the name `create-all` gives it"
                    ));
                }
                column.default = None;
            }
            (_, true, false) => unsupported.push(format!(
                "`{t}.{c}`: its default `{}` takes values from a sequence, which a spec makes only for a table's one integer key (SERIAL)",
                column.default.as_deref().unwrap_or_default()
            )),
            (_, false, false) if serial_key && column.default.is_none() => {
                table.notes.push(format!(
                    "`{t}.{c}`: the key has no sequence; the spec makes it SERIAL (a sequence `{t}_{c}_seq` and a `nextval` default)"
                ));
            }
            _ => {}
        }
        out.push(column);
    }
    out
}

/// A short `CREATE TABLE` for messages (a table left out of the spec): its columns
/// and their types.
fn table_summary(table: &Table) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                names::quote_sql_as_needed(&c.name),
                c.decl_type,
                if c.not_null { " NOT NULL" } else { "" }
            )
        })
        .collect();
    format!(
        "CREATE TABLE {} ({})",
        names::quote_sql_as_needed(&table.name),
        columns.join(", ")
    )
}

/// The spec type that makes exactly the built-in type `format` (as `format_type`
/// spells it), if one does.
fn builtin_type(format: &str) -> Option<ColumnType> {
    let parameters = |prefix: &str| -> Option<Vec<u32>> {
        let inner = format.strip_prefix(prefix)?.strip_suffix(')')?;
        inner.split(',').map(|p| p.trim().parse().ok()).collect()
    };
    let ty = match format {
        "integer" => ColumnType::Integer,
        "smallint" => ColumnType::SmallInteger,
        "bigint" => ColumnType::BigInteger,
        "boolean" => ColumnType::Boolean,
        "double precision" => ColumnType::Float,
        "numeric" => ColumnType::Numeric {
            precision: None,
            scale: None,
        },
        "character varying" => ColumnType::String { length: None },
        "text" => ColumnType::Text,
        "bytea" => ColumnType::Blob,
        "date" => ColumnType::Date,
        "time without time zone" => ColumnType::Time,
        "timestamp without time zone" => ColumnType::DateTime { timezone: false },
        "timestamp with time zone" => ColumnType::DateTime { timezone: true },
        "json" => ColumnType::Json,
        "uuid" => ColumnType::Uuid,
        _ => {
            if let Some([length]) = parameters("character varying(").as_deref() {
                return Some(ColumnType::String {
                    length: Some(*length),
                });
            }
            return match parameters("numeric(").as_deref() {
                Some([precision, scale]) => Some(ColumnType::Numeric {
                    precision: Some(*precision),
                    scale: Some(*scale),
                }),
                _ => None,
            };
        }
    };
    Some(ty)
}

/// The spec's `enum` for a PostgreSQL enum type, or why a spec cannot make it.
fn enum_type(
    name: &str,
    schema: &str,
    in_current_schema: bool,
    values: Vec<String>,
) -> Result<ColumnType, String> {
    if !in_current_schema {
        return Err(format!(
            "enum type `{schema}.{name}` belongs to another schema, and a spec creates its enum types in the current one"
        ));
    }
    if !names::is_identifier_shape(name) || names::is_rust_keyword(name) {
        return Err(format!(
            "enum type `{name}`: its name is the spec's `enum_name`, which must be a Rust type name (rename it with `ALTER TYPE ... RENAME TO`)"
        ));
    }
    if values.is_empty() {
        return Err(format!("enum type `{name}` has no labels"));
    }
    Ok(ColumnType::Enum {
        name: name.to_owned(),
        values,
    })
}

/// Primary keys, uniques, checks and foreign keys.
fn read_constraints(
    tx: &mut Transaction<'_>,
    tables: &mut BTreeMap<u32, (Table, Vec<RawColumn>)>,
) -> Result<(), IntrospectError> {
    let rows = tx.query(
        "SELECT con.conrelid, con.conname::text, con.contype::text, \
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i) \
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num \
                      ORDER BY k.i), \
                rt.relname::text, rn.nspname = current_schema(), \
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i) \
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num \
                      ORDER BY k.i), \
                con.confdeltype::text, con.confupdtype::text, con.confmatchtype::text, \
                con.condeferrable, pg_get_expr(con.conbin, con.conrelid), \
                pg_get_constraintdef(con.oid) \
         FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_class rt ON rt.oid = con.confrelid \
         LEFT JOIN pg_namespace rn ON rn.oid = rt.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' \
         ORDER BY con.conrelid, con.oid",
        &[],
    )?;
    for row in rows {
        let Some((table, _)) = tables.get_mut(&row.try_get::<_, u32>(0)?) else {
            continue;
        };
        let name: String = row.try_get(1)?;
        let kind: String = row.try_get(2)?;
        let columns: Vec<String> = row.try_get(3)?;
        let definition: String = row.try_get(12)?;
        let t = table.name.clone();
        // The name PostgreSQL would have given the constraint had it none
        // (SQLAlchemy names none): only another name goes into the spec.
        let column_names: Vec<&str> = columns.iter().map(String::as_str).collect();
        let default_name =
            |suffix: &str| -> String { names::postgres_constraint_name(&t, &column_names, suffix) };
        let given = |default: String| -> Option<String> { (name != default).then(|| name.clone()) };
        match kind.as_str() {
            "p" => {
                table.primary_key = columns.clone();
                table.primary_key_name = given(names::postgres_constraint_name(&t, &[], "pkey"));
            }
            "u" => {
                table.uniques.push(Unique {
                    name: given(default_name("key")),
                    columns: columns.clone(),
                });
            }
            "c" => {
                // PostgreSQL names a CHECK after its column when it uses one.
                let default = match column_names.as_slice() {
                    [column] => names::postgres_constraint_name(&t, &[column], "check"),
                    _ => names::postgres_constraint_name(&t, &[], "check"),
                };
                let sql: Option<String> = row.try_get(11)?;
                table.checks.push(Check {
                    name: given(default),
                    sql: sql.unwrap_or(definition),
                });
            }
            "f" => {
                let target: Option<String> = row.try_get(4)?;
                let same_schema: Option<bool> = row.try_get(5)?;
                let (Some(target), Some(true)) = (target, same_schema) else {
                    table.notes.push(format!(
                        "`{t}`: the foreign key `{name}` references a table of another schema, which a spec cannot; it is left out ({definition})"
                    ));
                    continue;
                };
                let matching: String = row.try_get(9)?;
                if matching == "f" {
                    table.notes.push(format!(
                        "`{t}`: the foreign key `{name}` is MATCH FULL, which the spec cannot declare; it becomes MATCH SIMPLE"
                    ));
                }
                table.foreign_keys.push(ForeignKey {
                    name: given(default_name("fkey")),
                    columns: columns.clone(),
                    table: target,
                    references: row.try_get(6)?,
                    on_delete: action(&row.try_get::<_, String>(7)?),
                    on_update: action(&row.try_get::<_, String>(8)?),
                    deferrable: row.try_get(10)?,
                });
            }
            _ => table.notes.push(format!(
                "`{t}`: the constraint `{name}` ({definition}) is not in the spec"
            )),
        }
    }
    for (table, _) in tables.values_mut() {
        table.constraint_order = constraint_order(table);
    }
    Ok(())
}

/// A foreign key action (`confdeltype`) as the spec writes it.
fn action(code: &str) -> String {
    match code {
        "r" => "RESTRICT",
        "c" => "CASCADE",
        "n" => "SET NULL",
        "d" => "SET DEFAULT",
        _ => "NO ACTION",
    }
    .to_owned()
}

/// The primary key, then what only a table-level entry can say, then the
/// single-column unnamed uniques and foreign keys, which the spec writes on their
/// columns (the order only decides that: PostgreSQL names them the same either way).
fn constraint_order(table: &Table) -> Vec<(ConstraintRef, bool)> {
    let mut order = Vec::new();
    if !table.primary_key.is_empty() {
        order.push((ConstraintRef::PrimaryKey, false));
    }
    let mut on_columns = Vec::new();
    order.extend((0..table.checks.len()).map(|i| (ConstraintRef::Check(i), false)));
    for (i, unique) in table.uniques.iter().enumerate() {
        let entry = (ConstraintRef::Unique(i), false);
        if unique.name.is_none() && unique.columns.len() == 1 {
            on_columns.push(entry);
        } else {
            order.push(entry);
        }
    }
    for (i, key) in table.foreign_keys.iter().enumerate() {
        let entry = (ConstraintRef::ForeignKey(i), false);
        if key.name.is_none() && key.columns.len() == 1 {
            on_columns.push(entry);
        } else {
            order.push(entry);
        }
    }
    order.extend(on_columns);
    order
}

/// Indexes that are not a constraint's own (primary key, unique, exclusion).
fn read_indexes(
    tx: &mut Transaction<'_>,
    tables: &mut BTreeMap<u32, (Table, Vec<RawColumn>)>,
) -> Result<(), IntrospectError> {
    let rows = tx.query(
        "SELECT x.indrelid, i.relname::text, x.indisunique, \
                x.indpred IS NOT NULL OR am.amname <> 'btree' OR x.indnkeyatts <> x.indnatts \
                  OR NOT (0 = ALL (x.indoption::int2[])), \
                ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, i) \
                      LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num \
                      ORDER BY k.i), \
                pg_get_indexdef(x.indexrelid) \
         FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_am am ON am.oid = i.relam \
         WHERE n.nspname = current_schema() AND t.relkind = 'r' \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid \
                           AND con.conrelid = x.indrelid AND con.contype IN ('p', 'u', 'x')) \
         ORDER BY i.relname",
        &[],
    )?;
    for row in rows {
        let Some((table, _)) = tables.get_mut(&row.try_get::<_, u32>(0)?) else {
            continue;
        };
        table.indexes.push(Index {
            name: row.try_get(1)?,
            unique: row.try_get(2)?,
            // Partial, not a B-tree, with INCLUDE columns or a sort order: the spec
            // declares none of these, and says so as for a partial index.
            partial: row.try_get(3)?,
            columns: row.try_get(4)?,
            sql: row.try_get(5)?,
        });
    }
    Ok(())
}

fn read_views(tx: &mut Transaction<'_>) -> Result<Vec<SqlObject>, IntrospectError> {
    let mut views = Vec::new();
    for row in tx.query(
        "SELECT c.relname::text, c.relkind = 'm', pg_get_viewdef(c.oid) FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm') ORDER BY c.relname",
        &[],
    )? {
        let name: String = row.try_get(0)?;
        let materialized: bool = row.try_get(1)?;
        let definition: Option<String> = row.try_get(2)?;
        views.push(SqlObject {
            sql: format!(
                "CREATE {}VIEW {} AS {}",
                if materialized { "MATERIALIZED " } else { "" },
                names::quote_sql_as_needed(&name),
                definition.unwrap_or_default().trim()
            ),
            table: name.clone(),
            name,
        });
    }
    Ok(views)
}

fn read_triggers(tx: &mut Transaction<'_>) -> Result<Vec<SqlObject>, IntrospectError> {
    let mut triggers = Vec::new();
    for row in tx.query(
        "SELECT tg.tgname::text, c.relname::text, pg_get_triggerdef(tg.oid) FROM pg_trigger tg \
         JOIN pg_class c ON c.oid = tg.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND NOT tg.tgisinternal ORDER BY tg.tgname",
        &[],
    )? {
        triggers.push(SqlObject {
            name: row.try_get(0)?,
            table: row.try_get(1)?,
            sql: row.try_get(2)?,
        });
    }
    Ok(triggers)
}
