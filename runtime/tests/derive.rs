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
