//! PostgreSQL, as SQLAlchemy's PostgreSQL dialect writes it through psycopg.
//!
//! Recorded against the real thing: `tests/sqlalchemy/record_postgres.sh` keeps
//! SQLAlchemy's DDL and the catalog it makes in `tests/sqlalchemy/*.postgres.*`.

use super::{generic_column_type, sort_tables_and_constraints, Dialect};
use crate::model::{ColumnType, Literal, Model, Schema};
use crate::names;

/// PostgreSQL, with SQLAlchemy's type names, `SERIAL` keys, native enums and quoting.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgresql;

/// SQLAlchemy's `sqlalchemy.dialects.postgresql.base.RESERVED_WORDS` (2.1).
const RESERVED_WORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "new",
    "not",
    "notnull",
    "null",
    "of",
    "off",
    "offset",
    "old",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "over",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

impl Postgresql {
    /// The enum types of the schema as (name, labels), first use first, each name once
    /// (SQLAlchemy creates a named type once however many columns use it).
    pub fn enum_types<'a>(schema: &'a Schema, order: &[usize]) -> Vec<(&'a str, &'a [String])> {
        let mut types: Vec<(&str, &[String])> = Vec::new();
        for &m in order {
            for column in &schema.models[m].columns {
                if let ColumnType::Enum { name, values } = &column.ty {
                    if !types.iter().any(|(seen, _)| *seen == name.as_str()) {
                        types.push((name.as_str(), values.as_slice()));
                    }
                }
            }
        }
        types
    }
}

impl Dialect for Postgresql {
    /// SQLAlchemy's rule with PostgreSQL's reserved words: quoted only when the name is
    /// reserved, has upper case letters (PostgreSQL folds unquoted names to lower case),
    /// starts with a digit or `$`, or has a character outside `[A-Za-z0-9_$]`.
    fn quote(&self, name: &str) -> String {
        let lower = name.to_lowercase();
        let needs_quotes = name.is_empty()
            || RESERVED_WORDS.contains(&lower.as_str())
            || name.starts_with(|c: char| c.is_ascii_digit() || c == '$')
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            || lower != name;
        if needs_quotes {
            names::quote_sql(name)
        } else {
            name.to_owned()
        }
    }

    fn column_type(&self, ty: &ColumnType) -> String {
        match ty {
            ColumnType::Blob => "BYTEA".into(),
            ColumnType::Time => "TIME WITHOUT TIME ZONE".into(),
            ColumnType::DateTime { timezone: false } => "TIMESTAMP WITHOUT TIME ZONE".into(),
            ColumnType::DateTime { timezone: true } => "TIMESTAMP WITH TIME ZONE".into(),
            ColumnType::Uuid => "UUID".into(),
            // SQLAlchemy's native enum: the column's type is the named type.
            ColumnType::Enum { name, .. } => self.quote(name),
            // FLOAT is stored as `double precision`.
            other => generic_column_type(other),
        }
    }

    fn literal(&self, literal: &Literal) -> String {
        match literal {
            Literal::Integer(i) => i.to_string(),
            Literal::Float(f) => format!("{f:?}"),
            Literal::Boolean(b) => b.to_string(),
            Literal::String(s) => names::sql_string_literal(s),
        }
    }

    /// A boolean's `0`/`1` (SQLite's spelling, which PostgreSQL refuses for a
    /// `BOOLEAN` column) as `false`/`true`; any other text as written.
    fn server_default(&self, ty: &ColumnType, sql: &str) -> String {
        super::portable_server_default(ty, sql).to_owned()
    }

    /// SQLAlchemy's `Table._autoincrement_column` with `autoincrement="auto"`: the one
    /// column of a single-column integer primary key with no client or server default
    /// and no foreign key becomes `SERIAL` (`BIGSERIAL`, `SMALLSERIAL` by size).
    fn serial_type(&self, model: &Model, column: usize) -> Option<String> {
        if model.primary_key != [column] {
            return None;
        }
        let col = &model.columns[column];
        let has_foreign_key = model
            .foreign_keys
            .iter()
            .any(|fk| fk.columns.contains(&column));
        let has_default =
            col.default.is_some() || col.default_factory.is_some() || col.server_default.is_some();
        if has_foreign_key || has_default {
            return None;
        }
        match col.ty {
            ColumnType::Integer => Some("SERIAL".into()),
            ColumnType::BigInteger => Some("BIGSERIAL".into()),
            ColumnType::SmallInteger => Some("SMALLSERIAL".into()),
            _ => None,
        }
    }

    fn table_order(&self, schema: &Schema) -> Vec<usize> {
        sort_tables_and_constraints(schema).0
    }

    /// The foreign keys of the tables on a cycle, added with `ALTER TABLE` after
    /// every table: PostgreSQL checks a reference when the constraint is made.
    fn deferred_foreign_keys(&self, schema: &Schema) -> Vec<(usize, usize)> {
        sort_tables_and_constraints(schema).1
    }

    fn create_types(&self, schema: &Schema, order: &[usize]) -> Vec<String> {
        Self::enum_types(schema, order)
            .into_iter()
            .map(|(name, values)| {
                let labels = values
                    .iter()
                    .map(|v| names::sql_string_literal(v))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("CREATE TYPE {} AS ENUM ({labels})", self.quote(name))
            })
            .collect()
    }

    fn drop_types(&self, schema: &Schema, order: &[usize]) -> Vec<String> {
        Self::enum_types(schema, order)
            .into_iter()
            .map(|(name, _)| format!("DROP TYPE {}", self.quote(name)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Postgresql;
    use crate::emit::sql::{create_all, drop_all};

    fn ddl(spec: &str) -> Result<String, String> {
        let checked = crate::check("models.toml", spec).map_err(|d| d.render(false))?;
        Ok(create_all(&checked.schema, &Postgresql))
    }

    /// SQLAlchemy's `_autoincrement_column`, checked against its PostgreSQL compiler:
    /// BIGSERIAL/SMALLSERIAL by size; no SERIAL with a default, a foreign key, a
    /// composite key or a non-integer key.
    #[test]
    fn serial_follows_sqlalchemys_autoincrement_column() -> Result<(), String> {
        let text = ddl(r#"
            [models.Big.columns]
            id = { type = "big_integer", primary_key = true }
            [models.Small.columns]
            id = { type = "small_integer", primary_key = true }
            [models.Defaulted.columns]
            id = { type = "integer", primary_key = true, server_default = "7" }
            [models.Keyed.columns]
            id = { type = "big_integer", primary_key = true, foreign_key = "big.id" }
            [models.Named.columns]
            code = { type = "string(8)", primary_key = true }
            [models.ClientDefault.columns]
            id = { type = "integer", primary_key = true, default = 5 }
            "#)?;
        assert!(text.contains("\tid BIGSERIAL NOT NULL, "), "{text}");
        assert!(text.contains("\tid SMALLSERIAL NOT NULL, "), "{text}");
        assert!(text.contains("\tid INTEGER DEFAULT 7 NOT NULL, "), "{text}");
        assert!(text.contains("\tid BIGINT NOT NULL, "), "{text}");
        assert!(text.contains("\tcode VARCHAR(8) NOT NULL, "), "{text}");
        assert!(text.contains("\tid INTEGER NOT NULL, "), "{text}");
        Ok(())
    }

    #[test]
    fn a_boolean_server_default_of_0_or_1_is_false_or_true() -> Result<(), String> {
        let ddl = ddl(r#"
            [models.Flag]
            table = "flags"
            [models.Flag.columns]
            id = { type = "integer", primary_key = true }
            shown = { type = "boolean", nullable = false, server_default = "1" }
            hidden = { type = "boolean", server_default = "0" }
            n = { type = "integer", server_default = "0" }
            "#)?;
        assert!(
            ddl.contains("\tshown BOOLEAN DEFAULT true NOT NULL"),
            "{ddl}"
        );
        assert!(ddl.contains("\thidden BOOLEAN DEFAULT false"), "{ddl}");
        assert!(ddl.contains("\tn INTEGER DEFAULT 0"), "{ddl}");
        Ok(())
    }

    #[test]
    fn quoting_uses_postgresql_reserved_words() {
        let quote = |name| super::Dialect::quote(&Postgresql, name);
        assert_eq!(quote("user"), "\"user\"");
        assert_eq!(quote("order"), "\"order\"");
        assert_eq!(quote("timestamp"), "timestamp");
        assert_eq!(quote("type"), "type");
        assert_eq!(quote("PostStatus"), "\"PostStatus\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn shared_enum_type_is_created_once_and_dropped_after_the_tables() -> Result<(), String> {
        let spec = r#"
            [models.A.columns]
            id = { type = "integer", primary_key = true }
            level = { type = "enum", values = ["low", "high"], enum_name = "level" }
            [models.B.columns]
            id = { type = "integer", primary_key = true }
            level = { type = "enum", values = ["low", "high"], enum_name = "level" }
            "#;
        let text = ddl(spec)?;
        assert_eq!(
            text.matches("CREATE TYPE level AS ENUM ('low', 'high')")
                .count(),
            1
        );
        assert!(text.starts_with("CREATE TYPE"), "{text}");
        let checked = crate::check("models.toml", spec).map_err(|d| d.render(false))?;
        let drops = drop_all(&checked.schema, &Postgresql);
        assert_eq!(drops.last().map(String::as_str), Some("DROP TYPE level"));
        Ok(())
    }

    /// SQLAlchemy's `sort_tables_and_constraints`: every foreign key of a table on a
    /// cycle is added after the tables, its reference to a table outside the cycle
    /// too; the other tables keep theirs inline and come after what they reference.
    #[test]
    fn a_cycle_defers_every_foreign_key_of_its_tables() -> Result<(), String> {
        let spec = r#"
            [models.Role]
            table = "roles"
            [models.Role.columns]
            id = { type = "integer", primary_key = true }
            [models.A]
            table = "a"
            [models.A.columns]
            id = { type = "integer", primary_key = true }
            b_id = { type = "integer", foreign_key = "b.id", index = true }
            role_id = { type = "integer", foreign_key = "roles.id", index = true }
            [models.B]
            table = "b"
            [models.B.columns]
            id = { type = "integer", primary_key = true }
            a_id = { type = "integer", foreign_key = "a.id", index = true }
            [models.C]
            table = "c"
            [models.C.columns]
            id = { type = "integer", primary_key = true }
            b_id = { type = "integer", foreign_key = "b.id", index = true }
            "#;
        let text = ddl(spec)?;
        let creates: Vec<&str> = text
            .split(";\n\n")
            .filter(|s| s.starts_with("CREATE TABLE"))
            .map(|s| s.split_whitespace().nth(2).unwrap_or_default())
            .collect();
        assert_eq!(creates, ["roles", "a", "b", "c"], "{text}");
        assert!(
            text.contains("\tFOREIGN KEY(b_id) REFERENCES b (id)\n)"),
            "{text}"
        );
        let alters: Vec<&str> = text
            .split(";\n\n")
            .filter(|s| s.starts_with("ALTER"))
            .collect();
        assert_eq!(
            alters,
            [
                "ALTER TABLE a ADD FOREIGN KEY(b_id) REFERENCES b (id)",
                "ALTER TABLE a ADD FOREIGN KEY(role_id) REFERENCES roles (id)",
                "ALTER TABLE b ADD FOREIGN KEY(a_id) REFERENCES a (id)",
            ],
            "{text}"
        );
        // Unnamed, SQLAlchemy's drop_all() refuses them; litemodel drops them by the
        // names PostgreSQL gave them.
        let checked = crate::check("models.toml", spec).map_err(|d| d.render(false))?;
        let drops = drop_all(&checked.schema, &Postgresql);
        assert_eq!(
            drops,
            [
                "ALTER TABLE a DROP CONSTRAINT a_b_id_fkey",
                "ALTER TABLE a DROP CONSTRAINT a_role_id_fkey",
                "ALTER TABLE b DROP CONSTRAINT b_a_id_fkey",
                "DROP TABLE c",
                "DROP TABLE b",
                "DROP TABLE a",
                "DROP TABLE roles",
            ]
        );
        Ok(())
    }
}
