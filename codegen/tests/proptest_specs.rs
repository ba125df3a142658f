//! Property tests over random valid specs: models with columns of every type,
//! foreign keys between them and relationships over those keys.
//!
//! - Always: each spec validates, its DDL runs in SQLite and reads back (every
//!   table, column, primary key, NOT NULL, foreign key and index is there), and
//!   the generated Rust parses.
//! - The Rust generated for three of them (from a fixed seed) compiles against
//!   the runtime: `cargo check --offline` of a temporary crate, in its own folder
//!   of the target directory. The first run builds rusqlite's bundled SQLite
//!   (about 20 seconds), later runs take a few. `LITEMODEL_SKIP_COMPILE_TESTS=1`
//!   skips it. See docs/reliability.md.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rusqlite::Connection;

/// Names SQL would stumble on if they were not quoted: reserved words, upper
/// case, spaces, quotes, SQL punctuation.
const AWKWARD_NAMES: &[&str] = &[
    "order",
    "select",
    "group",
    "Mixed",
    "with space",
    "semi;colon",
    "dash-ed",
    "quo\"te",
    "it's",
    "drop table x --",
];

#[derive(Debug, Clone)]
struct ColumnPlan {
    name: String,
    ty: &'static str,
    /// `type = "enum"` labels.
    values: Vec<String>,
    nullable: bool,
    unique: bool,
    index: bool,
    default: Option<String>,
    server_default: Option<String>,
}

#[derive(Debug, Clone)]
struct ForeignKeyPlan {
    column: String,
    parent: usize,
    nullable: bool,
    on_delete: Option<&'static str>,
    /// `Some(lazy)`: the parent declares a one-to-many relationship over it.
    relationship: Option<&'static str>,
}

#[derive(Debug, Clone)]
struct ModelPlan {
    name: String,
    table: String,
    columns: Vec<ColumnPlan>,
    foreign_keys: Vec<ForeignKeyPlan>,
}

#[derive(Debug, Clone)]
struct SpecPlan {
    models: Vec<ModelPlan>,
}

const TYPES: &[&str] = &[
    "integer",
    "small_integer",
    "big_integer",
    "boolean",
    "float",
    "numeric",
    "numeric(10, 2)",
    "string",
    "string(40)",
    "text",
    "blob",
    "date",
    "time",
    "datetime",
    "datetime(timezone)",
    "json",
    "uuid",
    "enum",
];

/// A client default and a server default that fit `ty`.
fn defaults_for(ty: &str, values: &[String]) -> (Option<String>, Option<String>) {
    match ty {
        "integer" | "small_integer" | "big_integer" => (Some("7".into()), Some("\"0\"".into())),
        "boolean" => (Some("true".into()), Some("\"1\"".into())),
        "float" => (Some("1.5".into()), Some("\"2.5\"".into())),
        "string" | "string(40)" | "text" => (
            Some("\"it's \\\"quoted\\\"; --\"".into()),
            Some("\"'x''y'\"".into()),
        ),
        "datetime" | "datetime(timezone)" => (None, Some("\"CURRENT_TIMESTAMP\"".into())),
        "enum" => (values.first().map(|v| toml_str(v)), None),
        _ => (None, None),
    }
}

fn column_strategy() -> impl Strategy<Value = ColumnPlan> {
    (
        prop::sample::select(TYPES),
        prop::collection::vec("[a-z]{1,6}", 1..4),
        any::<(bool, bool, bool)>(),
        0..3u8,
    )
        .prop_map(|(ty, labels, (nullable, unique, index), defaults)| {
            let mut values: Vec<String> = Vec::new();
            if ty == "enum" {
                for label in labels {
                    if !values.contains(&label) {
                        values.push(label);
                    }
                }
            }
            let (client, server) = defaults_for(ty, &values);
            ColumnPlan {
                name: String::new(), // named by the model, to keep names unique
                ty,
                values,
                nullable,
                unique,
                index,
                default: client.filter(|_| defaults == 1),
                server_default: server.filter(|_| defaults == 2),
            }
        })
}

fn foreign_key_strategy() -> impl Strategy<Value = (prop::sample::Index, bool, u8, u8)> {
    (any::<prop::sample::Index>(), any::<bool>(), 0..3u8, 0..3u8)
}

fn spec_strategy() -> impl Strategy<Value = SpecPlan> {
    prop::collection::vec(
        (
            prop::collection::vec(column_strategy(), 0..8),
            prop::collection::vec(foreign_key_strategy(), 0..3),
            prop::option::of(prop::sample::select(AWKWARD_NAMES)),
            prop::collection::vec(prop::option::of(prop::sample::select(AWKWARD_NAMES)), 8),
        ),
        1..5,
    )
    .prop_map(|raw| {
        let mut models = Vec::new();
        for (m, (columns, keys, table_flavor, column_flavors)) in raw.into_iter().enumerate() {
            let table = match table_flavor {
                Some(flavor) => format!("{flavor} {m}"),
                None => format!("table_{m}"),
            };
            let columns = columns
                .into_iter()
                .enumerate()
                .map(|(c, mut column)| {
                    column.name = match column_flavors[c] {
                        Some(flavor) => format!("{flavor}_{c}"),
                        None => format!("col_{c}"),
                    };
                    column
                })
                .collect();
            let foreign_keys = if m == 0 {
                Vec::new()
            } else {
                keys.into_iter()
                    .enumerate()
                    .map(
                        |(k, (parent, nullable, on_delete, relationship))| ForeignKeyPlan {
                            column: format!("parent_{k}_id"),
                            parent: parent.index(m),
                            nullable,
                            on_delete: [None, Some("CASCADE"), Some("SET NULL")]
                                [usize::from(on_delete)]
                            .filter(|action| nullable || *action != "SET NULL"),
                            relationship: [None, Some("select"), Some("dynamic")]
                                [usize::from(relationship)],
                        },
                    )
                    .collect()
            };
            models.push(ModelPlan {
                name: format!("Model{m}"),
                table,
                columns,
                foreign_keys,
            });
        }
        SpecPlan { models }
    })
}

/// A TOML basic string holding `value`.
fn toml_str(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl SpecPlan {
    fn to_toml(&self) -> String {
        let mut out = String::new();
        for (m, model) in self.models.iter().enumerate() {
            let _ = writeln!(
                out,
                "[models.{}]\ntable = {}\n",
                model.name,
                toml_str(&model.table)
            );
            let _ = writeln!(out, "[models.{}.columns]", model.name);
            let _ = writeln!(out, "id = {{ type = \"integer\", primary_key = true }}");
            for column in &model.columns {
                let mut entry = format!("type = {}", toml_str(column.ty));
                if !column.values.is_empty() {
                    let labels: Vec<String> = column.values.iter().map(|v| toml_str(v)).collect();
                    let _ = write!(entry, ", values = [{}]", labels.join(", "));
                }
                if !column.nullable {
                    entry.push_str(", nullable = false");
                }
                if column.unique {
                    entry.push_str(", unique = true");
                }
                if column.index {
                    entry.push_str(", index = true");
                }
                if let Some(default) = &column.default {
                    let _ = write!(entry, ", default = {default}");
                }
                if let Some(server_default) = &column.server_default {
                    let _ = write!(entry, ", server_default = {server_default}");
                }
                let _ = writeln!(out, "{} = {{ {entry} }}", toml_str(&column.name));
            }
            for key in &model.foreign_keys {
                let parent = &self.models[key.parent];
                let mut entry = format!(
                    "type = \"integer\", index = true, foreign_key = {}",
                    toml_str(&format!("{}.id", parent.table))
                );
                if !key.nullable {
                    entry.push_str(", nullable = false");
                }
                if let Some(action) = key.on_delete {
                    let _ = write!(entry, ", on_delete = \"{action}\"");
                }
                let _ = writeln!(out, "{} = {{ {entry} }}", key.column);
            }
            out.push('\n');
            let relationships: Vec<String> = self
                .models
                .iter()
                .enumerate()
                .flat_map(|(c, child)| {
                    child.foreign_keys.iter().enumerate().filter_map(move |(k, key)| {
                        let lazy = key.relationship?;
                        (key.parent == m).then(|| {
                            format!(
                                "children_{c}_{k} = {{ model = \"{}\", backref = \"parent_{k}\", foreign_keys = [\"{}\"], lazy = \"{lazy}\" }}",
                                child.name, key.column
                            )
                        })
                    })
                })
                .collect();
            if !relationships.is_empty() {
                let _ = writeln!(out, "[models.{}.relationships]", model.name);
                for relationship in relationships {
                    let _ = writeln!(out, "{relationship}");
                }
                out.push('\n');
            }
        }
        out
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Runs the DDL in a fresh database and compares what SQLite reports with
/// the plan.
fn check_ddl(plan: &SpecPlan, ddl: &str) -> Result<(), TestCaseError> {
    let conn = Connection::open_in_memory().map_err(fail)?;
    conn.execute_batch("PRAGMA foreign_keys = ON")
        .map_err(fail)?;
    conn.execute_batch(ddl)
        .map_err(|e| TestCaseError::fail(format!("the DDL does not run: {e}\n{ddl}")))?;
    for model in &plan.models {
        let table = quoted(&model.table);
        let mut info = conn
            .prepare(&format!("PRAGMA table_info({table})"))
            .map_err(fail)?;
        let columns: Vec<(String, bool, bool)> = info
            .query_map([], |r| {
                Ok((
                    r.get(1)?,
                    r.get::<_, i64>(3)? != 0,
                    r.get::<_, i64>(5)? != 0,
                ))
            })
            .map_err(fail)?
            .collect::<rusqlite::Result<_>>()
            .map_err(fail)?;
        let mut expected = vec![("id".to_owned(), true, true)];
        expected.extend(
            model
                .columns
                .iter()
                .map(|c| (c.name.clone(), !c.nullable, false)),
        );
        expected.extend(
            model
                .foreign_keys
                .iter()
                .map(|k| (k.column.clone(), !k.nullable, false)),
        );
        prop_assert_eq!(&columns, &expected, "columns of {}", model.table);

        let keys: Vec<(String, String)> = conn
            .prepare(&format!("PRAGMA foreign_key_list({table})"))
            .map_err(fail)?
            .query_map([], |r| Ok((r.get(3)?, r.get(2)?)))
            .map_err(fail)?
            .collect::<rusqlite::Result<_>>()
            .map_err(fail)?;
        prop_assert_eq!(keys.len(), model.foreign_keys.len());
        for key in &model.foreign_keys {
            let parent = plan.models[key.parent].table.clone();
            prop_assert!(keys.contains(&(key.column.clone(), parent)), "{:?}", keys);
        }

        let indexes: Vec<String> = conn
            .prepare(&format!("PRAGMA index_list({table})"))
            .map_err(fail)?
            .query_map([], |r| r.get(1))
            .map_err(fail)?
            .collect::<rusqlite::Result<_>>()
            .map_err(fail)?;
        for column in model.columns.iter().filter(|c| c.index) {
            let name = format!("ix_{}_{}", model.table, column.name);
            prop_assert!(indexes.contains(&name), "{} not in {:?}", name, indexes);
        }
    }
    // The tables take a row each, parents first, through bound parameters.
    for model in &plan.models {
        let table = quoted(&model.table);
        let mut names = vec!["id".to_owned()];
        let mut values: Vec<rusqlite::types::Value> = vec![rusqlite::types::Value::Integer(1)];
        for column in &model.columns {
            names.push(quoted(&column.name));
            values.push(match column.ty {
                "integer" | "small_integer" | "big_integer" | "boolean" => 1.into(),
                "float" => 1.5.into(),
                "blob" => vec![0u8, 1, 2].into(),
                "enum" => column.values[0].clone().into(),
                _ => "'); DROP TABLE x; --".to_owned().into(),
            });
        }
        for key in &model.foreign_keys {
            names.push(key.column.clone());
            values.push(1.into());
        }
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        let mut stmt = conn.prepare(&sql).map_err(fail)?;
        stmt.execute(rusqlite::params_from_iter(values.iter()))
            .map_err(|e| TestCaseError::fail(format!("{sql}: {e}")))?;
    }
    Ok(())
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

proptest! {
    #![proptest_config(Config { cases: 96, ..Config::default() })]

    #[test]
    fn valid_specs_give_ddl_that_sqlite_runs(plan in spec_strategy()) {
        let text = plan.to_toml();
        let checked = litemodel_codegen::check("models.toml", &text)
            .map_err(|d| TestCaseError::fail(format!("{}\n{text}", d.render(false))))?;
        let ddl = litemodel_codegen::ddl(&checked.schema);
        check_ddl(&plan, &ddl)?;
    }

    #[test]
    fn valid_specs_give_rust_that_parses(plan in spec_strategy()) {
        let text = plan.to_toml();
        let checked = litemodel_codegen::check_for_rust("models.toml", &text)
            .map_err(|d| TestCaseError::fail(format!("{}\n{text}", d.render(false))))?;
        let rust = litemodel_codegen::rust(&checked.schema, "models.toml");
        prop_assert!(syn::parse_file(&rust).is_ok(), "{}", rust);
    }
}

/// The target directory this test binary was built in (`.../debug/deps/exe`).
fn target_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()?
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
}

/// Three specs from a fixed seed, generated as Rust and compiled together in
/// one crate against the runtime.
#[test]
fn generated_rust_compiles() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::var_os("LITEMODEL_SKIP_COMPILE_TESTS").is_some() {
        eprintln!("skipped: LITEMODEL_SKIP_COMPILE_TESTS is set");
        return Ok(());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the workspace root")?;
    let dir = tempfile::tempdir()?;
    std::fs::create_dir(dir.path().join("src"))?;
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"generated-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nlitemodel = {{ path = {} }}\n\n[workspace]\n",
            toml_str(&root.join("runtime").display().to_string())
        ),
    )?;
    // The workspace's lock file: the same dependency versions, already
    // downloaded, so `--offline` works.
    std::fs::copy(root.join("Cargo.lock"), dir.path().join("Cargo.lock"))?;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let mut lib = String::from("#![allow(dead_code, unused_imports)]\n");
    let strategy = spec_strategy();
    let mut made = 0;
    while made < 3 {
        let plan = strategy
            .new_tree(&mut runner)
            .map_err(|e| e.to_string())?
            .current();
        if plan.models.len() < 2 {
            continue; // prefer samples with foreign keys between models
        }
        let text = plan.to_toml();
        let checked = litemodel_codegen::check_for_rust("models.toml", &text)
            .map_err(|d| format!("{}\n{text}", d.render(false)))?;
        let rust = litemodel_codegen::rust(&checked.schema, "models.toml");
        std::fs::write(dir.path().join(format!("src/spec{made}.rs")), rust)?;
        let _ = writeln!(lib, "pub mod spec{made};");
        made += 1;
    }
    std::fs::write(dir.path().join("src/lib.rs"), lib)?;
    let target = target_dir()
        .ok_or("the target directory")?
        .join("litemodel-compile-check");
    let output = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", target)
        .output()?;
    assert!(
        output.status.success(),
        "the generated code does not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}
