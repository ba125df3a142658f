//! `post_update` on a one-to-many (`Widget.entries`, hand-written models in
//! `common/post_update_models.rs`): a new widget whose favourite entry is one of its
//! own new entries goes in with one flush, each entry's `widget_id` written by an
//! UPDATE after the INSERTs, whether the entry was appended to the collection or
//! linked through its backref. (`cycles.rs` holds `post_update` on a many-to-one.)

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

engines!(widget_and_its_entries_go_in_with_one_flush);
