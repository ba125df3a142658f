//! `litemodel introspect --database <PostgreSQL>`: the current schema of a real
//! server in, a spec out whose `create-all` on PostgreSQL rebuilds the same schema.
//!
//! Each test works in schemas of its own on the server `LITEMODEL_TEST_POSTGRES`
//! names (see `.ci/postgres`), chosen with the connection's `search_path`; without
//! the variable the tests are skipped with one line, and in CI they fail. Round
//! trips compare catalog signatures: columns (type, nullability, default, identity),
//! constraints with their names and `pg_get_constraintdef`, indexes with
//! `pg_get_indexdef` (schema name removed), enum types with their labels in order,
//! and sequences with their owning columns.

mod common;

use std::fs;

use common::postgres::{conninfo_of, server, Schema};
use common::{litemodel, workspace_root};
use predicates::prelude::*;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The showcase's `pinned` default `0`, which PostgreSQL refuses on a BOOLEAN,
/// spelled `false` as in `postgres_schema.rs`.
const SHOWCASE_PINNED: &str =
    r#"pinned = { type = "boolean", nullable = false, server_default = "0" }"#;
const SHOWCASE_PINNED_POSTGRES: &str =
    r#"pinned = { type = "boolean", nullable = false, server_default = "false" }"#;

/// `litemodel introspect --database <target>`: (exit code, stdout, stderr).
fn introspect(target: &str) -> TestResult<(Option<i32>, String, String)> {
    let output = litemodel()
        .args(["introspect", "--database", target])
        .env_remove("DATABASE_URL")
        .output()?;
    Ok((
        output.status.code(),
        String::from_utf8(output.stdout)?,
        String::from_utf8(output.stderr)?,
    ))
}

/// `litemodel create-all` of `spec` (a file) into `schema`.
fn create_all(spec: &std::path::Path, schema: &Schema) -> TestResult {
    litemodel()
        .arg("--spec")
        .arg(spec)
        .args(["create-all", "--database", &schema.target])
        .env_remove("DATABASE_URL")
        .assert()
        .success();
    Ok(())
}

/// The original schema, introspected, and its spec's `create-all` in a fresh schema:
/// both have the same catalog signature. Returns the spec and the warnings.
fn assert_round_trip(original: &mut Schema, conninfo: &str, case: &str) -> TestResult<String> {
    let (code, spec, stderr) = introspect(&original.target)?;
    assert_eq!(code, Some(0), "introspect failed: {stderr}");
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("models.toml");
    fs::write(&path, &spec)?;
    litemodel()
        .arg("--spec")
        .arg(&path)
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains(": ok ("));
    let mut again = Schema::create(conninfo, "introspect", &format!("{case}_again"))?;
    create_all(&path, &again)?;
    let (before, after) = (original.signature()?, again.signature()?);
    assert_ne!(before, "", "{case}: the original schema is empty");
    assert_eq!(
        before, after,
        "{case}: the introspected spec rebuilt another schema; spec:\n{spec}"
    );
    Ok(spec)
}

/// A spec of the repository, made PostgreSQL-portable, created with `create-all`.
fn created_from(conninfo: &str, spec: &str, case: &str) -> TestResult<Schema> {
    let text = fs::read_to_string(workspace_root().join(spec))?;
    let text = text.replace(SHOWCASE_PINNED, SHOWCASE_PINNED_POSTGRES);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("models.toml");
    fs::write(&path, text)?;
    let schema = Schema::create(conninfo, "introspect", case)?;
    create_all(&path, &schema)?;
    Ok(schema)
}

#[test]
fn round_trip_of_the_seed_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let mut original = created_from(&conninfo, "tests/fixtures/ok/seed.toml", "seed")?;
    let spec = assert_round_trip(&mut original, &conninfo, "seed")?;
    insta::assert_snapshot!("seed_spec_from_postgresql", spec);
    Ok(())
}

#[test]
fn round_trip_of_the_showcase_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let showcase = fs::read_to_string(workspace_root().join("models.toml"))?;
    assert!(
        showcase.contains(SHOWCASE_PINNED),
        "models.toml no longer declares `{SHOWCASE_PINNED}`; update this test"
    );
    let mut original = created_from(&conninfo, "models.toml", "showcase")?;
    let spec = assert_round_trip(&mut original, &conninfo, "showcase")?;
    insta::assert_snapshot!("showcase_spec_from_postgresql", spec);
    Ok(())
}

/// Every column type, both enums, quoted and non-ASCII names (the runtime's
/// `types.toml`).
#[test]
fn round_trip_of_every_column_type_on_postgresql() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let spec = "runtime/tests/types_common/types.toml";
    let mut original = created_from(&conninfo, spec, "types")?;
    let spec = assert_round_trip(&mut original, &conninfo, "types")?;
    assert!(spec.contains("type = \"datetime(timezone)\""), "{spec}");
    Ok(())
}

/// A schema written by hand, not by litemodel: constraint names PostgreSQL chose and
/// names it did not, a BIGSERIAL key, a key that is not an integer, composite
/// uniques and foreign keys with actions, a CHECK on one column and one on two, an
/// enum type named in snake_case, every supported column type and server defaults.
#[test]
fn round_trip_of_a_schema_made_by_hand() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let mut original = Schema::create(&conninfo, "introspect", "by_hand")?;
    original.execute(
        "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
         CREATE TABLE regions (
             country CHAR(2) NOT NULL, code VARCHAR(8) NOT NULL, name TEXT,
             PRIMARY KEY (country, code));
         CREATE TABLE shops (
             id BIGSERIAL PRIMARY KEY,
             country VARCHAR(2), region VARCHAR(8),
             name VARCHAR NOT NULL DEFAULT 'unnamed',
             opened DATE DEFAULT CURRENT_DATE, closes TIME,
             created TIMESTAMP NOT NULL DEFAULT now(), seen TIMESTAMPTZ,
             rating DOUBLE PRECISION, price NUMERIC(12, 3), total NUMERIC,
             small SMALLINT DEFAULT 1, big BIGINT, open BOOLEAN DEFAULT true,
             logo BYTEA, extra JSON, token UUID UNIQUE, feeling mood DEFAULT 'ok',
             CONSTRAINT shop_name_unique UNIQUE (name, country), UNIQUE (opened, closes),
             CHECK (small > 0), CHECK (small < big),
             CONSTRAINT fk_shop_region FOREIGN KEY (country, region)
                 REFERENCES regions (country, code) ON DELETE SET NULL ON UPDATE CASCADE);
         CREATE INDEX ix_shops_region ON shops (region);
         CREATE UNIQUE INDEX shops_by_country ON shops (country, name);
         CREATE TABLE products (
             sku VARCHAR(16) PRIMARY KEY,
             shop_id BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE);",
    )?;
    // CHAR(2) is not a spec type: the regions table is rebuilt below without it.
    let (code, _, stderr) = introspect(&original.target)?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("`regions.country`: type `character(2)`"),
        "{stderr}"
    );
    original.execute("ALTER TABLE regions ALTER COLUMN country TYPE VARCHAR(2)")?;
    let spec = assert_round_trip(&mut original, &conninfo, "by_hand")?;
    assert!(spec.contains("enum_name = \"mood\""), "{spec}");
    assert!(spec.contains("name = \"fk_shop_region\""), "{spec}");
    assert!(
        !spec.contains("shops_small_check"),
        "PostgreSQL's own names are left to PostgreSQL: {spec}"
    );
    Ok(())
}

/// Constraints PostgreSQL named itself on tables and columns so long that it cut
/// the names (63 bytes): the introspected spec leaves them unnamed, as
/// SQLAlchemy does, and rebuilds the same names; and `drop-all` of a cycle
/// between such tables drops the constraint by the name PostgreSQL gave it.
#[test]
fn constraint_names_postgresql_cut_stay_its_own() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let long_table = "organisation_membership_invitations_awaiting_confirmation";
    let long_column = "inviting_organisation_administrator_account_identifier";
    let mut original = Schema::create(&conninfo, "introspect", "long_names")?;
    original.execute(&format!(
        "CREATE TABLE accounts (id SERIAL PRIMARY KEY);
         CREATE TABLE {long_table} (
             id SERIAL PRIMARY KEY,
             {long_column} INTEGER REFERENCES accounts (id),
             code INTEGER UNIQUE CHECK (code > 0));"
    ))?;
    let spec = assert_round_trip(&mut original, &conninfo, "long_names")?;
    assert!(
        !spec.contains("_fkey") && !spec.contains("_pkey") && !spec.contains("_key\""),
        "PostgreSQL's own names are left to PostgreSQL: {spec}"
    );

    // A cycle of long-named tables: `create-all` adds one foreign key after
    // the tables, and `drop-all` drops it by PostgreSQL's cut name first.
    let cycle = format!(
        r#"
[models.Alpha]
table = "{long_table}_alpha"
[models.Alpha.columns]
id = {{ type = "integer", primary_key = true }}
{long_column} = {{ type = "integer", foreign_key = "{long_table}_beta.id" }}

[models.Beta]
table = "{long_table}_beta"
[models.Beta.columns]
id = {{ type = "integer", primary_key = true }}
{long_column} = {{ type = "integer", foreign_key = "{long_table}_alpha.id" }}
"#
    );
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("models.toml");
    fs::write(&path, cycle)?;
    let schema = Schema::create(&conninfo, "introspect", "long_cycle")?;
    create_all(&path, &schema)?;
    litemodel()
        .arg("--spec")
        .arg(&path)
        .args(["drop-all", "--database", &schema.target])
        .env_remove("DATABASE_URL")
        .assert()
        .success();
    Ok(())
}

/// Columns no spec type makes are one error naming each of them, and no spec.
#[test]
fn an_unsupported_column_type_is_a_clear_error() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let mut schema = Schema::create(&conninfo, "introspect", "unsupported")?;
    schema.execute(
        "CREATE TABLE documents (
             id SERIAL PRIMARY KEY, title TEXT, body TSVECTOR, tags TEXT[], data JSONB);
         CREATE TABLE search_log (query TSVECTOR);
         CREATE TABLE \"Documents\" (id SERIAL PRIMARY KEY, \"Title\" TEXT, title TEXT);",
    )?;
    let (code, stdout, stderr) = introspect(&schema.target)?;
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stdout, "", "no spec is written");
    for expected in [
        "a spec cannot express these columns of the database:",
        "`documents.body`: type `tsvector`",
        "`documents.tags`: type `text[]`",
        "`documents.data`: type `jsonb`",
        "tables `Documents` and `documents`: names that differ only in case",
        "columns of `Documents` `Title` and `title`: names that differ only in case",
        "help: change such a column to a type a spec makes",
    ] {
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
    assert!(!stderr.contains("`documents.title`"), "{stderr}");
    // A table without a primary key is left out of a spec, whatever its types.
    assert!(!stderr.contains("search_log.query"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    Ok(())
}

/// An empty schema says so as an empty SQLite file does; a `search_path` naming no
/// schema says that.
#[test]
fn an_empty_schema_has_no_tables() -> TestResult {
    let Some(conninfo) = server() else {
        return Ok(());
    };
    let schema = Schema::create(&conninfo, "introspect", "empty")?;
    let (code, stdout, stderr) = introspect(&schema.target)?;
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("the database has no tables; create them first"),
        "{stderr}"
    );
    let missing = schema
        .target
        .replace(&schema.name, &format!("{}_missing", schema.name));
    let (code, _, stderr) = introspect(&missing)?;
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("has no current schema"), "{stderr}");
    Ok(())
}

/// A server that is not there, an unknown database or an unknown URL scheme is a
/// clear error naming the URL without its password, never a panic.
#[test]
fn unreachable_servers_are_clear_errors() -> TestResult {
    let mut cases = vec![
        (
            "postgresql://app:secret@127.0.0.1:1/app".to_owned(),
            "cannot connect to `postgresql://app:***@127.0.0.1:1/app`".to_owned(),
        ),
        (
            "mysql://root:secret@db/app".to_owned(),
            "unknown database `mysql`".to_owned(),
        ),
    ];
    if let Some(conninfo) = server() {
        let config: postgres::Config = conninfo.parse()?;
        let mut target = conninfo_of(&config);
        target = match config.get_dbname() {
            Some(dbname) => target.replace(
                &format!("dbname={dbname}"),
                "dbname=litemodel_no_such_database",
            ),
            None => format!("{target} dbname=litemodel_no_such_database"),
        };
        cases.push((
            format!("{target} password=secret"),
            "database \"litemodel_no_such_database\" does not exist".to_owned(),
        ));
    }
    for (url, expected) in cases {
        let (code, stdout, stderr) = introspect(&url)?;
        assert_eq!(code, Some(1), "{url}: {stderr}");
        assert_eq!(stdout, "", "{url}");
        assert!(stderr.contains(&expected), "{url}: {stderr}");
        assert!(
            !stderr.contains("secret"),
            "{url}: password leaked: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{url}: {stderr}");
    }
    Ok(())
}
