//! PostgreSQL: `"double quoted"` identifiers, `$N` placeholders, `RETURNING`,
//! catalogs in `pg_catalog`.

use super::{push_column_name, push_decimal, Dialect};

/// The PostgreSQL dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

impl Dialect for Postgres {
    /// A composite key's descriptor is the row's identity (see `identity.rs`).
    fn push_identifier(&self, out: &mut String, ident: &str) {
        push_column_name(self, out, ident);
    }

    fn push_placeholder(&self, out: &mut String, index: usize) {
        out.push('$');
        push_decimal(out, index as u64);
    }

    /// `= ANY($1)`, the keys as an array of the key column's type (Diesel's
    /// form): prepared once for every chunk of a relationship load.
    fn binds_key_arrays(&self) -> bool {
        true
    }

    /// Tables in the schema the connection's `search_path` puts first,
    /// compared exactly (PostgreSQL keeps quoted names as written).
    fn table_exists(&self) -> &'static str {
        "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1"
    }

    fn create_version_table(&self, table: &str) -> String {
        let mut sql = String::from("CREATE TABLE IF NOT EXISTS ");
        sql.push_str(table);
        sql.push_str(
            " (\n\
             \tversion INTEGER NOT NULL, \n\
             \tname TEXT NOT NULL, \n\
             \tchecksum TEXT NOT NULL, \n\
             \tapplied_at TIMESTAMP WITHOUT TIME ZONE DEFAULT CURRENT_TIMESTAMP NOT NULL, \n\
             \tPRIMARY KEY (version)\n)",
        );
        sql
    }
}

impl Postgres {
    /// A query answering one row when an enum type named parameter 1 exists
    /// in the current schema.
    #[cfg(feature = "postgres")]
    pub(crate) fn type_exists(&self) -> &'static str {
        "SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
         WHERE n.nspname = current_schema() AND t.typname = $1"
    }
}
