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
//! A section marked `-- migrate:up foreign_keys=off` runs with foreign key
//! enforcement off (turned off *before* its transaction starts, since SQLite ignores
//! the pragma inside one), checks `PRAGMA foreign_key_check` before committing, and
//! turns enforcement back on afterwards: the procedure SQLite documents for
//! rebuilding a table.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use rusqlite::fallible_iterator::FallibleIterator as _;
use rusqlite::{Batch, Connection, OptionalExtension as _};

use crate::Database;

/// The table that records which migrations a database has applied.
pub const VERSION_TABLE: &str = "litemodel_migrations";

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
    /// Reading or writing the version table failed.
    #[error("the migration version table: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
        let (version, name) = parse_file_name(file_name).ok_or_else(|| MigrateError::FileName {
            file: file_name.to_owned(),
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

fn parse_file_name(file_name: &str) -> Option<(i64, &str)> {
    let stem = file_name.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once('_')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some((digits.parse().ok()?, name))
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

/// Where one migration stands in a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The version.
    pub version: i64,
    /// The migration's name.
    pub name: String,
    /// What the database says about it.
    pub state: State,
}

/// See [`Status`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum State {
    /// Not applied yet.
    Pending,
    /// Applied, and the file is unchanged since.
    Applied {
        /// When (SQLite's `CURRENT_TIMESTAMP`, UTC).
        at: String,
    },
    /// Applied, but the file changed since.
    Modified {
        /// The checksum recorded when it was applied.
        applied: String,
        /// The file's checksum now.
        current: String,
    },
    /// Applied, but no file has this version any more.
    Missing,
}

/// What the runner is doing, for a progress display.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// A migration starts.
    Started {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'a str,
        /// Which section runs.
        direction: Direction,
    },
    /// A table rebuild starts copying rows into the new table.
    Copying {
        /// The table being rebuilt.
        table: &'a str,
        /// How many rows it holds.
        rows: u64,
    },
    /// The rows were copied.
    Copied {
        /// The table being rebuilt.
        table: &'a str,
        /// How many rows were copied.
        rows: u64,
        /// How long the copy took.
        elapsed: Duration,
    },
    /// A migration committed.
    Finished {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'a str,
        /// Which section ran.
        direction: Direction,
        /// How long it took.
        elapsed: Duration,
    },
}

/// An ordered set of migrations: embedded with
/// [`include_migrations!`](crate::include_migrations), or read from files.
#[derive(Debug, Clone)]
pub struct Migrations {
    list: Cow<'static, [Migration]>,
}

impl Migrations {
    /// Migrations compiled into the program, in version order (what
    /// [`include_migrations!`](crate::include_migrations) expands to).
    pub const fn embedded(list: &'static [Migration]) -> Self {
        Migrations {
            list: Cow::Borrowed(list),
        }
    }

    /// Migrations in any order; sorted by version.
    ///
    /// # Errors
    ///
    /// [`MigrateError::DuplicateVersion`] when two share a version.
    pub fn new(mut list: Vec<Migration>) -> Result<Self, MigrateError> {
        list.sort_by_key(|m| m.version);
        if let Some(pair) = list.windows(2).find(|w| w[0].version == w[1].version) {
            return Err(MigrateError::DuplicateVersion {
                version: pair[0].version,
                first: pair[0].name.to_string(),
                second: pair[1].name.to_string(),
            });
        }
        Ok(Migrations {
            list: Cow::Owned(list),
        })
    }

    /// The migrations, in version order.
    pub fn iter(&self) -> impl Iterator<Item = &Migration> {
        self.list.iter()
    }

    /// The highest version, 0 when there is none.
    pub fn latest(&self) -> i64 {
        self.list.last().map_or(0, |m| m.version)
    }

    /// Each migration's state in `conn`, plus applied versions with no migration.
    /// Reads only; a database without the version table has everything pending.
    ///
    /// # Errors
    ///
    /// Reading the version table failed.
    pub fn status(&self, conn: &Connection) -> Result<Vec<Status>, MigrateError> {
        let applied = applied(conn)?;
        let mut out: Vec<Status> = self
            .list
            .iter()
            .map(|m| {
                let state = match applied.iter().find(|a| a.version == m.version) {
                    None => State::Pending,
                    Some(a) if a.checksum == m.checksum() => State::Applied { at: a.at.clone() },
                    Some(a) => State::Modified {
                        applied: a.checksum.clone(),
                        current: m.checksum(),
                    },
                };
                Status {
                    version: m.version,
                    name: m.name.to_string(),
                    state,
                }
            })
            .collect();
        for a in &applied {
            if !self.list.iter().any(|m| m.version == a.version) {
                out.push(Status {
                    version: a.version,
                    name: a.name.clone(),
                    state: State::Missing,
                });
            }
        }
        out.sort_by_key(|s| s.version);
        Ok(out)
    }

    /// The highest applied version in `conn` (0 when none).
    ///
    /// # Errors
    ///
    /// Reading the version table failed.
    pub fn current_version(&self, conn: &Connection) -> Result<i64, MigrateError> {
        Ok(applied(conn)?.iter().map(|a| a.version).max().unwrap_or(0))
    }

    /// Applies every pending migration up to `to` (all when `None`), in version
    /// order, each in its own transaction. Returns the versions applied.
    ///
    /// # Errors
    ///
    /// An applied migration was modified or is missing (nothing runs then), `to`
    /// names no migration, or a migration failed: it was rolled back, the ones
    /// before it stay applied.
    pub fn up(&self, conn: &Connection, to: Option<i64>) -> Result<Vec<i64>, MigrateError> {
        self.up_with_progress(conn, to, &mut |_| {})
    }

    /// [`up`](Self::up), reporting what it does to `progress`.
    ///
    /// # Errors
    ///
    /// As for [`up`](Self::up).
    pub fn up_with_progress(
        &self,
        conn: &Connection,
        to: Option<i64>,
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<Vec<i64>, MigrateError> {
        self.check_target(to)?;
        let applied = self.verify_applied(conn)?;
        let mut done = Vec::new();
        for migration in self.list.iter() {
            if to.is_some_and(|to| migration.version > to) {
                break;
            }
            if applied.iter().any(|a| a.version == migration.version) {
                continue;
            }
            run(conn, migration, Direction::Up, progress)?;
            done.push(migration.version);
        }
        Ok(done)
    }

    /// Reverts applied migrations, newest first: the latest one when `to` is `None`,
    /// else every one above version `to` (`Some(0)` reverts all). Returns the
    /// versions reverted.
    ///
    /// # Errors
    ///
    /// As for [`up`](Self::up).
    pub fn down(&self, conn: &Connection, to: Option<i64>) -> Result<Vec<i64>, MigrateError> {
        self.down_with_progress(conn, to, &mut |_| {})
    }

    /// [`down`](Self::down), reporting what it does to `progress`.
    ///
    /// # Errors
    ///
    /// As for [`up`](Self::up).
    pub fn down_with_progress(
        &self,
        conn: &Connection,
        to: Option<i64>,
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<Vec<i64>, MigrateError> {
        if to != Some(0) {
            self.check_target(to)?;
        }
        let applied = self.verify_applied(conn)?;
        let mut versions: Vec<i64> = applied.iter().map(|a| a.version).collect();
        versions.sort_unstable();
        versions.reverse();
        let revert: Vec<i64> = match to {
            None => versions.into_iter().take(1).collect(),
            Some(to) => versions.into_iter().filter(|&v| v > to).collect(),
        };
        let mut done = Vec::new();
        for version in revert {
            // verify_applied guarantees every applied version has its migration.
            if let Some(migration) = self.list.iter().find(|m| m.version == version) {
                run(conn, migration, Direction::Down, progress)?;
                done.push(version);
            }
        }
        Ok(done)
    }

    fn check_target(&self, to: Option<i64>) -> Result<(), MigrateError> {
        match to {
            Some(version) if !self.list.iter().any(|m| m.version == version) => {
                Err(MigrateError::UnknownVersion { version })
            }
            _ => Ok(()),
        }
    }

    /// The applied migrations, after checking each is known and unchanged, and that
    /// every file parses.
    fn verify_applied(&self, conn: &Connection) -> Result<Vec<Applied>, MigrateError> {
        for migration in self.list.iter() {
            migration.sections()?;
        }
        let applied = applied(conn)?;
        for a in &applied {
            match self.list.iter().find(|m| m.version == a.version) {
                None => {
                    return Err(MigrateError::Missing {
                        version: a.version,
                        name: a.name.clone(),
                    })
                }
                Some(m) if m.checksum() != a.checksum => {
                    return Err(MigrateError::Modified {
                        version: a.version,
                        name: m.name.to_string(),
                        applied: a.checksum.clone(),
                        current: m.checksum(),
                    })
                }
                Some(_) => {}
            }
        }
        Ok(applied)
    }
}

impl Database {
    /// Brings the database up to date: applies every pending migration, each in its
    /// own transaction. Returns the versions applied (empty when it was current).
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // What `include_migrations!()` expands to, with the files' text inline.
    /// static MIGRATIONS: litemodel::Migrations = {
    ///     static LIST: [litemodel::Migration; 1] = [litemodel::Migration::embedded(
    ///         1,
    ///         "initial",
    ///         "-- migrate:up\nCREATE TABLE notes (id INTEGER NOT NULL, PRIMARY KEY (id));\n\
    ///          -- migrate:down\nDROP TABLE notes;\n",
    ///     )];
    ///     litemodel::Migrations::embedded(&LIST)
    /// };
    /// let db = litemodel::Database::open_in_memory()?;
    /// assert_eq!(db.migrate(&MIGRATIONS)?, vec![1]);
    /// assert_eq!(db.migrate(&MIGRATIONS)?, Vec::<i64>::new());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`Migrations::up`]: a modified or missing applied migration stops it
    /// before anything runs; a failing migration is rolled back and reported.
    pub fn migrate(&self, migrations: &Migrations) -> Result<Vec<i64>, MigrateError> {
        migrations.up(self.connection(), None)
    }
}

/// A row of the version table.
struct Applied {
    version: i64,
    name: String,
    checksum: String,
    at: String,
}

fn version_table_exists(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [VERSION_TABLE],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}

fn applied(conn: &Connection) -> Result<Vec<Applied>, MigrateError> {
    if !version_table_exists(conn)? {
        return Ok(Vec::new());
    }
    let mut statement = conn.prepare(&format!(
        "SELECT version, name, checksum, applied_at FROM {VERSION_TABLE} ORDER BY version"
    ))?;
    let rows = statement.query_map([], |row| {
        Ok(Applied {
            version: row.get(0)?,
            name: row.get(1)?,
            checksum: row.get(2)?,
            at: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Runs one section of `migration` in its own transaction and records it.
fn run(
    conn: &Connection,
    migration: &Migration,
    direction: Direction,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<(), MigrateError> {
    let section = migration.section(direction)?;
    let started = Instant::now();
    progress(&Progress::Started {
        version: migration.version,
        name: &migration.name,
        direction,
    });
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (\n\
         \tversion INTEGER NOT NULL, \n\
         \tname TEXT NOT NULL, \n\
         \tchecksum TEXT NOT NULL, \n\
         \tapplied_at TEXT DEFAULT CURRENT_TIMESTAMP NOT NULL, \n\
         \tPRIMARY KEY (version)\n)"
    ))?;
    // SQLite ignores `PRAGMA foreign_keys` inside a transaction: turn it off first.
    let enforcing: bool = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0))?;
    let switch_off = section.foreign_keys_off && enforcing;
    if switch_off {
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    }
    let result = run_in_transaction(conn, migration, direction, &section, progress);
    if switch_off {
        let restored = conn.execute_batch("PRAGMA foreign_keys = ON");
        if let (Ok(()), Err(e)) = (&result, restored) {
            return Err(MigrateError::Sqlite(e));
        }
    }
    result?;
    progress(&Progress::Finished {
        version: migration.version,
        name: &migration.name,
        direction,
        elapsed: started.elapsed(),
    });
    Ok(())
}

fn run_in_transaction(
    conn: &Connection,
    migration: &Migration,
    direction: Direction,
    section: &Section<'_>,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<(), MigrateError> {
    let failed = |source: rusqlite::Error| MigrateError::Failed {
        version: migration.version,
        name: migration.name.to_string(),
        direction,
        source,
    };
    conn.execute_batch("BEGIN IMMEDIATE").map_err(failed)?;
    let result = statements(conn, migration, direction, section, progress);
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(failed),
        Err(error) => {
            if !conn.is_autocommit() {
                // The error being reported matters more than a failed rollback,
                // which SQLite only reports when the transaction is already gone.
                let _ = conn.execute_batch("ROLLBACK");
            }
            Err(error)
        }
    }
}

fn statements(
    conn: &Connection,
    migration: &Migration,
    direction: Direction,
    section: &Section<'_>,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<(), MigrateError> {
    let failed = |source: rusqlite::Error| MigrateError::Failed {
        version: migration.version,
        name: migration.name.to_string(),
        direction,
        source,
    };
    let mut batch = Batch::new(conn, section.sql);
    while let Some(mut statement) = batch.next().map_err(failed)? {
        let copying = statement
            .expanded_sql()
            .and_then(|sql| rebuild_source(&sql));
        let rows = match &copying {
            Some(table) => {
                let rows: i64 = conn
                    .query_row(
                        &format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\"")),
                        [],
                        |row| row.get(0),
                    )
                    .map_err(failed)?;
                let rows = u64::try_from(rows).unwrap_or(0);
                progress(&Progress::Copying { table, rows });
                rows
            }
            None => 0,
        };
        let started = Instant::now();
        // Stepped like a query so that a statement returning rows (a PRAGMA in a
        // hand-written migration, say) runs too.
        let mut rows_out = statement.raw_query();
        while rows_out.next().map_err(failed)?.is_some() {}
        drop(rows_out);
        if let Some(table) = &copying {
            progress(&Progress::Copied {
                table,
                rows,
                elapsed: started.elapsed(),
            });
        }
        if conn.is_autocommit() {
            return Err(MigrateError::TransactionControl {
                version: migration.version,
                name: migration.name.to_string(),
                direction,
            });
        }
    }
    match direction {
        Direction::Up => conn.execute(
            &format!("INSERT INTO {VERSION_TABLE} (version, name, checksum) VALUES (?1, ?2, ?3)"),
            rusqlite::params![
                migration.version,
                migration.name.as_ref(),
                migration.checksum()
            ],
        ),
        Direction::Down => conn.execute(
            &format!("DELETE FROM {VERSION_TABLE} WHERE version = ?1"),
            [migration.version],
        ),
    }
    .map_err(failed)?;
    if section.foreign_keys_off {
        let violations = foreign_key_violations(conn).map_err(failed)?;
        if !violations.is_empty() {
            return Err(MigrateError::ForeignKeyCheck {
                version: migration.version,
                name: migration.name.to_string(),
                direction,
                violations,
            });
        }
    }
    Ok(())
}

/// `PRAGMA foreign_key_check`, one line per violation (at most 20).
fn foreign_key_violations(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare("PRAGMA foreign_key_check")?;
    let rows = statement.query_map([], |row| {
        Ok(format!(
            "`{}` row {} references a missing row of `{}`",
            row.get::<_, String>(0)?,
            row.get::<_, Option<i64>>(1)?
                .map_or_else(|| "?".to_owned(), |r| r.to_string()),
            row.get::<_, String>(2)?,
        ))
    })?;
    rows.take(20).collect()
}

/// For `INSERT INTO "_litemodel_new_users" ...`, the table being rebuilt (`users`).
fn rebuild_source(sql: &str) -> Option<String> {
    let sql = skip_comments(sql);
    let rest = strip_prefix_ignore_case(sql, "INSERT INTO")?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let mut name = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                name.push('"');
                continue;
            }
            return name.strip_prefix(REBUILD_PREFIX).map(str::to_owned);
        }
        name.push(c);
    }
    None
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn skip_comments(mut sql: &str) -> &str {
    loop {
        sql = sql.trim_start();
        if let Some(rest) = sql.strip_prefix("--") {
            sql = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = sql.strip_prefix("/*") {
            sql = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return sql;
        }
    }
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

    #[test]
    fn rebuild_copies_are_recognized() {
        assert_eq!(
            rebuild_source(
                "-- copy\nINSERT INTO \"_litemodel_new_users\" (id) SELECT id FROM users"
            )
            .as_deref(),
            Some("users")
        );
        assert_eq!(rebuild_source("INSERT INTO users (id) VALUES (1)"), None);
    }
}
