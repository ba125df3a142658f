//! `litemodel migrate` on PostgreSQL, run as a user runs it against a real server:
//! migrations written from spec edits, applied with rows in the tables, reverted,
//! checked; a failing migration, a migration written for SQLite, a server that is
//! down.
//!
//! Each test works in schemas of its own on the server `LITEMODEL_TEST_POSTGRES`
//! names (see `.ci/postgres`), chosen with the connection's `search_path`; without
//! the variable the tests are skipped with one line, and in CI they fail. Schemas
//! are compared by their catalog signature (the queries of `introspect_postgres.rs`):
//! after the migrations, it must be the one `create-all` makes from the same spec.

mod common;

use std::fs;
use std::path::Path;

use common::litemodel;
use common::postgres::{created_signature, server, Schema, Signatures as _};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A schema of its own for a migration test (`migrate_{case}_{pid}`).
fn new_schema(conninfo: &str, case: &str) -> TestResult<Schema> {
    Schema::create(conninfo, "migrate", case)
}

/// `litemodel --spec SPEC migrate ARGS... --database TARGET` in `dir`: (exit code,
/// stdout, stderr).
fn migrate(dir: &Path, target: &str, args: &[&str]) -> TestResult<(Option<i32>, String, String)> {
    let mut all = vec!["migrate"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--database", target]);
    common::run_in(dir, &all)
}

/// [`migrate`], which must succeed; its stdout.
fn migrate_ok(dir: &Path, target: &str, args: &[&str]) -> TestResult<String> {
    let (code, stdout, stderr) = migrate(dir, target, args)?;
    assert_eq!(code, Some(0), "{args:?} failed: {stderr}");
    Ok(stdout)
}

const FIRST: &str = r#"
[models.Role]
table = "roles"

[models.Role.columns]
id = { type = "integer", primary_key = true }
name = { type = "string(64)", unique = true }

[models.User]
table = "users"

[models.User.columns]
id = { type = "integer", primary_key = true }
username = { type = "string(64)", nullable = false, index = true }
role_id = { type = "integer", foreign_key = "roles.id", index = true }
status = { type = "enum", values = ["draft", "published"], enum_name = "Status" }
"#;

/// A column added with a default, a table with a foreign key, an index, a column
/// renamed (`renamed_from`), a type widened, an enum label added.
const SECOND: &str = r#"
[models.Role]
table = "roles"

[models.Role.columns]
id = { type = "integer", primary_key = true }
name = { type = "string(128)", unique = true }

[models.User]
table = "users"

[models.User.columns]
id = { type = "integer", primary_key = true }
login = { type = "string(64)", nullable = false, index = true, renamed_from = "username" }
role_id = { type = "integer", foreign_key = "roles.id", index = true }
status = { type = "enum", values = ["draft", "published", "archived"], enum_name = "Status", index = true }
active = { type = "boolean", nullable = false, server_default = "true" }

[models.Post]
table = "posts"

[models.Post.columns]
id = { type = "integer", primary_key = true }
author_id = { type = "integer", foreign_key = "users.id", nullable = false, index = true }
title = { type = "string(100)" }
"#;

#[test]
fn migrations_follow_spec_edits_with_rows_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let mut schema = new_schema(&conninfo, "edits")?;
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("models.toml");
    fs::write(&spec, FIRST)?;
    let target = schema.target.clone();

    let written = migrate_ok(dir.path(), &target, &["new", "-m", "initial"])?;
    assert!(written.contains("create table `users`"), "{written}");
    let first = fs::read_to_string(dir.path().join("migrations/0001_initial.sql"))?;
    assert!(
        first.contains("\n-- migrate:dialect postgresql\n"),
        "{first}"
    );
    assert!(
        first.contains("CREATE TYPE \"Status\" AS ENUM ('draft', 'published')"),
        "{first}"
    );
    assert!(
        !first.contains("_litemodel_new_"),
        "never a rebuild: {first}"
    );
    // Planning left nothing on the server: the scratch schemas were rolled back.
    schema.assert_planning_left_nothing()?;
    let (code, stdout, _) = migrate(dir.path(), &target, &["status"])?;
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("0001  initial") && stdout.contains("pending"),
        "{stdout}"
    );

    let applied = migrate_ok(dir.path(), &target, &["up"])?;
    assert!(applied.contains("applied 0001_initial"), "{applied}");
    assert_eq!(
        schema.model_signature()?,
        created_signature(&conninfo, FIRST, "edits_first")?,
        "the first migration makes what create-all makes"
    );
    schema.execute(
        "INSERT INTO roles (name) VALUES ('admin'), ('user');
         INSERT INTO users (username, role_id, status) VALUES
             ('john', 1, 'published'), ('susan', 2, 'draft'), ('david', NULL, NULL);",
    )?;
    let before = schema.model_signature()?;

    fs::write(&spec, SECOND)?;
    let (code, _, stderr) = migrate(dir.path(), &target, &["check"])?;
    assert_eq!(
        code,
        Some(1),
        "check must fail before the migration: {stderr}"
    );
    assert!(stderr.contains("disagree"), "{stderr}");
    assert!(
        stderr.contains("rename column `users.username` to `login`"),
        "{stderr}"
    );
    let written = migrate_ok(dir.path(), &target, &["new", "-m", "second"])?;
    for change in [
        "add the label 'archived' to enum type `Status`",
        "rename column `users.username` to `login`",
        "create table `posts`",
        "alter column `roles.name`: type character varying(64) becomes character varying(128)",
        "create index `ix_users_status` on `users`",
        "add column `users.active`",
    ] {
        assert!(written.contains(change), "{change}: {written}");
    }
    let second = fs::read_to_string(dir.path().join("migrations/0002_second.sql"))?;
    for statement in [
        "ALTER TYPE \"Status\" ADD VALUE 'archived';",
        "ALTER TABLE users RENAME COLUMN username TO login;",
        "ALTER INDEX ix_users_username RENAME TO ix_users_login;",
        "CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES users(id)",
        "ALTER TABLE roles ALTER COLUMN name TYPE VARCHAR(128)",
        "ALTER TABLE users ADD COLUMN active BOOLEAN DEFAULT true NOT NULL;",
        "CREATE INDEX ix_users_status ON users (status);",
    ] {
        assert!(second.contains(statement), "{statement}: {second}");
    }
    assert!(
        !second.contains("DROP TABLE users"),
        "never a rebuild: {second}"
    );

    migrate_ok(dir.path(), &target, &["up"])?;
    let after = schema.model_signature()?;
    assert_eq!(
        after,
        created_signature(&conninfo, SECOND, "edits_second")?,
        "after the migrations the schema is the one create-all makes"
    );
    let mut rows = Vec::new();
    schema
        .admin
        .batch_execute(&format!("SET search_path = {}", schema.name))?;
    for row in schema.admin.query(
        "SELECT u.id, u.login, u.role_id, u.status::text, u.active, r.name \
         FROM users u LEFT JOIN roles r ON r.id = u.role_id ORDER BY u.id",
        &[],
    )? {
        rows.push(format!(
            "{} {} {:?} {:?} {} {:?}",
            row.try_get::<_, i32>(0)?,
            row.try_get::<_, String>(1)?,
            row.try_get::<_, Option<i32>>(2)?,
            row.try_get::<_, Option<String>>(3)?,
            row.try_get::<_, bool>(4)?,
            row.try_get::<_, Option<String>>(5)?,
        ));
    }
    assert_eq!(
        rows,
        [
            "1 john Some(1) Some(\"published\") true Some(\"admin\")",
            "2 susan Some(2) Some(\"draft\") true Some(\"user\")",
            "3 david None None true None",
        ]
    );
    // The new table, its foreign key and the new label work.
    schema.execute(
        "INSERT INTO posts (author_id, title) VALUES (1, 'hello');
         UPDATE users SET status = 'archived' WHERE id = 3;",
    )?;
    schema.admin.batch_execute("RESET search_path")?;

    let stdout = migrate_ok(dir.path(), &target, &["status"])?;
    assert!(stdout.contains("0001  initial"), "{stdout}");
    assert!(stdout.contains("0002  second"), "{stdout}");
    assert_eq!(stdout.matches(" applied 2").count(), 2, "{stdout}");
    let stdout = migrate_ok(dir.path(), &target, &["check"])?;
    assert!(stdout.contains("agree"), "{stdout}");
    let stdout = migrate_ok(dir.path(), &target, &["up"])?;
    assert!(stdout.contains("up to date (version 2)"), "{stdout}");

    // Down: back to the first schema, rows kept. The archived row blocks removing
    // its label, and the failed downgrade changes nothing.
    let (code, _, stderr) = migrate(dir.path(), &target, &["down"])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("migration 2 `second` (down) failed and was rolled back"),
        "{stderr}"
    );
    assert!(stderr.contains("invalid input value for enum"), "{stderr}");
    assert!(stderr.contains("the database is at version 2"), "{stderr}");
    assert_eq!(schema.model_signature()?, after);
    schema.execute("DELETE FROM posts; UPDATE users SET status = NULL WHERE id = 3;")?;
    let stdout = migrate_ok(dir.path(), &target, &["down"])?;
    assert!(stdout.contains("reverted 0002_second"), "{stdout}");
    assert_eq!(
        schema.model_signature()?,
        before,
        "down returns to the previous schema"
    );
    schema
        .admin
        .batch_execute(&format!("SET search_path = {}", schema.name))?;
    let names: Vec<String> = schema
        .admin
        .query("SELECT username FROM users ORDER BY id", &[])?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    assert_eq!(names, ["john", "susan", "david"]);
    schema.admin.batch_execute("RESET search_path")?;
    migrate_ok(dir.path(), &target, &["up"])?;
    assert_eq!(schema.model_signature()?, after);
    Ok(())
}

/// A migration that fails at its second statement: rolled back whole (the first
/// statement's column is not there), the version unchanged, the error names the
/// migration and the statement.
#[test]
fn a_failing_migration_changes_nothing_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let mut schema = new_schema(&conninfo, "failing")?;
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("models.toml"), FIRST)?;
    let target = schema.target.clone();
    migrate_ok(dir.path(), &target, &["new", "-m", "initial"])?;
    migrate_ok(dir.path(), &target, &["up"])?;
    let before = schema.model_signature()?;
    fs::write(
        dir.path().join("migrations/0002_broken.sql"),
        "-- migrate:dialect postgresql\n-- migrate:up\n\
         ALTER TABLE users ADD COLUMN nickname TEXT;\n\
         ALTER TABLE no_such_table ADD COLUMN other TEXT;\n\
         -- migrate:down\nALTER TABLE users DROP COLUMN nickname;\n",
    )?;
    let (code, _, stderr) = migrate(dir.path(), &target, &["up"])?;
    assert_eq!(code, Some(1), "{stderr}");
    for expected in [
        "migration 2 `broken` (up) failed and was rolled back",
        "at the statement `ALTER TABLE no_such_table ADD COLUMN other TEXT`",
        "relation \"no_such_table\" does not exist",
        "the database is at version 1",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    assert_eq!(
        schema.model_signature()?,
        before,
        "nothing of the migration is left"
    );
    let (code, stdout, _) = migrate(dir.path(), &target, &["status"])?;
    assert_eq!(code, Some(0));
    assert!(
        stdout.contains("0002  broken") && stdout.contains("pending"),
        "{stdout}"
    );

    // A migration that ends the transaction itself is refused before it runs.
    fs::write(
        dir.path().join("migrations/0002_broken.sql"),
        "-- migrate:dialect postgresql\n-- migrate:up\nALTER TABLE users ADD COLUMN nickname TEXT;\nCOMMIT;\n",
    )?;
    let (code, _, stderr) = migrate(dir.path(), &target, &["up"])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("must not contain BEGIN, COMMIT or ROLLBACK"),
        "{stderr}"
    );
    assert_eq!(schema.model_signature()?, before);
    Ok(())
}

/// SQLite migrations are refused on PostgreSQL, and PostgreSQL ones on SQLite,
/// before anything runs; `new` does not mix the two in one folder.
#[test]
fn migrations_of_the_other_engine_are_refused() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let mut schema = new_schema(&conninfo, "dialect")?;
    let target = schema.target.clone();
    let sqlite = tempfile::tempdir()?;
    fs::write(sqlite.path().join("models.toml"), FIRST)?;
    let file = sqlite.path().join("app.sqlite");
    let file = file.to_string_lossy().into_owned();
    migrate_ok(sqlite.path(), &file, &["new", "-m", "initial"])?;
    let text = fs::read_to_string(sqlite.path().join("migrations/0001_initial.sql"))?;
    assert!(!text.contains("migrate:dialect"), "{text}");
    let (code, _, stderr) = migrate(sqlite.path(), &target, &["up"])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "migration 1 `initial` was written for sqlite, but this database is postgresql"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--dialect postgresql"), "{stderr}");
    assert_eq!(
        schema.full_signature()?,
        "",
        "nothing ran, no version table"
    );
    let (code, _, stderr) = migrate(sqlite.path(), &target, &["new", "-m", "next"])?;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("are written for sqlite"), "{stderr}");

    let postgres = tempfile::tempdir()?;
    fs::write(postgres.path().join("models.toml"), FIRST)?;
    migrate_ok(postgres.path(), &target, &["new", "-m", "initial"])?;
    let file = postgres.path().join("app.sqlite");
    let file = file.to_string_lossy().into_owned();
    let (code, _, stderr) = migrate(postgres.path(), &file, &["up"])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("was written for postgresql, but this database is sqlite"),
        "{stderr}"
    );
    // `--dialect postgresql` needs a server to plan on.
    let (code, _, stderr) = migrate(
        postgres.path(),
        &file,
        &["new", "-m", "x", "--dialect", "postgresql"],
    )?;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("planned on the server"), "{stderr}");
    // ... except an empty one, to fill in by hand.
    migrate_ok(
        postgres.path(),
        &file,
        &["new", "--empty", "-m", "by hand", "--dialect", "postgresql"],
    )?;
    let text = fs::read_to_string(postgres.path().join("migrations/0002_by_hand.sql"))?;
    assert!(text.contains("\n-- migrate:dialect postgresql\n"), "{text}");
    assert!(!text.contains("foreign_keys"), "{text}");
    Ok(())
}

/// A schema made by `create-all` is adopted with `stamp`; then `up` applies only
/// what comes after.
#[test]
fn stamp_adopts_a_created_schema_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let schema = new_schema(&conninfo, "stamp")?;
    let target = schema.target.clone();
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("models.toml"), FIRST)?;
    litemodel()
        .current_dir(dir.path())
        .args(["--spec", "models.toml", "create-all", "--database", &target])
        .env_remove("DATABASE_URL")
        .assert()
        .success();
    migrate_ok(dir.path(), &target, &["new", "-m", "initial"])?;
    let (code, _, stderr) = migrate(dir.path(), &target, &["up"])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("litemodel migrate stamp"), "{stderr}");
    let stdout = migrate_ok(dir.path(), &target, &["stamp"])?;
    assert!(stdout.contains("stamped 0001_initial"), "{stdout}");
    fs::write(dir.path().join("models.toml"), SECOND)?;
    migrate_ok(dir.path(), &target, &["new", "-m", "second"])?;
    let stdout = migrate_ok(dir.path(), &target, &["up"])?;
    assert!(
        stdout.contains("applied 0002_second") && !stdout.contains("0001"),
        "{stdout}"
    );
    // A schema that is not the migrations' is not stamped.
    let other = new_schema(&conninfo, "stamp_other")?;
    litemodel()
        .current_dir(dir.path())
        .args([
            "--spec",
            "models.toml",
            "create-all",
            "--database",
            &other.target,
        ])
        .env_remove("DATABASE_URL")
        .assert()
        .success();
    let (code, _, stderr) = migrate(dir.path(), &other.target, &["stamp", "--to", "1"])?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("does not have the schema of the migrations up to version 1"),
        "{stderr}"
    );
    Ok(())
}

/// A server that is down is a clear error naming the URL without its password,
/// for every subcommand that needs it; nothing is written.
#[test]
fn a_server_that_is_down_is_a_clear_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("models.toml"), FIRST)?;
    let url = "postgresql://app:secret@127.0.0.1:1/app";
    for args in [
        &["status"][..],
        &["up"],
        &["down"],
        &["stamp"],
        &["new", "-m", "initial"],
        &["check"],
    ] {
        let (code, _, stderr) = migrate(dir.path(), url, args)?;
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot connect to `postgresql://app:***@127.0.0.1:1/app`"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("secret"), "{args:?}: {stderr}");
    }
    let left: Vec<_> = fs::read_dir(dir.path())?.collect();
    assert_eq!(left.len(), 1, "only models.toml: {left:?}");
    Ok(())
}

/// Each spec in turn: `new` writes a migration, `up` makes exactly what `create-all`
/// makes from the spec, `down` gives back the previous schema and `up` again the
/// new one; rows written at the first step stay.
#[test]
fn every_kind_of_change_round_trips_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let steps: &[(&str, &str, &[&str])] = &[
        ("initial", FIRST, &[]),
        (
            "rename roles to groups",
            &FIRST
                .replace(
                    "[models.Role]\ntable = \"roles\"",
                    "[models.Role]\ntable = \"groups\"\nrenamed_from = \"roles\"",
                )
                .replace("roles.id", "groups.id"),
            &[
                "ALTER TABLE roles RENAME TO groups;",
                "ALTER TABLE groups RENAME CONSTRAINT roles_pkey TO groups_pkey;",
                "ALTER SEQUENCE roles_id_seq RENAME TO groups_id_seq;",
            ],
        ),
        (
            "constraints and defaults",
            &FIRST
                .replace(
                    "username = { type = \"string(64)\", nullable = false, index = true }",
                    "username = { type = \"string(64)\", index = true, unique = true }",
                )
                .replace(
                    "foreign_key = \"roles.id\", index = true }",
                    "foreign_key = \"roles.id\", index = true, on_delete = \"CASCADE\" }",
                )
                .replace(
                    "enum_name = \"Status\" }",
                    "enum_name = \"Status\", nullable = false, server_default = \"'draft'\" }",
                )
                .replace(
                    "[models.User.columns]",
                    "[[models.User.checks]]\nsql = \"length(username) > 1\"\nname = \"ck_users_username\"\n\n[models.User.columns]",
                ),
            &[
                "ALTER TABLE users DROP CONSTRAINT users_role_id_fkey;",
                "ALTER TABLE users ALTER COLUMN username DROP NOT NULL;",
                "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'draft'",
                "ADD CONSTRAINT users_role_id_fkey FOREIGN KEY (role_id) REFERENCES roles(id) ON DELETE CASCADE",
                "ADD CONSTRAINT ck_users_username CHECK",
            ],
        ),
        (
            "enum label removed",
            &FIRST.replace("values = [\"draft\", \"published\"]", "values = [\"draft\"]"),
            &[
                "ALTER TYPE \"Status\" RENAME TO \"Status_litemodel_old\";",
                "USING status::text::\"Status\"",
                "DROP TYPE \"Status_litemodel_old\";",
            ],
        ),
        (
            "enum type renamed and text",
            &FIRST
                .replace("enum_name = \"Status\"", "enum_name = \"State\"")
                .replace(
                    "username = { type = \"string(64)\"",
                    "username = { type = \"text\"",
                ),
            &[
                "CREATE TYPE \"State\" AS ENUM ('draft', 'published');",
                "ALTER TABLE users ALTER COLUMN status TYPE \"State\" USING status::text::\"State\";",
                "ALTER TABLE users ALTER COLUMN username TYPE TEXT",
                "DROP TYPE \"Status\";",
            ],
        ),
        (
            "drop a column, a table and an enum type",
            "[models.Role]\ntable = \"roles\"\n\n[models.Role.columns]\n\
             id = { type = \"integer\", primary_key = true }\n",
            &[
                "ALTER TABLE roles DROP COLUMN name;",
                "DROP TABLE users;",
                "DROP TYPE \"Status\";",
            ],
        ),
    ];
    let mut schema = new_schema(&conninfo, "kinds")?;
    let target = schema.target.clone();
    let dir = tempfile::tempdir()?;
    let mut previous = String::new();
    // Each step starts from the first spec's schema: the migrations go there and back.
    for (i, (message, spec, statements)) in steps.iter().enumerate() {
        fs::write(dir.path().join("models.toml"), spec)?;
        let (code, _, stderr) = migrate(
            dir.path(),
            &target,
            &["new", "-m", message, "--allow-data-loss"],
        )?;
        assert_eq!(code, Some(0), "{message}: {stderr}");
        let file = dir.path().join("migrations").join(format!(
            "{:04}_{}.sql",
            (i + 1).min(2),
            message.replace(' ', "_").replace(',', "")
        ));
        let text = fs::read_to_string(&file)?;
        for statement in *statements {
            assert!(text.contains(statement), "{message}: {statement}:\n{text}");
        }
        migrate_ok(dir.path(), &target, &["up"])?;
        let reached = schema.model_signature()?;
        assert_eq!(
            reached,
            created_signature(&conninfo, spec, &format!("kinds_{i}"))?,
            "{message}: the migrations make what create-all makes:\n{text}"
        );
        if i == 0 {
            schema.execute(
                "INSERT INTO roles (name) VALUES ('admin');
                 INSERT INTO users (username, role_id, status) VALUES ('john', 1, 'draft');",
            )?;
        } else {
            migrate_ok(dir.path(), &target, &["down"])?;
            assert_eq!(schema.model_signature()?, previous, "{message}: down");
            migrate_ok(dir.path(), &target, &["up"])?;
            assert_eq!(schema.model_signature()?, reached, "{message}: up again");
            let stdout = migrate_ok(dir.path(), &target, &["check"])?;
            assert!(stdout.contains("agree"), "{stdout}");
            // Back to the first spec's schema for the next step.
            migrate_ok(dir.path(), &target, &["down"])?;
            fs::remove_file(&file)?;
        }
        if i == 0 {
            previous = reached;
        } else if i + 1 < steps.len() {
            // The steps that lose nothing keep the row through up, down, up, down.
            schema
                .admin
                .batch_execute(&format!("SET search_path = {}", schema.name))?;
            let row = schema
                .admin
                .query_one("SELECT username, status::text FROM users", &[])?;
            assert_eq!(row.try_get::<_, String>(0)?, "john", "{message}");
            assert_eq!(row.try_get::<_, String>(1)?, "draft", "{message}");
            schema.admin.batch_execute("RESET search_path")?;
        }
    }
    Ok(())
}

/// Tables the migrations do not know (another application's, with types no spec
/// makes) are left alone: planning never reads the database, and `up` only looks
/// at table names.
#[test]
fn tables_the_migrations_do_not_know_are_left_alone() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let mut schema = new_schema(&conninfo, "foreign")?;
    schema.execute("CREATE TABLE audit (id SERIAL PRIMARY KEY, data JSONB, tags TEXT[])")?;
    let target = schema.target.clone();
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("models.toml"), FIRST)?;
    migrate_ok(dir.path(), &target, &["new", "-m", "initial"])?;
    let stdout = migrate_ok(dir.path(), &target, &["up"])?;
    assert!(stdout.contains("applied 0001_initial"), "{stdout}");
    let stdout = migrate_ok(dir.path(), &target, &["check"])?;
    assert!(stdout.contains("agree"), "{stdout}");
    assert!(schema
        .model_signature()?
        .contains("column audit.data jsonb"));
    Ok(())
}
