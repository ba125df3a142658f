//! `litemodel migrate translate`, run as a user runs it: a SQLite history written
//! by `migrate new` (and by hand) translated into PostgreSQL migrations planned on a
//! real server, applied there with `migrate up` and reverted with `migrate down`;
//! its data statements copied in place; what cannot be translated refused with its
//! file and line; a `--to` folder that holds something refused before anything is
//! written.
//!
//! The server is the one `LITEMODEL_TEST_POSTGRES` names (see `.ci/postgres`), each
//! test in schemas of its own; without the variable the tests that need it are
//! skipped with one line, and in CI they fail.

mod common;

use std::fs;
use std::path::Path;

use common::postgres::{created_signature, server, Schema, Signatures as _};
use common::run_in as run;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// [`run`], which must succeed; its stdout.
fn run_ok(dir: &Path, args: &[&str]) -> TestResult<String> {
    let (code, stdout, stderr) = run(dir, args)?;
    assert_eq!(code, Some(0), "{args:?} failed: {stderr}");
    Ok(stdout)
}

/// `litemodel migrate --migrations pg ARGS... --database TARGET` in `dir`, which
/// must succeed; its stdout.
fn on_postgres(dir: &Path, target: &str, args: &[&str]) -> TestResult<String> {
    let mut all = vec!["migrate", "--migrations", "pg"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--database", target]);
    run_ok(dir, &all)
}

/// Writes `spec` and the next SQLite migration for it, as a user does.
fn sqlite_migration(dir: &Path, spec: &str, message: &str, extra: &[&str]) -> TestResult {
    fs::write(dir.join("models.toml"), spec)?;
    let mut args = vec!["migrate", "new", "--dialect", "sqlite", "-m", message];
    args.extend_from_slice(extra);
    run_ok(dir, &args)?;
    Ok(())
}

/// `migrate translate --to pg --database TARGET` in `dir` (from `migrations/`).
fn translate(dir: &Path, target: &str) -> TestResult<(Option<i32>, String, String)> {
    run(
        dir,
        &["migrate", "translate", "--to", "pg", "--database", target],
    )
}

const ROLES: &str = r#"
[models.Role]
table = "roles"

[models.Role.columns]
id = { type = "integer", primary_key = true }
name = { type = "string(64)", unique = true, nullable = false }

[models.User]
table = "users"

[models.User.columns]
id = { type = "integer", primary_key = true }
"#;

/// Two tables.
fn create() -> String {
    format!(
        r#"{ROLES}username = {{ type = "string(64)", nullable = false }}
role_id = {{ type = "integer", foreign_key = "roles.id", index = true }}
age = {{ type = "integer" }}
"#
    )
}

/// A column with an index, and a NOT NULL column with a default.
fn add() -> String {
    format!(
        r#"{}email = {{ type = "string(128)", index = true }}
active = {{ type = "boolean", nullable = false, server_default = "true" }}
"#,
        create()
    )
}

/// A column renamed (`renamed_from`), one dropped, one made NOT NULL (a rebuild on
/// SQLite, `ALTER COLUMN` on PostgreSQL).
fn rename() -> String {
    format!(
        r#"{ROLES}login = {{ type = "string(64)", nullable = false, renamed_from = "username" }}
role_id = {{ type = "integer", foreign_key = "roles.id", index = true, nullable = false }}
email = {{ type = "string(128)", index = true }}
active = {{ type = "boolean", nullable = false, server_default = "true" }}
"#
    )
}

/// The three-step SQLite history of [`create`], [`add`], [`rename`] in `dir/migrations`.
fn three_step_history(dir: &Path) -> TestResult {
    sqlite_migration(dir, &create(), "create tables", &[])?;
    sqlite_migration(dir, &add(), "add email", &[])?;
    sqlite_migration(dir, &rename(), "rename username", &["--allow-data-loss"])?;
    let third = fs::read_to_string(dir.join("migrations/0003_rename_username.sql"))?;
    assert!(third.contains("_litemodel_new_users"), "a rebuild: {third}");
    Ok(())
}

#[test]
fn a_sqlite_history_translated_makes_the_specs_schema_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    three_step_history(dir.path())?;
    let mut schema = Schema::create(&conninfo, "translate", "history")?;

    let (code, stdout, stderr) = translate(dir.path(), &schema.target)?;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("wrote 3 PostgreSQL migrations to pg\nthe PostgreSQL migrations make the schema of models.toml\n"),
        "the spec the history ends at is compared: {stdout}"
    );
    let names: Vec<String> = {
        let mut names: Vec<String> = fs::read_dir(dir.path().join("pg"))?
            .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Result<_, _>>()?;
        names.sort();
        names
    };
    assert_eq!(
        names,
        [
            "0001_create_tables.sql",
            "0002_add_email.sql",
            "0003_rename_username.sql"
        ],
        "the same files, and nothing else (no temporary folder left)"
    );
    let third = fs::read_to_string(dir.path().join("pg/0003_rename_username.sql"))?;
    assert!(
        third.starts_with("-- Migration 0003: rename username\n-- migrate:dialect postgresql\n"),
        "{third}"
    );
    assert!(
        third.contains("ALTER TABLE users RENAME COLUMN username TO login;"),
        "the rename is a rename, not a drop and an add: {third}"
    );
    assert!(
        third.contains("ALTER TABLE users ALTER COLUMN role_id SET NOT NULL;"),
        "{third}"
    );
    assert!(
        third.contains(
            "-- DATA LOSS (as the SQLite migration loses it): the upgrade\n--   - drops column `users.age` and its values\n"
        ),
        "{third}"
    );
    assert!(
        !third.contains("_litemodel_new_"),
        "never a rebuild: {third}"
    );
    // Planning left nothing on the server: the scratch schemas were rolled back.
    schema.assert_planning_left_nothing()?;
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "migrate",
            "translate",
            "--from",
            "pg",
            "--to",
            "again",
            "--database",
            &schema.target,
        ],
    )?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: cannot translate migration 1 `create_tables` to PostgreSQL: it is written for PostgreSQL already\n  \
             --> pg/0001_create_tables.sql:2\n"
        ),
        "a PostgreSQL folder is not translated again: {stderr}"
    );
    assert!(!dir.path().join("again").exists());

    let target = schema.target.clone();
    let applied = on_postgres(dir.path(), &target, &["up"])?;
    assert!(
        applied.contains("applied 0003_rename_username"),
        "{applied}"
    );
    assert_eq!(
        schema.model_signature()?,
        created_signature(&conninfo, &rename(), "translate_rename")?,
        "the translated history makes what create-all makes from the spec it ends at"
    );
    schema.execute(
        "INSERT INTO roles (name) VALUES ('admin');
         INSERT INTO users (login, role_id, email) VALUES ('john', 1, 'john@example.com');",
    )?;
    on_postgres(dir.path(), &target, &["down", "--to", "1"])?;
    let username: String = schema
        .admin
        .query_one(&format!("SELECT username FROM {}.users", schema.name), &[])?
        .try_get(0)?;
    assert_eq!(username, "john", "the rename is undone with the value kept");
    assert_eq!(
        schema.model_signature()?,
        created_signature(&conninfo, &create(), "translate_create")?,
        "down to version 1: the first spec's schema"
    );
    on_postgres(dir.path(), &target, &["down", "--to", "0"])?;
    assert_eq!(schema.model_signature()?, "", "down to zero: no table left");
    Ok(())
}

#[test]
fn data_statements_are_copied_where_they_stand() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    sqlite_migration(dir.path(), &create(), "create tables", &[])?;
    fs::write(
        dir.path().join("migrations/0002_seed.sql"),
        "-- Migration 0002: seed the admin role\n\
         -- migrate:up\n\
         -- the roles every deployment has\n\
         INSERT INTO roles (id, name) VALUES (1, 'admin'), (2, 'it''s; fine');\n\
         ALTER TABLE users ADD COLUMN nickname VARCHAR(32);\n\
         UPDATE users SET nickname = lower(username) WHERE nickname IS NULL;\n\
         \n\
         -- migrate:down\n\
         ALTER TABLE users DROP COLUMN nickname;\n\
         DELETE FROM roles WHERE id IN (1, 2);\n",
    )?;
    let mut schema = Schema::create(&conninfo, "translate", "data")?;
    let (code, _, stderr) = translate(dir.path(), &schema.target)?;
    assert_eq!(code, Some(0), "{stderr}");
    let seed = fs::read_to_string(dir.path().join("pg/0002_seed.sql"))?;
    assert!(
        seed.starts_with("-- Migration 0002: seed the admin role\n"),
        "{seed}"
    );
    let (up, down) = seed
        .split_once("-- migrate:down")
        .ok_or("no down section")?;
    let at = |section: &str, text: &str| {
        section
            .find(text)
            .ok_or(format!("no `{text}` in {section}"))
    };
    assert!(
        at(
            up,
            "INSERT INTO roles (id, name) VALUES (1, 'admin'), (2, 'it''s; fine');"
        )? < at(up, "ALTER TABLE users ADD COLUMN nickname VARCHAR(32);")?
            && at(up, "ALTER TABLE users ADD COLUMN nickname")?
                < at(
                    up,
                    "UPDATE users SET nickname = lower(username) WHERE nickname IS NULL;"
                )?,
        "each data statement after the schema change before it: {up}"
    );
    assert!(
        up.contains("-- copied from migrations/0002_seed.sql, line 4\nINSERT INTO roles"),
        "{up}"
    );
    assert!(
        at(down, "ALTER TABLE users DROP COLUMN nickname;")?
            < at(down, "DELETE FROM roles WHERE id IN (1, 2);")?,
        "{down}"
    );

    let target = schema.target.clone();
    on_postgres(dir.path(), &target, &["up"])?;
    let roles: i64 = schema
        .admin
        .query_one(&format!("SELECT count(*) FROM {}.roles", schema.name), &[])?
        .try_get(0)?;
    assert_eq!(roles, 2, "the copied INSERT ran on PostgreSQL");
    on_postgres(dir.path(), &target, &["down", "--to", "0"])?;
    assert_eq!(schema.model_signature()?, "");
    Ok(())
}

#[test]
fn what_cannot_be_translated_is_refused_with_its_file_and_line() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let schema = Schema::create(&conninfo, "translate", "refused")?;
    let cases = [
        (
            "0002_admins.sql",
            "-- Migration 0002: admins\n-- migrate:up\n\nCREATE VIEW admins AS\n  SELECT * FROM users WHERE role_id = 1;\n-- migrate:down\nDROP VIEW admins;\n",
            "CREATE VIEW admins AS SELECT * FROM users WHERE role_id = 1",
            "views and triggers are not part of a spec",
        ),
        (
            "0002_seed.sql",
            "-- Migration 0002: seed\n-- migrate:up\nINSERT INTO roles (name) VALUES ('a');\nINSERT OR IGNORE INTO roles (name) VALUES ('admin');\n-- migrate:down\n",
            "INSERT OR IGNORE INTO roles (name) VALUES ('admin')",
            "PostgreSQL does not accept this data statement as written: syntax error at or near \"OR\"",
        ),
    ];
    for (file, text, statement, reason) in cases {
        let dir = tempfile::tempdir()?;
        sqlite_migration(dir.path(), &create(), "create tables", &[])?;
        fs::write(dir.path().join("migrations").join(file), text)?;
        let (code, stdout, stderr) = translate(dir.path(), &schema.target)?;
        assert_eq!(code, Some(1), "{stderr}");
        assert_eq!(stdout, "");
        assert!(
            stderr.starts_with("error: cannot translate migration 2 `"),
            "{stderr}"
        );
        assert!(stderr.contains(reason), "{stderr}");
        assert!(
            stderr.contains(&format!("\n  --> migrations/{file}:4\n")),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("   | {statement}\n")), "{stderr}");
        assert!(
            stderr.contains(
                "\n  help: PostgreSQL's form of this statement has to be written by hand"
            ),
            "{stderr}"
        );
        assert!(!dir.path().join("pg").exists(), "nothing is written");
        let leftovers: Vec<_> = fs::read_dir(dir.path())?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".litemodel"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary folder is left");
    }
    Ok(())
}

#[test]
fn a_to_folder_that_holds_files_is_refused_and_nothing_written() -> TestResult {
    let dir = tempfile::tempdir()?;
    sqlite_migration(dir.path(), &create(), "create tables", &[])?;
    fs::create_dir(dir.path().join("pg"))?;
    fs::write(dir.path().join("pg/0001_mine.sql"), "-- mine\n")?;
    // Refused before any server is asked: this one does not exist.
    let (code, stdout, stderr) = translate(dir.path(), "postgresql://nobody@127.0.0.1:1/none")?;
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with(
            "error: `pg` already exists and is not an empty folder; nothing was written\n  help: "
        ),
        "{stderr}"
    );
    let kept: Vec<_> = fs::read_dir(dir.path().join("pg"))?.collect();
    assert_eq!(kept.len(), 1, "the folder is left as it was");
    assert_eq!(
        fs::read_to_string(dir.path().join("pg/0001_mine.sql"))?,
        "-- mine\n"
    );

    // Without a server to plan on: a usage error saying how to give one.
    let (code, _, stderr) = run(dir.path(), &["migrate", "translate", "--to", "elsewhere"])?;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("pass `--database postgresql://...` (or set DATABASE_URL)"),
        "{stderr}"
    );
    assert!(!dir.path().join("elsewhere").exists());
    Ok(())
}

#[test]
fn an_empty_to_folder_is_filled() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    sqlite_migration(dir.path(), &create(), "create tables", &[])?;
    fs::create_dir(dir.path().join("pg"))?;
    let schema = Schema::create(&conninfo, "translate", "empty_to")?;
    let (code, _, stderr) = translate(dir.path(), &schema.target)?;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(dir.path().join("pg/0001_create_tables.sql").is_file());
    Ok(())
}

#[test]
fn what_sqlite_does_not_keep_is_noted() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let spec = r#"
[models.Post]
table = "posts"

[models.Post.columns]
id = { type = "integer", primary_key = true }
status = { type = "enum", values = ["draft", "published"], enum_name = "Status" }
"#;
    sqlite_migration(dir.path(), spec, "posts", &[])?;
    let schema = Schema::create(&conninfo, "translate", "noted")?;
    let (code, _, stderr) = translate(dir.path(), &schema.target)?;
    assert_eq!(code, Some(0), "a note, not an error: {stderr}");
    assert!(
        stderr.contains(
            "note: the PostgreSQL migrations do not make the schema of models.toml on PostgreSQL; the next migration would:\n  \
             - create enum type `Status`\n  \
             - alter column `posts.status`: type character varying(9) becomes \"Status\"\n  \
             help: "
        ),
        "{stderr}"
    );
    assert!(dir.path().join("pg/0001_posts.sql").is_file());
    Ok(())
}
