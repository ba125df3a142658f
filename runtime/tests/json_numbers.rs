//! JSON numbers that an `f64` cannot hold, as Flask-SQLAlchemy stores them:
//! `tests/sqlalchemy/json_numbers.stored.json` holds the text SQLAlchemy 2.1.9
//! wrote for them (recorded by `tests/sqlalchemy/json_numbers.py`).

use litemodel::types::{python_json, ColumnValue, FromColumn, ToColumn};
use litemodel::{Database, JsonValue, Model};
use serde_json::json;
use tempfile::TempDir;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const STORED: &str = include_str!("../../tests/sqlalchemy/json_numbers.stored.json");

fn recorded(list: &str) -> TestResult<Vec<String>> {
    let fixture: serde_json::Value = serde_json::from_str(STORED)?;
    let texts = fixture[list].as_array().ok_or("a list in the fixture")?;
    texts
        .iter()
        .map(|t| Ok(t.as_str().ok_or("a string in the fixture")?.to_owned()))
        .collect()
}

fn read(text: &str) -> Result<JsonValue, litemodel::types::ColumnError> {
    JsonValue::from_column(ColumnValue::Text(text.into()))
}

fn written(value: &JsonValue) -> TestResult<String> {
    match value.to_column()? {
        ColumnValue::Text(text) => Ok(text.into_owned()),
        other => Err(format!("JSON stored as {other:?}").into()),
    }
}

#[test]
fn text_written_by_python_round_trips_byte_for_byte() -> TestResult {
    let texts = recorded("round_trip")?;
    assert!(texts.len() >= 8, "the fixture lists the recorded values");
    for text in &texts {
        assert_eq!(&written(&read(text)?)?, text, "read and written back");
    }
    Ok(())
}

#[test]
fn integers_beyond_64_bits_keep_every_digit() -> TestResult {
    let value = read(r#"{"n": 1000000000000000000000000000001}"#)?;
    assert_eq!(value["n"].to_string(), "1000000000000000000000000000001");
    assert_eq!(value["n"].as_f64(), Some(1e30), "still usable as a float");
    assert_eq!(value["n"].as_i64(), None, "not an i64");
    let small = read(r#"{"n": 42}"#)?;
    assert_eq!(small["n"].as_i64(), Some(42));
    // Python's repr of the dict `json.loads` makes.
    assert_eq!(
        format!("{}", litemodel::repr(&value)),
        "{'n': 1000000000000000000000000000001}"
    );
    Ok(())
}

/// Text that Python does not write (another program's, or typed in SQL) keeps
/// its value: long decimals digit for digit, 1e400 as the number it is.
/// (Python itself would read both as floats, `0.0123456789` and `inf`.)
#[test]
fn long_decimals_and_huge_exponents_keep_their_text() -> TestResult {
    let long = r#"{"d": 0.0123456789000000012345678900000001234567890000123456789}"#;
    assert_eq!(written(&read(long)?)?, long);
    let huge = r#"{"x": 1e+400, "y": -2.5e-400}"#;
    assert_eq!(written(&read(huge)?)?, huge);
    // serde_json's parser writes a positive exponent's sign, as Python does.
    assert_eq!(written(&read(r#"{"x": 1e400}"#)?)?, r#"{"x": 1e+400}"#);
    Ok(())
}

#[test]
fn numbers_made_in_rust_are_written_as_python_writes_them() -> TestResult {
    let value = json!({"big": 1e16, "tiny": 1.5e-5, "whole": 2.0, "n": 7, "u": u64::MAX});
    assert_eq!(
        python_json(&value)?,
        r#"{"big": 1e+16, "tiny": 1.5e-05, "whole": 2.0, "n": 7, "u": 18446744073709551615}"#
    );
    let huge = serde_json::Number::from_i128(-(1_i128 << 100)).ok_or("an i128 number")?;
    assert_eq!(
        python_json(&JsonValue::Number(huge))?,
        "-1267650600228229401496703205376"
    );
    Ok(())
}

#[test]
fn python_infinities_and_nan_are_refused_with_a_clear_error() -> TestResult {
    let texts = recorded("non_finite")?;
    for (text, token) in texts.iter().zip(["Infinity", "-Infinity", "NaN"]) {
        let err = read(text).err().ok_or("Infinity is not JSON")?.to_string();
        assert!(err.contains(&format!("`{token}`")), "{err}");
        assert!(err.contains("allow_nan=False"), "{err}");
    }
    // The words inside a string are no numbers.
    assert_eq!(read(r#"{"s": "NaN Infinity"}"#)?["s"], "NaN Infinity");
    let malformed = read("{").err().ok_or("malformed")?.to_string();
    assert!(malformed.contains("malformed JSON"), "{malformed}");
    Ok(())
}

/// A document written by hand, as a Flask-SQLAlchemy app has it.
#[derive(Clone, PartialEq, Model)]
#[litemodel(table = "docs")]
pub struct Doc {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    pub data: Option<JsonValue>,
}

/// The rows SQLAlchemy wrote, in a real SQLite file: renaming a document writes
/// its unchanged JSON back as the same text, and changing the JSON keeps the
/// digits of the numbers that were not changed.
#[test]
fn an_unchanged_json_value_is_written_back_unchanged() -> TestResult {
    let dir = TempDir::new()?;
    let path = dir.path().join("shared.db");
    let texts = recorded("round_trip")?;
    {
        let conn = rusqlite::Connection::open(&path)?;
        conn.execute_batch(
            "CREATE TABLE docs (id INTEGER NOT NULL, name VARCHAR NOT NULL, data JSON, \
             PRIMARY KEY (id))",
        )?;
        for (i, text) in texts.iter().enumerate() {
            conn.execute(
                "INSERT INTO docs (id, name, data) VALUES (?1, ?2, ?3)",
                rusqlite::params![i as i64 + 1, format!("doc {i}"), text],
            )?;
        }
    }
    let mut db = Database::open(&path)?;
    let mut session = db.session();
    let mut keys = Vec::new();
    for id in 1..=texts.len() as i64 {
        let doc = Doc::get(&session, id)?.ok_or("the row is there")?;
        keys.push(session.add(doc));
    }
    for &key in &keys {
        session[key].name.push_str(" (renamed)");
    }
    let first = keys[0];
    if let Some(JsonValue::Object(map)) = &mut session[first].data {
        map.insert("added".to_owned(), json!(0.5));
    }
    session.commit()?;
    drop(session);
    drop(db);

    let conn = rusqlite::Connection::open(&path)?;
    let mut stmt = conn.prepare("SELECT name, data FROM docs ORDER BY id")?;
    let stored: Vec<(String, String)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    assert_eq!(
        stored[0].1,
        r#"{"n": 1000000000000000000000000000001, "added": 0.5}"#
    );
    for ((name, data), text) in stored.iter().zip(&texts).skip(1) {
        assert!(name.ends_with(" (renamed)"), "{name}");
        assert_eq!(data, text, "the JSON was not changed");
    }
    Ok(())
}
