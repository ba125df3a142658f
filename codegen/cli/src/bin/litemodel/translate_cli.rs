//! `litemodel migrate translate`: a folder of SQLite migrations written again as a
//! folder of PostgreSQL ones (part of the binary, included by `main.rs`). The
//! history is translated, not the spec: the spec, when there is one, gives the
//! server's URL after `--database` and `$DATABASE_URL`, and is compared with the
//! result.

use std::fs;
use std::path::{Path, PathBuf};

use litemodel_cli::migrate::{self, translate::Translated};
use litemodel_codegen::Checked;

use super::{names_a_server, postgres_cli, redact, Cli, Failure};

/// Translates `from` (else `--migrations`, else `migrations/` next to the spec)
/// into the new folder `to`, planning on the server `database` (else
/// `$DATABASE_URL`, else the spec's `[database] url`) names. Nothing is written unless every migration translates.
pub fn run(
    cli: &Cli,
    migrations: Option<&Path>,
    from: Option<&Path>,
    to: &Path,
    database: Option<&str>,
) -> Result<(), Failure> {
    let from = super::migrate_cli::migrations_dir(cli, from.or(migrations));
    refuse_existing(to)?;
    if !from.is_dir() {
        return Err(Failure::Usage(format!(
            "the folder `{}` of SQLite migrations to translate does not exist\n  help: name it with `--from DIR`",
            from.display()
        )));
    }
    let spec = spec_if_any(cli);
    let url = server_url(database, spec.as_ref())?;
    let label = redact(&url);
    let mut client = postgres_cli::client(&url)?;
    let translation = migrate::translate::translate(&mut client, &from).map_err(|e| match e {
        migrate::Error::Postgres { .. } => Failure::Other(format!("`{label}`: {e}")),
        other => Failure::Other(other.to_string()),
    })?;
    if translation.files.is_empty() {
        return Err(Failure::Other(format!(
            "no migrations in {}; nothing to translate",
            from.display()
        )));
    }
    for warning in &translation.warnings {
        eprintln!("warning: {warning}");
    }
    write_folder(to, &translation.files)?;
    for file in &translation.files {
        println!("translated {}", file.file_name);
    }
    println!(
        "wrote {} PostgreSQL {} to {}",
        translation.files.len(),
        if translation.files.len() == 1 {
            "migration"
        } else {
            "migrations"
        },
        to.display()
    );
    if let Some(spec) = &spec {
        compare_with_spec(cli, spec, &mut client, &translation.files, to);
    }
    Ok(())
}

/// The spec, when there is one that checks: a translation does not need it, so a
/// spec that is missing or has errors is no error here (and is not reported).
fn spec_if_any(cli: &Cli) -> Option<Checked> {
    let source = fs::read_to_string(&cli.spec).ok()?;
    litemodel_codegen::check(&cli.spec.display().to_string(), &source).ok()
}

/// Says how the schema the translated history makes differs from the spec's on
/// PostgreSQL: what SQLite does not keep (an enum is a `VARCHAR` there, a
/// `datetime(timezone)` a `DATETIME`) comes back only with a migration planned
/// from the spec.
fn compare_with_spec(
    cli: &Cli,
    checked: &Checked,
    client: &mut litemodel::postgres::Client,
    files: &[Translated],
    to: &Path,
) {
    let migrations = files
        .iter()
        .map(|file| litemodel::Migration::from_file(&file.file_name, file.text.clone()))
        .collect::<Result<Vec<_>, _>>()
        .and_then(litemodel::Migrations::new);
    let Ok(migrations) = migrations else {
        return;
    };
    match migrate::postgres::diff(client, &checked.schema, &migrations) {
        Ok(None) => println!(
            "the PostgreSQL migrations make the schema of {}",
            cli.spec.display()
        ),
        Ok(Some(plan)) => {
            eprintln!(
                "note: the PostgreSQL migrations do not make the schema of {} on PostgreSQL; the next migration would:",
                cli.spec.display()
            );
            for change in &plan.changes {
                eprintln!("  - {change}");
            }
            eprintln!(
                "  help: SQLite keeps less than a spec says (an enum is a VARCHAR there, a `datetime(timezone)` a DATETIME); \
                 `litemodel migrate new --migrations {} --database postgresql://... -m \"...\"` writes the migration that brings the PostgreSQL schema to the spec",
                to.display()
            );
        }
        Err(e) => eprintln!(
            "note: the PostgreSQL migrations could not be compared with {}: {e}",
            cli.spec.display()
        ),
    }
}

/// `--database`, else `$DATABASE_URL`, else the spec's `[database] url`: the
/// server to plan on.
fn server_url(database: Option<&str>, spec: Option<&Checked>) -> Result<String, Failure> {
    let url = match database {
        Some(url) => Some(url.to_owned()),
        None => std::env::var_os("DATABASE_URL")
            .map(|url| {
                url.into_string().map_err(|_| {
                    Failure::Usage(
                        "the DATABASE_URL environment variable is not valid Unicode".to_owned(),
                    )
                })
            })
            .transpose()?
            .or_else(|| spec.and_then(|checked| checked.schema.database.url.clone())),
    };
    match url {
        Some(url) if names_a_server(&url) => Ok(url),
        Some(url) => Err(Failure::Usage(format!(
            "`{}` is not a PostgreSQL server: the translation is planned on one\n  \
             help: pass `--database postgresql://...` (or set DATABASE_URL); the planner makes \
             scratch schemas there inside transactions it rolls back, so the role needs the CREATE privilege on the database",
            redact(&url)
        ))),
        None => Err(Failure::Usage(
            "a translation is planned on a PostgreSQL server: pass `--database postgresql://...` \
             (or set DATABASE_URL)\n  \
             help: the planner makes scratch schemas there inside transactions it rolls back; \
             the role needs the CREATE privilege on the database"
                .to_owned(),
        )),
    }
}

/// `to` must not hold anything: a translation never mixes with other files.
fn refuse_existing(to: &Path) -> Result<(), Failure> {
    let occupied = match fs::read_dir(to) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(_) => true,
    };
    if occupied {
        return Err(Failure::Usage(format!(
            "`{}` already exists and is not an empty folder; nothing was written\n  \
             help: pass `--to` a new folder (the translation writes every PostgreSQL migration there at once)",
            to.display()
        )));
    }
    Ok(())
}

/// Writes `files` into a temporary folder next to `to` and renames it to `to`:
/// either the whole history is there, or nothing.
fn write_folder(to: &Path, files: &[Translated]) -> Result<(), Failure> {
    let parent: PathBuf = match to.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let failed =
        |e: std::io::Error| Failure::Other(format!("cannot write `{}`: {e}", to.display()));
    fs::create_dir_all(&parent).map_err(failed)?;
    let staging = tempfile::Builder::new()
        .prefix(".litemodel-translate-")
        .tempdir_in(&parent)
        .map_err(failed)?;
    for file in files {
        fs::write(staging.path().join(&file.file_name), &file.text).map_err(failed)?;
    }
    refuse_existing(to)?;
    if to.is_dir() {
        fs::remove_dir(to).map_err(failed)?;
    }
    fs::rename(staging.path(), to).map_err(failed)?;
    // Renamed into place: nothing left for the guard to remove.
    let _ = staging.keep();
    Ok(())
}
