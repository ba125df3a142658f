//! `litemodel migrate up/down/status/stamp` on a PostgreSQL database (part of the
//! binary, included by `main.rs`). The runner is the runtime's, as on SQLite; the
//! schema checks of `up` and `stamp` read the server's catalogs.

use std::path::Path;

use litemodel::Database;
use litemodel_cli::migrate;

use super::migrate_cli::{other, print_stamped, print_status, progress, Action};
use super::{redact, Failure};

/// Connects to `url`; a server that is down or refuses is a clear error naming the
/// URL without its password.
pub fn connect(url: &str) -> Result<Database, Failure> {
    Database::connect(url).map_err(|e| Failure::Other(e.to_string()))
}

/// A `postgres` crate client on `url`, for reading the catalogs (the same
/// URL forms and errors as [`connect`]).
pub fn client(url: &str) -> Result<litemodel::postgres::Client, Failure> {
    litemodel::postgres_client(url).map_err(|e| Failure::Other(e.to_string()))
}

pub fn run(
    url: &str,
    dir: &Path,
    migrations: &litemodel::Migrations,
    action: &Action,
) -> Result<(), Failure> {
    let label = redact(url);
    let db = connect(url)?;
    if db.postgres().is_none() {
        return Err(Failure::Usage(format!(
            "`{label}` is not a PostgreSQL database"
        )));
    }
    match action {
        Action::Up { to, .. } => {
            refuse_unstamped(&db, url, &label, migrations, *to)?;
            let done = migrations
                .up_with_progress(&db, *to, &mut progress())
                .map_err(|e| failed(&db, migrations, e))?;
            if done.is_empty() {
                println!(
                    "{label} is up to date (version {})",
                    migrations.current_version(&db).map_err(other)?
                );
            }
            Ok(())
        }
        Action::Down { to, .. } => {
            let done = migrations
                .down_with_progress(&db, *to, &mut progress())
                .map_err(|e| failed(&db, migrations, e))?;
            if done.is_empty() {
                println!("{label}: no migration to revert");
            }
            Ok(())
        }
        Action::Status { .. } => {
            let statuses = migrations.status(&db).map_err(other)?;
            print_status(dir, &statuses)
        }
        Action::Stamp { to, .. } => stamp(&db, url, &label, dir, migrations, *to),
        Action::New { .. } | Action::Check { .. } | Action::Translate { .. } => Ok(()),
    }
}

/// `migrate up` on a database that has the migrations' tables but no history
/// would fail at the first `CREATE TABLE`: say to stamp instead.
fn refuse_unstamped(
    db: &Database,
    url: &str,
    label: &str,
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<(), Failure> {
    if migrations.latest() == 0 || migrations.current_version(db).map_err(other)? > 0 {
        return Ok(());
    }
    let mut client = client(url)?;
    let live = migrate::postgres::live_tables(&mut client)
        .map_err(|e| Failure::Other(format!("`{label}`: {e}")))?;
    if live.is_empty() {
        return Ok(());
    }
    // `up` itself reports an unknown `--to` or a migration written for SQLite.
    let Ok(wanted) = migrate::postgres::migration_tables(&mut client, migrations, to) else {
        return Ok(());
    };
    let existing: Vec<String> = wanted
        .iter()
        .filter(|t| live.iter().any(|l| l.eq_ignore_ascii_case(t)))
        .map(|t| format!("`{t}`"))
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    Err(Failure::Other(format!(
        "`{label}` already has {} {}, which the migrations create, but no migration history: applying them would fail\n  \
         help: if the database already has the migrations' schema (made by `litemodel create-all` or Flask-SQLAlchemy's `db.create_all()`), \
         run `litemodel migrate stamp` to record them as applied without running them (it checks the schema first and shows any difference)",
        if existing.len() == 1 { "the table" } else { "the tables" },
        existing.join(", "),
    )))
}

fn stamp(
    db: &Database,
    url: &str,
    label: &str,
    dir: &Path,
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<(), Failure> {
    if migrations.latest() == 0 {
        return Err(Failure::Other(format!(
            "no migrations in {}; nothing to stamp\n  help: write the first one from the spec with `litemodel migrate new -m initial`",
            dir.display()
        )));
    }
    let target = to.unwrap_or_else(|| migrations.latest());
    let current = migrations.current_version(db).map_err(other)?;
    if current > target {
        return Err(Failure::Other(format!(
            "`{label}` is at version {current}, above {target}: stamp only records migrations as applied\n  help: to revert to version {target}, run `litemodel migrate down --to {target}`"
        )));
    }
    let differences =
        migrate::postgres::stamp_differences(&mut client(url)?, migrations, Some(target))
            .map_err(|e| Failure::Other(format!("`{label}`: {e}")))?;
    if !differences.is_empty() {
        let mut message = format!(
            "`{label}` does not have the schema of the migrations up to version {target}, so they cannot be recorded as applied (what would have to change in the database):"
        );
        for difference in &differences {
            message.push_str(&format!("\n  - {difference}"));
        }
        message.push_str(
            "\n  help: stamp a version whose schema the database has (`--to N`), or change the database to match",
        );
        return Err(Failure::Other(message));
    }
    let recorded = migrations.stamp(db, Some(target)).map_err(other)?;
    print_stamped(&label, migrations, &recorded, target);
    Ok(())
}

fn failed(
    db: &Database,
    migrations: &litemodel::Migrations,
    error: litemodel::MigrateError,
) -> Failure {
    let version = migrations
        .current_version(db)
        .map_or_else(|_| "unknown".to_owned(), |v| v.to_string());
    Failure::Other(format!(
        "{error}\n  note: the database is at version {version}"
    ))
}
