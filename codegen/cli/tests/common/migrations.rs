//! The specs and helpers the migration tests share: a base spec and additions to it,
//! and writing the next migration as `litemodel migrate new` does.

use std::fs;
use std::path::Path;

use litemodel_cli::migrate::{self, files};
use litemodel_codegen::model::Schema;
use rusqlite::Connection;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

pub const BASE: &str = r#"
[models.Author]
table = "authors"

[models.Author.columns]
id = { type = "integer", primary_key = true }
name = { type = "string(64)", unique = true }
bio = { type = "text" }

[models.Book]
table = "books"

[models.Book.columns]
id = { type = "integer", primary_key = true }
title = { type = "string(128)", nullable = false }
author_id = { type = "integer", foreign_key = "authors.id", on_delete = "CASCADE", index = true }
pages = { type = "integer" }
isbn = { type = "string(13)" }
"#;

pub const TAGS: &str = r#"
[models.Tag]
table = "tags"

[models.Tag.columns]
id = { type = "integer", primary_key = true }
label = { type = "string(32)", nullable = false }
"#;

pub fn checked(spec: &str) -> TestResult<Schema> {
    Ok(litemodel_codegen::check("models.toml", spec)
        .map_err(|d| d.render(false))?
        .schema)
}

/// Writes the next migration for `spec` into `dir` (as `migrate new` does) and
/// returns its text.
pub fn generate(
    dir: &Path,
    spec: &str,
    message: &str,
    allow_data_loss: bool,
) -> TestResult<String> {
    let schema = checked(spec)?;
    let migrations = files::read_dir(dir)?;
    let plan = migrate::diff(&schema, &migrations)?.ok_or("no change to migrate")?;
    if !allow_data_loss {
        assert!(
            plan.up.data_loss.is_empty(),
            "{message}: unexpected data loss {:?}",
            plan.up.data_loss
        );
    }
    let version = migrations.latest() + 1;
    let text = files::render(version, message, "models.toml", Some(&plan));
    fs::create_dir_all(dir)?;
    fs::write(dir.join(files::file_name_for(version, message)), &text)?;
    Ok(text)
}

pub fn open(path: &Path) -> TestResult<Connection> {
    let conn = Connection::open(path)?;
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    Ok(conn)
}

pub fn assert_foreign_keys_intact(conn: &Connection) -> TestResult {
    let enforcing: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    assert_eq!(enforcing, 1, "foreign keys are back on");
    let violations: i64 =
        conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })?;
    assert_eq!(violations, 0, "no dangling foreign key");
    Ok(())
}

pub const AUDIT: &str = r#"
[models.Audit]
table = "audit"

[models.Audit.columns]
id = { type = "integer", primary_key = true }
what = { type = "text" }
"#;
