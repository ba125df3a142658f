//! The DDL of a set of models, as the generator emits it.

/// Every table of a spec, parents before the tables that reference them.
///
/// The generator emits one `pub static SCHEMA: Schema`; hand it to
/// [`Database::create_all`](crate::Database::create_all) and
/// [`Database::drop_all`](crate::Database::drop_all).
///
/// The generator writes the DDL of every engine the runtime runs on: the
/// runtime picks the one of the database it is given, so the same generated
/// code creates its tables on SQLite and on PostgreSQL.
///
/// ```
/// use litemodel::{PostgresSchema, Schema, TableSchema};
/// static SCHEMA: Schema = Schema {
///     tables: &[TableSchema {
///         name: "tags",
///         create: "CREATE TABLE tags (\n\tid INTEGER NOT NULL, \n\tPRIMARY KEY (id)\n)",
///         indexes: &[],
///     }],
///     postgres: PostgresSchema::NONE,
/// };
/// assert_eq!(SCHEMA.tables[0].name, "tags");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The SQLite tables in dependency order: a table comes after every table
    /// its foreign keys reference.
    pub tables: &'static [TableSchema],
    /// The same schema for PostgreSQL.
    pub postgres: PostgresSchema,
}

/// A schema's PostgreSQL DDL: the enum types its tables use, the tables, and
/// the foreign keys added after the tables.
#[derive(Debug, Clone, Copy)]
pub struct PostgresSchema {
    /// `CREATE TYPE ... AS ENUM`, created before the tables and dropped after.
    pub types: &'static [TypeSchema],
    /// The tables in dependency order, as for [`Schema::tables`].
    pub tables: &'static [TableSchema],
    /// The foreign keys of tables whose foreign keys form a cycle, which no
    /// order of `CREATE TABLE`s can hold: added with `ALTER TABLE` after the
    /// tables, and dropped before them, as SQLAlchemy's `create_all()` and
    /// `drop_all()` do on PostgreSQL. Empty without a cycle.
    pub foreign_keys: &'static [ForeignKeySchema],
}

impl PostgresSchema {
    /// No PostgreSQL DDL (a hand-written schema for SQLite only).
    pub const NONE: PostgresSchema = PostgresSchema {
        types: &[],
        tables: &[],
        foreign_keys: &[],
    };
}

/// A foreign key created after the tables (see [`PostgresSchema::foreign_keys`]).
#[derive(Debug, Clone, Copy)]
pub struct ForeignKeySchema {
    /// The table the constraint belongs to, unquoted.
    pub table: &'static str,
    /// `ALTER TABLE table ADD [CONSTRAINT name] FOREIGN KEY(...) REFERENCES ...`,
    /// run when [`create_all`](crate::Database::create_all) creates `table`.
    pub add: &'static str,
    /// `ALTER TABLE table DROP CONSTRAINT name`, run by
    /// [`drop_all`](crate::Database::drop_all) before any table is dropped;
    /// `None` for an unnamed reference of a table to itself, which goes with
    /// its table.
    pub drop: Option<&'static str>,
}

/// A named type of a PostgreSQL schema (an enum).
#[derive(Debug, Clone, Copy)]
pub struct TypeSchema {
    /// The type name, unquoted.
    pub name: &'static str,
    /// `CREATE TYPE name AS ENUM (...)`.
    pub create: &'static str,
    /// `DROP TYPE name`.
    pub drop: &'static str,
}

impl Schema {
    /// The tables to create on `engine`.
    pub(crate) fn tables_for(
        &self,
        engine: crate::Engine,
    ) -> crate::Result<&'static [TableSchema]> {
        match engine {
            crate::Engine::Sqlite => Ok(self.tables),
            crate::Engine::Postgres
                if self.postgres.tables.is_empty() && !self.tables.is_empty() =>
            {
                Err(crate::Error::NoDdl {
                    engine: engine.name(),
                })
            }
            crate::Engine::Postgres => Ok(self.postgres.tables),
        }
    }
}

/// One table: its name, its `CREATE TABLE` and its `CREATE INDEX` statements.
#[derive(Debug, Clone, Copy)]
pub struct TableSchema {
    /// The table name, unquoted, as stored in `sqlite_master`.
    pub name: &'static str,
    /// The complete `CREATE TABLE` statement.
    pub create: &'static str,
    /// The `CREATE [UNIQUE] INDEX` statements of the table.
    pub indexes: &'static [&'static str],
}
