//! Database URLs, as Flask-SQLAlchemy's `SQLALCHEMY_DATABASE_URI` spells them.
//!
//! | URL | opens |
//! | --- | --- |
//! | `app.sqlite`, `/var/lib/app.sqlite` (no scheme) | that SQLite file |
//! | `sqlite:///app.sqlite` | the file `app.sqlite`, relative to the working directory |
//! | `sqlite:////var/lib/app.sqlite` | the absolute path `/var/lib/app.sqlite` |
//! | `sqlite://`, `sqlite:///:memory:` | a private in-memory database |
//! | `postgresql://user:pass@host:5432/db` (`postgres://`, `postgresql+psycopg://`) | a PostgreSQL server |
//! | `postgresql:///db?host=/run/postgresql`, `host=/run/postgresql dbname=db` | a server on a unix socket, as libpq spells it |

use std::path::PathBuf;

use crate::error::{Error, Result};

/// What a URL names.
#[derive(Debug)]
pub(crate) enum Target {
    SqliteFile(PathBuf),
    SqliteMemory,
    /// A libpq connection string or `postgresql://` URL (driver suffix removed).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres(String),
}

/// The URL with its password replaced by `***`, for messages.
pub(crate) fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some((credentials, host)) = authority.rsplit_once('@') {
            if let Some((user, _password)) = credentials.split_once(':') {
                return format!("{scheme}://{user}:***@{host}{tail}");
            }
        }
        return url.to_owned();
    }
    // key=value form: hide `password=...`.
    url.split_whitespace()
        .map(|pair| match pair.split_once('=') {
            Some(("password", _)) => "password=***".to_owned(),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn invalid(url: &str, reason: impl Into<String>) -> Error {
    Error::InvalidUrl {
        url: redact(url),
        reason: reason.into(),
    }
}

/// Reads `url`.
pub(crate) fn parse(url: &str) -> Result<Target> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(invalid(
            url,
            "the URL is empty; give a SQLite path or a postgresql:// URL",
        ));
    }
    let Some((scheme, rest)) = trimmed.split_once("://") else {
        if looks_like_conninfo(trimmed) {
            return Ok(Target::Postgres(trimmed.to_owned()));
        }
        if let Some((scheme, _)) = trimmed.split_once(':') {
            if scheme.len() > 1
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+')
            {
                return Err(invalid(
                    url,
                    format!(
                        "`{scheme}:` is not a database URL scheme; did you mean `{scheme}://`?"
                    ),
                ));
            }
        }
        return Ok(Target::SqliteFile(PathBuf::from(trimmed)));
    };
    let (engine, driver) = scheme.split_once('+').unwrap_or((scheme, ""));
    match engine.to_ascii_lowercase().as_str() {
        "sqlite" => {
            if !matches!(driver, "" | "pysqlite") {
                return Err(invalid(url, format!("unknown SQLite driver `{driver}`")));
            }
            sqlite_target(url, rest)
        }
        "postgresql" | "postgres" => {
            if !matches!(driver, "" | "psycopg" | "psycopg2" | "pg8000" | "asyncpg") {
                return Err(invalid(
                    url,
                    format!("unknown PostgreSQL driver `{driver}`"),
                ));
            }
            postgres_target(url, rest)
        }
        other => Err(invalid(
            url,
            format!("unknown database `{other}`: litemodel connects to `sqlite` and `postgresql`"),
        )),
    }
}

/// `key=value` pairs as libpq reads them (`host=/run/postgresql dbname=app`),
/// recognised by their first key (values may be quoted and hold spaces).
fn looks_like_conninfo(text: &str) -> bool {
    const KEYS: &[&str] = &[
        "host",
        "hostaddr",
        "port",
        "dbname",
        "user",
        "password",
        "options",
        "sslmode",
        "application_name",
        "connect_timeout",
    ];
    text.split_once('=')
        .is_some_and(|(key, _)| KEYS.contains(&key.trim()))
}

fn sqlite_target(url: &str, rest: &str) -> Result<Target> {
    // `sqlite://` + `/path`: the path is what follows the third slash.
    let path = match rest.strip_prefix('/') {
        None if rest.is_empty() => return Ok(Target::SqliteMemory),
        None => {
            return Err(invalid(
                url,
                "a SQLite URL has no host: write `sqlite:///relative.db` or `sqlite:////absolute/path.db`",
            ))
        }
        Some(path) => path,
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        return Ok(Target::SqliteMemory);
    }
    Ok(Target::SqliteFile(PathBuf::from(path)))
}

fn postgres_target(url: &str, rest: &str) -> Result<Target> {
    if cfg!(feature = "postgres") {
        Ok(Target::Postgres(format!("postgresql://{rest}")))
    } else {
        Err(invalid(
            url,
            "PostgreSQL support is off: enable the `postgres` feature of the `litemodel` crate",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_follow_sqlalchemy() {
        let file = |url: &str| match parse(url) {
            Ok(Target::SqliteFile(path)) => path.display().to_string(),
            other => panic!("{url}: {other:?}"),
        };
        assert_eq!(file("app.sqlite"), "app.sqlite");
        assert_eq!(file("/var/lib/app.sqlite"), "/var/lib/app.sqlite");
        assert_eq!(file("sqlite:///app.sqlite"), "app.sqlite");
        assert_eq!(file("sqlite:////var/lib/app.sqlite"), "/var/lib/app.sqlite");
        assert!(matches!(parse("sqlite://"), Ok(Target::SqliteMemory)));
        assert!(matches!(
            parse("sqlite:///:memory:"),
            Ok(Target::SqliteMemory)
        ));
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let message = |url: &str| {
            parse(url)
                .map(|t| format!("{t:?}"))
                .unwrap_or_else(|e| e.to_string())
        };
        assert_eq!(
            message("mysql://root:secret@db/app"),
            "invalid database URL `mysql://root:***@db/app`: unknown database `mysql`: litemodel connects to `sqlite` and `postgresql`"
        );
        assert!(message("sqlite://host/app.db").contains("a SQLite URL has no host"));
        assert!(message("postgresql+odbc://db/app").contains("unknown PostgreSQL driver `odbc`"));
        assert!(message("").contains("the URL is empty"));
        assert!(message("postgresql:app").contains("did you mean `postgresql://`?"));
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgresql://app:s3cret@db:5432/app"),
            "postgresql://app:***@db:5432/app"
        );
        assert_eq!(
            redact("host=/tmp password=s3cret dbname=x"),
            "host=/tmp password=*** dbname=x"
        );
        assert_eq!(redact("postgresql://app@db/app"), "postgresql://app@db/app");
    }
}
