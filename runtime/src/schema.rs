//! The DDL of a set of models, as the generator emits it.

/// Every table of a spec, parents before the tables that reference them.
///
/// The generator emits one `pub static SCHEMA: Schema`; hand it to
/// [`Database::create_all`](crate::Database::create_all) and
/// [`Database::drop_all`](crate::Database::drop_all).
///
/// ```
/// use litemodel::{Schema, TableSchema};
/// static SCHEMA: Schema = Schema {
///     tables: &[TableSchema {
///         name: "tags",
///         create: "CREATE TABLE tags (\n\tid INTEGER NOT NULL, \n\tPRIMARY KEY (id)\n)",
///         indexes: &[],
///     }],
/// };
/// assert_eq!(SCHEMA.tables[0].name, "tags");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The tables in dependency order: a table comes after every table its
    /// foreign keys reference.
    pub tables: &'static [TableSchema],
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
