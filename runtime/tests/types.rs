//! Column types, defaults, constraints and names on real SQLite files, and the
//! interchange with SQLAlchemy: `tests/sqlalchemy/column_types.stored.json` holds
//! what SQLAlchemy 2.1.9 stored for the rows built by `expected_samples()` below
//! (recorded by `tests/sqlalchemy/column_types.py record`).

#[macro_use]
mod common;
mod types_common;

use std::str::FromStr;

use common::Engine;
use litemodel::types::{ColumnError, ColumnValue, FromColumn, ToColumn};
use litemodel::{
    Database, DateTime, Decimal, Error, ExplicitNulls, JsonValue, Model, NaiveDate, NaiveDateTime,
    NaiveTime, Utc, Uuid,
};
use rusqlite::types::Value;
use types_common::types_models::{Book, Mood, Odd, Sample, SampleStatus, Shelf, Stamp, SCHEMA};

use common::TestResult;

/// A user type for `rust_type = "crate::Money"`: cents, stored as an INTEGER.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Money(pub i64);

impl ToColumn for Money {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::Integer(self.0))
    }
}

impl FromColumn for Money {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        i64::from_column(value).map(Money)
    }
}

const STORED: &str = include_str!("../../tests/sqlalchemy/column_types.stored.json");

fn temp_db(engine: Engine) -> TestResult<(common::Scratch, Database)> {
    let (dir, db) = common::temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    Ok((dir, db))
}

fn date(y: i32, m: u32, d: u32) -> TestResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| "bad date".into())
}

fn time(h: u32, m: u32, s: u32, micro: u32) -> TestResult<NaiveTime> {
    NaiveTime::from_hms_micro_opt(h, m, s, micro).ok_or_else(|| "bad time".into())
}

fn datetime(d: NaiveDate, t: NaiveTime) -> NaiveDateTime {
    d.and_time(t)
}

/// The Rust twins of `ROWS` in `column_types.py`.
fn expected_samples() -> TestResult<Vec<Sample>> {
    let nov26 = date(2026, 11, 26)?;
    let first = Sample {
        explicit_nulls: ExplicitNulls::default(),
        id: Some(1),
        count: 7,
        small: Some(-32768),
        big: Some(1 << 62),
        flag: true,
        ratio: Some(0.1),
        price: Some(Decimal::from_str("1234.50")?),
        label: "h\u{e9}llo \"q\" '".into(),
        body: Some("two\nlines \u{1F600}".into()),
        raw: Some(vec![0x00, 0xff, 0x10]),
        day: Some(nov26),
        at: Some(time(10, 0, 5, 123_456)?),
        taken: Some(datetime(nov26, time(10, 0, 0, 0)?)),
        taken_tz: Some(datetime(nov26, time(10, 0, 0, 0)?).and_utc()),
        extra: Some(serde_json::from_str(
            r#"{"b": [1, 2.5, null], "a": "\u00e9\ud83d\ude00", "nested": {"t": true, "big": 1e16}}"#,
        )?),
        token: Some(Uuid::parse_str("12345678-1234-5678-1234-567812345678")?),
        status: Some(SampleStatus::InReview),
        mood: Some(Mood::Sad),
        cents: Some(Money(12345)),
    };
    let nulls = Sample {
        id: Some(2),
        label: "nulls".into(),
        // SQLAlchemy's JSON stores Python's None as JSON `null` (not SQL NULL).
        extra: Some(JsonValue::Null),
        // Applied at INSERT by SQLAlchemy: `default = "9.99"` and `"draft"`.
        price: Some(Decimal::from_str("9.99")?),
        status: Some(SampleStatus::Draft),
        ..Sample::default()
    };
    let edges = Sample {
        explicit_nulls: ExplicitNulls::default(),
        id: Some(3),
        count: i32::MIN,
        small: Some(i16::MAX),
        big: Some(i64::MIN),
        flag: false,
        ratio: Some(1e16),
        price: Some(Decimal::from_str("-0.01")?),
        label: "edges".into(),
        body: Some(String::new()),
        raw: Some(Vec::new()),
        day: Some(date(1, 1, 1)?),
        at: Some(time(0, 0, 0, 0)?),
        taken: Some(datetime(date(9999, 12, 31)?, time(23, 59, 59, 999_999)?)),
        taken_tz: Some(datetime(date(2000, 2, 29)?, time(23, 0, 0, 1)?).and_utc()),
        extra: Some(JsonValue::from(5)),
        token: Some(Uuid::nil()),
        status: Some(SampleStatus::Published),
        mood: Some(Mood::Happy),
        cents: Some(Money(-1)),
    };
    Ok(vec![first, nulls, edges])
}

/// A stored value of the fixture as a rusqlite value.
fn fixture_value(stored: &serde_json::Value) -> TestResult<Value> {
    let kind = stored["type"].as_str().ok_or("no type")?;
    Ok(match kind {
        "null" => Value::Null,
        "integer" => Value::Integer(stored["value"].as_i64().ok_or("not an integer")?),
        "real" => Value::Real(stored["value"].as_f64().ok_or("not a real")?),
        "text" => Value::Text(stored["value"].as_str().ok_or("not text")?.to_owned()),
        "blob" => Value::Blob(decode_base64(
            stored["base64"].as_str().ok_or("no base64")?,
        )?),
        other => return Err(format!("unknown storage class {other}").into()),
    })
}

fn decode_base64(text: &str) -> TestResult<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET
            .iter()
            .position(|c| *c == byte)
            .ok_or("bad base64")?;
        bits = (bits << 6) | u32::try_from(value)?;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from((bits >> count) & 0xff)?);
        }
    }
    Ok(out)
}

fn fixture() -> TestResult<serde_json::Value> {
    Ok(serde_json::from_str(STORED)?)
}

/// `(column, stored value)` of every row of `samples`, read back raw.
fn stored_rows(db: &Database) -> TestResult<Vec<Vec<(String, Value)>>> {
    let conn = db.sqlite().ok_or("a SQLite database")?;
    let mut stmt = conn.prepare("SELECT * FROM samples ORDER BY id")?;
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let rows = stmt.query_map([], |row| {
        (0..names.len())
            .map(|i| Ok((names[i].clone(), row.get::<_, Value>(i)?)))
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn fixture_rows() -> TestResult<Vec<Vec<(String, Value)>>> {
    let fixture = fixture()?;
    let rows = fixture["samples"].as_array().ok_or("no samples")?;
    rows.iter()
        .map(|row| {
            let row = row.as_object().ok_or("row is not an object")?;
            row.iter()
                .map(|(name, stored)| Ok((name.clone(), fixture_value(stored)?)))
                .collect()
        })
        .collect()
}

#[test]
fn the_ddl_is_the_one_sqlalchemy_wrote() -> TestResult {
    let fixture = fixture()?;
    let create = fixture["create"].as_object().ok_or("no create")?;
    for table in SCHEMA.tables {
        assert_eq!(
            Some(table.create),
            create.get(table.name).and_then(|sql| sql.as_str()),
            "CREATE TABLE of `{}`",
            table.name
        );
        for index in table.indexes {
            assert!(
                create.values().any(|sql| sql.as_str() == Some(index)),
                "{index}"
            );
        }
    }
    Ok(())
}

/// SQLite only: the values SQLAlchemy stored on SQLite (PostgreSQL's
/// interchange is recorded separately).
#[test]
fn values_sqlalchemy_stored_read_as_the_same_rust_values() -> TestResult {
    let engine = Engine::Sqlite;
    let (_dir, db) = temp_db(engine)?;
    for row in fixture_rows()? {
        let columns: Vec<String> = row.iter().map(|(c, _)| format!("\"{c}\"")).collect();
        let marks: Vec<String> = (1..=row.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO samples ({}) VALUES ({})",
            columns.join(", "),
            marks.join(", ")
        );
        let values: Vec<Value> = row.into_iter().map(|(_, v)| v).collect();
        db.sqlite()
            .ok_or("a SQLite database")?
            .execute(&sql, rusqlite::params_from_iter(values))?;
    }
    let loaded = Sample::query().order_by(Sample::ID.asc()).all(&db)?;
    assert_eq!(loaded, expected_samples()?);
    Ok(())
}

/// SQLite only: SQLAlchemy's storage formats on SQLite.
#[test]
fn litemodel_stores_exactly_what_sqlalchemy_stores() -> TestResult {
    let engine = Engine::Sqlite;
    let (dir, mut db) = temp_db(engine)?;
    {
        let mut session = db.session();
        for mut sample in expected_samples()? {
            // New objects (ids 1, 2, 3 in order): an INSERT with insert semantics.
            sample.id = None;
            if sample.label == "nulls" {
                // Left `None`, as Python leaves them: the flush applies the
                // columns' defaults, as SQLAlchemy's did in the fixture.
                sample.price = None;
                sample.status = None;
            }
            session.add(sample);
        }
        session.commit()?;
    }
    assert_eq!(stored_rows(&db)?, fixture_rows()?);
    // `LITEMODEL_TYPES_DB=path`: keep the file for `column_types.py check path`,
    // which reads it with the real SQLAlchemy.
    if let Some(path) = std::env::var_os("LITEMODEL_TYPES_DB") {
        drop(db);
        std::fs::copy(dir.path().join("types.sqlite"), path)?;
    }
    Ok(())
}

fn every_type_round_trips_and_filters(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    for sample in expected_samples()? {
        session.add(Sample { id: None, ..sample });
    }
    session.commit()?;
    let by = |filter| -> TestResult<Vec<i64>> {
        Ok(Sample::query()
            .filter(filter)
            .order_by(Sample::ID.asc())
            .all(&session)?
            .iter()
            .filter_map(|s| s.id)
            .collect())
    };
    assert_eq!(by(Sample::SMALL.eq(-32768))?, [1]);
    assert_eq!(by(Sample::COUNT.lt(0))?, [3]);
    assert_eq!(by(Sample::FLAG.eq(true))?, [1]);
    assert_eq!(by(Sample::PRICE.gt(Decimal::from_str("1000")?))?, [1]);
    assert_eq!(by(Sample::PRICE.eq(Decimal::from_str("9.99")?))?, [2]);
    assert_eq!(by(Sample::DAY.lt(date(2000, 1, 1)?))?, [3]);
    assert_eq!(
        by(Sample::TAKEN.ge(datetime(date(2026, 1, 1)?, time(0, 0, 0, 0)?)))?,
        [1, 3]
    );
    assert_eq!(by(Sample::TOKEN.eq(Uuid::nil()))?, [3]);
    assert_eq!(by(Sample::STATUS.eq(SampleStatus::Draft))?, [2]);
    assert_eq!(
        by(Sample::STATUS.in_([SampleStatus::InReview, SampleStatus::Published]))?,
        [1, 3]
    );
    assert_eq!(by(Sample::MOOD.is_null())?, [2]);
    assert_eq!(by(Sample::CENTS.eq(Money(-1)))?, [3]);
    assert_eq!(by(Sample::LABEL.eq("edges"))?, [3]);
    assert_eq!(
        format!(
            "{:?}",
            Sample::query().filter(Sample::ID.eq(1)).one(&session)?
        ),
        "<Sample 'h\u{e9}llo \"q\" \\'' 'in review'>"
    );
    Ok(())
}

fn autoincrement_never_reuses_an_id(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    session.add(Sample::default());
    let second = session.add(Sample::default());
    session.commit()?;
    session.delete(second)?;
    session.commit()?;
    let third = session.add(Sample::default());
    session.commit()?;
    // Without AUTOINCREMENT, SQLite would hand out 2 again.
    assert_eq!(session[third].id, Some(3));
    Ok(())
}

// ---- defaults and generated values -------------------------------------------------------

/// `new` and `Default` run no clock and draw no UUID: a new object's `Option`
/// fields with a `default` or `default_factory` are `None` until the INSERT.
#[test]
fn new_objects_have_no_generated_values() {
    for stamp in [Stamp::new().with_note("hello"), Stamp::default()] {
        assert_eq!(stamp.public_id, None);
        assert_eq!(stamp.created, None);
        assert_eq!(stamp.created_tz, None);
        assert_eq!(stamp.day, None);
        assert_eq!(stamp.launch, None);
        assert_eq!(stamp.fixed_id, None);
    }
    assert_eq!(Sample::new("x").status, None);
}

/// SQLAlchemy applies a column's `default` at INSERT when the attribute is None:
/// so does the flush, for every `default` and `default_factory`.
fn defaults_and_factories_are_applied_at_insert(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let before = litemodel::types::now();
    let key = session.add(Stamp::new().with_note("hello"));
    let other = session.add(Stamp::new());
    session.commit()?;
    let after = litemodel::types::now();
    let stamp = &session[key];
    let created = stamp.created.ok_or("no `created` after INSERT")?;
    assert!(before <= created && created <= after);
    assert_eq!(
        created.and_utc().timestamp_subsec_nanos() % 1000,
        0,
        "microseconds"
    );
    assert!(stamp.created_tz.is_some());
    assert_eq!(stamp.day, Some(litemodel::types::today()));
    let public_id = stamp.public_id.ok_or("no `public_id` after INSERT")?;
    assert_ne!(
        Some(public_id),
        session[other].public_id,
        "uuid4 per object"
    );
    assert_eq!(public_id.get_version_num(), 4);
    assert_eq!(
        stamp.launch,
        Some(datetime(date(2026, 11, 26)?, time(10, 0, 0, 0)?))
    );
    assert_eq!(stamp.launch_day, Some(date(2026, 11, 26)?));
    assert_eq!(stamp.alarm, Some(time(7, 30, 0, 0)?));
    assert_eq!(
        stamp.fixed_id,
        Some(Uuid::parse_str("12345678123456781234567812345678")?)
    );
    assert_eq!(stamp.updated, None, "set on update only");
    // What the session holds is what the file holds.
    let loaded = Stamp::get(&session, stamp.id.ok_or("no id")?)?.ok_or("row not found")?;
    assert_eq!(loaded.public_id, Some(public_id));
    assert_eq!(loaded.launch_day, stamp.launch_day);
    Ok(())
}

/// A value set before the INSERT is kept; `with_null` stores NULL in a column
/// with a `default` (SQLAlchemy's `null()`), and a later UPDATE can fill it.
fn explicit_values_and_explicit_nulls_beat_defaults(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let mine = date(2000, 1, 2)?;
    let set = session.add(Stamp::new().with_launch_day(mine));
    let null = session.add(
        Stamp::new()
            .with_null(Stamp::LAUNCH_DAY)
            .with_null(Stamp::DAY),
    );
    let sample = session.add(Sample::new("no status").with_null(Sample::STATUS));
    session.commit()?;
    assert_eq!(session[set].launch_day, Some(mine));
    assert_eq!(session[null].launch_day, None);
    assert_eq!(session[null].day, None);
    assert_eq!(
        session[null].alarm,
        Some(time(7, 30, 0, 0)?),
        "other defaults still apply"
    );
    assert_eq!(session[sample].status, None);
    let db = session.database();
    let first = common::query_texts(db, "SELECT launch_day, day FROM stamps ORDER BY id")?;
    let second = common::query_texts(db, "SELECT launch_day, day FROM stamps ORDER BY id DESC")?;
    assert_eq!(first[0].as_deref(), Some("2000-01-02"));
    assert_eq!(second, [None, None], "stored as NULL");
    let status = common::query_texts(db, "SELECT status FROM samples")?;
    assert_eq!(status, [None]);
    // Defaults are an INSERT's business: an UPDATE writes what the field holds.
    session[null].note = Some("touched".into());
    session.commit()?;
    assert_eq!(session[null].launch_day, None);
    session[null].launch_day = Some(mine);
    session.commit()?;
    let reloaded =
        Stamp::get(&session, session[null].id.ok_or("no id")?)?.ok_or("row not found")?;
    assert_eq!(reloaded.launch_day, Some(mine));
    Ok(())
}

/// A failed INSERT puts the object back as it was: the defaults it applied are
/// undone, so a retry draws them again.
fn a_failed_insert_undoes_the_applied_defaults(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let key = session.add(Stamp::new());
    // A second row with the same primary key makes the flush fail.
    let mut clash = Stamp::new();
    clash.id = Some(1);
    let public_id = match engine {
        Engine::Sqlite => "'x'",
        Engine::Postgres => "'00000000000000000000000000000001'",
    };
    session.database().execute_batch(&format!(
        "INSERT INTO stamps (id, public_id, created) VALUES (1, {public_id}, '2000-01-01 00:00:00')"
    ))?;
    session.add(clash);
    assert!(session.commit().is_err());
    assert_eq!(session[key].created, None, "restored with the object");
    assert_eq!(session[key].public_id, None);
    Ok(())
}

fn server_defaults_apply_to_none_and_keep_explicit_values(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    session.add(Stamp::new().with_note("server"));
    session.add(Stamp {
        server_note: Some("mine".into()),
        ..Stamp::new().with_note("explicit")
    });
    session.commit()?;
    let db = session.database();
    let first = common::query_texts(
        db,
        "SELECT server_note, server_time FROM stamps ORDER BY id",
    )?;
    let second = common::query_texts(
        db,
        "SELECT server_note, server_time FROM stamps ORDER BY id DESC",
    )?;
    assert_eq!(first[0].as_deref(), Some("from server"));
    assert_eq!(second[0].as_deref(), Some("mine"));
    assert!(first[1].is_some(), "CURRENT_TIMESTAMP filled in");
    // CURRENT_TIMESTAMP's `YYYY-MM-DD HH:MM:SS` reads as a NaiveDateTime.
    let loaded = Stamp::query().order_by(Stamp::ID.asc()).all(&session)?;
    assert_eq!(loaded[0].server_note.as_deref(), Some("from server"));
    assert!(loaded[0].server_time.is_some());
    Ok(())
}

fn server_defaults_are_read_back_after_insert(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let key = session.add(Stamp::new().with_note("server"));
    session.commit()?;
    assert_eq!(session[key].server_note.as_deref(), Some("from server"));
    assert!(session[key].server_time.is_some());
    Ok(())
}

fn onupdate_is_applied_by_the_session(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let key = session.add(Stamp::new().with_note("x"));
    session.commit()?;
    assert_eq!(session[key].updated, None, "not on insert");
    session[key].note = Some("changed".into());
    session.commit()?;
    assert!(session[key].updated.is_some());
    assert_eq!(Stamp::query().one(&session)?.updated, session[key].updated);
    Ok(())
}

/// SQLAlchemy's `session.add(Stamp(id=10))` of a key the table lacks is an
/// INSERT with insert semantics: defaults applied, `onupdate` not, server
/// defaults readable after the flush. The session tries the UPDATE first (an
/// object added with its id is usually a loaded one) and inserts when it
/// finds no row.
fn an_object_added_with_a_new_key_is_inserted_as_new(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let mut stamp = Stamp::new().with_note("d");
    stamp.id = Some(10);
    let key = session.add(stamp);
    let counter = session.database().statement_counter();
    // BEGIN, the UPDATE that finds no row, the INSERT, COMMIT.
    counter.assert_statements(4, || session.commit())?;
    let held = session[key].clone();
    assert_eq!(held.id, Some(10));
    assert_eq!(held.updated, None, "onupdate is not applied on INSERT");
    assert_eq!(held.server_note.as_deref(), Some("from server"));
    assert!(held.server_time.is_some(), "server default read back");
    assert!(held.created.is_some() && held.public_id.is_some());
    assert_eq!(held.alarm, Some(time(7, 30, 0, 0)?), "default applied");
    let stored = Stamp::get(&session, 10)?.ok_or("row not found")?;
    assert_eq!(stored.updated, None);
    assert_eq!(stored.server_note, held.server_note);
    assert_eq!(stored.server_time, held.server_time);
    assert_eq!(stored.public_id, held.public_id);
    drop(session);

    // Added by value again, now that the row exists: an UPDATE, with onupdate.
    let mut session = db.session();
    session.add(Stamp {
        note: Some("again".into()),
        ..stored
    });
    session.commit()?;
    let updated = Stamp::get(&session, 10)?.ok_or("row not found")?;
    assert_eq!(updated.note.as_deref(), Some("again"));
    assert!(updated.updated.is_some(), "onupdate applied on UPDATE");
    Ok(())
}

/// A commit that fails after inserting such an object puts it back as it
/// was: no defaults, no server values, still to be written.
fn a_failed_insert_of_an_added_key_is_undone(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let shelf_id = db.transaction(|s| {
        let shelf = s.add(Shelf::new("fiction"));
        s.flush()?;
        s[shelf]
            .id
            .ok_or(litemodel::Error::NotPersistent { table: "shelves" })
    })?;
    let mut session = db.session();
    let mut stamp = Stamp::new().with_note("d");
    stamp.id = Some(10);
    let key = session.add(stamp);
    // Updated after the stamp (its model was added later), and refused.
    let shelf = session.add(Shelf {
        id: Some(shelf_id),
        name: String::new(),
    });
    assert!(session.commit().is_err(), "the empty shelf name is refused");
    assert_eq!(session[key].server_note, None);
    assert_eq!(session[key].created, None);
    assert_eq!(session[key].updated, None);
    session[shelf].name = "poetry".into();
    session.commit()?;
    assert_eq!(session[key].server_note.as_deref(), Some("from server"));
    assert!(session[key].created.is_some());
    assert_eq!(Stamp::query().count(&session)?, 1);
    Ok(())
}

fn a_failed_update_puts_the_onupdate_column_back(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let key = session.add(Stamp::new().with_note("x"));
    session.commit()?;
    Stamp::query().delete(&session)?; // behind the session's back
    session[key].note = Some("changed".into());
    assert!(matches!(
        session.commit(),
        Err(litemodel::Error::StaleObject { .. })
    ));
    assert_eq!(session[key].updated, None, "restored with the object");
    assert_eq!(session[key].note.as_deref(), Some("changed"));
    Ok(())
}

#[test]
fn onupdate_sets_the_column_on_update() -> TestResult {
    let mut stamp = Stamp::new().with_note("x");
    assert_eq!(stamp.updated, None);
    let before = litemodel::types::now();
    stamp.before_update();
    let updated = stamp.updated.ok_or("onupdate did not run")?;
    assert!(updated >= before);
    Ok(())
}

fn values_without_a_faithful_stored_form_are_refused(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let precise = Decimal::from_str("1234567890.1234567891")?;
    let key = session.add(Sample {
        price: Some(precise),
        ..Sample::default()
    });
    match engine {
        // SQLAlchemy stores a Numeric as a double on SQLite.
        Engine::Sqlite => {
            let err = session
                .commit()
                .err()
                .ok_or("too precise a decimal was stored")?;
            assert!(
                err.to_string()
                    .contains("cannot be stored without losing digits"),
                "{err}"
            );
        }
        // PostgreSQL's NUMERIC(10, 2) refuses what it cannot hold, and keeps
        // every digit of what it can.
        Engine::Postgres => {
            let err = session
                .commit()
                .err()
                .ok_or("an overflowing decimal was stored")?;
            assert!(err.to_string().contains("numeric field overflow"), "{err}");
            session[key].price = Some(Decimal::from_str("12345678.91")?);
            session.commit()?;
            let id = session[key].id.ok_or("inserted")?;
            let stored = Sample::get(&session, id)?.ok_or("stored")?;
            assert_eq!(
                stored.price.map(|p| p.to_string()),
                Some("12345678.91".to_owned())
            );
        }
    }
    drop(session);
    let mut session = db.session();
    session.add(Sample {
        at: NaiveTime::from_hms_nano_opt(10, 0, 0, 1),
        ..Sample::default()
    });
    let err = session.commit().err().ok_or("nanoseconds were stored")?;
    assert!(err.to_string().contains("sub-microsecond"), "{err}");
    Ok(())
}

// ---- bad stored values ---------------------------------------------------------------------

/// Inserts a row of `samples` with `column` set to `sql`, then reads every row.
fn decode_error(column: &str, sql: &str) -> TestResult<Error> {
    // SQLite only: its columns hold any value; PostgreSQL's refuse them.
    let (_dir, db) = temp_db(Engine::Sqlite)?;
    db.execute_batch(&format!(
        "INSERT INTO samples (id, count, flag, label) VALUES (41, 0, 0, 'x'); \
         UPDATE samples SET \"{column}\" = {sql} WHERE id = 41;"
    ))?;
    match Sample::query().all(&db) {
        Ok(rows) => Err(format!("`{sql}` in `{column}` decoded as {rows:?}").into()),
        Err(err) => Ok(err),
    }
}

/// SQLite only: its columns hold values of any type.
#[test]
fn undecodable_values_are_decode_errors_naming_table_column_and_key() -> TestResult {
    let engine = Engine::Sqlite;
    let cases = [
        ("count", "'abc'", "expected an integer, found text 'abc'"),
        ("small", "70000", "integer 70000 is out of range for `i16`"),
        (
            "count",
            "3000000000",
            "integer 3000000000 is out of range for `i32`",
        ),
        ("flag", "2", "expected a boolean (0 or 1), found integer 2"),
        ("ratio", "'x'", "expected a number, found text 'x'"),
        (
            "price",
            "'lots'",
            "malformed decimal: expected a number, found text 'lots'",
        ),
        (
            "day",
            "'2026-13-01'",
            "malformed date: expected YYYY-MM-DD, found text '2026-13-01'",
        ),
        (
            "day",
            "20261126",
            "expected a date (text), found integer 20261126",
        ),
        ("at", "'25:00'", "malformed time"),
        ("taken", "'yesterday'", "malformed datetime"),
        (
            "taken_tz",
            "'2026-11-26 10:00:00 UTC'",
            "malformed datetime",
        ),
        ("extra", "'{bad'", "malformed JSON"),
        ("token", "'not-a-uuid'", "malformed uuid"),
        (
            "status",
            "'archived'",
            "unknown label 'archived' for enum `SampleStatus`",
        ),
        ("mood", "1", "unknown label '1' for enum `Mood`"),
        (
            "mood",
            "x'01'",
            "expected a `Mood` label, found a blob of 1 bytes",
        ),
        ("label", "x'00'", "expected text, found a blob of 1 bytes"),
        ("raw", "'text'", "expected a blob, found text 'text'"),
        ("cents", "'a lot'", "expected an integer"),
    ];
    for (column, sql, message) in cases {
        let err = decode_error(column, sql)?;
        match &err {
            Error::Decode {
                table: "samples",
                column: c,
                key: Some(41),
                ..
            } if *c == column => {}
            other => return Err(format!("{column} = {sql}: {other:?}").into()),
        }
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "cannot decode column `samples.{column}` of the row with key 41:"
            )) && text.contains(message),
            "{column} = {sql}: {text}"
        );
    }
    // NULL in a NOT NULL field's column (possible in a file another program wrote).
    let (_dir, db) = temp_db(engine)?;
    db.execute_batch(
        "CREATE TABLE loose AS SELECT * FROM samples; DROP TABLE samples; \
         CREATE TABLE samples AS SELECT * FROM loose; \
         INSERT INTO samples (id, count, flag, label) VALUES (7, NULL, 0, 'x');",
    )?;
    let err = Sample::query().all(&db).err().ok_or("NULL decoded")?;
    assert!(err.to_string().contains("unexpected NULL"), "{err}");
    Ok(())
}

// ---- names and constraints -----------------------------------------------------------------

fn awkward_names_are_quoted_everywhere(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    let key = session.add(
        Odd::new()
            .with_type("kind")
            .with_order(3)
            .with_my_col("spaced")
            .with_say_hi("quoted")
            .with_größe(42)
            .with_self_text("me")
            .with_upper(7),
    );
    session.commit()?;
    session[key].r#type = Some("changed".into());
    session[key].größe = Some(43);
    session.commit()?;
    let found = Odd::query()
        .filter(Odd::ORDER.eq(3) & Odd::GRÖSSE.eq(43) & Odd::SAY_HI.eq("quoted"))
        .filter(Odd::MY_COL.like("spa%") & Odd::SELF_TEXT.eq("me") & Odd::UPPER.eq(7))
        .one(&session)?;
    assert_eq!(found.r#type.as_deref(), Some("changed"));
    let raw = common::query_texts(
        session.database(),
        "SELECT type, \"größe\" FROM \"order items\" WHERE \"say \"\"hi\"\"\" = 'quoted'",
    )?;
    assert_eq!(raw, [Some("changed".to_owned()), Some("43".to_owned())]);
    Ok(())
}

fn named_check_and_unique_constraints_and_cascades(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    let mut session = db.session();
    session.add(Shelf::new(""));
    match session.commit() {
        Err(Error::CheckViolation { constraint }) => {
            assert_eq!(constraint, "ck_shelves_name_not_empty");
        }
        other => return Err(format!("expected a check violation, got {other:?}").into()),
    }
    drop(session);
    let mut session = db.session();
    let shelf = session.add(Shelf::new("fiction"));
    session.commit()?;
    let shelf_id = session[shelf].id;
    session.add(Book {
        shelf_id,
        ..Book::new("Dune")
    });
    session.add(Shelf::new("fiction"));
    match session.commit() {
        Err(Error::UniqueViolation { table, columns }) => {
            assert_eq!(
                (table.as_str(), columns),
                ("shelves", vec!["name".to_owned()])
            );
        }
        other => return Err(format!("expected a unique violation, got {other:?}").into()),
    }
    drop(session);
    let mut session = db.session();
    session.add(Book {
        shelf_id,
        ..Book::new("Dune")
    });
    session.commit()?;
    // ON UPDATE CASCADE, then ON DELETE CASCADE.
    let shelf_id = shelf_id.ok_or("the shelf has an id")?;
    let db = session.database();
    db.execute_batch(&format!("UPDATE shelves SET id = 10 WHERE id = {shelf_id}"))?;
    assert_eq!(Book::query().one(&session)?.shelf_id, Some(10));
    db.execute_batch("DELETE FROM shelves WHERE id = 10")?;
    assert_eq!(Book::query().count(&session)?, 0);
    Ok(())
}

#[test]
fn datetime_with_offsets_written_elsewhere_read_as_utc() -> TestResult {
    let value = DateTime::<Utc>::from_column(ColumnValue::from("2026-11-26T12:00:00+02:00"))?;
    assert_eq!(
        value,
        datetime(date(2026, 11, 26)?, time(10, 0, 0, 0)?).and_utc()
    );
    let text = value.to_column()?;
    assert_eq!(text, ColumnValue::from("2026-11-26 10:00:00.000000"));
    Ok(())
}

// ---- interchange with SQLAlchemy on PostgreSQL ----------------------------------------

/// What SQLAlchemy 2.1.9 stored through psycopg for `column_types.ROWS`, each value
/// as PostgreSQL's text for it (`column::text`), recorded by
/// `tests/sqlalchemy/column_types_postgres.py record` (`record_postgres.sh`).
#[cfg(feature = "postgres")]
const STORED_POSTGRES: &str =
    include_str!("../../tests/sqlalchemy/column_types.postgres.stored.json");

/// A row as (column, PostgreSQL's text of the value) pairs, NULL as `None`.
#[cfg(feature = "postgres")]
type TextRow = Vec<(String, Option<String>)>;

/// The recorded rows in the table's column order.
#[cfg(feature = "postgres")]
fn postgres_fixture_rows() -> TestResult<Vec<TextRow>> {
    let fixture: serde_json::Value = serde_json::from_str(STORED_POSTGRES)?;
    let rows = fixture["samples"].as_array().ok_or("no samples")?;
    let mut out = Vec::new();
    for row in rows {
        let row = row.as_object().ok_or("a sample is not an object")?;
        let mut values = Vec::new();
        for (column, value) in row {
            let text = match value {
                serde_json::Value::Null => None,
                serde_json::Value::String(text) => Some(text.clone()),
                other => return Err(format!("{column}: not text: {other}").into()),
            };
            values.push((column.clone(), text));
        }
        out.push(values);
    }
    Ok(out)
}

/// Every `samples` row as PostgreSQL's text of each value, in UTC.
#[cfg(feature = "postgres")]
fn postgres_stored_rows(db: &Database) -> TestResult<Vec<TextRow>> {
    use litemodel::postgres::SimpleQueryMessage;
    let mut client = db.postgres().ok_or("a PostgreSQL database")?;
    client.batch_execute("SET TIME ZONE 'UTC'")?;
    let columns: Vec<String> = Sample::COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let casts: Vec<String> = columns.iter().map(|c| format!("\"{c}\"::text")).collect();
    let mut out = Vec::new();
    for message in client.simple_query(&format!(
        "SELECT {} FROM samples ORDER BY id",
        casts.join(", ")
    ))? {
        if let SimpleQueryMessage::Row(row) = message {
            out.push(
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.clone(), row.get(i).map(str::to_owned)))
                    .collect(),
            );
        }
    }
    Ok(out)
}

/// litemodel stores on PostgreSQL exactly the values SQLAlchemy stores there: the
/// same Rust values give the same text for every column (native NUMERIC, UUID,
/// TIMESTAMP WITH TIME ZONE, BYTEA, JSON text, enum labels).
#[cfg(feature = "postgres")]
#[test]
fn postgres_litemodel_stores_exactly_what_sqlalchemy_stores() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let (_dir, mut db) = temp_db(Engine::Postgres)?;
    {
        let mut session = db.session();
        for mut sample in expected_samples()? {
            sample.id = None;
            if sample.label == "nulls" {
                sample.price = None;
                sample.status = None;
            }
            session.add(sample);
        }
        session.commit()?;
    }
    assert_eq!(postgres_stored_rows(&db)?, postgres_fixture_rows()?);
    // `LITEMODEL_TYPES_POSTGRES_SCHEMA=name`: keep a copy of the rows in schema
    // `name` for `column_types_postgres.py check CONNINFO name`, which reads them
    // with the real SQLAlchemy.
    if let Ok(schema) = std::env::var("LITEMODEL_TYPES_POSTGRES_SCHEMA") {
        // The enum columns as text: their types go with the test's schema.
        let columns: Vec<String> = Sample::COLUMNS
            .iter()
            .map(|c| match *c {
                "status" | "mood" => format!("\"{c}\"::text AS \"{c}\""),
                c => format!("\"{c}\""),
            })
            .collect();
        db.execute_batch(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; \
             CREATE TABLE {schema}.samples AS SELECT {} FROM samples",
            columns.join(", ")
        ))?;
    }
    Ok(())
}

/// The values SQLAlchemy stored on PostgreSQL read as the same Rust values.
#[cfg(feature = "postgres")]
#[test]
fn postgres_values_sqlalchemy_stored_read_as_the_same_rust_values() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let (_dir, db) = temp_db(Engine::Postgres)?;
    for row in postgres_fixture_rows()? {
        let columns: Vec<String> = row.iter().map(|(c, _)| format!("\"{c}\"")).collect();
        // Each text cast to its column's type by PostgreSQL, as psycopg's
        // untyped text would be.
        let values: Vec<String> = row
            .iter()
            .map(|(_, v)| match v {
                None => "NULL".to_owned(),
                Some(text) => format!("'{}'", text.replace('\'', "''")),
            })
            .collect();
        db.execute_batch(&format!(
            "INSERT INTO samples ({}) VALUES ({})",
            columns.join(", "),
            values.join(", ")
        ))?;
    }
    let loaded = Sample::query().order_by(Sample::ID.asc()).all(&db)?;
    assert_eq!(loaded, expected_samples()?);
    Ok(())
}

/// PostgreSQL reads values straight from the wire into the field types:
/// timestamps before 2000 (negative microseconds), fractions, big numbers and
/// JSON integers beyond 64 bits come back exactly.
#[cfg(feature = "postgres")]
#[test]
fn postgres_values_read_from_the_wire_are_exact() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let (_dir, db) = temp_db(Engine::Postgres)?;
    db.execute_batch(
        "INSERT INTO samples (id, count, small, big, flag, ratio, price, label, raw, day, at, \
         taken, taken_tz, extra, token) VALUES (41, -2147483648, -1, 9223372036854775807, true, \
         -0.5, -99999999.99, '', '\\x00ff', '1999-12-31', '23:59:59.999999', \
         '1969-12-31 23:59:59.5', '1999-12-31 23:59:59.999999+00', \
         '{\"n\": 123456789012345678901234567890, \"d\": 0.1000000000000000055511151231257827}', \
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')",
    )?;
    let sample = Sample::query().one(&db)?;
    assert_eq!(sample.count, i32::MIN);
    assert_eq!(sample.small, Some(-1));
    assert_eq!(sample.big, Some(i64::MAX));
    assert!(sample.flag);
    assert_eq!(sample.ratio, Some(-0.5));
    assert_eq!(sample.price, Some(Decimal::from_str("-99999999.99")?));
    assert_eq!(sample.label, "");
    assert_eq!(sample.raw, Some(vec![0x00, 0xff]));
    assert_eq!(sample.day, Some(date(1999, 12, 31)?));
    assert_eq!(sample.at, Some(time(23, 59, 59, 999_999)?));
    assert_eq!(
        sample.taken,
        Some(datetime(date(1969, 12, 31)?, time(23, 59, 59, 500_000)?))
    );
    assert_eq!(
        sample.taken_tz,
        Some(datetime(date(1999, 12, 31)?, time(23, 59, 59, 999_999)?).and_utc())
    );
    assert_eq!(
        sample.extra.map(|json| json.to_string()).as_deref(),
        Some(r#"{"n":123456789012345678901234567890,"d":0.1000000000000000055511151231257827}"#)
    );
    assert_eq!(
        sample.token,
        Some(Uuid::parse_str("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")?)
    );
    Ok(())
}

/// PostgreSQL's typed columns refuse most bad values, but a column whose type
/// changed behind the model's back (or a value the field's type cannot hold)
/// is still an `Error::Decode` naming the table, column and key, with the
/// message SQLite's stored form gives.
#[cfg(feature = "postgres")]
#[test]
fn postgres_undecodable_values_are_decode_errors_naming_table_column_and_key() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    // (column, ALTER COLUMN clause or "", value, message)
    let cases = [
        (
            "count",
            "TYPE bigint",
            "3000000000",
            "integer 3000000000 is out of range for `i32`",
        ),
        (
            "count",
            "TYPE text",
            "'abc'",
            "expected an integer, found text 'abc'",
        ),
        (
            "count",
            "DROP NOT NULL",
            "NULL",
            "unexpected NULL for a i32 field",
        ),
        (
            "small",
            "TYPE integer",
            "70000",
            "integer 70000 is out of range for `i16`",
        ),
        (
            "big",
            "TYPE numeric",
            "12345678901234567890",
            "expected an integer, found text '12345678901234567890'",
        ),
        (
            "flag",
            "TYPE integer USING flag::integer",
            "2",
            "expected a boolean (0 or 1), found integer 2",
        ),
        (
            "ratio",
            "TYPE bigint",
            "9007199254740993",
            "integer 9007199254740993 has no exact `f64` value",
        ),
        (
            "ratio",
            "TYPE text",
            "'x'",
            "expected a number, found text 'x'",
        ),
        (
            "price",
            "TYPE numeric",
            "1e40",
            "malformed decimal: expected a number, found text '1000000000",
        ),
        (
            "label",
            "TYPE bytea USING convert_to(label, 'UTF8')",
            "'\\x00'",
            "expected text, found a blob of 1 bytes",
        ),
        (
            "raw",
            "TYPE text",
            "'text'",
            "expected a blob, found text 'text'",
        ),
        (
            "day",
            "",
            "'10000-01-01'",
            "malformed date: expected YYYY-MM-DD, found text '10000-01-01'",
        ),
        (
            "day",
            "TYPE interval USING NULL",
            "'1 day'",
            "PostgreSQL type interval has no litemodel column type",
        ),
        ("at", "", "'24:00:00'", "malformed time"),
        (
            "taken",
            "",
            "'infinity'",
            "an infinite timestamp has no Rust value",
        ),
        (
            "taken_tz",
            "",
            "'-infinity'",
            "an infinite timestamp has no Rust value",
        ),
        ("extra", "TYPE text", "'{bad'", "malformed JSON"),
        ("token", "TYPE text", "'not-a-uuid'", "malformed uuid"),
        (
            "status",
            "TYPE text",
            "'archived'",
            "unknown label 'archived' for enum `SampleStatus`",
        ),
        ("cents", "TYPE text", "'a lot'", "expected an integer"),
    ];
    for (column, alter, value, message) in cases {
        let (_dir, db) = temp_db(Engine::Postgres)?;
        let alter = match alter {
            "" => String::new(),
            clause if clause.starts_with("TYPE") && !clause.contains("USING") => format!(
                "ALTER TABLE samples ALTER COLUMN \"{column}\" {clause} USING \"{column}\"::{};",
                &clause[5..]
            ),
            clause => format!("ALTER TABLE samples ALTER COLUMN \"{column}\" {clause};"),
        };
        db.execute_batch(&format!(
            "INSERT INTO samples (id, count, flag, label) VALUES (41, 0, false, 'x'); {alter} \
             UPDATE samples SET \"{column}\" = {value} WHERE id = 41;"
        ))?;
        let err = match Sample::query().all(&db) {
            Ok(rows) => return Err(format!("`{value}` in `{column}` decoded as {rows:?}").into()),
            Err(err) => err,
        };
        match &err {
            Error::Decode {
                table: "samples",
                column: c,
                key: Some(41),
                ..
            } if *c == column => {}
            other => return Err(format!("{column} = {value}: {other:?}").into()),
        }
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "cannot decode column `samples.{column}` of the row with key 41:"
            )) && text.contains(message),
            "{column} = {value}: {text}"
        );
    }
    Ok(())
}

engines!(
    defaults_and_factories_are_applied_at_insert,
    explicit_values_and_explicit_nulls_beat_defaults,
    a_failed_insert_undoes_the_applied_defaults,
    every_type_round_trips_and_filters,
    autoincrement_never_reuses_an_id,
    server_defaults_apply_to_none_and_keep_explicit_values,
    server_defaults_are_read_back_after_insert,
    onupdate_is_applied_by_the_session,
    a_failed_update_puts_the_onupdate_column_back,
    an_object_added_with_a_new_key_is_inserted_as_new,
    a_failed_insert_of_an_added_key_is_undone,
    values_without_a_faithful_stored_form_are_refused,
    awkward_names_are_quoted_everywhere,
    named_check_and_unique_constraints_and_cascades,
);
