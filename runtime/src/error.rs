//! The one error type of the runtime.

use rusqlite::ffi;

/// The result type of every fallible runtime operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, and on which table, column or constraint.
///
/// Constraint failures reported by SQLite are classified so callers can match
/// on them; anything else from SQLite arrives as [`Error::Sqlite`].
///
/// ```
/// # use litemodel::Error;
/// let err = Error::NotFound { table: "users" };
/// assert_eq!(err.to_string(), "no row found in table `users`");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A UNIQUE (or PRIMARY KEY) constraint failed: another row already holds
    /// these values. The table and columns come from SQLite's message.
    #[error("unique constraint failed on `{table}` ({})", columns.join(", "))]
    UniqueViolation {
        /// The table holding the constraint.
        table: String,
        /// The constrained columns, in the order SQLite names them.
        columns: Vec<String>,
    },
    /// A NOT NULL constraint failed.
    #[error("not null constraint failed on `{table}.{column}`")]
    NotNullViolation {
        /// The table of the column.
        table: String,
        /// The column that must not be NULL.
        column: String,
    },
    /// A FOREIGN KEY constraint failed. SQLite does not say which key; the
    /// table is the one the failing statement wrote to, when known (it is not
    /// known for deferred checks that fail at COMMIT).
    #[error("foreign key constraint failed{}", table.as_ref().map(|t| format!(" on `{t}`")).unwrap_or_default())]
    ForeignKeyViolation {
        /// The table the failing statement wrote to, if known.
        table: Option<String>,
    },
    /// A CHECK constraint failed.
    #[error("check constraint `{constraint}` failed")]
    CheckViolation {
        /// The constraint name (or expression) SQLite reports.
        constraint: String,
    },
    /// `one()` found no row, or an object was expected to exist.
    #[error("no row found in table `{table}`")]
    NotFound {
        /// The queried table.
        table: &'static str,
    },
    /// `one()` or `one_or_none()` found more than one row.
    #[error("more than one row found in table `{table}` where at most one was expected")]
    MultipleRows {
        /// The queried table.
        table: &'static str,
    },
    /// A column value could not be converted to the field's Rust type.
    #[error("cannot decode column `{table}.{column}` of the row with key {}: {source}", key.map_or_else(|| "unknown".to_owned(), |k| k.to_string()))]
    Decode {
        /// The table being read.
        table: &'static str,
        /// The column whose value did not fit.
        column: &'static str,
        /// The primary key of the row, when it could be read.
        key: Option<i64>,
        /// Why the value does not fit.
        #[source]
        source: crate::types::ColumnError,
    },
    /// A database URL that cannot be used: malformed, or naming an engine
    /// litemodel does not run on (the URL is shown without its password).
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL, password replaced by `***`.
        url: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The database server could not be reached or refused the connection
    /// (down, wrong password, no such database).
    #[error("cannot connect to `{url}`: {}", connect_message(source.as_ref()))]
    Connect {
        /// The URL, password replaced by `***`.
        url: String,
        /// What the driver reported.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A value the database engine cannot store or compare.
    #[error("invalid value{}: {reason}", table.map(|t| format!(" for `{t}`")).unwrap_or_default())]
    InvalidValue {
        /// The table the statement worked on, when known.
        table: Option<&'static str>,
        /// Why, and what to do instead.
        reason: String,
    },
    /// Something this version of litemodel does not do on the database's engine.
    #[error("not supported on {engine}: {what}")]
    Unsupported {
        /// The engine's name.
        engine: &'static str,
        /// What, and what to do instead.
        what: String,
    },
    /// A schema has no DDL for the engine of the database it was given
    /// (a hand-written schema, or code generated before the engine existed).
    #[error(
        "the schema has no DDL for {engine}: regenerate the models with this version of litemodel"
    )]
    NoDdl {
        /// The engine's name.
        engine: &'static str,
    },
    /// Any other failure reported by PostgreSQL or the `postgres` client.
    #[cfg(feature = "postgres")]
    #[error("postgresql error{}: {}", table.map(|t| format!(" on `{t}`")).unwrap_or_default(), postgres_message(source))]
    Postgres {
        /// The table the statement worked on, when known.
        table: Option<&'static str>,
        /// What the client reported (with the server's SQLSTATE in
        /// `source.code()`).
        #[source]
        source: postgres::Error,
    },
    /// An object links (through a many-to-one relationship) to a parent that
    /// has no id and is not pending in this session, so the foreign key
    /// cannot be filled. Add the parent to the session first.
    #[error(
        "`{table}.{relation}` refers to an object that is neither saved nor added to this session"
    )]
    UnsavedParent {
        /// The table of the child object.
        table: &'static str,
        /// The relationship attribute holding the unsaved parent.
        relation: &'static str,
    },
    /// Pending objects link to each other in a cycle, so no insertion order
    /// can fill every foreign key. `post_update = true` on one relationship of
    /// the cycle breaks it (docs/session.md).
    #[error("pending objects of table `{table}` wait on each other in a cycle; give one relationship of the cycle `post_update = true`, or set one link after the first commit")]
    DependencyCycle {
        /// A table of one of the objects in the cycle.
        table: &'static str,
    },
    /// An object without a primary key was given where a saved one is
    /// needed (for example to `Session::delete`).
    #[error("the `{table}` object has no primary key: it was never saved")]
    NotPersistent {
        /// The object's table.
        table: &'static str,
    },
    /// An UPDATE of a loaded object matched no row: someone else deleted it.
    #[error("the `{table}` row with key {key} no longer exists")]
    StaleObject {
        /// The object's table.
        table: &'static str,
        /// The primary key that matched no row.
        key: i64,
    },
    /// A session key was used with a session that did not issue it, or after
    /// the object was expunged or the session rolled back.
    #[error("the session key for table `{table}` does not belong to this session (or its object was expunged)")]
    InvalidKey {
        /// The table of the object the key stood for.
        table: &'static str,
    },
    /// `paginate` was called with page 0 or per_page 0 (pages start at 1).
    #[error("invalid pagination: page {page}, per_page {per_page} (both must be at least 1)")]
    InvalidPage {
        /// The requested page.
        page: u64,
        /// The requested page size.
        per_page: u64,
    },
    /// A relationship with `lazy = "raise"` (or a query's `raiseload`) was read
    /// without being loaded by the query.
    #[error("relationship `{relationship}` is not loaded and its loading strategy is `raise`: load it with the query, e.g. `.options({option})`")]
    RaiseLoad {
        /// `Model.relationship`.
        relationship: &'static str,
        /// The query option that loads it (`Role::USERS.selectin()`).
        option: String,
    },
    /// A [`Pool`](crate::Pool) could not hand out a connection: none became
    /// free within its wait, or a new one could not be opened.
    #[cfg(feature = "r2d2")]
    #[error("no database connection from the pool: {source}")]
    Pool {
        /// What r2d2 reported (it names the last connection error, if any).
        #[source]
        source: r2d2::Error,
    },
    /// An async call (`AsyncPool`, feature `tokio`) did
    /// not run to its end: the task awaiting a transaction was cancelled (it
    /// was rolled back), or the tokio runtime shut down under the call.
    #[error("the call was interrupted: {reason}")]
    Interrupted {
        /// What interrupted it.
        reason: String,
    },
    /// Any other failure reported by SQLite or rusqlite.
    #[error("sqlite error{}: {source}", table.map(|t| format!(" on `{t}`")).unwrap_or_default())]
    Sqlite {
        /// The table the statement worked on, when known.
        table: Option<&'static str>,
        /// What rusqlite reported.
        #[source]
        source: rusqlite::Error,
    },
}

impl Error {
    /// [`Error::NotFound`], built only where a row is missing (`ok_or_else`
    /// on a per-row path: an `Error` made up front and dropped costs every row).
    #[cold]
    pub(crate) fn not_found(table: &'static str) -> Error {
        Error::NotFound { table }
    }

    /// [`Error::NotPersistent`], built only where it is returned.
    #[cold]
    pub(crate) fn not_persistent(table: &'static str) -> Error {
        Error::NotPersistent { table }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(source: rusqlite::Error) -> Self {
        classify(source, None)
    }
}

/// Turns a rusqlite error into the matching variant, parsing constraint
/// messages such as `UNIQUE constraint failed: users.username`.
#[cold]
#[inline(never)]
pub(crate) fn classify(source: rusqlite::Error, table: Option<&'static str>) -> Error {
    let rusqlite::Error::SqliteFailure(code, Some(message)) = &source else {
        return Error::Sqlite { table, source };
    };
    if code.code != ffi::ErrorCode::ConstraintViolation {
        return Error::Sqlite { table, source };
    }
    let detail = message
        .split_once(": ")
        .map_or("", |(_, detail)| detail)
        .to_owned();
    match code.extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
            let mut found_table = table.map(str::to_owned).unwrap_or_default();
            let columns = detail
                .split(", ")
                .map(|qualified| match qualified.split_once('.') {
                    Some((t, column)) => {
                        t.clone_into(&mut found_table);
                        column.to_owned()
                    }
                    None => qualified.to_owned(),
                })
                .collect();
            Error::UniqueViolation {
                table: found_table,
                columns,
            }
        }
        ffi::SQLITE_CONSTRAINT_NOTNULL => {
            let (t, column) = detail
                .split_once('.')
                .map_or((table.unwrap_or_default(), detail.as_str()), |(t, c)| {
                    (t, c)
                });
            Error::NotNullViolation {
                table: t.to_owned(),
                column: column.to_owned(),
            }
        }
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Error::ForeignKeyViolation {
            table: table.map(str::to_owned),
        },
        ffi::SQLITE_CONSTRAINT_CHECK => Error::CheckViolation { constraint: detail },
        _ => Error::Sqlite { table, source },
    }
}

/// What a connection failure says: the server's message when it refused.
fn connect_message(source: &(dyn std::error::Error + Send + Sync + 'static)) -> String {
    #[cfg(feature = "postgres")]
    if let Some(err) = source.downcast_ref::<postgres::Error>() {
        return postgres_message(err);
    }
    source.to_string()
}

/// The server's message with its detail, or the client's error.
#[cfg(feature = "postgres")]
fn postgres_message(source: &postgres::Error) -> String {
    match source.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => source.to_string(),
    }
}

/// Turns a PostgreSQL error into the matching variant from its SQLSTATE,
/// with the table, columns and constraint the server names.
#[cfg(feature = "postgres")]
pub(crate) fn classify_postgres(source: postgres::Error, table: Option<&'static str>) -> Error {
    use postgres::error::SqlState;
    let Some(db) = source.as_db_error() else {
        return Error::Postgres { table, source };
    };
    let found_table = db
        .table()
        .map(str::to_owned)
        .or_else(|| table.map(str::to_owned));
    let code = db.code();
    // A model written by hand whose PRIMARY_KEY is a bare "rowid" (the derive
    // names the key columns, which PostgreSQL packs into the identity).
    if *code == SqlState::UNDEFINED_COLUMN && db.message().contains("\"rowid\"") {
        return Error::Unsupported {
            engine: "postgresql",
            what: format!(
                "`{}` is identified by SQLite's rowid, which PostgreSQL does not have; \
                 its `PRIMARY_KEY` should name its key columns and their types, as \
                 `#[derive(Model)]` writes it: `rowid of \"table\" (\"a\" INTEGER, \"b\" INTEGER)`",
                table.unwrap_or("the table")
            ),
        };
    }
    if *code == SqlState::UNIQUE_VIOLATION {
        // DETAIL: Key (username)=(john) already exists.
        let columns = db
            .detail()
            .and_then(|d| d.strip_prefix("Key ("))
            .and_then(|d| d.split_once(")="))
            .map(|(columns, _)| {
                columns
                    .split(", ")
                    .map(|c| c.trim_matches('"').to_owned())
                    .collect()
            })
            .unwrap_or_default();
        Error::UniqueViolation {
            table: found_table.unwrap_or_default(),
            columns,
        }
    } else if *code == SqlState::NOT_NULL_VIOLATION {
        Error::NotNullViolation {
            table: found_table.unwrap_or_default(),
            column: db.column().unwrap_or_default().to_owned(),
        }
    } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
        Error::ForeignKeyViolation { table: found_table }
    } else if *code == SqlState::CHECK_VIOLATION {
        Error::CheckViolation {
            constraint: db.constraint().unwrap_or_default().to_owned(),
        }
    } else {
        Error::Postgres { table, source }
    }
}

/// Adds `optional()` to results of single-row lookups, turning
/// [`Error::NotFound`] into `Ok(None)` (rusqlite's `OptionalExtension`).
///
/// ```
/// # use litemodel::{Error, OptionalExtension, Result};
/// let missing: Result<i64> = Err(Error::NotFound { table: "users" });
/// assert_eq!(missing.optional().ok(), Some(None));
/// ```
pub trait OptionalExtension<T> {
    /// Maps `Err(NotFound)` to `Ok(None)` and `Ok(v)` to `Ok(Some(v))`.
    ///
    /// # Errors
    ///
    /// Every error other than [`Error::NotFound`] is passed through.
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }
}
