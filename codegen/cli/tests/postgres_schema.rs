//! `litemodel ddl --dialect postgresql` writes what SQLAlchemy 2.1's `create_all()`
//! sends to PostgreSQL through psycopg for the same models, and a real server given
//! that DDL has the same catalog as one given SQLAlchemy's.
//!
//! `tests/sqlalchemy/record_postgres.sh` records the reference with the real SQLAlchemy
//! and a real PostgreSQL 15 (the seed, the showcase and every column type): the statements it sent (`*.postgres.sql`) and the catalog
//! signature of the database it made (`*.postgres.txt`, the queries of
//! `postgres_catalog.sql`). The text tests need no server; the catalog tests need one
//! named by `LITEMODEL_TEST_POSTGRES` (a URL or a libpq connection string, see
//! `.ci/postgres`), are skipped with one line without it, and fail in CI without it.

mod common;

use std::fs;
use std::path::PathBuf;

use common::postgres::server;
use common::{litemodel, workspace_root};
use litemodel_codegen::emit::sql::{self, SqlDialect};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The showcase's one non-portable line: PostgreSQL rejects `DEFAULT 0` on a BOOLEAN
/// ("default expression is of type integer"), for SQLAlchemy as for litemodel, so
/// both sides spell it `false` (record_postgres.py makes the same change).
const SHOWCASE_PINNED: &str =
    r#"pinned = { type = "boolean", nullable = false, server_default = "0" }"#;
const SHOWCASE_PINNED_POSTGRES: &str =
    r#"pinned = { type = "boolean", nullable = false, server_default = "false" }"#;

/// (spec text, recorded name) of a case, with the spec made portable to PostgreSQL.
fn case(spec: &str, recorded: &str) -> Result<(String, String), Box<dyn std::error::Error>> {
    let text = fs::read_to_string(workspace_root().join(spec))?;
    let text = if recorded == "models" {
        assert!(
            text.contains(SHOWCASE_PINNED),
            "models.toml no longer declares `{SHOWCASE_PINNED}`; update this test and record_postgres.py"
        );
        text.replace(SHOWCASE_PINNED, SHOWCASE_PINNED_POSTGRES)
    } else {
        text
    };
    Ok((text, recorded.to_owned()))
}

/// (spec, recorded name): the seed, the showcase, every column type
/// (`column_types.py` is the Python twin of the runtime's types.toml), and a
/// foreign-key cycle (`cycles.py`, the twin of the runtime's cycles.toml).
const CASES: [(&str, &str); 4] = [
    ("tests/fixtures/ok/seed.toml", "seed"),
    ("models.toml", "models"),
    ("runtime/tests/types_common/types.toml", "column_types"),
    ("runtime/tests/common/cycles.toml", "cycles"),
];

fn recorded(name: &str) -> PathBuf {
    workspace_root().join("tests/sqlalchemy").join(name)
}

/// The DDL as the command prints it.
fn litemodel_ddl(spec_text: &str) -> Result<String, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("models.toml");
    fs::write(&spec, spec_text)?;
    let output = litemodel()
        .arg("--spec")
        .arg(&spec)
        .args(["ddl", "--dialect", "postgresql"])
        .output()?;
    assert!(
        output.status.success(),
        "litemodel ddl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?)
}

/// The statements of a script, with each run of `CREATE INDEX` statements and each
/// run of `ALTER TABLE` statements sorted: SQLAlchemy creates a table's indexes, and
/// adds and drops the foreign keys of a cycle of tables, in the order of a Python
/// `set`, which changes between runs; litemodel creates indexes sorted by name and
/// the foreign keys table by table.
fn statements_with_index_runs_sorted(script: &str) -> Vec<String> {
    let mut statements: Vec<String> = script
        .split(";\n\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let kind = |s: &String| {
        if s.starts_with("CREATE INDEX") || s.starts_with("CREATE UNIQUE INDEX") {
            Some("index")
        } else if s.starts_with("ALTER TABLE") {
            Some("alter")
        } else {
            None
        }
    };
    let mut start = 0;
    while start < statements.len() {
        let run = kind(&statements[start]);
        let end = (start..statements.len())
            .find(|&i| run.is_none() || kind(&statements[i]) != run)
            .unwrap_or(statements.len());
        statements[start..end].sort();
        start = end.max(start + 1);
    }
    statements
}

fn assert_same_lines(ours: &[String], theirs: &[String], what: &str) {
    if ours != theirs {
        let first = ours
            .iter()
            .zip(theirs)
            .position(|(a, b)| a != b)
            .unwrap_or(ours.len().min(theirs.len()));
        panic!(
            "{what} differs from SQLAlchemy's at item {}:\n  litemodel:  {:?}\n  sqlalchemy: {:?}",
            first + 1,
            ours.get(first),
            theirs.get(first)
        );
    }
}

#[test]
fn postgresql_ddl_is_the_ddl_sqlalchemy_sends() -> TestResult {
    for (spec, name) in CASES {
        let (text, name) = case(spec, name)?;
        let reference = fs::read_to_string(recorded(&format!("{name}.postgres.sql")))?;
        let (create, drop) = reference
            .split_once("-- drop_all\n\n")
            .ok_or("no `-- drop_all` line in the recorded DDL")?;

        let ours = litemodel_ddl(&text)?;
        assert_same_lines(
            &statements_with_index_runs_sorted(&ours),
            &statements_with_index_runs_sorted(create),
            &format!("the create_all DDL of {spec}"),
        );

        let checked = litemodel_codegen::check(spec, &text).map_err(|d| d.render(false))?;
        let our_drop = sql::drop_all(&checked.schema, SqlDialect::Postgresql.dialect());
        assert_same_lines(
            &statements_with_index_runs_sorted(&our_drop.join(";\n\n")),
            &statements_with_index_runs_sorted(drop),
            &format!("the drop_all DDL of {spec}"),
        );
    }
    Ok(())
}

/// The queries of `tests/sqlalchemy/postgres_catalog.sql`, split as record_postgres.py
/// splits them.
fn catalog_queries() -> Result<Vec<String>, std::io::Error> {
    let text = fs::read_to_string(recorded("postgres_catalog.sql"))?;
    let body: Vec<&str> = text.lines().filter(|l| !l.starts_with("--")).collect();
    Ok(body
        .join("\n")
        .split(';')
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The same text as `signature` in record_postgres.py.
fn catalog_signature(client: &mut postgres::Client) -> Result<String, Box<dyn std::error::Error>> {
    let mut out = String::new();
    for query in catalog_queries()? {
        for row in client.query(query.as_str(), &[])? {
            out.push_str(&row.try_get::<_, String>(0)?);
            out.push('\n');
        }
    }
    Ok(out)
}

/// A database of its own for one case, dropped when the case ends.
struct FreshDatabase {
    admin: postgres::Client,
    name: String,
    config: postgres::Config,
}

impl FreshDatabase {
    fn create(conninfo: &str, case: &str) -> Result<Self, Box<dyn std::error::Error>> {
        let mut config: postgres::Config = conninfo.parse()?;
        let mut admin = config.connect(postgres::NoTls)?;
        let name = format!("litemodel_test_{case}_{}", std::process::id());
        // One statement per call: DROP/CREATE DATABASE refuse to run in a transaction.
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
        admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
        config.dbname(&name);
        Ok(FreshDatabase {
            admin,
            name,
            config,
        })
    }

    fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        self.config.connect(postgres::NoTls)
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        // Best effort: a leftover database dies with the throwaway cluster.
        let _ = self.admin.batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

fn assert_same_catalog_as_sqlalchemy(spec: &str, name: &str) -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let (text, name) = case(spec, name)?;
    let database = FreshDatabase::create(&conninfo, &name)?;
    let mut client = database.connect()?;

    let ddl = litemodel_ddl(&text)?;
    client.batch_execute(&ddl)?;
    let ours = catalog_signature(&mut client)?;
    let theirs = fs::read_to_string(recorded(&format!("{name}.postgres.txt")))?;
    let ours_lines: Vec<String> = ours.lines().map(str::to_owned).collect();
    let theirs_lines: Vec<String> = theirs.lines().map(str::to_owned).collect();
    assert_same_lines(
        &ours_lines,
        &theirs_lines,
        &format!("the PostgreSQL catalog made from {spec}"),
    );
    assert_eq!(ours, theirs);

    // drop_all leaves nothing behind: no table, no sequence, no enum type.
    let checked = litemodel_codegen::check(spec, &text).map_err(|d| d.render(false))?;
    for statement in sql::drop_all(&checked.schema, SqlDialect::Postgresql.dialect()) {
        client.batch_execute(&statement)?;
    }
    assert_eq!(catalog_signature(&mut client)?, "", "drop_all left objects");
    Ok(())
}

#[test]
fn seed_catalog_matches_sqlalchemy_on_postgresql() -> TestResult {
    assert_same_catalog_as_sqlalchemy(CASES[0].0, CASES[0].1)
}

#[test]
fn showcase_catalog_matches_sqlalchemy_on_postgresql() -> TestResult {
    assert_same_catalog_as_sqlalchemy(CASES[1].0, CASES[1].1)
}

#[test]
fn column_types_catalog_matches_sqlalchemy_on_postgresql() -> TestResult {
    assert_same_catalog_as_sqlalchemy(CASES[2].0, CASES[2].1)
}

/// Tables whose foreign keys form a cycle: created without those keys, which are
/// added after every table (`ALTER TABLE ... ADD CONSTRAINT`), as SQLAlchemy does.
#[test]
fn cycles_catalog_matches_sqlalchemy_on_postgresql() -> TestResult {
    assert_same_catalog_as_sqlalchemy(CASES[3].0, CASES[3].1)
}

/// Every other valid spec of the repository: its PostgreSQL DDL (the `ok/` ones held as
/// snapshots in codegen/tests/ddl.rs) runs on the server, and drop_all leaves nothing.
#[test]
fn every_valid_fixture_creates_and_drops_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let root = workspace_root();
    let mut specs = Vec::new();
    // warn/ holds a cycle of unnamed foreign keys, dropped by PostgreSQL's names.
    for dir in [
        "codegen/tests/fixtures/ok",
        "codegen/tests/fixtures/warn",
        "runtime/tests/common",
    ] {
        for entry in fs::read_dir(root.join(dir))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "toml") {
                specs.push(path);
            }
        }
    }
    specs.sort();
    assert!(specs.len() >= 4, "the fixtures were found: {specs:?}");
    let database = FreshDatabase::create(&conninfo, "fixtures")?;
    let mut client = database.connect()?;
    for path in specs {
        let text = fs::read_to_string(&path)?;
        let name = path.display().to_string();
        let checked = litemodel_codegen::check(&name, &text).map_err(|d| d.render(false))?;
        let ddl = litemodel_codegen::ddl_for(&checked.schema, SqlDialect::Postgresql);
        client
            .batch_execute(&ddl)
            .map_err(|e| format!("the PostgreSQL DDL of {name} failed: {e}\n{ddl}"))?;
        assert_ne!(
            catalog_signature(&mut client)?,
            "",
            "{name} created nothing"
        );
        for statement in sql::drop_all(&checked.schema, SqlDialect::Postgresql.dialect()) {
            client.batch_execute(&statement)?;
        }
        assert_eq!(
            catalog_signature(&mut client)?,
            "",
            "{name}: drop_all left objects"
        );
    }
    Ok(())
}

/// A libpq connection string for database `name` on the server `conninfo` names.
fn conninfo_for(conninfo: &str, name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let config: postgres::Config = conninfo.parse()?;
    let mut out = Vec::new();
    for host in config.get_hosts() {
        match host {
            postgres::config::Host::Tcp(host) => out.push(format!("host={host}")),
            postgres::config::Host::Unix(path) => out.push(format!("host={}", path.display())),
        }
    }
    if let Some(port) = config.get_ports().first() {
        out.push(format!("port={port}"));
    }
    if let Some(user) = config.get_user() {
        out.push(format!("user={user}"));
    }
    out.push(format!("dbname={name}"));
    Ok(out.join(" "))
}

/// `litemodel create-all --database <PostgreSQL>` makes the catalog SQLAlchemy's
/// `create_all()` makes, keeps existing tables on a second run, and `drop-all` leaves
/// nothing behind (tables, sequences, enum types).
#[test]
fn create_all_and_drop_all_commands_on_postgresql() -> TestResult {
    create_all_and_drop_all_commands(CASES[1])
}

/// The same with a foreign-key cycle: `drop-all` drops the cycle's named foreign keys
/// before the tables (`ALTER TABLE ... DROP CONSTRAINT`).
#[test]
fn create_all_and_drop_all_commands_with_a_cycle_on_postgresql() -> TestResult {
    create_all_and_drop_all_commands(CASES[3])
}

fn create_all_and_drop_all_commands((spec, recorded_name): (&str, &str)) -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let (text, name) = case(spec, recorded_name)?;
    let database = FreshDatabase::create(&conninfo, &format!("cli_{name}"))?;
    let target = conninfo_for(&conninfo, &database.name)?;
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("models.toml");
    fs::write(&spec, &text)?;
    let run = |command: &str| {
        litemodel()
            .arg("--spec")
            .arg(&spec)
            .args([command, "--database", &target])
            .env_remove("DATABASE_URL")
            .assert()
            .success()
    };
    let created = String::from_utf8(run("create-all").get_output().stdout.clone())?;
    assert!(created.contains("created table users"), "{created}");
    let mut client = database.connect()?;
    let ours = catalog_signature(&mut client)?;
    let theirs = fs::read_to_string(recorded(&format!("{name}.postgres.txt")))?;
    assert_eq!(
        ours, theirs,
        "create-all made another catalog than SQLAlchemy"
    );

    let again = String::from_utf8(run("create-all").get_output().stdout.clone())?;
    assert!(!again.contains("created table"), "{again}");
    assert!(again.contains("kept existing table users"), "{again}");

    let dropped = String::from_utf8(run("drop-all").get_output().stdout.clone())?;
    assert!(dropped.contains("dropped table users"), "{dropped}");
    assert_eq!(catalog_signature(&mut client)?, "", "drop-all left objects");
    Ok(())
}

/// Bad database URLs and unreachable servers are clear errors, never a panic.
#[test]
fn bad_database_urls_are_clear_errors() -> TestResult {
    let spec = workspace_root().join("tests/fixtures/ok/seed.toml");
    for (url, expected) in [
        (
            "mysql://root:secret@db/app",
            "invalid database URL `mysql://root:***@db/app`: unknown database `mysql`",
        ),
        ("sqlite://host/app.db", "a SQLite URL has no host"),
        (
            "postgresql://app:secret@127.0.0.1:1/app",
            "cannot connect to `postgresql://app:***@127.0.0.1:1/app`",
        ),
    ] {
        let output = litemodel()
            .arg("--spec")
            .arg(&spec)
            .args(["create-all", "--database", url])
            .env_remove("DATABASE_URL")
            .output()?;
        let stderr = String::from_utf8(output.stderr)?;
        assert!(!output.status.success(), "{url} succeeded");
        assert!(stderr.contains(expected), "{url}: {stderr}");
        assert!(
            !stderr.contains("secret"),
            "{url}: the password leaked: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{url}: {stderr}");
    }
    Ok(())
}

/// `migrate` given a PostgreSQL URL connects to that server (`migrate_postgres.rs`):
/// a server that is down is a clear error, and no file named after the URL appears.
#[test]
fn migrate_takes_a_postgresql_url_as_a_server() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = workspace_root().join("tests/fixtures/ok/seed.toml");
    let url = "postgresql://app:secret@127.0.0.1:1/app";
    for args in [
        vec!["migrate", "status", "--database", url],
        vec!["migrate", "up", "--database", url],
    ] {
        let output = litemodel()
            .current_dir(dir.path())
            .arg("--spec")
            .arg(&spec)
            .args(&args)
            .output()?;
        let stderr = String::from_utf8(output.stderr)?;
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot connect to `postgresql://app:***@127.0.0.1:1/app`"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("introspection"), "{args:?}: {stderr}");
        assert!(!stderr.contains("secret"), "{args:?}: {stderr}");
    }
    assert_eq!(fs::read_dir(dir.path())?.count(), 0, "nothing was written");
    Ok(())
}
