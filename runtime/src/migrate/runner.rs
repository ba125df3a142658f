//! [`Migrations`]: the ordered set of migrations, its status against a database,
//! and applying or reverting it.

use super::target::Handle;
use super::*;

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
    pub fn status(&self, conn: &impl Target) -> Result<Vec<Status>, MigrateError> {
        let applied = applied(&mut conn.handle()?)?;
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
    pub fn current_version(&self, conn: &impl Target) -> Result<i64, MigrateError> {
        Ok(applied(&mut conn.handle()?)?
            .iter()
            .map(|a| a.version)
            .max()
            .unwrap_or(0))
    }

    /// Applies every pending migration up to `to` (all when `None`), in version
    /// order, each in its own transaction. Returns the versions applied.
    ///
    /// # Errors
    ///
    /// An applied migration was modified or is missing, or a migration was written
    /// for the other engine (nothing runs then), `to` names no migration, or a
    /// migration failed: it was rolled back, the ones before it stay applied.
    pub fn up(&self, conn: &impl Target, to: Option<i64>) -> Result<Vec<i64>, MigrateError> {
        self.up_with_progress(conn, to, &mut |_| {})
    }

    /// [`up`](Self::up), reporting what it does to `progress`.
    ///
    /// # Errors
    ///
    /// As for [`up`](Self::up).
    pub fn up_with_progress(
        &self,
        conn: &impl Target,
        to: Option<i64>,
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<Vec<i64>, MigrateError> {
        self.check_target(to)?;
        let mut handle = conn.handle()?;
        let applied = self.verify_applied(&mut handle)?;
        let mut done = Vec::new();
        for migration in self.list.iter() {
            if to.is_some_and(|to| migration.version > to) {
                break;
            }
            if applied.iter().any(|a| a.version == migration.version) {
                continue;
            }
            if run(&mut handle, migration, Direction::Up, progress)? {
                done.push(migration.version);
            }
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
    pub fn down(&self, conn: &impl Target, to: Option<i64>) -> Result<Vec<i64>, MigrateError> {
        self.down_with_progress(conn, to, &mut |_| {})
    }

    /// [`down`](Self::down), reporting what it does to `progress`.
    ///
    /// # Errors
    ///
    /// As for [`up`](Self::up).
    pub fn down_with_progress(
        &self,
        conn: &impl Target,
        to: Option<i64>,
        progress: &mut dyn FnMut(&Progress<'_>),
    ) -> Result<Vec<i64>, MigrateError> {
        if to != Some(0) {
            self.check_target(to)?;
        }
        let mut handle = conn.handle()?;
        let applied = self.verify_applied(&mut handle)?;
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
                if run(&mut handle, migration, Direction::Down, progress)? {
                    done.push(version);
                }
            }
        }
        Ok(done)
    }

    /// Records every pending migration up to `to` (all when `None`) as applied
    /// without running it, in one transaction: Alembic's `stamp`, for a database
    /// whose schema already is what those migrations make (made by `create_all`,
    /// Flask-SQLAlchemy's `db.create_all()` or Alembic). Returns the versions
    /// recorded; applied versions above `to` stay applied.
    ///
    /// It does not look at the schema: `litemodel migrate stamp` compares the
    /// database with the migrations' schema first and refuses when they differ.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let migrations = litemodel::Migrations::new(vec![litemodel::Migration::from_file(
    ///     "0001_initial.sql",
    ///     "-- migrate:up\nCREATE TABLE notes (id INTEGER NOT NULL, PRIMARY KEY (id));\n\
    ///      -- migrate:down\nDROP TABLE notes;\n"
    ///         .to_owned(),
    /// )?])?;
    /// let db = litemodel::Database::open_in_memory()?;
    /// db.execute_batch("CREATE TABLE notes (id INTEGER NOT NULL, PRIMARY KEY (id))")?;
    /// let conn = db.sqlite().ok_or("a SQLite database")?;
    /// assert_eq!(migrations.stamp(conn, None)?, vec![1]);
    /// assert_eq!(migrations.current_version(conn)?, 1);
    /// assert_eq!(db.migrate(&migrations)?, Vec::<i64>::new());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`up`](Self::up): an applied migration was modified or is missing,
    /// `to` names no migration, a file is malformed; or writing the version
    /// table failed (nothing is recorded then).
    pub fn stamp(&self, conn: &impl Target, to: Option<i64>) -> Result<Vec<i64>, MigrateError> {
        self.check_target(to)?;
        let mut handle = conn.handle()?;
        let applied = self.verify_applied(&mut handle)?;
        let pending: Vec<&Migration> = self
            .list
            .iter()
            .filter(|m| to.is_none_or(|to| m.version <= to))
            .filter(|m| !applied.iter().any(|a| a.version == m.version))
            .collect();
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        record(&mut handle, &pending)?;
        Ok(pending.iter().map(|m| m.version).collect())
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
    /// every file parses and was written for the database's engine.
    fn verify_applied(&self, handle: &mut Handle<'_>) -> Result<Vec<Applied>, MigrateError> {
        let engine = handle.engine();
        for migration in self.list.iter() {
            migration.sections()?;
            let written = migration.engine()?;
            if written != engine {
                return Err(MigrateError::WrongDialect {
                    version: migration.version,
                    name: migration.name.to_string(),
                    written: written.name(),
                    engine: engine.name(),
                    help: match engine {
                        Engine::Postgres => "write PostgreSQL migrations in a folder of their own with `litemodel migrate new --dialect postgresql --migrations DIR` (docs/migrations.md, \"PostgreSQL\")",
                        Engine::Sqlite => "SQLite migrations are written without a `-- migrate:dialect postgresql` line: `litemodel migrate new` for a SQLite database, in a folder of their own (`--migrations DIR`)",
                    },
                });
            }
        }
        let applied = applied(handle)?;
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
    /// On PostgreSQL the migrations must have been written for it (a
    /// `-- migrate:dialect postgresql` line); DDL is transactional there, so a
    /// failing migration leaves nothing applied.
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
    /// As for [`Migrations::up`]: a modified or missing applied migration, or one
    /// written for the other engine ([`MigrateError::WrongDialect`]), stops it
    /// before anything runs; a failing migration is rolled back and reported
    /// ([`MigrateError::Failed`] on SQLite, [`MigrateError::Statement`] on
    /// PostgreSQL, naming the statement).
    pub fn migrate(&self, migrations: &Migrations) -> Result<Vec<i64>, MigrateError> {
        migrations.up(self, None)
    }
}
