//! The `litemodel` command: check a spec, print its DDL, generate its Rust code,
//! create or drop its tables, migrate and introspect a database (SQLite or
//! PostgreSQL).

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use litemodel_codegen::emit::sql::SqlDialect;
use litemodel_codegen::write::{write_if_changed, WriteOutcome};
use litemodel_codegen::{Checked, Diagnostics};

mod migrate_cli;
mod postgres_cli;
mod tables;
mod translate_cli;

/// Generate Rust models and SQLite DDL from a models.toml spec.
#[derive(Debug, Parser)]
#[command(name = "litemodel", version, about, propagate_version = true)]
struct Cli {
    /// The spec to read.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        default_value = "models.toml"
    )]
    spec: PathBuf,

    /// When to color diagnostics.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: Color,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// The language `generate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Lang {
    Rust,
    Python,
}

/// The SQL database `ddl` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DdlDialect {
    Sqlite,
    Postgresql,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate the spec and report every error and warning.
    Check,
    /// Print the SQL that creates every table and index (SQLAlchemy's create_all DDL).
    Ddl {
        /// Write the DDL to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The database the DDL is for.
        #[arg(long, value_name = "DIALECT", default_value = "sqlite")]
        dialect: DdlDialect,
    },
    /// Write the generated model code: Rust (default) or Flask-SQLAlchemy models.
    Generate {
        /// The file to write (left untouched when its content would not change).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The language: `rust`, or `python` for the Flask-SQLAlchemy models of the
        /// same spec (`db.Model` classes whose `create_all()` makes the same tables).
        #[arg(long, value_name = "LANG", default_value = "rust")]
        lang: Lang,
    },
    /// Create the tables and indexes that are missing; existing tables and rows are left alone.
    CreateAll {
        /// A SQLite file or a database URL (`sqlite:///app.db`, `postgresql://user@host/db`)
        /// [default: $DATABASE_URL, else the spec's `[database] url` or `path`].
        #[arg(long, value_name = "FILE|URL")]
        database: Option<String>,
    },
    /// Drop every table of the spec that exists in the database.
    DropAll {
        /// A SQLite file or a database URL [default: $DATABASE_URL, else the spec's
        /// `[database] url` or `path`].
        #[arg(long, value_name = "FILE|URL")]
        database: Option<String>,
    },
    /// Generate, apply, revert and check migrations (see docs/migrations.md).
    Migrate {
        /// The migrations folder [default: `migrations/` next to the spec].
        #[arg(long, global = true, value_name = "DIR")]
        migrations: Option<PathBuf>,
        #[command(subcommand)]
        action: migrate_cli::Action,
    },
    /// Read an existing database and print a spec that recreates its schema: a SQLite
    /// file, or the current schema of a PostgreSQL database.
    Introspect {
        /// The SQLite file, or a PostgreSQL URL (`postgresql://user@host/db`); on
        /// PostgreSQL the schema read is the first of the connection's `search_path`.
        #[arg(long, value_name = "FILE|URL")]
        database: String,
        /// Write the spec to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print the models and their relationships as a diagram.
    Diagram {
        /// Mermaid `erDiagram` (renders on GitHub) or Graphviz DOT.
        #[arg(long, value_name = "FORMAT", default_value = "mermaid")]
        format: migrate_cli::DiagramFormat,
        /// Write the diagram to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Exit status for a spec with errors, or a failed operation.
const FAILURE: u8 = 1;
/// Exit status for a usage error (clap uses the same).
const USAGE: u8 = 2;

/// Why a command stopped.
enum Failure {
    /// The spec has errors; the diagnostics were already printed.
    Spec,
    /// A usage problem, with its message.
    Usage(String),
    /// An operation failed, with its message.
    Other(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Spec) => ExitCode::from(FAILURE),
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE)
        }
        Err(Failure::Other(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(FAILURE)
        }
    }
}

fn run(cli: &Cli) -> Result<(), Failure> {
    if let Command::Introspect { database, out } = &cli.command {
        if names_a_server(database) {
            return migrate_cli::introspect_postgres(database, out.as_deref());
        }
        return migrate_cli::introspect(&sqlite_file(Path::new(database))?, out.as_deref());
    }
    if let Command::Migrate {
        migrations,
        action: migrate_cli::Action::Translate { from, to, database },
    } = &cli.command
    {
        // The history is translated, not the spec: it need not exist.
        return translate_cli::run(
            cli,
            migrations.as_deref(),
            from.as_deref(),
            to,
            database.as_deref(),
        );
    }
    let for_rust = matches!(
        cli.command,
        Command::Generate {
            lang: Lang::Rust,
            ..
        }
    );
    let checked = load(cli, for_rust)?;
    match &cli.command {
        Command::Check => {
            let schema = &checked.schema;
            let relationships: usize = schema
                .models
                .iter()
                .map(|m| m.relationships.iter().filter(|r| !r.from_backref).count())
                .sum();
            println!(
                "{}: ok ({} {}, {} {})",
                cli.spec.display(),
                schema.models.len(),
                plural(schema.models.len(), "model", "models"),
                relationships,
                plural(relationships, "relationship", "relationships"),
            );
            Ok(())
        }
        Command::Ddl { out, dialect } => {
            let dialect = match dialect {
                DdlDialect::Sqlite => SqlDialect::Sqlite,
                DdlDialect::Postgresql => SqlDialect::Postgresql,
            };
            let ddl = litemodel_codegen::ddl_for(&checked.schema, dialect);
            match out {
                Some(path) => write_output(path, &ddl),
                None => {
                    print!("{ddl}");
                    Ok(())
                }
            }
        }
        Command::Generate { out, lang } => {
            let spec_name = spec_display_name(&cli.spec);
            let code = match lang {
                Lang::Rust => litemodel_codegen::rust(&checked.schema, &spec_name),
                Lang::Python => litemodel_codegen::python(&checked.schema, &spec_name),
            };
            write_output(out, &code)
        }
        Command::CreateAll { database } => {
            let target = database_target(cli, &checked, database.as_deref())?;
            tables::create_all(&checked, &target)
        }
        Command::DropAll { database } => {
            let target = database_target(cli, &checked, database.as_deref())?;
            tables::drop_all(&checked, &target)
        }
        Command::Migrate { migrations, action } => {
            migrate_cli::run(cli, &checked, migrations.as_deref(), action)
        }
        Command::Diagram { format, out } => {
            let diagram = migrate_cli::diagram(&checked, *format);
            match out {
                Some(path) => write_output(path, &diagram),
                None => {
                    print!("{diagram}");
                    Ok(())
                }
            }
        }
        Command::Introspect { .. } => Ok(()),
    }
}

/// Reads and checks the spec, printing its diagnostics to standard error.
fn load(cli: &Cli, for_rust: bool) -> Result<Checked, Failure> {
    let source = std::fs::read_to_string(&cli.spec).map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            "\n  help: run litemodel in the folder that holds models.toml, or pass `--spec PATH`"
        } else {
            ""
        };
        Failure::Usage(format!(
            "cannot read the spec `{}`: {e}{hint}",
            cli.spec.display()
        ))
    })?;
    let name = cli.spec.display().to_string();
    let checked = if for_rust {
        litemodel_codegen::check_for_rust(&name, &source)
    } else {
        litemodel_codegen::check(&name, &source)
    };
    match checked {
        Ok(checked) => {
            print_diagnostics(cli, &checked.warnings);
            Ok(checked)
        }
        Err(diagnostics) => {
            print_diagnostics(cli, &diagnostics);
            Err(Failure::Spec)
        }
    }
}

fn print_diagnostics(cli: &Cli, diagnostics: &Diagnostics) {
    if diagnostics.is_empty() {
        return;
    }
    let choice = match cli.color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto
            if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() =>
        {
            ColorChoice::Auto
        }
        Color::Auto => ColorChoice::Never,
    };
    let mut stream = StandardStream::stderr(choice);
    diagnostics.emit(&mut stream);
}

fn write_output(path: &Path, contents: &str) -> Result<(), Failure> {
    match write_if_changed(path, contents) {
        Ok(WriteOutcome::Written) => {
            eprintln!("wrote {}", path.display());
            Ok(())
        }
        Ok(WriteOutcome::Unchanged) => {
            eprintln!("{} is up to date", path.display());
            Ok(())
        }
        Err(e) => Err(Failure::Other(format!(
            "cannot write `{}`: {e}",
            path.display()
        ))),
    }
}

/// `--database`, else `$DATABASE_URL` (Flask-SQLAlchemy's habit), else the spec's
/// `[database] url`, else its `path` relative to the spec's folder.
fn database_target(cli: &Cli, checked: &Checked, given: Option<&str>) -> Result<String, Failure> {
    if let Some(target) = given {
        return Ok(target.to_owned());
    }
    if let Some(url) = std::env::var_os("DATABASE_URL") {
        return url.into_string().map_err(|_| {
            Failure::Usage("the DATABASE_URL environment variable is not valid Unicode".to_owned())
        });
    }
    if let Some(url) = &checked.schema.database.url {
        return Ok(url.clone());
    }
    let path = database_path(cli, checked, None)?;
    path.into_os_string().into_string().map_err(|path| {
        Failure::Usage(format!(
            "the database path `{}` is not valid Unicode",
            Path::new(&path).display()
        ))
    })
}

/// `--database`, else the spec's `[database] path` relative to the spec's folder.
fn database_path(cli: &Cli, checked: &Checked, given: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(path) = given {
        return sqlite_file(path);
    }
    match &checked.schema.database.path {
        Some(path) => {
            let base = cli.spec.parent().unwrap_or(Path::new(""));
            Ok(base.join(path))
        }
        None => Err(Failure::Usage(format!(
            "no database file given\n  help: pass `--database FILE`, or set `path` in the `[database]` table of `{}`",
            cli.spec.display()
        ))),
    }
}

/// True when `--database` names a database server rather than a SQLite file: a URL
/// other than `sqlite:///`, or a libpq connection string (`host=... dbname=...`).
fn names_a_server(text: &str) -> bool {
    if text.starts_with("sqlite:///") {
        return false;
    }
    let is_url = text.contains("://");
    // The first keys the runtime's URL parser recognises a connection string by.
    const CONNINFO_KEYS: &[&str] = &[
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
    let is_conninfo = text
        .split_once('=')
        .is_some_and(|(key, _)| CONNINFO_KEYS.contains(&key.trim()));
    is_url || is_conninfo
}

/// The SQLite file a `--database` names: a path, or a `sqlite:///` URL. A server's
/// URL is refused before anything is opened or written (a URL is not a file name);
/// `migrate` and `introspect` send those to the server first.
pub(crate) fn sqlite_file(given: &Path) -> Result<PathBuf, Failure> {
    let text = given.to_string_lossy();
    if let Some(path) = text.strip_prefix("sqlite:///") {
        return Ok(PathBuf::from(path));
    }
    if names_a_server(&text) {
        return Err(Failure::Usage(format!(
            "`{}` is not a SQLite file",
            redact(&text)
        )));
    }
    Ok(given.to_path_buf())
}

/// `url` with a password replaced by `***`.
fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(end);
            match authority.rsplit_once('@') {
                Some((credentials, host)) if credentials.contains(':') => {
                    let user = credentials.split(':').next().unwrap_or_default();
                    format!("{scheme}://{user}:***@{host}{tail}")
                }
                _ => url.to_owned(),
            }
        }
        None => url
            .split_whitespace()
            .map(|pair| {
                if pair.starts_with("password=") {
                    "password=***"
                } else {
                    pair
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn open(path: &Path) -> Result<rusqlite::Connection, Failure> {
    let connection = rusqlite::Connection::open(path).map_err(|e| {
        Failure::Other(format!(
            "cannot open the database `{}`: {e}",
            path.display()
        ))
    })?;
    connection
        .execute_batch("PRAGMA foreign_keys = ON")
        .map_err(|e| Failure::Other(format!("`{}`: {e}", path.display())))?;
    Ok(connection)
}

fn spec_display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}
