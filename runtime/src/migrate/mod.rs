//! Schema migrations: numbered SQL files with an upgrade and a downgrade section,
//! applied in order and recorded in a version table.
//!
//! `litemodel migrate new` writes the files (see `docs/migrations.md`); this module
//! runs them. The `litemodel migrate up/down/status` commands and an application
//! bringing its own database up to date at start-up share this code:
//!
//! ```ignore
//! // build.rs
//! litemodel_codegen::migrate::embed("migrations")?;
//!
//! // src/main.rs
//! static MIGRATIONS: litemodel::Migrations = litemodel::include_migrations!();
//!
//! let db = litemodel::Database::open("data.sqlite")?;
//! db.migrate(&MIGRATIONS)?;   // applies what is pending, each in its own transaction
//! ```
//!
//! A migration file looks like this:
//!
//! ```sql
//! -- migrate:up
//! ALTER TABLE users ADD COLUMN bio TEXT;
//!
//! -- migrate:down
//! ALTER TABLE users DROP COLUMN bio;
//! ```
//!
//! A file written for PostgreSQL says so in its header, with a line
//! `-- migrate:dialect postgresql` before `-- migrate:up`; a file without one is a
//! SQLite migration. The runner refuses a file written for the other engine
//! before running anything. On PostgreSQL (feature `postgres`, a [`Database`]
//! connected to a server) each migration runs in one transaction, DDL included:
//! a failing statement leaves nothing applied.
//!
//! A section marked `-- migrate:up foreign_keys=off` runs with foreign key
//! enforcement off (turned off *before* its transaction starts, since SQLite ignores
//! the pragma inside one), checks `PRAGMA foreign_key_check` before committing, and
//! turns enforcement back on afterwards: the procedure SQLite documents for
//! rebuilding a table.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use rusqlite::fallible_iterator::FallibleIterator as _;
use rusqlite::{Batch, Connection, OptionalExtension as _};

use crate::conn::Engine;
use crate::Database;

mod apply;
#[cfg(feature = "postgres")]
mod pg;
mod runner;
#[cfg(feature = "postgres")]
mod split;
mod target;

use apply::{applied, record, run, Applied};
pub use runner::{Migrations, Progress, State, Status};
#[cfg(feature = "postgres")]
pub use split::statements;
pub use target::Target;

/// The table that records which migrations a database has applied.
pub const VERSION_TABLE: &str = "litemodel_migrations";

/// The header line that marks a migration file's engine:
/// `-- migrate:dialect postgresql` (a file without one is SQLite's).
pub const DIALECT_MARKER: &str = "-- migrate:dialect";

/// The prefix of the temporary table a rebuild copies rows into. The runner reports
/// progress for statements that fill such a table.
pub const REBUILD_PREFIX: &str = "_litemodel_new_";

/// A migration could not be read, checked or applied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// A file name is not `NNNN_name.sql`.
    #[error(
        "migration file `{file}` is not named `NNNN_name.sql` (a version number, `_`, a name)"
    )]
    FileName {
        /// The file name.
        file: String,
    },
    /// Two migrations have the same version number.
    #[error(
        "migrations `{first}` and `{second}` have the same version {version}; renumber one of them"
    )]
    DuplicateVersion {
        /// The version.
        version: i64,
        /// The first file (or name).
        first: String,
        /// The second file (or name).
        second: String,
    },
    /// A migration has no `-- migrate:up` line, or a malformed section marker.
    #[error("migration {version} `{name}`: {problem}")]
    Format {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// What is wrong, and how to fix it.
        problem: String,
    },
    /// An applied migration's file changed after it was applied.
    #[error("migration {version} `{name}` was modified after it was applied (checksum {applied} in the database, {current} now); restore the file, or write a new migration for the change")]
    Modified {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// The checksum recorded when it was applied.
        applied: String,
        /// The checksum of the file now.
        current: String,
    },
    /// The database applied a migration that is not among the known ones.
    #[error("the database applied migration {version} `{name}`, which is missing from the migrations; restore its file")]
    Missing {
        /// The version.
        version: i64,
        /// The name recorded when it was applied.
        name: String,
    },
    /// `--to` names no known migration.
    #[error("there is no migration {version}")]
    UnknownVersion {
        /// The requested version.
        version: i64,
    },
    /// A statement of a migration failed; the migration was rolled back.
    #[error("migration {version} `{name}` ({direction}) failed and was rolled back: {source}")]
    Failed {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// `up` or `down`.
        direction: Direction,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// `PRAGMA foreign_key_check` found rows whose parent is missing after a
    /// migration ran with foreign keys off; the migration was rolled back.
    #[error("migration {version} `{name}` ({direction}) would leave rows whose foreign keys point nowhere, so it was rolled back: {}", violations.join("; "))]
    ForeignKeyCheck {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// `up` or `down`.
        direction: Direction,
        /// One entry per violation: `table rowid N -> parent`.
        violations: Vec<String>,
    },
    /// The migration's SQL ended or started a transaction itself.
    #[error("migration {version} `{name}` ({direction}) must not contain BEGIN, COMMIT or ROLLBACK: each migration already runs in its own transaction")]
    TransactionControl {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// `up` or `down`.
        direction: Direction,
    },
    /// A statement of a migration failed on PostgreSQL; the migration was rolled
    /// back whole.
    #[error("migration {version} `{name}` ({direction}) failed and was rolled back, at the statement `{statement}`: {message}")]
    Statement {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// `up` or `down`.
        direction: Direction,
        /// The failing statement, on one line (cut after 200 characters).
        statement: String,
        /// The server's message, with its detail and hint.
        message: String,
    },
    /// A migration was written for another engine than the database's.
    #[error("migration {version} `{name}` was written for {written}, but this database is {engine}: {help}")]
    WrongDialect {
        /// The version.
        version: i64,
        /// The migration's name.
        name: String,
        /// The engine the file was written for (`sqlite`, `postgresql`).
        written: &'static str,
        /// The database's engine.
        engine: &'static str,
        /// How to get migrations for this engine.
        help: &'static str,
    },
    /// Reading or writing the version table failed.
    #[error("the migration version table: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed outside a migration's statements: the version table, a
    /// transaction, the connection.
    #[cfg(feature = "postgres")]
    #[error("PostgreSQL: {}", pg::server_message(.0))]
    Postgres(#[from] ::postgres::Error),
    /// The runner does not run on this engine (migrations run on SQLite and, with
    /// the `postgres` feature, PostgreSQL).
    #[error("migrations run on SQLite only in this version of litemodel; on {engine}, create the schema with `create_all` (`litemodel create-all`)")]
    Unsupported {
        /// The engine's name.
        engine: &'static str,
    },
}

/// Which section of a migration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The upgrade section.
    Up,
    /// The downgrade section.
    Down,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}

/// One migration: a version, a name and the text of its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    version: i64,
    name: Cow<'static, str>,
    source: Cow<'static, str>,
}

/// One section of a migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    /// The SQL of the section.
    pub sql: &'a str,
    /// Run with foreign key enforcement off (`foreign_keys=off` on the marker).
    pub foreign_keys_off: bool,
}

impl Migration {
    /// A migration whose text is compiled into the program (what
    /// [`include_migrations!`](crate::include_migrations) generates).
    pub const fn embedded(version: i64, name: &'static str, source: &'static str) -> Self {
        Migration {
            version,
            name: Cow::Borrowed(name),
            source: Cow::Borrowed(source),
        }
    }

    /// A migration read from the file `file_name` (`0002_add_bio.sql`).
    ///
    /// ```
    /// let m = litemodel::Migration::from_file("0002_add_bio.sql", "-- migrate:up\n".into())?;
    /// assert_eq!((m.version(), m.name()), (2, "add_bio"));
    /// # Ok::<(), litemodel::MigrateError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`MigrateError::FileName`] when the name is not `NNNN_name.sql`.
    pub fn from_file(file_name: &str, source: String) -> Result<Self, MigrateError> {
        let (version, name) = litemodel_core::migration_file_name(file_name).ok_or_else(|| {
            MigrateError::FileName {
                file: file_name.to_owned(),
            }
        })?;
        Ok(Migration {
            version,
            name: Cow::Owned(name.to_owned()),
            source: Cow::Owned(source),
        })
    }

    /// The version number (the file name's leading digits).
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The name (the file name after the number, without `.sql`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text of the file.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// A checksum of the file's text (line endings normalized), recorded when the
    /// migration is applied so that a later edit is noticed. FNV-1a, 64 bits, in hex:
    /// it detects edits, it is not a cryptographic hash.
    pub fn checksum(&self) -> String {
        checksum(&self.source)
    }

    /// The engine the file was written for: PostgreSQL when its header has a
    /// `-- migrate:dialect postgresql` line, SQLite when it has none (or
    /// `-- migrate:dialect sqlite`).
    ///
    /// ```
    /// let m = litemodel::Migration::from_file(
    ///     "0001_initial.sql",
    ///     "-- migrate:dialect postgresql\n-- migrate:up\nCREATE TABLE t (id SERIAL PRIMARY KEY);\n".into(),
    /// )?;
    /// assert_eq!(m.engine()?, litemodel::Engine::Postgres);
    /// # Ok::<(), litemodel::MigrateError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`MigrateError::Format`] for another dialect name, a second dialect line,
    /// or one after `-- migrate:up`.
    pub fn engine(&self) -> Result<Engine, MigrateError> {
        let mut found = None;
        let mut in_sections = false;
        for line in self.source.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("-- migrate:up") || trimmed.starts_with("-- migrate:down") {
                in_sections = true;
            }
            let Some(rest) = trimmed.strip_prefix(DIALECT_MARKER) else {
                continue;
            };
            if in_sections {
                return Err(self.format_error(format!(
                    "the `{DIALECT_MARKER}` line must come before `-- migrate:up`"
                )));
            }
            let engine = match rest.trim() {
                "postgresql" => Engine::Postgres,
                "sqlite" => Engine::Sqlite,
                other => {
                    return Err(self.format_error(format!(
                        "unknown dialect `{other}` on the `{DIALECT_MARKER}` line (`sqlite` or `postgresql`)"
                    )))
                }
            };
            if found.replace(engine).is_some() {
                return Err(self.format_error(format!(
                    "the file has two `{DIALECT_MARKER}` lines; keep one"
                )));
            }
        }
        Ok(found.unwrap_or(Engine::Sqlite))
    }

    /// The upgrade or downgrade section.
    ///
    /// # Errors
    ///
    /// [`MigrateError::Format`] when the file has no `-- migrate:up` line, a section
    /// twice, or an unknown option on a marker.
    pub fn section(&self, direction: Direction) -> Result<Section<'_>, MigrateError> {
        let sections = self.sections()?;
        Ok(match direction {
            Direction::Up => sections.0,
            Direction::Down => sections.1,
        })
    }

    fn format_error(&self, problem: impl Into<String>) -> MigrateError {
        MigrateError::Format {
            version: self.version,
            name: self.name.to_string(),
            problem: problem.into(),
        }
    }

    fn sections(&self) -> Result<(Section<'_>, Section<'_>), MigrateError> {
        let source: &str = &self.source;
        let mut markers: Vec<(Direction, usize, usize, bool)> = Vec::new();
        let mut offset = 0;
        for line in source.split_inclusive('\n') {
            let trimmed = line.trim();
            let marker = trimmed
                .strip_prefix("-- migrate:up")
                .map(|rest| (Direction::Up, rest))
                .or_else(|| {
                    trimmed
                        .strip_prefix("-- migrate:down")
                        .map(|rest| (Direction::Down, rest))
                });
            if let Some((direction, rest)) = marker {
                let mut foreign_keys_off = false;
                for option in rest.split_whitespace() {
                    match option {
                        "foreign_keys=off" => foreign_keys_off = true,
                        other => {
                            return Err(self.format_error(format!(
                                "unknown option `{other}` on the `-- migrate:{direction}` line (the one option is `foreign_keys=off`)"
                            )))
                        }
                    }
                }
                if markers.iter().any(|m| m.0 == direction) {
                    return Err(self.format_error(format!(
                        "the file has two `-- migrate:{direction}` lines; keep one"
                    )));
                }
                markers.push((direction, offset, offset + line.len(), foreign_keys_off));
            }
            offset += line.len();
        }
        let find = |direction: Direction| -> Option<Section<'_>> {
            let (i, marker) = markers.iter().enumerate().find(|(_, m)| m.0 == direction)?;
            let end = markers.get(i + 1).map_or(source.len(), |next| next.1);
            Some(Section {
                sql: &source[marker.2..end],
                foreign_keys_off: marker.3,
            })
        };
        let up = find(Direction::Up).ok_or_else(|| {
            self.format_error(
                "the file has no `-- migrate:up` line; put one before the upgrade SQL and `-- migrate:down` before the downgrade SQL",
            )
        })?;
        let down = find(Direction::Down).unwrap_or(Section {
            sql: "",
            foreign_keys_off: false,
        });
        if markers.first().is_some_and(|m| m.0 == Direction::Down) {
            return Err(self.format_error(
                "`-- migrate:down` comes before `-- migrate:up`; put the upgrade first",
            ));
        }
        Ok((up, down))
    }
}

/// FNV-1a (64 bits) of `text` with `\r\n` read as `\n`, as 16 hex digits.
fn checksum(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let normalized = text.replace("\r\n", "\n");
    for byte in normalized.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Embeds the migrations that `litemodel_codegen::migrate::embed` listed from
/// `build.rs`: expands to a [`Migrations`] value usable in a `static`.
///
/// ```ignore
/// static MIGRATIONS: litemodel::Migrations = litemodel::include_migrations!();
/// ```
#[macro_export]
macro_rules! include_migrations {
    () => {
        include!(concat!(env!("OUT_DIR"), "/litemodel_migrations.rs"))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_options() -> Result<(), MigrateError> {
        let m = Migration::from_file(
            "0003_rebuild.sql",
            "-- header\n-- migrate:up foreign_keys=off\nA;\n-- migrate:down\nB;\n".into(),
        )?;
        let up = m.section(Direction::Up)?;
        assert_eq!((up.sql, up.foreign_keys_off), ("A;\n", true));
        let down = m.section(Direction::Down)?;
        assert_eq!((down.sql, down.foreign_keys_off), ("B;\n", false));
        Ok(())
    }

    #[test]
    fn bad_files_are_reported() {
        assert!(Migration::from_file("add_bio.sql", String::new()).is_err());
        assert!(Migration::from_file("0001_x.txt", String::new()).is_err());
        let no_up = Migration::embedded(1, "x", "CREATE TABLE t (a);");
        assert!(matches!(
            no_up.section(Direction::Up),
            Err(MigrateError::Format { .. })
        ));
        let bad_option = Migration::embedded(1, "x", "-- migrate:up transaction=off\n");
        assert!(bad_option.section(Direction::Up).is_err());
    }

    #[test]
    fn checksum_ignores_line_endings_only() {
        assert_eq!(checksum("a\r\nb"), checksum("a\nb"));
        assert_ne!(checksum("a\nb"), checksum("a\nc"));
    }
}
