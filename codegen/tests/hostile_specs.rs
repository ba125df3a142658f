//! Hostile specs: SQL injection attempts as table names, column names, server
//! defaults and check constraints, Rust injection attempts as client defaults
//! and docs, and every input the fuzzer ever found a problem with.
//!
//! Every identifier that reaches SQL is quoted (and reads back exactly), every
//! SQL fragment the spec may hold is checked to stay inside its clause, every
//! value is bound, and nothing the spec says can add code to the generated
//! Rust.

use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use litemodel::{Binder, Column, Database, Model, Query, Result as DbResult, Row};
use proc_macro2::{TokenStream, TokenTree};
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Table and column names that would run SQL of their own if pasted unquoted.
const TABLE: &str = "users\"; DROP TABLE sentinel; --";
const NAME: &str = "name'); DELETE FROM sentinel; --";
const NOTE: &str = "select";
const NUMBER: &str = "x` = 1 OR `1";

fn hostile_spec() -> String {
    format!(
        r#"
[models.Evil]
table = {table}

[models.Evil.columns]
id = {{ type = "integer", primary_key = true }}
{name} = {{ type = "string(64)", unique = true, index = true }}
{note} = {{ type = "text", doc = "\"] fn injected_doc() {{}} #[doc = \"" }}
{number} = {{ type = "integer", nullable = false, server_default = "0" }}
"#,
        table = toml_str(TABLE),
        name = toml_str(NAME),
        note = toml_str(NOTE),
        number = toml_str(NUMBER),
    )
}

fn toml_str(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A database holding a `sentinel` row that injected SQL would remove.
fn sentinel_db(dir: &Path) -> Result<Database, Box<dyn std::error::Error>> {
    let db = Database::open(dir.join("hostile.sqlite"))?;
    db.sqlite()
        .ok_or("a SQLite database")?
        .execute_batch("CREATE TABLE sentinel (x INTEGER); INSERT INTO sentinel VALUES (1);")?;
    Ok(db)
}

fn sentinel_intact(conn: &Connection) -> TestResult {
    let rows: i64 = conn.query_row("SELECT count(*) FROM sentinel", [], |r| r.get(0))?;
    assert_eq!(rows, 1, "the sentinel row survived");
    Ok(())
}

#[test]
fn hostile_table_and_column_names_are_quoted_in_the_ddl() -> TestResult {
    let checked =
        litemodel_codegen::check("models.toml", &hostile_spec()).map_err(|d| d.render(false))?;
    let ddl = litemodel_codegen::ddl(&checked.schema);
    let dir = tempfile::tempdir()?;
    let db = sentinel_db(dir.path())?;
    // execute_batch would run any statement smuggled into the DDL.
    db.sqlite()
        .ok_or("a SQLite database")?
        .execute_batch(&ddl)?;
    sentinel_intact(db.sqlite().ok_or("a SQLite database")?)?;
    let tables: Vec<String> = db
        .sqlite()
        .ok_or("a SQLite database")?
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(tables, ["sentinel", TABLE]);
    let columns: Vec<String> = db
        .sqlite()
        .ok_or("a SQLite database")?
        .prepare(&format!(
            "PRAGMA table_info(\"{}\")",
            TABLE.replace('"', "\"\"")
        ))?
        .query_map([], |r| r.get(1))?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(columns, ["id", NAME, NOTE, NUMBER]);
    Ok(())
}

/// What the generator emits for the spec above, written out by hand with the
/// same names (the runtime only sees `TABLE` and `COLUMNS`).
#[derive(Debug, Clone, PartialEq, Default)]
struct Evil {
    id: Option<i64>,
    name: Option<String>,
    note: Option<String>,
    number: i64,
}

impl Evil {
    const NAME: Column<Evil, Option<String>> = Column::new(NAME);
    const NOTE: Column<Evil, Option<String>> = Column::new(NOTE);
    const NUMBER: Column<Evil, i64> = Column::new(NUMBER);
}

impl Model for Evil {
    const TABLE: &'static str = TABLE;
    const COLUMNS: &'static [&'static str] = &["id", NAME, NOTE, NUMBER];
    const PRIMARY_KEY: &'static str = "id";
    fn primary_key(&self) -> Option<i64> {
        self.id
    }
    fn set_primary_key(&mut self, key: Option<i64>) {
        self.id = key;
    }
    fn from_row(row: &Row<'_>) -> DbResult<Self> {
        Ok(Evil {
            id: row.get(0)?,
            name: row.get(1)?,
            note: row.get(2)?,
            number: row.get(3)?,
        })
    }
    fn bind(&self, binder: &mut Binder<'_, '_>) -> DbResult<()> {
        binder.bind(&self.name)?;
        binder.bind(&self.note)?;
        binder.bind(&self.number)?;
        Ok(())
    }
}

/// Values a string-pasting ORM would turn into SQL.
const INJECTIONS: &[&str] = &[
    "'; DROP TABLE sentinel; --",
    "' OR '1'='1",
    "\"); DELETE FROM sentinel; --",
    "x' UNION SELECT 1, 2, 3, 4 --",
    "%' OR 1=1 --",
    "?1",
    ":name",
    "\0nul",
    "Robert'); DROP TABLE Students;--",
];

#[test]
fn hostile_names_and_values_go_through_the_runtime_as_data() -> TestResult {
    let checked =
        litemodel_codegen::check("models.toml", &hostile_spec()).map_err(|d| d.render(false))?;
    let dir = tempfile::tempdir()?;
    let mut db = sentinel_db(dir.path())?;
    db.sqlite()
        .ok_or("a SQLite database")?
        .execute_batch(&litemodel_codegen::ddl(&checked.schema))?;

    // Session inserts and updates.
    let mut s = db.session();
    let keys: Vec<_> = INJECTIONS
        .iter()
        .map(|v| {
            s.add(Evil {
                name: Some((*v).to_owned()),
                note: Some(format!("note {v}")),
                ..Evil::default()
            })
        })
        .collect();
    s.commit()?;
    for (key, value) in keys.iter().zip(INJECTIONS) {
        s[*key].note = Some(format!("{value} updated"));
    }
    s.commit()?;
    drop(s);
    sentinel_intact(db.sqlite().ok_or("a SQLite database")?)?;

    // Every query operation, with each value as the operand.
    for value in INJECTIONS {
        let name = Some((*value).to_owned());
        let one = Evil::query_all()
            .filter(Evil::NAME.eq(name.clone()))
            .one(&db)?;
        assert_eq!(one.name.as_deref(), Some(*value));
        assert_eq!(one.note, Some(format!("{value} updated")));
        let q = Evil::query_all;
        assert_eq!(q().filter(Evil::NAME.ne(name.clone())).count(&db)?, 8);
        assert_eq!(q().filter(Evil::NAME.like(value)).all(&db)?.len() as u64, {
            // LIKE patterns: `%` and `_` are the only special characters.
            q().all(&db)?
                .iter()
                .filter(|e| like(value, e.name.as_deref().unwrap_or_default()))
                .count() as u64
        });
        assert_eq!(q().filter(Evil::NAME.in_([name.clone()])).count(&db)?, 1);
        assert_eq!(
            q().filter(Evil::NAME.between(name.clone(), name.clone()))
                .count(&db)?,
            1
        );
        assert!(q().filter_by(Evil::NAME, name.clone()).exists(&db)?);
        assert!(q().filter(Evil::NOTE.gt(name.clone())).first(&db).is_ok());
        assert!(q().filter(Evil::NOTE.lt(name.clone())).first(&db).is_ok());
        assert!(q().filter(Evil::NOTE.ge(name.clone())).first(&db).is_ok());
        assert!(q().filter(Evil::NOTE.le(name.clone())).first(&db).is_ok());
        assert_eq!(q().filter(Evil::NAME.eq(name.clone()).not()).count(&db)?, 8);
    }
    let page = Evil::query_all()
        .order_by(Evil::NAME.desc())
        .paginate(&db, 1, 3)?;
    assert_eq!(page.items.len(), 3);
    assert_eq!(Evil::query_all().filter(Evil::NUMBER.eq(0)).count(&db)?, 9);

    // Bulk update and delete with hostile values on both sides.
    let changed = Evil::query_all()
        .filter(Evil::NAME.eq(Some(INJECTIONS[0].to_owned())))
        .update(&db, [Evil::NOTE.set(Some(INJECTIONS[1].to_owned()))])?;
    assert_eq!(changed, 1);
    let gone = Evil::query_all()
        .filter(Evil::NOTE.eq(Some(INJECTIONS[1].to_owned())))
        .delete(&db)?;
    assert_eq!(gone, 1);

    // Session delete.
    let last = Evil::query_all().order_by(Evil::NAME.asc()).first(&db)?;
    let mut s = db.session();
    s.delete(last.as_ref().ok_or("a row is left")?)?;
    s.commit()?;
    drop(s);
    assert_eq!(Evil::query_all().count(&db)?, 7);
    sentinel_intact(db.sqlite().ok_or("a SQLite database")?)?;
    Ok(())
}

/// SQLite's LIKE for ASCII: case-insensitive, `%` any run, `_` any one.
fn like(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((c, rest)) => t.split_first().is_some_and(|(d, t_rest)| {
                (*c == '_' || c.eq_ignore_ascii_case(d)) && go(rest, t_rest)
            }),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    go(&p, &t)
}

impl Evil {
    fn query_all() -> Query<Evil> {
        Query::new()
    }
}

fn rejected(spec: &str, expected: &str) -> TestResult {
    match litemodel_codegen::check("models.toml", spec) {
        Ok(checked) => Err(format!(
            "accepted; its DDL is\n{}",
            litemodel_codegen::ddl(&checked.schema)
        )
        .into()),
        Err(diagnostics) => {
            let text = diagnostics.render(false);
            assert!(text.contains(expected), "{text}");
            Ok(())
        }
    }
}

#[test]
fn server_defaults_and_checks_cannot_leave_their_clause() -> TestResult {
    let column = |server_default: &str| {
        format!(
            "[models.T.columns]\nid = {{ type = \"integer\", primary_key = true }}\nx = {{ type = \"integer\", server_default = {} }}\n",
            toml_str(server_default)
        )
    };
    let check = |sql: &str| {
        format!(
            "[models.T.columns]\nid = {{ type = \"integer\", primary_key = true }}\n\n[[models.T.checks]]\nsql = {}\n",
            toml_str(sql)
        )
    };
    for evil in [
        "0); DROP TABLE sentinel; CREATE TABLE zz (id",
        "0; DROP TABLE sentinel",
        "0 -- the rest of the line is gone",
        "0 /* unterminated comment",
        "0, evil INTEGER",
        "'unterminated",
        "(1",
        "1)",
    ] {
        rejected(
            &column(evil),
            "`server_default` of `T.x` must be one SQL value or expression",
        )?;
    }
    for evil in [
        "1) , evil INTEGER, CHECK (1",
        "id > 0); DROP TABLE sentinel; --",
        "id > 0 -- comment",
        "\"unterminated > 0",
    ] {
        rejected(
            &check(evil),
            "a check constraint's `sql` must be one SQL condition",
        )?;
    }
    // What the spec reference shows keeps working, quotes and all.
    for fine in [
        "0",
        "'it''s'",
        "CURRENT_TIMESTAMP",
        "(1 + 2)",
        "'a;b--c'",
        "-1",
    ] {
        litemodel_codegen::check("models.toml", &column(fine)).map_err(|d| d.render(false))?;
    }
    for fine in ["id >= 0", "id IN (1, 2, 3)", "\"id\" <> ';'"] {
        litemodel_codegen::check("models.toml", &check(fine)).map_err(|d| d.render(false))?;
    }
    Ok(())
}

/// Every string literal of the generated Rust, decoded.
fn string_literals(tokens: TokenStream, out: &mut Vec<String>) {
    for token in tokens {
        match token {
            TokenTree::Group(group) => string_literals(group.stream(), out),
            TokenTree::Literal(literal) => {
                if let Ok(lit) = syn::parse_str::<syn::LitStr>(&literal.to_string()) {
                    out.push(lit.value());
                }
            }
            _ => {}
        }
    }
}

fn identifiers(tokens: TokenStream, out: &mut Vec<String>) {
    for token in tokens {
        match token {
            TokenTree::Group(group) => identifiers(group.stream(), out),
            TokenTree::Ident(ident) => out.push(ident.to_string()),
            _ => {}
        }
    }
}

#[test]
fn spec_text_never_becomes_rust_code() -> TestResult {
    let payload = "\"); std::process::abort(); (\"";
    let spec = format!(
        r#"
[models.Note]
table = "notes"
doc = "*/ #![injected_attribute] /*"

[models.Note.columns]
id = {{ type = "integer", primary_key = true }}
body = {{ type = "text", nullable = false, default = {payload}, doc = "\"] fn injected_doc() {{}} #[doc = \"" }}
{table_name} = {{ type = "string(8)", default = "}}{{ {{}} \\\\" }}
"#,
        payload = toml_str(payload),
        table_name = toml_str(TABLE),
    );
    let checked =
        litemodel_codegen::check_for_rust("models.toml", &spec).map_err(|d| d.render(false))?;
    let rust = litemodel_codegen::rust(&checked.schema, "models.toml");
    let tokens: TokenStream = rust.parse().map_err(|e| format!("{e:?}"))?;
    syn::parse_file(&rust)?;
    let mut idents = Vec::new();
    identifiers(tokens.clone(), &mut idents);
    for smuggled in ["abort", "injected_doc", "injected_attribute"] {
        assert!(
            !idents.iter().any(|i| i == smuggled),
            "`{smuggled}` became code:\n{rust}"
        );
    }
    let mut strings = Vec::new();
    string_literals(tokens, &mut strings);
    assert!(
        strings.iter().any(|s| s == payload),
        "the default is a string literal"
    );
    assert!(
        strings.iter().any(|s| s == TABLE || s.contains(TABLE)),
        "the table name is a string literal"
    );
    Ok(())
}

/// Inputs the fuzzer found a crash or hang with (`tests/fixtures/fuzz/`): each
/// runs through the whole pipeline within a few seconds, without a panic.
#[test]
fn fuzz_regressions() -> TestResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut inputs: Vec<_> = fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
    inputs.sort_by_key(|e| e.path());
    assert!(!inputs.is_empty());
    for input in inputs {
        let path = input.path();
        let source = fs::read_to_string(&path)?;
        let (done, finished) = mpsc::channel();
        // A thread, so that a hang fails the test instead of stalling it.
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(|| {
                match litemodel_codegen::check_for_rust("models.toml", &source) {
                    Ok(checked) => {
                        let _ = litemodel_codegen::ddl(&checked.schema);
                        let _ = litemodel_codegen::rust(&checked.schema, "models.toml");
                    }
                    Err(diagnostics) => {
                        let _ = diagnostics.render(false);
                    }
                }
            });
            let _ = done.send(result.is_ok());
        });
        match finished.recv_timeout(Duration::from_secs(20)) {
            Ok(true) => {}
            Ok(false) => return Err(format!("{} panics", path.display()).into()),
            Err(_) => return Err(format!("{} hangs", path.display()).into()),
        }
    }
    Ok(())
}
