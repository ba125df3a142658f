//! [`Target`]: what the runner applies migrations to — a rusqlite connection, or
//! a [`Database`](crate::Database) on either engine.

use rusqlite::Connection;

use super::MigrateError;
use crate::conn::Engine;
use crate::Database;

/// Where migrations run: a rusqlite [`Connection`], or a
/// [`Database`](crate::Database) (SQLite, or PostgreSQL with the `postgres`
/// feature). Sealed: the runner knows each engine's statements.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let migrations = litemodel::Migrations::new(vec![])?;
/// let db = litemodel::Database::open_in_memory()?;
/// assert_eq!(migrations.current_version(&db)?, 0);                // a Database
/// assert_eq!(migrations.current_version(db.sqlite().ok_or("sqlite")?)?, 0); // a Connection
/// # Ok(()) }
/// ```
pub trait Target: sealed::Sealed {}

impl Target for Connection {}
impl Target for Database {}

pub(super) mod sealed {
    /// The connection behind a [`Target`](super::Target).
    pub trait Sealed {
        /// The engine's own client.
        fn handle(&self) -> Result<super::Handle<'_>, super::super::MigrateError>;
    }
}

/// A [`Target`]'s connection, borrowed for one runner call.
pub enum Handle<'a> {
    /// SQLite.
    Sqlite(&'a Connection),
    /// PostgreSQL (the client is borrowed from its [`Database`]).
    #[cfg(feature = "postgres")]
    Postgres(std::cell::RefMut<'a, crate::PgClient>),
}

impl Handle<'_> {
    /// The engine behind the handle.
    pub(super) fn engine(&self) -> Engine {
        match self {
            Handle::Sqlite(_) => Engine::Sqlite,
            #[cfg(feature = "postgres")]
            Handle::Postgres(_) => Engine::Postgres,
        }
    }
}

impl sealed::Sealed for Connection {
    fn handle(&self) -> Result<Handle<'_>, MigrateError> {
        Ok(Handle::Sqlite(self))
    }
}

impl sealed::Sealed for Database {
    fn handle(&self) -> Result<Handle<'_>, MigrateError> {
        #[cfg(feature = "postgres")]
        if let Some(client) = self.postgres() {
            return Ok(Handle::Postgres(client));
        }
        // A Database is SQLite when it is not PostgreSQL; an engine the runner
        // does not know is refused rather than assumed.
        self.sqlite()
            .map(Handle::Sqlite)
            .ok_or(MigrateError::Unsupported {
                engine: self.engine().name(),
            })
    }
}
