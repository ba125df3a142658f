//! Reading the schema of an existing SQLite database, and writing it back as a spec.
//!
//! [`read`] (in `read.rs`, with the `CREATE TABLE` parser of `parse.rs`) collects what SQLite knows about each table (`PRAGMA table_info`,
//! `index_list`, `index_info`, `foreign_key_list`) and what only the `CREATE TABLE`
//! text says (constraint names, CHECK constraints, where each constraint was
//! written, AUTOINCREMENT, WITHOUT ROWID) into a [`DbSchema`]. The migration differ
//! compares two of these; [`to_spec`] turns one into `models.toml` text, the analog
//! of sqlacodegen and `diesel print-schema`.
//!
//! [`postgres::read`] fills the same [`DbSchema`] from a PostgreSQL database's
//! catalogs (`pg_catalog`, in the connection's current schema): each column carries
//! the spec type its catalog type is, and what the spec cannot say about a table is
//! a note on it, so [`to_spec`] writes the spec of either engine.

mod diff;
mod parse;
pub mod postgres;
mod read;
mod to_spec;

use rusqlite::Connection;

pub use diff::{schema_differences, structural_differences};
pub(crate) use parse::{leading_names, mentions, one_line, rename_create_table};
pub use read::read;
pub(crate) use to_spec::spec_type;
pub use to_spec::{to_spec, Introspected};

/// The version table of Alembic (Flask-Migrate): a database that has it was
/// migrated with `flask db upgrade`. litemodel leaves it alone.
pub const ALEMBIC_VERSION_TABLE: &str = "alembic_version";

/// Tables of SQLite itself and of litemodel's migration runner: never part of a spec.
pub fn is_internal_table(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.starts_with("sqlite_") || lower == "litemodel_migrations"
}

/// Everything a database holds that a spec (or a migration) cares about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DbSchema {
    /// Tables, sorted by name (internal tables left out).
    pub tables: Vec<Table>,
    /// Views, sorted by name.
    pub views: Vec<SqlObject>,
    /// Triggers, sorted by name.
    pub triggers: Vec<SqlObject>,
}

/// A view or trigger: litemodel keeps its SQL and recreates it, never interprets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlObject {
    /// Its name.
    pub name: String,
    /// The table it belongs to (for a view, the view itself).
    pub table: String,
    /// Its `CREATE` statement.
    pub sql: String,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The name.
    pub name: String,
    /// The `CREATE TABLE` statement as SQLite stores it.
    pub sql: String,
    /// Columns in order.
    pub columns: Vec<Column>,
    /// Primary key columns, in key order.
    pub primary_key: Vec<String>,
    /// The primary key's constraint name, if it has one.
    pub primary_key_name: Option<String>,
    /// The primary key was written on its column (`id INTEGER PRIMARY KEY`).
    pub primary_key_inline: bool,
    /// `AUTOINCREMENT` on the primary key.
    pub autoincrement: bool,
    /// UNIQUE constraints of the `CREATE TABLE`, in the order written.
    pub uniques: Vec<Unique>,
    /// CHECK constraints, in the order written.
    pub checks: Vec<Check>,
    /// Foreign keys, in the order written.
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes made with `CREATE INDEX`, sorted by name.
    pub indexes: Vec<Index>,
    /// `WITHOUT ROWID`, `STRICT`, ... after the closing parenthesis, upper case.
    pub options: Vec<String>,
    /// The order of the table constraints as written: the primary key, uniques,
    /// checks and foreign keys, each with whether it was written on a column.
    pub constraint_order: Vec<(ConstraintRef, bool)>,
    /// What the reader found that a spec cannot say and that [`to_spec`] does not
    /// see in the other fields (a PostgreSQL key without a sequence, say); each
    /// becomes a warning of the spec. Empty for SQLite.
    pub notes: Vec<String>,
}

/// Which constraint of a [`Table`] a [`Table::constraint_order`] entry means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintRef {
    /// The primary key.
    PrimaryKey,
    /// `uniques[i]`
    Unique(usize),
    /// `checks[i]`
    Check(usize),
    /// `foreign_keys[i]`
    ForeignKey(usize),
}

/// One column.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Column {
    /// The name.
    pub name: String,
    /// The declared type, as written (empty when none); on PostgreSQL, the
    /// catalog's `format_type`.
    pub decl_type: String,
    /// The spec type the column is, when the reader knows it exactly (PostgreSQL);
    /// `None` on SQLite, where [`to_spec`] derives it from `decl_type` by SQLite's
    /// affinity rules.
    pub spec_type: Option<litemodel_codegen::model::ColumnType>,
    /// `NOT NULL` was declared.
    pub not_null: bool,
    /// The `DEFAULT` expression's text.
    pub default: Option<String>,
    /// `COLLATE` name, when written.
    pub collate: Option<String>,
    /// A generated column (`GENERATED ALWAYS AS`).
    pub generated: bool,
}

/// A UNIQUE constraint of the `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unique {
    /// Its constraint name.
    pub name: Option<String>,
    /// Its columns.
    pub columns: Vec<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Its constraint name.
    pub name: Option<String>,
    /// The expression inside `CHECK (...)`.
    pub sql: String,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Its constraint name.
    pub name: Option<String>,
    /// The local columns.
    pub columns: Vec<String>,
    /// The referenced table, as written.
    pub table: String,
    /// The referenced columns (the referenced table's primary key when the
    /// `REFERENCES` clause names none).
    pub references: Vec<String>,
    /// `ON DELETE` action, upper case (`NO ACTION` when not written).
    pub on_delete: String,
    /// `ON UPDATE` action, upper case.
    pub on_update: String,
    /// `DEFERRABLE INITIALLY DEFERRED` (or another deferral clause) was written.
    pub deferrable: bool,
}

/// An index made with `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The name.
    pub name: String,
    /// The indexed columns; `None` for an expression.
    pub columns: Vec<Option<String>>,
    /// A unique index.
    pub unique: bool,
    /// A partial index (`WHERE ...`).
    pub partial: bool,
    /// The `CREATE INDEX` statement.
    pub sql: String,
}

impl DbSchema {
    /// The table named `name` (ignoring case, as SQLite does).
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

impl Table {
    /// The column named `name` (ignoring case).
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Reads `conn` and writes its spec, then checks the result: the spec is validated
/// and its `create_all` run in a scratch database, and every difference between
/// that schema and the original (beyond the warnings already given) is reported.
///
/// # Errors
///
/// Reading the database failed.
pub fn introspect(conn: &Connection) -> Result<Introspected, IntrospectError> {
    let schema = read(conn)?;
    let (mut result, checked) = checked_spec(&schema)?;
    let scratch = Connection::open_in_memory()?;
    scratch.execute_batch(&litemodel_codegen::ddl(&checked.schema))?;
    let again = read(&scratch)?;
    let mut extra = Vec::new();
    for table in &schema.tables {
        if table.primary_key.is_empty() {
            continue;
        }
        match again.table(&table.name) {
            None => extra.push(format!("table `{}` is not recreated", table.name)),
            Some(new) => {
                for difference in structural_differences(table, new) {
                    if !explained(&result.warnings, &table.name, &difference) {
                        extra.push(format!("`{}`: {difference}", table.name));
                    }
                }
            }
        }
    }
    if !extra.is_empty() {
        let mut header = String::new();
        for line in &extra {
            header.push_str(&format!("#   - {line}\n"));
        }
        let marker = "# What this spec does not reproduce exactly:\n";
        if let Some(at) = result.spec.find(marker) {
            result.spec.insert_str(at + marker.len(), &header);
        } else {
            let first_line_end = result.spec.find('\n').map_or(0, |i| i + 1);
            let replaced_end = result.spec[first_line_end..]
                .find('\n')
                .map_or(first_line_end, |i| first_line_end + i + 1);
            result
                .spec
                .replace_range(first_line_end..replaced_end, &format!("{marker}{header}"));
        }
        result.warnings.extend(extra);
    }
    Ok(result)
}

/// The spec of `schema`, validated: the checks both engines share.
pub(crate) fn checked_spec(
    schema: &DbSchema,
) -> Result<(Introspected, litemodel_codegen::Checked), IntrospectError> {
    if schema.tables.is_empty() {
        return Err(IntrospectError::NoTables);
    }
    if schema.tables.iter().all(|t| t.primary_key.is_empty()) {
        let names: Vec<String> = schema
            .tables
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect();
        return Err(IntrospectError::NoPrimaryKeys(names.join(", ")));
    }
    let result = to_spec(schema);
    match litemodel_codegen::check("introspected models.toml", &result.spec) {
        Err(diagnostics) => Err(IntrospectError::InvalidSpec(diagnostics.render(false))),
        Ok(checked) => Ok((result, checked)),
    }
}

/// Reads the current schema of the PostgreSQL database behind `client` (the first
/// schema of its `search_path`, `current_schema()`) and writes its spec, validated:
/// `litemodel create-all` with it on PostgreSQL makes the same tables, columns,
/// constraints (names included), indexes and enum types, apart from what the
/// warnings name.
///
/// # Errors
///
/// Reading the catalogs failed, the schema has no tables, or a column has a type
/// the spec cannot express ([`IntrospectError::UnsupportedColumns`]).
pub fn introspect_postgres(
    client: &mut ::postgres::Client,
) -> Result<Introspected, IntrospectError> {
    let schema = postgres::read(client)?;
    let (result, _checked) = checked_spec(&schema)?;
    Ok(result)
}

/// Runs the `CREATE TABLE` parser over `sql`, and the token helpers the migration
/// planner uses (`mentions`, `rename_create_table`, `one_line`); returns how many
/// columns and constraints were found. For the fuzz target `create_table`
/// (`codegen/fuzz/`): whatever the text, nothing may panic.
#[doc(hidden)]
pub fn parse_create_table_for_fuzzing(sql: &str) -> usize {
    let parsed = parse::parse_create_table(sql);
    let found = parsed.columns.len() + parsed.items.len();
    let first_column = parsed.columns.first().map_or("", |c| c.name.as_str());
    let mentioned = usize::from(mentions(sql, first_column));
    let renamed = rename_create_table(sql, "\"renamed\"").map_or(0, |s| s.len());
    found + mentioned + renamed + one_line(sql).len()
}

/// True when a warning already says why `difference` (of `table`) happens.
fn explained(warnings: &[String], table: &str, difference: &str) -> bool {
    let said = |text: &str| warnings.iter().any(|w| w.contains(text));
    if let Some(rest) = difference.strip_prefix("column `") {
        let column = rest.split('`').next().unwrap_or("");
        return rest.contains("` type `") && said(&format!("`{table}.{column}`: declared type"));
    }
    match difference {
        "foreign keys differ" => said(&format!("`{table}`: the foreign key")),
        "indexes differ" => said(&format!("`{table}`: index `")),
        _ => false,
    }
}

/// Why introspection failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IntrospectError {
    /// Reading the database failed.
    #[error("reading the database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Reading a PostgreSQL database's catalogs failed.
    #[error("reading the database: {0}")]
    Postgres(#[from] ::postgres::Error),
    /// The connection's `search_path` names no schema that exists, so there is no
    /// current schema to read.
    #[error("the connection has no current schema: its `search_path` names no existing schema; set one (`options=-csearch_path=NAME` in the connection string)")]
    NoCurrentSchema,
    /// Columns whose PostgreSQL type no spec type makes (arrays, `tsvector`, `jsonb`,
    /// `real`, a precision on a time, ...), sequences and identities on other
    /// columns than a table's one integer key, and names that differ only in case,
    /// one line each: the spec would make another schema. Nothing is written.
    #[error("a spec cannot express these columns of the database:\n{}\n  help: change such a column to a type a spec makes (docs/postgresql.md lists them; for example `ALTER TABLE t ALTER COLUMN c TYPE text`) and rename names that differ only in case, or introspect a schema without them", .0.iter().map(|line| format!("  - {line}")).collect::<Vec<_>>().join("\n"))]
    UnsupportedColumns(Vec<String>),
    /// The database has no tables (an empty or new file): there is nothing to write a
    /// spec of.
    #[error("the database has no tables; create them first (`litemodel create-all`), or point `--database` at another file")]
    NoTables,
    /// Every table lacks a primary key, which a spec requires of each model: the spec
    /// would have no models. Holds the tables' names.
    #[error("no table of the database has a primary key ({0}), and a spec maps only tables that have one")]
    NoPrimaryKeys(String),
    /// The written spec does not validate: a bug in litemodel, reported with the spec's
    /// diagnostics.
    #[error("the spec written from the database does not validate (please report this):\n{0}")]
    InvalidSpec(String),
}
