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
