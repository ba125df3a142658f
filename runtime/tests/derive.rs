//! `#[derive(Model)]` on a model written by hand, with no generator involved.

use litemodel::{Database, Model};

/// A tag on a post.
#[derive(Clone, PartialEq, Model)]
#[litemodel(table = "tags", repr(label))]
pub struct Tag {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    #[litemodel(column = "name")]
    pub label: String,
    #[litemodel(default = 1)]
    pub uses: i32,
}

#[test]
fn a_hand_written_model_round_trips() -> Result<(), Box<dyn std::error::Error>> {
    let mut db = Database::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL, uses INTEGER NOT NULL)",
    )?;
    let mut session = db.session();
    let key = session.add(Tag::new("rust"));
    session.commit()?;
    let id = session[key].id.ok_or("the commit set the id")?;
    let tag = Tag::get(&session, id)?;
    assert_eq!(format!("{tag:?}"), "Some(<Tag 'rust'>)");
    assert_eq!(tag.map(|t| t.uses), Some(1));
    assert_eq!(Tag::COLUMNS, ["id", "name", "uses"]);
    assert_eq!(Tag::LABEL.name(), "name");
    Ok(())
}

/// Who follows whom: a composite key and no `repr(...)`.
#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "follows")]
pub struct Follow {
    #[litemodel(rowid)]
    pub rowid: Option<i64>,
    #[litemodel(primary_key)]
    pub follower_id: i64,
    #[litemodel(primary_key)]
    pub followed_id: i64,
}

/// A string key and no `repr(...)`.
#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "countries")]
pub struct Country {
    #[litemodel(rowid)]
    pub rowid: Option<i64>,
    #[litemodel(primary_key)]
    pub code: String,
}

/// Flask-SQLAlchemy 3.1's `Model.__repr__` for a persistent object is
/// `f"<{type(self).__name__} {', '.join(map(str, state.identity))}>"`:
/// `<Follow 1, 2>` and `<Country fr>` (`str`, not `repr`, of each value).
#[test]
fn a_model_without_repr_prints_its_key_like_flask_sqlalchemy() {
    let follow = Follow {
        follower_id: 1,
        followed_id: 2,
        ..Follow::default()
    };
    assert_eq!(format!("{follow:?}"), "<Follow 1, 2>");
    let country = Country {
        code: "fr".to_owned(),
        ..Country::default()
    };
    assert_eq!(format!("{country:?}"), "<Country fr>");
    assert_eq!(format!("{:?}", vec![follow]), "[<Follow 1, 2>]");
}

/// A hand-written model with defaults on `Option` fields and the
/// `explicit_nulls` field: `new` takes the required column, `with_*` the
/// others, and the INSERT applies the defaults except where `with_null` says.
#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "notes", repr(body))]
pub struct Note {
    #[litemodel(explicit_nulls)]
    pub nulls: litemodel::ExplicitNulls,
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    pub body: String,
    #[litemodel(default = String::from("draft"))]
    pub state: Option<String>,
    #[litemodel(default = 3)]
    pub priority: Option<i32>,
    pub tag: Option<String>,
}

#[test]
fn hand_written_defaults_apply_at_insert_unless_marked_null(
) -> Result<(), Box<dyn std::error::Error>> {
    let mut db = Database::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, state TEXT, priority INTEGER, tag TEXT)",
    )?;
    let fresh = Note::new("a");
    assert_eq!((fresh.state.as_deref(), fresh.priority), (None, None));
    let mut session = db.session();
    let plain = session.add(fresh);
    let set = session.add(Note::new("b").with_state("done").with_tag("x"));
    let null = session.add(Note::new("c").with_state("gone").with_null(Note::STATE));
    session.commit()?;
    assert_eq!(session[plain].state.as_deref(), Some("draft"));
    assert_eq!(session[plain].priority, Some(3));
    assert_eq!(session[set].state.as_deref(), Some("done"));
    assert_eq!(session[set].tag.as_deref(), Some("x"));
    assert_eq!(session[null].state, None, "with_null clears the field too");
    assert_eq!(session[null].priority, Some(3));
    let stored: Vec<Option<String>> = {
        let conn = session.database().sqlite().ok_or("a SQLite database")?;
        let mut stmt = conn.prepare("SELECT state FROM notes ORDER BY id")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    assert_eq!(stored, [Some("draft".into()), Some("done".into()), None]);
    Ok(())
}
