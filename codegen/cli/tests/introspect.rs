//! `litemodel introspect`: a database in, a spec out that recreates its schema.
//!
//! Round trips: a database made by `create-all` from a spec, introspected, gives a
//! spec whose `create-all` makes the identical schema (every `sqlite_master` entry
//! and PRAGMA row, compared with the schema dump the SQLAlchemy tests use). Databases
//! made by other tools (SQLAlchemy's recorded schemas, a Django-style schema written
//! here) are read faithfully, and what the spec cannot express is reported.

mod common;

use std::fs;
use std::path::Path;

use common::{litemodel, schema_dump, workspace_root};
use litemodel_cli::introspect;
use predicates::prelude::*;
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// create-all(spec) → introspect → create-all(introspected spec): same schema dump.
fn assert_round_trip(spec: &Path) -> TestResult {
    let dir = tempfile::tempdir()?;
    let original = dir.path().join("original.sqlite");
    litemodel()
        .arg("--spec")
        .arg(spec)
        .args(["create-all", "--database"])
        .arg(&original)
        .assert()
        .success();
    let introspected = dir.path().join("models.toml");
    litemodel()
        .args(["introspect", "--database"])
        .arg(&original)
        .arg("--out")
        .arg(&introspected)
        .assert()
        .success()
        .stderr(predicate::str::contains("warning:").not());
    let again = dir.path().join("again.sqlite");
    litemodel()
        .arg("--spec")
        .arg(&introspected)
        .args(["create-all", "--database"])
        .arg(&again)
        .assert()
        .success();
    assert_eq!(
        schema_dump(&original)?,
        schema_dump(&again)?,
        "round trip of {} changed the schema; introspected spec:\n{}",
        spec.display(),
        fs::read_to_string(&introspected)?
    );
    Ok(())
}

#[test]
fn round_trip_of_the_showcase() -> TestResult {
    assert_round_trip(&workspace_root().join("models.toml"))
}

#[test]
fn round_trip_of_the_seed() -> TestResult {
    assert_round_trip(&workspace_root().join("tests/fixtures/ok/seed.toml"))
}

#[test]
fn round_trip_of_fixtures() -> TestResult {
    let fixtures = workspace_root().join("codegen/tests/fixtures/ok");
    for entry in fs::read_dir(fixtures)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            assert_round_trip(&path)?;
        }
    }
    Ok(())
}

#[test]
fn round_trip_of_the_spec_reference_examples() -> TestResult {
    // Every complete spec in docs/spec.md (composite keys, many-to-many, checks,
    // reserved words, every column type).
    let doc = fs::read_to_string(workspace_root().join("docs/spec.md"))?;
    let dir = tempfile::tempdir()?;
    let mut count = 0;
    for (i, block) in doc.split("```toml\n").skip(1).enumerate() {
        let Some((spec, _)) = block.split_once("```") else {
            continue;
        };
        if !spec.contains("[models.") {
            continue;
        }
        let path = dir.path().join(format!("example{i}.toml"));
        fs::write(&path, spec)?;
        assert_round_trip(&path)?;
        count += 1;
    }
    assert!(count >= 5, "found only {count} examples");
    Ok(())
}

#[test]
fn an_integer_primary_key_is_the_non_null_rowid() -> TestResult {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
         CREATE TABLE tags (code TEXT PRIMARY KEY);",
    )?;
    let result = introspect::introspect(&conn)?;
    assert!(
        result
            .spec
            .contains("id = { type = \"integer\", primary_key = true }"),
        "{}",
        result.spec
    );
    assert!(!result.spec.contains("nullable = true"), "{}", result.spec);
    // A TEXT primary key without NOT NULL accepts NULL in SQLite: that is reported.
    assert!(
        result
            .warnings
            .iter()
            .any(|w| w.contains("`tags.code`") && w.contains("accepts NULL")),
        "{:?}",
        result.warnings
    );
    assert!(
        !result.warnings.iter().any(|w| w.contains("`notes.id`")),
        "{:?}",
        result.warnings
    );
    Ok(())
}

/// The SQL statements of a schema recorded by `tests/sqlalchemy/record.py`.
fn recorded_sql(recorded: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current: Option<String> = None;
    for line in recorded.lines() {
        let header = line.split(' ').collect::<Vec<_>>();
        let is_header = header.len() == 4
            && ["table", "index", "view", "trigger"].contains(&header[0])
            && header[2] == "on";
        if is_header || line.starts_with("table_info ") {
            statements.extend(current.take().filter(|s| s != "None"));
            if line.starts_with("table_info ") {
                break;
            }
            current = Some(String::new());
        } else if let Some(sql) = &mut current {
            if !sql.is_empty() {
                sql.push('\n');
            }
            sql.push_str(line);
        }
    }
    statements
}

#[test]
fn sqlalchemy_databases_are_read_faithfully() -> TestResult {
    for recorded in ["seed.schema.txt", "models.schema.txt"] {
        let text = fs::read_to_string(workspace_root().join("tests/sqlalchemy").join(recorded))?;
        let dir = tempfile::tempdir()?;
        let database = dir.path().join("sqlalchemy.sqlite");
        let conn = Connection::open(&database)?;
        for statement in recorded_sql(&text) {
            conn.execute_batch(&statement)?;
        }
        drop(conn);
        // The database rebuilt from the recording has the recorded schema...
        assert_eq!(schema_dump(&database)?, text, "{recorded}");
        // ...and its introspected spec recreates it exactly.
        let spec = dir.path().join("models.toml");
        litemodel()
            .args(["introspect", "--database"])
            .arg(&database)
            .arg("--out")
            .arg(&spec)
            .assert()
            .success()
            .stderr(predicate::str::contains("warning:").not());
        let again = dir.path().join("again.sqlite");
        litemodel()
            .arg("--spec")
            .arg(&spec)
            .args(["create-all", "--database"])
            .arg(&again)
            .assert()
            .success();
        assert_eq!(schema_dump(&again)?, text, "{recorded}");
    }
    Ok(())
}

/// What Django's migrations make on SQLite for a small blog app (its own naming:
/// quoted lower-case names, `integer ... PRIMARY KEY AUTOINCREMENT`, `bool`, `real`,
/// `decimal`, inline deferrable REFERENCES, hashed index names), plus a table
/// without a primary key, a partial index, a trigger and a view.
const DJANGO_STYLE: &str = r#"
CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "email" varchar(254) NOT NULL);
CREATE TABLE "blog_post" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(200) NOT NULL, "rating" real NULL, "price" decimal NOT NULL, "published" bool NOT NULL, "author_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE INDEX "blog_post_author_id_dd7a8485" ON "blog_post" ("author_id");
CREATE INDEX "blog_post_published_only" ON "blog_post" ("title") WHERE "published";
CREATE TABLE "blog_post_tags" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "post_id" integer NOT NULL REFERENCES "blog_post" ("id") DEFERRABLE INITIALLY DEFERRED, "tag_id" integer NOT NULL REFERENCES "blog_tag" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE UNIQUE INDEX "blog_post_tags_post_id_tag_id_4925ec37_uniq" ON "blog_post_tags" ("post_id", "tag_id");
CREATE TABLE "blog_tag" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(50) NOT NULL UNIQUE);
CREATE TABLE "django_log" ("message" text);
CREATE TRIGGER "blog_post_touch" AFTER UPDATE ON "blog_post" BEGIN SELECT 1; END;
CREATE VIEW "blog_post_titles" AS SELECT "title" FROM "blog_post";
"#;

#[test]
fn a_django_style_database_is_read_and_what_cannot_be_said_is_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("django.sqlite");
    Connection::open(&database)?.execute_batch(DJANGO_STYLE)?;
    let spec_path = dir.path().join("models.toml");
    let output = litemodel()
        .args(["introspect", "--database"])
        .arg(&database)
        .arg("--out")
        .arg(&spec_path)
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(output.stderr)?;
    let spec = fs::read_to_string(&spec_path)?;
    for reported in [
        "declared type `varchar(150)` becomes `string(150)`",
        "declared type `bool` becomes `boolean`",
        "declared type `REAL` becomes `float`",
        "declared type `decimal` becomes `numeric`",
        "DEFERRABLE",
        "table `django_log` has no primary key",
        "index `blog_post_published_only` is partial",
        "trigger `blog_post_touch`",
        "view `blog_post_titles`",
    ] {
        assert!(
            stderr.contains(reported),
            "not reported: {reported}\n{stderr}"
        );
        assert!(
            spec.contains(reported),
            "not in the spec's comments: {reported}\n{spec}"
        );
    }
    insta::assert_snapshot!("django_style_spec", spec);

    // The spec validates, and its create-all has the same tables, columns (names,
    // nullability), keys, unique constraints and indexes, minus what was reported.
    let again = dir.path().join("again.sqlite");
    litemodel()
        .arg("--spec")
        .arg(&spec_path)
        .args(["create-all", "--database"])
        .arg(&again)
        .assert()
        .success();
    let before = introspect::read(&Connection::open(&database)?)?;
    let after = introspect::read(&Connection::open(&again)?)?;
    for table in before.tables.iter().filter(|t| t.name != "django_log") {
        let Some(new) = after.table(&table.name) else {
            panic!("table {} is missing", table.name);
        };
        let columns = |t: &introspect::Table| {
            t.columns
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        c.not_null || t.primary_key.contains(&c.name),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(columns(table), columns(new), "{}", table.name);
        assert_eq!(table.primary_key, new.primary_key);
        assert_eq!(table.uniques.len(), new.uniques.len(), "{}", table.name);
        let keys = |t: &introspect::Table| {
            t.foreign_keys
                .iter()
                .map(|k| (k.columns.clone(), k.table.clone(), k.references.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(table), keys(new), "{}", table.name);
        let indexes = |t: &introspect::Table| {
            t.indexes
                .iter()
                .filter(|i| !i.partial)
                .map(|i| (i.name.clone(), i.unique, i.columns.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(indexes(table), indexes(new), "{}", table.name);
    }
    Ok(())
}

#[test]
fn relationships_are_inferred_from_foreign_keys() -> TestResult {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER NOT NULL, PRIMARY KEY (id));
         CREATE TABLE messages (id INTEGER NOT NULL, sender_id INTEGER, recipient_id INTEGER,
            PRIMARY KEY (id), FOREIGN KEY(sender_id) REFERENCES users (id),
            FOREIGN KEY(recipient_id) REFERENCES users (id));
         CREATE TABLE tags (id INTEGER NOT NULL, PRIMARY KEY (id));
         CREATE TABLE post_tags (post_id INTEGER NOT NULL, tag_id INTEGER NOT NULL,
            PRIMARY KEY (post_id, tag_id), FOREIGN KEY(post_id) REFERENCES posts (id),
            FOREIGN KEY(tag_id) REFERENCES tags (id));
         CREATE TABLE posts (id INTEGER NOT NULL, parent_id INTEGER, PRIMARY KEY (id),
            FOREIGN KEY(parent_id) REFERENCES posts (id));",
    )?;
    let result = introspect::introspect(&conn)?;
    insta::assert_snapshot!("inferred_relationships", result.spec);
    litemodel_codegen::check("models.toml", &result.spec).map_err(|d| d.render(false))?;
    Ok(())
}

#[test]
fn introspecting_a_missing_file_is_a_usage_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    litemodel()
        .args(["introspect", "--database"])
        .arg(dir.path().join("nope.sqlite"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not exist"));
    assert!(!dir.path().join("nope.sqlite").exists());
    Ok(())
}

/// An empty database, a 0-byte file or one holding only tables without a primary
/// key has no model to write: introspect says so and fails, writing no spec.
#[test]
fn introspecting_a_database_without_tables_says_so() -> TestResult {
    let dir = tempfile::tempdir()?;
    let zero_bytes = dir.path().join("zero.sqlite");
    fs::write(&zero_bytes, b"")?;
    let empty = dir.path().join("empty.sqlite");
    Connection::open(&empty)?.execute_batch("PRAGMA user_version = 1;")?;
    for database in [&zero_bytes, &empty] {
        litemodel()
            .args(["introspect", "--database"])
            .arg(database)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains("the database has no tables"))
            .stderr(predicate::str::contains("please report").not());
    }
    let keyless = dir.path().join("keyless.sqlite");
    Connection::open(&keyless)?.execute_batch("CREATE TABLE log (line TEXT);")?;
    litemodel()
        .args(["introspect", "--database"])
        .arg(&keyless)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "no table of the database has a primary key (`log`)",
        ));
    Ok(())
}

/// Names and values holding quotes, backslashes and newlines are written as TOML
/// strings that read back as the same text.
#[test]
fn quotes_backslashes_and_newlines_survive_the_spec() -> TestResult {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE \"we\"\"ird\" (\"i d\" INTEGER PRIMARY KEY, \
         \"x\\y\" TEXT DEFAULT 'a\"b\\c' CHECK (\"x\\y\" != 'q\"'), \
         \"new\nline\" TEXT DEFAULT 'l1\nl2');",
    )?;
    let result = introspect::introspect(&conn)?;
    let spec: toml_edit::DocumentMut = result.spec.parse()?;
    let model = &spec["models"]["WeIrd"];
    assert_eq!(model["table"].as_str(), Some("we\"ird"));
    assert_eq!(
        model["columns"]["x\\y"]["server_default"].as_str(),
        Some("'a\"b\\c'")
    );
    assert_eq!(
        model["columns"]["new\nline"]["server_default"].as_str(),
        Some("'l1\nl2'")
    );
    assert_eq!(
        model["checks"][0]["sql"].as_str(),
        Some("\"x\\y\" != 'q\"'")
    );
    litemodel_codegen::check("models.toml", &result.spec).map_err(|d| d.render(false))?;
    Ok(())
}
