//! `post_update` on a one-to-many (`Widget.entries`, hand-written models in
//! `common/post_update_models.rs`): a new widget whose favourite entry is one of its
//! own new entries goes in with one flush, each entry's `widget_id` written by an
//! UPDATE after the INSERTs, whether the entry was appended to the collection or
//! linked through its backref; and an entry that points to itself. (`cycles.rs`
//! holds `post_update` on a many-to-one between two tables.)

#[macro_use]
mod common;

use common::post_update_models::{Entry, Widget, SCHEMA};
use common::{query_i64, temp_db, Engine, TestResult};

fn widget_and_its_entries_go_in_with_one_flush(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    let counter = db.statement_counter();
    let mut session = db.session();
    let widget = session.add(Widget {
        name: "gadget".into(),
        ..Widget::default()
    });
    let favourite = session.add(
        Entry {
            name: "favourite".into(),
            ..Entry::default()
        }
        .with_widget(widget),
    );
    session[widget].set_favorite_entry(favourite);
    session[widget].entries.append(Entry {
        name: "another".into(),
        ..Entry::default()
    });
    // BEGIN, 2 x INSERT entries (widget_id NULL), INSERT widgets (with its
    // favourite entry's id), 2 x UPDATE entries SET widget_id, COMMIT.
    counter.assert_statements(7, || session.commit())?;
    let widget_id = session[widget].id;
    assert_eq!(session[favourite].widget_id, widget_id);
    assert_eq!(session[widget].favorite_entry_id, session[favourite].id);
    drop(session);
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM entries e JOIN widgets w ON e.widget_id = w.id"
        )?,
        2
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM widgets w JOIN entries e ON w.favorite_entry_id = e.id \
             AND e.widget_id = w.id"
        )?,
        1
    );
    Ok(())
}

/// A row that points to itself (`post_update` on a self-referential many-to-one):
/// inserted with the key NULL, then updated to its own id; deleted after the key
/// is cleared.
fn an_entry_that_points_to_itself(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    let counter = db.statement_counter();
    let mut session = db.session();
    let entry = session.add(Entry {
        name: "root".into(),
        ..Entry::default()
    });
    session[entry].set_parent(entry);
    // BEGIN, INSERT entries, UPDATE entries SET parent_id, COMMIT.
    counter.assert_statements(4, || session.commit())?;
    let id = session[entry].id;
    assert!(id.is_some());
    assert_eq!(session[entry].parent_id, id);
    session.delete(entry)?;
    // BEGIN, UPDATE entries SET parent_id = NULL, the deferral of foreign
    // keys, DELETE, COMMIT.
    counter.assert_statements(5, || session.commit())?;
    drop(session);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM entries")?, 0);
    Ok(())
}

engines!(
    widget_and_its_entries_go_in_with_one_flush,
    an_entry_that_points_to_itself
);
