//! Creating and dropping a schema's tables (SQLAlchemy's `create_all` and
//! `drop_all`), and asking whether a table exists.

use crate::conn::Engine;
use crate::error::Result;
use crate::schema::Schema;
use crate::types::ColumnValue;

use super::Database;

impl Database {
    /// Creates the tables of `schema` that do not exist yet, with their
    /// indexes, in one transaction. Existing tables and their rows are left
    /// alone (SQLAlchemy's `create_all`).
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`](crate::Error::Sqlite) naming the table whose DDL failed.
    pub fn create_all(&self, schema: &Schema) -> Result<()> {
        self.create_missing(schema).map(drop)
    }

    /// [`create_all`](Database::create_all), returning the names of the
    /// tables it created (the others existed already), in creation order.
    /// `litemodel create-all` runs this.
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// use litemodel::{Database, PostgresSchema, Schema, TableSchema};
    /// static SCHEMA: Schema = Schema {
    ///     tables: &[TableSchema { name: "tags", create: "CREATE TABLE tags (id INTEGER)", indexes: &[] }],
    ///     postgres: PostgresSchema::NONE,
    /// };
    /// let db = Database::open_in_memory()?;
    /// assert_eq!(db.create_missing(&SCHEMA)?, ["tags"]);
    /// assert!(db.create_missing(&SCHEMA)?.is_empty());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`create_all`](Database::create_all); nothing is created then.
    pub fn create_missing(&self, schema: &Schema) -> Result<Vec<&'static str>> {
        let tables = schema.tables_for(self.engine())?;
        self.in_transaction(|| {
            let mut created = Vec::new();
            #[cfg(feature = "postgres")]
            if self.engine() == Engine::Postgres {
                for enum_type in schema.postgres.types {
                    if !self.type_exists(enum_type.name)? {
                        self.execute(enum_type.create, None)?;
                    }
                }
            }
            // Every check before the first CREATE: a check prepared before
            // and run after a schema change is prepared again, and leaves
            // SQLite's error state allocated for the connection's life
            // (a few instructions on every later statement reset).
            let mut missing = Vec::new();
            for table in tables {
                if !self.table_exists(table.name)? {
                    missing.push(table);
                }
            }
            for table in missing {
                self.execute(table.create, Some(table.name))?;
                for index in table.indexes {
                    self.execute(index, Some(table.name))?;
                }
                created.push(table.name);
            }
            // The foreign keys of a cycle of tables, once all of them exist
            // (SQLAlchemy adds them as `create_all` does, for the tables it made).
            #[cfg(feature = "postgres")]
            if self.engine() == Engine::Postgres {
                for foreign_key in schema.postgres.foreign_keys {
                    if created.contains(&foreign_key.table) {
                        self.execute(foreign_key.add, Some(foreign_key.table))?;
                    }
                }
            }
            Ok(created)
        })
    }

    /// Drops every table of `schema` that exists, children first.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`](crate::Error::Sqlite) naming the table that could not be dropped.
    pub fn drop_all(&self, schema: &Schema) -> Result<()> {
        self.drop_existing(schema).map(drop)
    }

    /// [`drop_all`](Database::drop_all), returning the names of the tables it
    /// dropped, in the order it dropped them. `litemodel drop-all` runs this.
    ///
    /// # Errors
    ///
    /// As for [`drop_all`](Database::drop_all); nothing is dropped then.
    pub fn drop_existing(&self, schema: &Schema) -> Result<Vec<&'static str>> {
        let tables = schema.tables_for(self.engine())?;
        self.in_transaction(|| {
            let mut dropped = Vec::new();
            // SQLite empties a table it drops, checking the foreign keys of the
            // rows that reference it: with tables that reference each other no
            // order drops them all. Checked at COMMIT instead, when every table
            // is gone (SQLite turns this off again at the end of the transaction).
            if self.engine() == Engine::Sqlite {
                self.execute("PRAGMA defer_foreign_keys = ON", None)?;
            }
            // A cycle's foreign keys first: no table of it could be dropped while
            // another one references it.
            #[cfg(feature = "postgres")]
            if self.engine() == Engine::Postgres {
                for foreign_key in schema.postgres.foreign_keys {
                    if let Some(drop) = foreign_key.drop {
                        if self.table_exists(foreign_key.table)? {
                            self.execute(drop, Some(foreign_key.table))?;
                        }
                    }
                }
            }
            for table in tables.iter().rev() {
                if !self.table_exists(table.name)? {
                    continue;
                }
                self.execute(&self.dialect().drop_table(table.name), Some(table.name))?;
                dropped.push(table.name);
            }
            #[cfg(feature = "postgres")]
            if self.engine() == Engine::Postgres {
                for enum_type in schema.postgres.types.iter().rev() {
                    if self.type_exists(enum_type.name)? {
                        self.execute(enum_type.drop, None)?;
                    }
                }
            }
            Ok(dropped)
        })
    }

    #[cfg(feature = "postgres")]
    fn type_exists(&self, name: &str) -> Result<bool> {
        self.exists_row(crate::sql::Postgres.type_exists(), name)
    }

    fn exists_row(&self, sql: &str, name: &str) -> Result<bool> {
        let mut stmt = self.prepare(sql, None)?;
        stmt.bind_column(1, &ColumnValue::from(name))?;
        self.note(&stmt);
        let mut rows = stmt.query()?;
        Ok(rows.next()?.is_some())
    }

    /// Whether a table named `name` exists. Names compare the way SQLite
    /// compares identifiers, ASCII case-insensitively: a table created as
    /// `Users` is found as `users`, and [`Database::create_all`] and
    /// [`Database::drop_all`] follow the same rule.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`](crate::Error::Sqlite) if `sqlite_master` cannot be read.
    pub fn table_exists(&self, name: &str) -> Result<bool> {
        self.exists_row(self.dialect().table_exists(), name)
    }

    fn in_transaction<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let d = self.dialect();
        self.execute(d.begin_write(), None)?;
        match work() {
            Ok(value) => {
                self.execute(d.commit(), None)?;
                Ok(value)
            }
            Err(err) => {
                self.execute(d.rollback(), None)?;
                Err(err)
            }
        }
    }
}
