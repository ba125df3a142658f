//! The SQL seam: every statement the runtime runs is rendered here.
//!
//! The rest of the runtime describes what it wants in tables, columns and
//! expressions (a `Node` tree for a filter, a `TableDef` for a model's table,
//! a `Joined` for an eager load, a `Tail` for a query's WHERE, ORDER BY, LIMIT
//! and OFFSET) and hands the description to the statement builders of this
//! module, which write the text through a [`Dialect`]. Nothing outside `sql/` writes SQL keywords (the
//! `CREATE TABLE`/`CREATE INDEX` text of a [`Schema`](crate::Schema) comes from
//! the generator's DDL emitter).
//!
//! A [`Dialect`] is the part that differs between engines: identifier quoting,
//! parameter placeholders (`?1` or `$1`), how a LIMIT without a bound and an
//! OFFSET are spelled, whether an INSERT hands back its key with `RETURNING`,
//! the transaction and savepoint statements, connection setup, deferred
//! foreign keys, catalog queries (does a table exist?) and the migration
//! runner's bookkeeping. The statement builders (`statements.rs`,
//! `expr.rs`) write the standard SQL around those hooks; [`Sqlite`] is the one
//! engine today, and a PostgreSQL one is another implementation of the trait.
//!
//! Statements are rendered without `fmt` and, where the text only depends on
//! the model, once per model and thread (`ModelSql`).

mod expr;
mod identity;
mod model_statements;
mod postgres;
mod select;
mod sqlite;
mod statements;
#[cfg(test)]
mod tests;

pub(crate) use identity::{is_descriptor, key_columns};
#[cfg(feature = "postgres")]
pub(crate) use identity::{refusal, refused_descriptor};
pub(crate) use model_statements::{
    computes_identity, model_statements, update_changed, ModelSql, ModelStatement,
};
pub use postgres::Postgres;
pub(crate) use select::{
    count_of, delete_in, exists_of, select_raw, select_tree, update_in, upsert, OnConflict,
};
pub use sqlite::Sqlite;
pub(crate) use statements::{
    count, delete_where, exists, joined_select, joined_select_many, link_insert, post_update,
    post_update_clear, select, selectin_through, unlink, unlink_all, update_where, Association,
    Joined, Param, Sql, TableDef, Tail, Via,
};

/// How one SQL engine spells identifiers, parameters, transactions and the few
/// statements that are not standard SQL.
///
/// The provided statement methods assemble whole statements from the two
/// primitives, so a new engine implements those and overrides what differs.
///
/// ```
/// use litemodel::sql::{Dialect, Sqlite};
/// let sql = Sqlite.insert("users", &["username", "role_id"], Some("id"));
/// assert_eq!(sql, r#"INSERT INTO "users" ("username", "role_id") VALUES (?1, ?2) RETURNING "id""#);
/// ```
pub trait Dialect {
    /// Appends `ident` quoted as an identifier.
    fn push_identifier(&self, out: &mut String, ident: &str);

    /// Appends the placeholder of the `index`-th parameter (1-based).
    fn push_placeholder(&self, out: &mut String, index: usize);

    /// Whether an INSERT should hand back the new key with `RETURNING`. An
    /// engine that answers `false` reads it from the connection instead
    /// (SQLite's `last_insert_rowid()`).
    fn insert_returns_key(&self) -> bool {
        true
    }

    /// Whether a list of integer keys (the chunk of a relationship load)
    /// is bound as one array parameter, `column = ANY($1)`, rather than as a
    /// parameter per key, `column IN (?1, ?2, ...)`: one statement text for
    /// every number of keys.
    fn binds_key_arrays(&self) -> bool {
        false
    }

    /// Appends ` LIMIT n` and ` OFFSET <placeholder offset>`. The limit is
    /// written as a number (it is an integer from the program, never user
    /// SQL); the offset is bound, as parameter `offset`.
    fn push_limit_offset(&self, out: &mut String, limit: Option<u64>, offset: Option<usize>) {
        if let Some(n) = limit {
            out.push_str(" LIMIT ");
            push_decimal(out, n.min(i64::MAX as u64));
        }
        if let Some(index) = offset {
            out.push_str(" OFFSET ");
            self.push_placeholder(out, index);
        }
    }

    /// Opens a transaction that will write.
    fn begin_write(&self) -> &'static str {
        "BEGIN"
    }

    /// Commits the open transaction.
    fn commit(&self) -> &'static str {
        "COMMIT"
    }

    /// Rolls the open transaction back.
    fn rollback(&self) -> &'static str {
        "ROLLBACK"
    }

    /// Opens the savepoint a flush inside a transaction runs under.
    fn flush_savepoint(&self) -> &'static str {
        "SAVEPOINT litemodel_flush"
    }

    /// Keeps the flush savepoint's work.
    fn release_flush_savepoint(&self) -> &'static str {
        "RELEASE litemodel_flush"
    }

    /// Undoes the flush savepoint's work (it stays open: release it after).
    fn rollback_to_flush_savepoint(&self) -> &'static str {
        "ROLLBACK TO litemodel_flush"
    }

    /// Statements run on every new connection.
    fn connection_setup(&self) -> &'static [&'static str] {
        &[]
    }

    /// Statements run on a new connection to a file (not in memory).
    fn file_setup(&self) -> &'static [&'static str] {
        &[]
    }

    /// Defers foreign-key checks to the commit of the open transaction, for a
    /// flush that deletes parents before children. `None`: nothing to run.
    fn defer_foreign_keys(&self) -> Option<&'static str> {
        Some("SET CONSTRAINTS ALL DEFERRED")
    }

    /// A query answering one row when a table named parameter 1 exists, the
    /// name compared the way the engine compares identifiers.
    fn table_exists(&self) -> &'static str;

    /// The cheapest statement that proves a connection alive.
    fn ping(&self) -> &'static str {
        "SELECT 1"
    }

    /// `DROP TABLE IF EXISTS table`.
    fn drop_table(&self, table: &str) -> String {
        let mut sql = String::from("DROP TABLE IF EXISTS ");
        self.push_identifier(&mut sql, table);
        sql
    }

    /// `INSERT INTO table (columns) VALUES (...)`, returning `returning` when
    /// given (the generated primary key).
    fn insert(&self, table: &str, columns: &[&str], returning: Option<&str>) -> String {
        model_statements::insert(self, table, columns, &[], returning.as_slice())
    }

    /// `UPDATE table SET c1 = ?1, ... WHERE key = ?n`, the key bound last.
    fn update(&self, table: &str, columns: &[&str], key: &str) -> String {
        model_statements::update(self, table, columns, &[], key)
    }

    /// `DELETE FROM table WHERE key = ?1`.
    fn delete(&self, table: &str, key: &str) -> String {
        let mut sql = String::from("DELETE FROM ");
        self.push_identifier(&mut sql, table);
        self.push_key_filter(&mut sql, key, 1);
        sql
    }

    /// Whether every row has a `rowid` (SQLite). Where none has, a model
    /// identified by its rowid is identified by its packed key columns (see
    /// `identity.rs`).
    fn has_rowid(&self) -> bool {
        false
    }

    /// Appends ` WHERE key = <placeholder index>` (for a composite key
    /// without rowid, one comparison per key column).
    fn push_key_filter(&self, out: &mut String, key: &str, index: usize) {
        out.push_str(" WHERE ");
        if identity::is_descriptor(key) {
            identity::push_identity_match(self, out, "", key, index);
            return;
        }
        self.push_identifier(out, key);
        out.push_str(" = ");
        self.push_placeholder(out, index);
    }

    /// Appends `columns` quoted and separated by commas.
    fn push_list(&self, out: &mut String, columns: &[&str]) {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.push_identifier(out, column);
        }
    }

    // ---- the migration runner's statements ----------------------------------------

    /// Creates the version table `table` if it is missing.
    fn create_version_table(&self, table: &str) -> String;

    /// `version, name, checksum, applied_at` of every row of the version
    /// table, by version.
    fn select_applied(&self, table: &str) -> String {
        let mut sql = String::from("SELECT version, name, checksum, applied_at FROM ");
        sql.push_str(table);
        sql.push_str(" ORDER BY version");
        sql
    }

    /// Records an applied migration: version, name and checksum as parameters 1 to 3.
    fn insert_applied(&self, table: &str) -> String {
        let mut sql = String::from("INSERT INTO ");
        sql.push_str(table);
        sql.push_str(" (version, name, checksum) VALUES (");
        for index in 1..=3 {
            if index > 1 {
                sql.push_str(", ");
            }
            self.push_placeholder(&mut sql, index);
        }
        sql.push(')');
        sql
    }

    /// Forgets a reverted migration, its version as parameter 1.
    fn delete_applied(&self, table: &str) -> String {
        let mut sql = String::from("DELETE FROM ");
        sql.push_str(table);
        sql.push_str(" WHERE version = ");
        self.push_placeholder(&mut sql, 1);
        sql
    }

    /// The number of rows of `table`.
    fn count_rows(&self, table: &str) -> String {
        let mut sql = String::from("SELECT count(*) FROM ");
        self.push_identifier(&mut sql, table);
        sql
    }

    /// A query answering whether foreign keys are enforced on this connection;
    /// `None` when they always are.
    fn foreign_keys_enabled(&self) -> Option<&'static str> {
        None
    }

    /// Turns foreign-key enforcement on or off for the connection (outside a
    /// transaction); `None` when the engine has no such switch.
    fn set_foreign_keys(&self, on: bool) -> Option<&'static str> {
        let _ = on;
        None
    }

    /// A query listing foreign-key violations as (table, rowid, parent) rows;
    /// `None` when the engine never lets them in.
    fn foreign_key_check(&self) -> Option<&'static str> {
        None
    }

    /// The table a migration statement copies from when it fills a rebuild's
    /// temporary table (`INSERT INTO "<prefix>users" ...` gives `users`);
    /// `None` for any other statement, and on engines that alter in place.
    fn rebuild_copy_source(&self, sql: &str, prefix: &str) -> Option<String> {
        let _ = (sql, prefix);
        None
    }
}

/// Appends the column `column`: a standard SQL delimited identifier, or
/// (a composite key's descriptor) the identity of the row.
pub(crate) fn push_column_name<D: Dialect + ?Sized>(d: &D, out: &mut String, column: &str) {
    if identity::is_descriptor(column) {
        identity::push_identity(d, out, "", column);
    } else {
        push_double_quoted(out, column);
    }
}

/// Appends `qualifier.column` (`qualifier` written as is: an alias or a
/// quoted table); for a composite key's descriptor, the row's identity with
/// each key column qualified.
pub(crate) fn push_qualified_column<D: Dialect + ?Sized>(
    d: &D,
    out: &mut String,
    qualifier: &str,
    column: &str,
) {
    if identity::is_descriptor(column) {
        let mut prefix = String::with_capacity(qualifier.len() + 1);
        prefix.push_str(qualifier);
        prefix.push('.');
        identity::push_identity(d, out, &prefix, column);
    } else {
        out.push_str(qualifier);
        out.push('.');
        d.push_identifier(out, column);
    }
}

/// Appends `ident` as a standard SQL delimited identifier: in double quotes,
/// a quote inside doubled (SQLite and PostgreSQL alike).
pub(crate) fn push_double_quoted(out: &mut String, ident: &str) {
    out.push('"');
    if ident.contains('"') {
        out.push_str(&ident.replace('"', "\"\""));
    } else {
        out.push_str(ident);
    }
    out.push('"');
}

/// Appends `n` in decimal, without `fmt`'s machinery (queries write a few
/// numbers each, on every run).
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}
