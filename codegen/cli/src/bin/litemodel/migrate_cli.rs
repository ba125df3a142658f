//! The `litemodel migrate`, `introspect` and `diagram` commands (part of the binary,
//! included by `main.rs`).

use std::io::IsTerminal as _;
use std::path::Path;
use std::time::Duration;

use clap::Subcommand;
use litemodel::migrate::{Progress, State};
use litemodel_cli::migrate::{self, files};
use litemodel_codegen::Checked;

use super::{database_path, postgres_cli, redact, spec_display_name, write_output, Cli, Failure};

/// Rebuilds of tables with at least this many rows show progress even when standard
/// error is not a terminal (a deploy log, say).
const PROGRESS_ROWS: u64 = 10_000;

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Compare the spec with the schema the migrations produce and write the next
    /// migration (upgrade and downgrade SQL) into the migrations folder.
    New {
        /// What the migration does; also its file name (`0002_add_bio.sql`).
        #[arg(short, long, value_name = "MESSAGE")]
        message: String,
        /// Write the migration even though it drops tables or columns or narrows a type.
        #[arg(long)]
        allow_data_loss: bool,
        /// Write an empty migration to fill in by hand.
        #[arg(long)]
        empty: bool,
        /// The database the migration is for [default: the engine of `--database`,
        /// $DATABASE_URL or the spec's `[database] url`, else sqlite]. A PostgreSQL
        /// migration is planned on scratch schemas of that server, never committed.
        #[arg(long, value_name = "DIALECT")]
        dialect: Option<super::DdlDialect>,
        /// The PostgreSQL server to plan on (or a SQLite file, which is not read)
        /// [default: $DATABASE_URL, else the spec's `[database] url`].
        #[arg(long, value_name = "FILE|URL")]
        database: Option<String>,
    },
    /// Apply the pending migrations, each in its own transaction.
    Up {
        /// Stop after this version.
        #[arg(long, value_name = "N")]
        to: Option<i64>,
        /// The SQLite file or PostgreSQL URL [default: $DATABASE_URL, else the spec's
        /// `[database] url` or `path`].
        #[arg(long, value_name = "FILE|URL")]
        database: Option<String>,
    },
    /// Revert the latest migration, or every one above `--to N` (`--to 0`: all).
    Down {
        /// Revert down to this version (it stays applied).
        #[arg(long, value_name = "N")]
        to: Option<i64>,
        /// The SQLite file or PostgreSQL URL [default: $DATABASE_URL, else the spec's
        /// `[database] url` or `path`].
        #[arg(long, value_name = "FILE|URL")]
        database: Option<String>,
    },
    /// Record the migrations up to `--to N` (default: all) as applied without running
    /// them, for a database that already has their schema (made by `create-all`,
    /// Flask-SQLAlchemy's `db.create_all()` or Alembic). Refuses, showing the
    /// differences, when its schema is not the one the migrations make.
    Stamp {
        /// Record the migrations up to this version [default: the latest].
        #[arg(long, value_name = "N")]
        to: Option<i64>,
        /// The SQLite file or PostgreSQL URL [default: $DATABASE_URL, else the spec's
        /// `[database] url` or `path`].
        #[arg(long, value_name = "FILE|URL")]
        database: Option<String>,
    },
    /// Show which migrations the database has applied, and any edited since.
    Status {
        /// The SQLite file or PostgreSQL URL [default: $DATABASE_URL, else the spec's
        /// `[database] url` or `path`].
        #[arg(long, value_name = "FILE|URL")]
        database: Option<String>,
    },
    /// Write a SQLite migration history again as a PostgreSQL one: the same versions,
    /// names and messages, each planned on the server from the schema the SQLite
    /// migration makes, and its INSERT/UPDATE/DELETE statements copied. The spec
    /// need not exist; when it does, the result is compared with it.
    Translate {
        /// The folder of SQLite migrations [default: the migrations folder].
        #[arg(long, value_name = "DIR")]
        from: Option<std::path::PathBuf>,
        /// The new folder of PostgreSQL migrations; it must not exist or be empty.
        #[arg(long, value_name = "DIR")]
        to: std::path::PathBuf,
        /// The PostgreSQL server to plan on (nothing is committed there)
        /// [default: $DATABASE_URL, else the spec's `[database] url`].
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Exit with status 1 when the spec and the migrations disagree (for CI).
    Check {
        /// As for `migrate new`.
        #[arg(long, value_name = "DIALECT")]
        dialect: Option<super::DdlDialect>,
        /// As for `migrate new`.
        #[arg(long, value_name = "FILE|URL")]
        database: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DiagramFormat {
    /// A Mermaid `erDiagram`.
    Mermaid,
    /// A Graphviz digraph.
    Dot,
}

pub fn diagram(checked: &Checked, format: DiagramFormat) -> String {
    match format {
        DiagramFormat::Mermaid => litemodel_codegen::emit::diagram::mermaid(&checked.schema),
        DiagramFormat::Dot => litemodel_codegen::emit::diagram::dot(&checked.schema),
    }
}

pub(crate) fn other(error: impl std::fmt::Display) -> Failure {
    Failure::Other(error.to_string())
}

pub fn run(
    cli: &Cli,
    checked: &Checked,
    dir: Option<&Path>,
    action: &Action,
) -> Result<(), Failure> {
    let dir = migrations_dir(cli, dir);
    let migrations = files::read_dir(&dir).map_err(other)?;
    let planner = match action {
        Action::New {
            dialect, database, ..
        }
        | Action::Check { dialect, database } => Some(planner(
            checked,
            &dir,
            &migrations,
            *dialect,
            database.as_deref(),
        )?),
        _ => None,
    };
    let diff = |planner: &Planner| plan_with(planner, checked, &migrations);
    let mut sqlite_file = None;
    if let Some(given) = database_of(action) {
        match resolve(checked, given)? {
            Target::Postgres(url) => return postgres_cli::run(&url, &dir, &migrations, action),
            Target::Sqlite(file) => sqlite_file = file,
        }
    }
    let sqlite_path = || database_path(cli, checked, sqlite_file.as_deref().map(Path::new));
    match action {
        Action::New {
            message,
            allow_data_loss,
            empty,
            ..
        } => {
            let planner = planner.unwrap_or(Planner::Sqlite);
            let plan = if *empty {
                None
            } else {
                match diff(&planner)? {
                    None => {
                        println!(
                            "{} and the migrations in {} agree: no migration written",
                            cli.spec.display(),
                            dir.display()
                        );
                        return Ok(());
                    }
                    Some(plan) => Some(plan),
                }
            };
            let engine = match planner {
                Planner::Sqlite => litemodel::Engine::Sqlite,
                Planner::Postgres(_) => litemodel::Engine::Postgres,
            };
            new(
                cli,
                &dir,
                &migrations,
                message,
                *allow_data_loss,
                engine,
                plan,
            )
        }
        Action::Check { .. } => {
            let spec = cli.spec.display();
            match diff(&planner.unwrap_or(Planner::Sqlite))? {
                None => {
                    println!("{spec} and the migrations in {} agree", dir.display());
                    Ok(())
                }
                Some(plan) => {
                    let mut message = format!(
                        "{spec} and the migrations in {} disagree; the next migration would:",
                        dir.display()
                    );
                    for change in &plan.changes {
                        message.push_str(&format!("\n  - {change}"));
                    }
                    message.push_str("\n  help: run `litemodel migrate new -m \"...\"` and commit the file it writes");
                    Err(Failure::Other(message))
                }
            }
        }
        Action::Up { to, .. } => {
            let path = sqlite_path()?;
            let conn = super::open(&path)?;
            refuse_unstamped(&path, &conn, &migrations, *to)?;
            let done = migrations
                .up_with_progress(&conn, *to, &mut progress())
                .map_err(|e| failed(&conn, &migrations, e))?;
            if done.is_empty() {
                println!(
                    "{} is up to date (version {})",
                    path.display(),
                    migrations.current_version(&conn).map_err(other)?
                );
            }
            Ok(())
        }
        Action::Down { to, .. } => {
            let path = sqlite_path()?;
            if !path.exists() {
                return Err(Failure::Other(format!(
                    "the database `{}` does not exist; nothing to revert",
                    path.display()
                )));
            }
            let conn = super::open(&path)?;
            let done = migrations
                .down_with_progress(&conn, *to, &mut progress())
                .map_err(|e| failed(&conn, &migrations, e))?;
            if done.is_empty() {
                println!("{}: no migration to revert", path.display());
            }
            Ok(())
        }
        Action::Stamp { to, .. } => {
            let path = sqlite_path()?;
            stamp(&path, &dir, &migrations, *to)
        }
        // Run by `main` before the spec is read (a translation does not need it).
        Action::Translate { .. } => Ok(()),
        Action::Status { .. } => {
            let path = sqlite_path()?;
            let statuses = if path.exists() {
                let conn = super::open(&path)?;
                migrations.status(&conn).map_err(other)?
            } else {
                migrations
                    .status(&rusqlite::Connection::open_in_memory().map_err(other)?)
                    .map_err(other)?
            };
            print_status(&dir, &statuses)
        }
    }
}

/// `--migrations DIR`, else `migrations/` next to the spec.
pub(crate) fn migrations_dir(cli: &Cli, given: Option<&Path>) -> std::path::PathBuf {
    given.map_or_else(
        || {
            cli.spec
                .parent()
                .unwrap_or(Path::new(""))
                .join("migrations")
        },
        Path::to_path_buf,
    )
}

/// One line per migration; an error when an applied one changed or is missing.
pub(crate) fn print_status(
    dir: &Path,
    statuses: &[litemodel::migrate::Status],
) -> Result<(), Failure> {
    let mut problems = 0;
    if statuses.is_empty() {
        println!("no migrations in {}", dir.display());
    }
    for status in statuses {
        let state = match &status.state {
            State::Pending => "pending".to_owned(),
            State::Applied { at } => format!("applied {at}"),
            State::Modified { applied, current } => {
                problems += 1;
                format!("MODIFIED after it was applied (checksum {applied}, now {current})")
            }
            State::Missing => {
                problems += 1;
                "applied, but its file is MISSING".to_owned()
            }
            _ => "unknown".to_owned(),
        };
        println!("{:04}  {:<32}  {state}", status.version, status.name);
    }
    if problems > 0 {
        return Err(Failure::Other(format!(
                    "{problems} applied {} changed since; restore the files (a migration is never edited once applied: write a new one)",
                    if problems == 1 { "migration has" } else { "migrations have" }
                )));
    }
    Ok(())
}

/// `litemodel migrate stamp`: checks that the database has the schema of the
/// migrations up to `to`, then records them as applied.
fn stamp(
    path: &Path,
    dir: &Path,
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<(), Failure> {
    if !path.exists() {
        return Err(Failure::Other(format!(
            "the database `{}` does not exist; nothing to stamp\n  help: `litemodel migrate up` creates it and applies the migrations",
            path.display()
        )));
    }
    if migrations.latest() == 0 {
        return Err(Failure::Other(format!(
            "no migrations in {}; nothing to stamp\n  help: write the first one from the spec with `litemodel migrate new -m initial`",
            dir.display()
        )));
    }
    let target = to.unwrap_or_else(|| migrations.latest());
    let conn = super::open(path)?;
    let current = migrations.current_version(&conn).map_err(other)?;
    if current > target {
        return Err(Failure::Other(format!(
            "`{}` is at version {current}, above {target}: stamp only records migrations as applied\n  help: to revert to version {target}, run `litemodel migrate down --to {target}`",
            path.display()
        )));
    }
    let live = migrate::live(&conn).map_err(other)?;
    note_alembic(&live);
    let differences = migrate::stamp_differences(&live, migrations, Some(target)).map_err(other)?;
    if !differences.is_empty() {
        let mut message = format!(
            "`{}` does not have the schema of the migrations up to version {target}, so they cannot be recorded as applied (what would have to change in the database):",
            path.display()
        );
        for difference in &differences {
            message.push_str(&format!("\n  - {difference}"));
        }
        message.push_str(&format!(
            "\n  help: stamp a version whose schema the database has (`--to N`), change the database to match, \
             or write the migrations from what it holds: `litemodel introspect --database {}` shows its schema as a spec",
            path.display()
        ));
        return Err(Failure::Other(message));
    }
    let recorded = migrations.stamp(&conn, Some(target)).map_err(other)?;
    print_stamped(&path.display(), migrations, &recorded, target);
    Ok(())
}

/// What `migrate stamp` recorded in `label`'s database, now at `target`.
pub(crate) fn print_stamped(
    label: &dyn std::fmt::Display,
    migrations: &litemodel::Migrations,
    recorded: &[i64],
    target: i64,
) {
    if recorded.is_empty() {
        println!("{label} is already at version {target}: nothing to stamp");
        return;
    }
    for migration in migrations
        .iter()
        .filter(|m| recorded.contains(&m.version()))
    {
        println!(
            "stamped {:04}_{} (recorded as applied, not run)",
            migration.version(),
            migration.name()
        );
    }
    println!("{label} is at version {target}");
}

/// `migrate up` on a database that has the migrations' tables but no history
/// would fail at the first `CREATE TABLE`: say to stamp instead.
fn refuse_unstamped(
    path: &Path,
    conn: &rusqlite::Connection,
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<(), Failure> {
    if migrations.latest() == 0 || migrations.current_version(conn).map_err(other)? > 0 {
        return Ok(());
    }
    let live = migrate::live(conn).map_err(other)?;
    if live.schema.tables.is_empty() {
        if live.alembic_revision.is_some() {
            note_alembic(&live);
        }
        return Ok(());
    }
    // `up` itself reports an unknown `--to`.
    let Ok(scratch) = migrate::migrated_database_to(migrations, to) else {
        return Ok(());
    };
    let wanted = migrate::schema_of(&scratch).map_err(other)?;
    let existing: Vec<&str> = wanted
        .tables
        .iter()
        .filter(|t| live.schema.table(&t.name).is_some())
        .map(|t| t.name.as_str())
        .collect();
    if existing.is_empty() {
        return Ok(());
    }
    note_alembic(&live);
    let listed = existing
        .iter()
        .map(|t| format!("`{t}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Failure::Other(format!(
        "`{}` already has {} {listed}, which the migrations create, but no migration history: applying them would fail\n  \
         help: if the database already has the migrations' schema (made by `litemodel create-all`, Flask-SQLAlchemy's `db.create_all()` or Alembic), \
         run `litemodel migrate stamp` to record them as applied without running them (it checks the schema first and shows any difference), then `litemodel migrate up` for the ones after",
        path.display(),
        if existing.len() == 1 { "the table" } else { "the tables" },
    )))
}

pub(crate) fn note_alembic(live: &migrate::Live) {
    if let Some(revision) = &live.alembic_revision {
        let revision = if revision.is_empty() {
            "no revision".to_owned()
        } else {
            format!("revision {revision}")
        };
        eprintln!(
            "note: this database was migrated with Alembic (Flask-Migrate): its `alembic_version` table holds {revision}; \
             litemodel leaves that table alone and keeps its own history in `litemodel_migrations` (see docs/migrations.md, \"Adopting a database\")"
        );
    }
}

fn failed(
    conn: &rusqlite::Connection,
    migrations: &litemodel::Migrations,
    error: litemodel::MigrateError,
) -> Failure {
    let version = migrations
        .current_version(conn)
        .map_or_else(|_| "unknown".to_owned(), |v| v.to_string());
    Failure::Other(format!(
        "{error}\n  note: the database is at version {version}"
    ))
}

/// Prints each migration as it is applied, and the copies of table rebuilds when
/// standard error is a terminal or the table is large.
pub(crate) fn progress() -> impl FnMut(&Progress<'_>) {
    let terminal = std::io::stderr().is_terminal();
    move |event| match event {
        Progress::Started { .. } => {}
        Progress::Copying { table, rows } if terminal || *rows >= PROGRESS_ROWS => {
            eprintln!("  rebuilding `{table}`: copying {rows} rows ...");
        }
        Progress::Copied {
            table,
            rows,
            elapsed,
        } if terminal || *rows >= PROGRESS_ROWS => {
            eprintln!(
                "  rebuilding `{table}`: copied {rows} rows in {}",
                seconds(*elapsed)
            );
        }
        Progress::Finished {
            version,
            name,
            direction,
            elapsed,
        } => {
            let verb = match direction {
                litemodel::migrate::Direction::Up => "applied",
                litemodel::migrate::Direction::Down => "reverted",
            };
            println!("{verb} {version:04}_{name} ({})", seconds(*elapsed));
        }
        _ => {}
    }
}

fn seconds(elapsed: Duration) -> String {
    format!("{:.2}s", elapsed.as_secs_f64())
}

fn new(
    cli: &Cli,
    dir: &Path,
    migrations: &litemodel::Migrations,
    message: &str,
    allow_data_loss: bool,
    engine: litemodel::Engine,
    plan: Option<migrate::Plan>,
) -> Result<(), Failure> {
    let version = migrations.latest() + 1;
    let spec_name = spec_display_name(&cli.spec);
    if let Some(plan) = &plan {
        if !plan.up.data_loss.is_empty() && !allow_data_loss {
            let mut text = String::from("this migration would lose data:");
            for loss in &plan.up.data_loss {
                text.push_str(&format!("\n  - {loss}"));
            }
            text.push_str(
                "\n  help: pass `--allow-data-loss` to write it anyway (the file says so in a comment); \
                 to rename a table or column instead, set `renamed_from = \"old_name\"` on it in the spec",
            );
            return Err(Failure::Other(text));
        }
    }
    let text = files::render_for(engine, version, message, &spec_name, plan.as_ref());
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::Other(format!("cannot create the folder `{}`: {e}", dir.display()))
    })?;
    let path = dir.join(files::file_name_for(version, message));
    write_output(&path, &text)?;
    if let Some(plan) = &plan {
        for change in &plan.changes {
            println!("  - {change}");
        }
    }
    Ok(())
}

/// The next migration, planned where `planner` says; `None` when the spec and
/// the migrations agree.
fn plan_with(
    planner: &Planner,
    checked: &Checked,
    migrations: &litemodel::Migrations,
) -> Result<Option<migrate::Plan>, Failure> {
    match planner {
        Planner::Sqlite => migrate::diff(&checked.schema, migrations).map_err(other),
        Planner::Postgres(None) => Err(Failure::Usage(
            "a PostgreSQL migration is planned on the server: pass `--database postgresql://...` \
             (or set DATABASE_URL, or `[database] url` in the spec)\n  \
             help: the planner makes scratch schemas there inside a transaction it rolls back; \
             the role needs the CREATE privilege on the database"
                .to_owned(),
        )),
        Planner::Postgres(Some(url)) => {
            let mut client = postgres_cli::client(url)?;
            migrate::postgres::diff(&mut client, &checked.schema, migrations)
                .map_err(|e| Failure::Other(format!("`{}`: {e}", redact(url))))
        }
    }
}

/// Where `migrate new` and `check` plan.
enum Planner {
    /// An in-memory SQLite database.
    Sqlite,
    /// Scratch schemas on this PostgreSQL server (none given: only `--empty`
    /// can write a migration).
    Postgres(Option<String>),
}

/// Where `up`, `down`, `status` and `stamp` run.
pub(crate) enum Target {
    /// A file: the one given (a path or `sqlite:///` URL), else the spec's path.
    Sqlite(Option<String>),
    /// A server.
    Postgres(String),
}

/// The `--database` of an action that runs against a database.
fn database_of(action: &Action) -> Option<Option<&str>> {
    match action {
        Action::Up { database, .. }
        | Action::Down { database, .. }
        | Action::Stamp { database, .. }
        | Action::Status { database } => Some(database.as_deref()),
        Action::New { .. } | Action::Check { .. } | Action::Translate { .. } => None,
    }
}

/// `--database`, else `$DATABASE_URL`, else the spec's `[database] url`: a server, or
/// SQLite (the spec's `[database] path` when none is given).
fn resolve(checked: &Checked, given: Option<&str>) -> Result<Target, Failure> {
    Ok(match configured_url(checked, given)? {
        Some(url) if super::names_a_server(&url) => Target::Postgres(url),
        url => Target::Sqlite(url),
    })
}

fn configured_url(checked: &Checked, given: Option<&str>) -> Result<Option<String>, Failure> {
    if let Some(given) = given {
        return Ok(Some(given.to_owned()));
    }
    if let Some(url) = std::env::var_os("DATABASE_URL") {
        return url.into_string().map(Some).map_err(|_| {
            Failure::Usage("the DATABASE_URL environment variable is not valid Unicode".to_owned())
        });
    }
    Ok(checked.schema.database.url.clone())
}

/// The engine `migrate new` and `check` write for, and the folder must hold only
/// migrations of that engine.
fn planner(
    checked: &Checked,
    dir: &Path,
    migrations: &litemodel::Migrations,
    dialect: Option<super::DdlDialect>,
    database: Option<&str>,
) -> Result<Planner, Failure> {
    let url = configured_url(checked, database)?.filter(|u| super::names_a_server(u));
    let engine = match dialect {
        Some(super::DdlDialect::Postgresql) => litemodel::Engine::Postgres,
        Some(super::DdlDialect::Sqlite) => litemodel::Engine::Sqlite,
        None if url.is_some() => litemodel::Engine::Postgres,
        None => litemodel::Engine::Sqlite,
    };
    for migration in migrations.iter() {
        let written = migration.engine().map_err(other)?;
        if written != engine {
            return Err(Failure::Usage(format!(
                "the migrations in {} are written for {} ({:04}_{}.sql), not {}: one folder holds the migrations of one engine
                   help: keep each engine's migrations in a folder of its own (`--migrations DIR`), and pick the engine with `--dialect` or `--database`",
                dir.display(),
                written.name(),
                migration.version(),
                migration.name(),
                engine.name(),
            )));
        }
    }
    match engine {
        litemodel::Engine::Sqlite => Ok(Planner::Sqlite),
        litemodel::Engine::Postgres => Ok(Planner::Postgres(url)),
    }
}

pub fn introspect(database: &Path, out: Option<&Path>) -> Result<(), Failure> {
    if !database.exists() {
        return Err(Failure::Usage(format!(
            "the database `{}` does not exist",
            database.display()
        )));
    }
    let conn = rusqlite::Connection::open_with_flags(
        database,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Failure::Other(format!("cannot open `{}`: {e}", database.display())))?;
    let result = litemodel_cli::introspect::introspect(&conn)
        .map_err(|e| Failure::Other(format!("`{}`: {e}", database.display())))?;
    write_introspected(&result, out)
}

/// `litemodel introspect --database postgresql://...`: the spec of the current schema
/// of a PostgreSQL database (read only; nothing is written to the database).
pub fn introspect_postgres(url: &str, out: Option<&Path>) -> Result<(), Failure> {
    let label = redact(url);
    let mut client = super::postgres_cli::client(url)?;
    let result = litemodel_cli::introspect::introspect_postgres(&mut client)
        .map_err(|e| Failure::Other(format!("`{label}`: {e}")))?;
    write_introspected(&result, out)
}

/// Prints the warnings of an introspected spec and writes the spec.
fn write_introspected(
    result: &litemodel_cli::introspect::Introspected,
    out: Option<&Path>,
) -> Result<(), Failure> {
    for warning in &result.warnings {
        eprintln!("warning: {warning}");
    }
    match out {
        Some(path) => write_output(path, &result.spec),
        None => {
            print!("{}", result.spec);
            Ok(())
        }
    }
}
