//! Migrations on real SQLite files with rows in them.
//!
//! For each kind of change: a database at the old schema, with rows, is upgraded by
//! the generated migration (its schema must then equal what `create-all` makes from
//! the new spec, and every row the change does not drop by definition must be
//! there), then downgraded (the old schema again, and the rows again).

mod common;

use std::collections::BTreeMap;
use std::fs;

use litemodel_cli::introspect::{self, DbSchema};
use litemodel_cli::migrate::{self, files, Renames};
use litemodel_codegen::model::{ColumnType, Schema};
use rusqlite::Connection;

use common::migrations::{assert_foreign_keys_intact, checked, generate, open, AUDIT, BASE, TAGS};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Three rows in every table, parents first; foreign keys point at rows 1 to 3.
fn seed(conn: &Connection, schema: &Schema) -> TestResult {
    for m in litemodel_codegen::emit::sql::dependency_order(schema) {
        let model = &schema.models[m];
        for n in 1..=3i64 {
            let columns: Vec<String> = model
                .columns
                .iter()
                .map(|c| format!("\"{}\"", c.name))
                .collect();
            let values: Vec<String> = model
                .columns
                .iter()
                .map(|c| match &c.ty {
                    ColumnType::Boolean => (n % 2).to_string(),
                    ColumnType::Float => format!("{n}.5"),
                    ty if ty.is_integer() => n.to_string(),
                    _ => format!("'{}{n}'", &c.name[..1]),
                })
                .collect();
            conn.execute(
                &format!(
                    "INSERT INTO \"{}\" ({}) VALUES ({})",
                    model.table,
                    columns.join(", "),
                    values.join(", ")
                ),
                [],
            )?;
        }
    }
    Ok(())
}

/// Every value of every column, as text, in primary key order:
/// `(table, column) -> values`.
fn rows(conn: &Connection) -> TestResult<BTreeMap<(String, String), Vec<String>>> {
    let mut out = BTreeMap::new();
    for table in introspect::read(conn)?.tables {
        let order = table
            .primary_key
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        for column in &table.columns {
            let mut statement = conn.prepare(&format!(
                "SELECT coalesce(CAST(\"{}\" AS TEXT), 'NULL') FROM \"{}\" ORDER BY {order}",
                column.name, table.name
            ))?;
            let values = statement
                .query_map([], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            out.insert(
                (table.name.to_lowercase(), column.name.to_lowercase()),
                values,
            );
        }
    }
    Ok(out)
}

/// The database's schema is the one `create-all` makes from `schema`.
fn assert_schema(conn: &Connection, schema: &Schema, when: &str) -> TestResult {
    let got = introspect::read(conn)?;
    let want = migrate::schema_of(&migrate::spec_database(schema)?)?;
    assert_same(&got, &want, when);
    Ok(())
}

fn assert_same(got: &DbSchema, want: &DbSchema, when: &str) {
    let names = |s: &DbSchema| {
        s.tables
            .iter()
            .map(|t| t.name.to_lowercase())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(got), names(want), "{when}: tables");
    for table in &want.tables {
        if let Some(have) = got.table(&table.name) {
            let differences = introspect::structural_differences(have, table);
            assert!(
                differences.is_empty(),
                "{when}: `{}`: {differences:?}",
                table.name
            );
            let index_names = |t: &introspect::Table| {
                t.indexes.iter().map(|i| i.name.clone()).collect::<Vec<_>>()
            };
            assert_eq!(index_names(have), index_names(table), "{when}: indexes");
        }
    }
}

/// `(old table, old column) -> (new table, new column)` under the renames.
fn renamed(renames: &Renames, table: &str, column: &str) -> (String, String) {
    let new_table = renames
        .tables
        .iter()
        .find(|(old, _)| old.eq_ignore_ascii_case(table))
        .map_or(table.to_owned(), |(_, new)| new.to_lowercase());
    let new_column = renames
        .columns
        .iter()
        .find(|(t, old, _)| t.eq_ignore_ascii_case(&new_table) && old.eq_ignore_ascii_case(column))
        .map_or(column.to_owned(), |(_, _, new)| new.to_lowercase());
    (new_table, new_column)
}

struct Case {
    name: &'static str,
    after: String,
    data_loss: bool,
    /// `ALTER TABLE` can do it (no rebuild).
    in_place: bool,
}

fn case(name: &'static str, after: String, data_loss: bool, in_place: bool) -> Case {
    Case {
        name,
        after,
        data_loss,
        in_place,
    }
}

fn replaced(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from}");
    BASE.replace(from, to)
}

fn cases() -> Vec<Case> {
    vec![
        case("add_table", format!("{BASE}{TAGS}"), false, true),
        case(
            "drop_table",
            BASE[..BASE.find("[models.Book]").unwrap_or(BASE.len())].to_owned(),
            true,
            true,
        ),
        case(
            "add_nullable_column",
            format!("{BASE}rating = {{ type = \"float\" }}\n"),
            false,
            true,
        ),
        case(
            "add_not_null_column_with_default",
            format!("{BASE}stock = {{ type = \"integer\", nullable = false, server_default = \"0\" }}\n"),
            false,
            true,
        ),
        case(
            "add_column_in_the_middle",
            replaced("bio = { type = \"text\" }", "born = { type = \"date\" }\nbio = { type = \"text\" }"),
            false,
            false,
        ),
        case("drop_column", replaced("pages = { type = \"integer\" }\n", ""), true, true),
        case(
            "drop_unique_column",
            replaced("name = { type = \"string(64)\", unique = true }\n", ""),
            true,
            false,
        ),
        case(
            "widen_type",
            replaced("string(128)", "string(256)"),
            false,
            false,
        ),
        case("narrow_type", replaced("string(13)", "string(10)"), true, false),
        case(
            "make_not_null",
            replaced("pages = { type = \"integer\" }", "pages = { type = \"integer\", nullable = false }"),
            false,
            false,
        ),
        case(
            "change_default",
            replaced("pages = { type = \"integer\" }", "pages = { type = \"integer\", server_default = \"100\" }"),
            false,
            false,
        ),
        case(
            "add_index",
            replaced("pages = { type = \"integer\" }", "pages = { type = \"integer\", index = true }"),
            false,
            true,
        ),
        case(
            "drop_index",
            replaced("on_delete = \"CASCADE\", index = true", "on_delete = \"CASCADE\""),
            false,
            true,
        ),
        case(
            "add_unique_constraint",
            replaced("isbn = { type = \"string(13)\" }", "isbn = { type = \"string(13)\", unique = true }"),
            false,
            false,
        ),
        case(
            "drop_unique_constraint",
            replaced("name = { type = \"string(64)\", unique = true }", "name = { type = \"string(64)\" }"),
            false,
            false,
        ),
        case(
            "add_foreign_key",
            format!("{BASE}editor_id = {{ type = \"integer\", foreign_key = \"authors.id\" }}\n"),
            false,
            false,
        ),
        case(
            "drop_foreign_key",
            replaced(
                "author_id = { type = \"integer\", foreign_key = \"authors.id\", on_delete = \"CASCADE\", index = true }",
                "author_id = { type = \"integer\", index = true }",
            ),
            false,
            false,
        ),
        case(
            "rename_table",
            replaced("table = \"authors\"", "table = \"writers\"\nrenamed_from = \"authors\"")
                .replace("\"authors.id\"", "\"writers.id\""),
            false,
            true,
        ),
        case(
            "rename_column",
            replaced(
                "title = { type = \"string(128)\", nullable = false }",
                "heading = { type = \"string(128)\", nullable = false, renamed_from = \"title\" }",
            ),
            false,
            true,
        ),
        case(
            "rebuild_parent_with_cascading_children",
            replaced("string(64)", "string(100)"),
            false,
            false,
        ),
    ]
}

fn run_case(case: &Case) -> TestResult {
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    let before = checked(BASE)?;
    let after = checked(&case.after)?;
    generate(&migrations, BASE, "initial", false)?;
    let database = dir.path().join("data.sqlite");
    let conn = open(&database)?;
    files::read_dir(&migrations)?.up(&conn, None)?;
    seed(&conn, &before)?;
    let original = rows(&conn)?;

    let text = generate(&migrations, &case.after, case.name, case.data_loss)?;
    let up_section = text.split("-- migrate:down").next().unwrap_or("");
    assert_eq!(
        up_section.contains("_litemodel_new_"),
        !case.in_place,
        "{}: rebuild expected: {}\n{text}",
        case.name,
        !case.in_place
    );
    assert_eq!(
        text.contains("DATA LOSS (allowed with --allow-data-loss)"),
        case.data_loss,
        "{}:\n{text}",
        case.name
    );
    assert!(
        !text.contains("PRAGMA foreign_keys"),
        "the runner handles the pragma"
    );
    let all = files::read_dir(&migrations)?;
    assert_eq!(all.up(&conn, None)?, vec![2], "{}", case.name);
    assert_schema(&conn, &after, &format!("{} after upgrade", case.name))?;
    assert_foreign_keys_intact(&conn)?;
    let upgraded = rows(&conn)?;
    let renames = Renames::of(&after);
    let mut survived = Vec::new();
    for ((table, column), values) in &original {
        let key = renamed(&renames, table, column);
        if let Some(now) = upgraded.get(&key) {
            assert_eq!(
                now, values,
                "{}: rows of {table}.{column} after upgrade",
                case.name
            );
            survived.push((table.clone(), column.clone()));
        } else {
            assert!(
                case.data_loss,
                "{}: {table}.{column} lost without data loss",
                case.name
            );
        }
    }
    // Row counts: no row of any kept table went anywhere (no cascade).
    for table in introspect::read(&conn)?.tables {
        let count: i64 = conn.query_row(
            &format!("SELECT count(*) FROM \"{}\"", table.name),
            [],
            |r| r.get(0),
        )?;
        let new_table = original
            .keys()
            .any(|(t, _)| renamed(&renames, t, "").0 == table.name.to_lowercase());
        assert_eq!(
            count,
            if new_table { 3 } else { 0 },
            "{}: rows of {}",
            case.name,
            table.name
        );
    }

    assert_eq!(all.down(&conn, None)?, vec![2], "{}", case.name);
    assert_schema(&conn, &before, &format!("{} after downgrade", case.name))?;
    assert_foreign_keys_intact(&conn)?;
    let downgraded = rows(&conn)?;
    for key in &survived {
        assert_eq!(
            downgraded.get(key),
            original.get(key),
            "{}: rows of {}.{} after downgrade",
            case.name,
            key.0,
            key.1
        );
    }
    // And up again: the migration can be re-applied after its downgrade.
    assert_eq!(all.up(&conn, None)?, vec![2], "{}", case.name);
    assert_schema(&conn, &after, &format!("{} after re-upgrade", case.name))?;
    Ok(())
}

#[test]
fn every_kind_of_change_upgrades_and_downgrades_with_rows_kept() -> TestResult {
    let cases = cases();
    assert!(cases.len() >= 20);
    for case in &cases {
        run_case(case).map_err(|e| format!("case {}: {e}", case.name))?;
    }
    Ok(())
}

#[test]
fn generated_migration_files() -> TestResult {
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    insta::assert_snapshot!("initial", generate(&migrations, BASE, "initial", false)?);
    for case in cases() {
        if ![
            "rename_table",
            "rename_column",
            "widen_type",
            "drop_column",
            "add_index",
        ]
        .contains(&case.name)
        {
            continue;
        }
        let scratch = tempfile::tempdir()?;
        let copy = scratch.path().join("migrations");
        fs::create_dir_all(&copy)?;
        for entry in fs::read_dir(&migrations)? {
            let entry = entry?;
            fs::copy(entry.path(), copy.join(entry.file_name()))?;
        }
        let text = generate(&copy, &case.after, case.name, case.data_loss)?;
        insta::assert_snapshot!(case.name, text);
    }
    Ok(())
}

/// A schema with a parent whose children cascade on delete, an index, a trigger on
/// the parent, a trigger on the child that uses the parent, and a view: everything a
/// table rebuild must carry over.
const LIBRARY_EXTRAS: &str = "-- Migration 0002: extras
-- migrate:up
CREATE TABLE audit (id INTEGER NOT NULL, what TEXT, PRIMARY KEY (id));
CREATE TRIGGER authors_audit AFTER UPDATE ON authors BEGIN INSERT INTO audit (what) VALUES ('author ' || new.id); END;
CREATE TRIGGER books_audit AFTER INSERT ON books BEGIN INSERT INTO audit (what) VALUES ((SELECT name FROM authors WHERE id = new.author_id)); END;
CREATE VIEW author_books AS SELECT authors.name AS author, books.title AS title FROM authors JOIN books ON books.author_id = authors.id;

-- migrate:down
DROP VIEW author_books;
DROP TRIGGER books_audit;
DROP TRIGGER authors_audit;
DROP TABLE audit;
";

#[test]
fn a_rebuild_keeps_rows_indexes_foreign_keys_triggers_views_and_children() -> TestResult {
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    generate(&migrations, BASE, "initial", false)?;
    fs::write(migrations.join("0002_extras.sql"), LIBRARY_EXTRAS)?;
    let database = dir.path().join("data.sqlite");
    let conn = open(&database)?;
    files::read_dir(&migrations)?.up(&conn, None)?;
    seed(&conn, &checked(BASE)?)?;
    let books_before: i64 = conn.query_row("SELECT count(*) FROM books", [], |r| r.get(0))?;
    assert_eq!(books_before, 3);

    // `authors.name` string(64) -> string(100): SQLite cannot ALTER a column's type.
    let after = format!("{}{AUDIT}", BASE.replace("string(64)", "string(100)"));
    let text = generate(&migrations, &after, "longer bios", false)?;
    // The steps, in SQLite's documented order.
    let position = |needle: &str| text.find(needle).ok_or(format!("no `{needle}` in\n{text}"));
    let up = position("-- migrate:up foreign_keys=off")?;
    let steps = [
        "CREATE TABLE \"_litemodel_new_authors\"",
        "INSERT INTO \"_litemodel_new_authors\" (id, name, bio) SELECT id, name, bio FROM authors",
        "DROP VIEW author_books",
        "DROP TRIGGER books_audit",
        "DROP TABLE authors",
        "ALTER TABLE \"_litemodel_new_authors\" RENAME TO authors",
        "CREATE TRIGGER authors_audit",
        "CREATE TRIGGER books_audit",
        "CREATE VIEW author_books",
    ];
    let mut last = up;
    for step in steps {
        let at = position(step)?;
        assert!(at > last, "`{step}` out of order in\n{text}");
        last = at;
    }
    assert!(last < position("-- migrate:down")?);

    let all = files::read_dir(&migrations)?;
    all.up(&conn, None)?;
    // Rows survive, and no child row was deleted by ON DELETE CASCADE when the old
    // parent table was dropped.
    let authors: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, name, bio FROM authors ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(
        authors,
        [
            (1, "n1".into(), "b1".into()),
            (2, "n2".into(), "b2".into()),
            (3, "n3".into(), "b3".into())
        ]
    );
    let books: i64 = conn.query_row("SELECT count(*) FROM books", [], |r| r.get(0))?;
    assert_eq!(books, books_before, "children survive the parent's rebuild");
    // The unique constraint of `authors.name` is still there, and still unique.
    assert!(conn
        .execute("INSERT INTO authors (name) VALUES ('n1')", [])
        .is_err());
    // The child's foreign key still points at the (new) parent table, and is enforced.
    let target: String = conn.query_row(
        "SELECT \"table\" FROM pragma_foreign_key_list('books')",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(target, "authors");
    assert!(conn
        .execute("INSERT INTO books (title, author_id) VALUES ('x', 99)", [])
        .is_err());
    // The child's index is untouched; the parent's triggers and the view are back.
    let objects: Vec<String> = conn
        .prepare("SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY 1")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for expected in [
        "index ix_books_author_id",
        "trigger authors_audit",
        "trigger books_audit",
        "view author_books",
    ] {
        assert!(
            objects.contains(&expected.to_owned()),
            "{expected} missing: {objects:?}"
        );
    }
    // ...and they work.
    conn.execute("UPDATE authors SET bio = 'new' WHERE id = 2", [])?;
    conn.execute("INSERT INTO books (title, author_id) VALUES ('y', 1)", [])?;
    let audit: Vec<String> = conn
        .prepare("SELECT what FROM audit ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // The seed's three books fired `books_audit` before the rebuild; the two
    // statements above fire the recreated triggers once each.
    assert_eq!(audit, ["n1", "n2", "n3", "author 2", "n1"]);
    let in_view: i64 = conn.query_row("SELECT count(*) FROM author_books", [], |r| r.get(0))?;
    assert_eq!(in_view, 4);
    assert_foreign_keys_intact(&conn)?;
    assert_schema(&conn, &checked(&after)?, "after the rebuild")?;

    // Down again: same guarantees.
    all.down(&conn, None)?;
    let books: i64 = conn.query_row("SELECT count(*) FROM books", [], |r| r.get(0))?;
    assert_eq!(books, 4);
    let name_type: String = conn.query_row(
        "SELECT type FROM pragma_table_info('authors') WHERE name = 'name'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(name_type, "VARCHAR(64)");
    assert_foreign_keys_intact(&conn)?;
    Ok(())
}

#[test]
fn without_foreign_keys_off_the_same_rebuild_would_cascade() -> TestResult {
    // The control for the test above: the pragma outside the transaction is what
    // keeps the children. Run the same rebuild steps with enforcement on.
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    generate(&migrations, BASE, "initial", false)?;
    let conn = open(&dir.path().join("data.sqlite"))?;
    files::read_dir(&migrations)?.up(&conn, None)?;
    seed(&conn, &checked(BASE)?)?;
    let text = generate(
        &migrations,
        &BASE.replace("string(64)", "string(100)"),
        "longer",
        false,
    )?;
    let up = text
        .split("-- migrate:up foreign_keys=off")
        .nth(1)
        .and_then(|rest| rest.split("-- migrate:down").next())
        .ok_or("no up section")?;
    conn.execute_batch(&format!("BEGIN; {up} COMMIT;"))?;
    let books: i64 = conn.query_row("SELECT count(*) FROM books", [], |r| r.get(0))?;
    assert_eq!(
        books, 0,
        "with foreign keys on, dropping the parent cascades"
    );
    Ok(())
}

#[test]
fn renames_are_never_guessed() -> TestResult {
    // Without `renamed_from`, a renamed column is a dropped column plus a new one.
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    generate(&migrations, BASE, "initial", false)?;
    let schema = checked(&BASE.replace("isbn = ", "code = "))?;
    let plan = migrate::diff(&schema, &files::read_dir(&migrations)?)?.ok_or("a change")?;
    assert!(
        plan.up.data_loss.iter().any(|l| l.contains("books.isbn")),
        "{:?}",
        plan.up.data_loss
    );
    Ok(())
}

#[test]
fn the_examples_in_docs_migrations_md_validate() -> TestResult {
    let doc = fs::read_to_string(common::workspace_root().join("docs/migrations.md"))?;
    let mut count = 0;
    for block in doc.split("```toml\n").skip(1) {
        let spec = block.split("```").next().unwrap_or("");
        checked(spec).map_err(|e| format!("docs/migrations.md example:\n{spec}\n{e}"))?;
        count += 1;
    }
    assert!(count >= 1);
    Ok(())
}
