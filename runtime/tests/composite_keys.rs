//! Models whose primary key is not one integer column, on both engines: the
//! session identifies their rows by SQLite's rowid, and on PostgreSQL by the
//! key columns packed into one integer (`runtime/src/sql/identity.rs`); a
//! key that does not pack is refused before any of its statements runs.

#[macro_use]
mod common;

use common::library_models::{Follow, User};
use common::{library_db, temp_db, Engine, TestResult};
use litemodel::{Database, Error, Model, Session, Upsert};

/// The identity PostgreSQL computes for `(follower_id, followed_id)`.
fn packed(follower: i64, followed: i64) -> i64 {
    (follower << 32) | (followed & 0xffff_ffff)
}

/// Users with these ids (negative ones too: a SERIAL takes any given id).
fn users(s: &mut Session<'_>, ids: &[i64]) -> TestResult {
    for &id in ids {
        s.add(User {
            id: Some(id),
            name: format!("user {id}"),
            ..User::default()
        });
    }
    s.commit()?;
    Ok(())
}

fn follow(follower: i64, followed: i64, since: i32) -> Follow {
    Follow {
        follower_id: Some(follower),
        followed_id: Some(followed),
        since,
        ..Follow::default()
    }
}

fn insert_query_get_update_and_delete(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    users(&mut s, &[1, 2, 3])?;
    let one_two = s.add(follow(1, 2, 2020));
    s.add(follow(2, 1, 2021));
    s.add(follow(1, 3, 2022));
    s.commit()?;
    let identity = s[one_two]
        .rowid
        .ok_or("the commit gave the follow its identity")?;
    if engine == Engine::Postgres {
        assert_eq!(identity, packed(1, 2));
    }

    // Query, by key columns and by identity.
    assert_eq!(Follow::query().count(&s)?, 3);
    let follows = Follow::query().order_by(Follow::SINCE.asc()).all(&s)?;
    let pairs: Vec<_> = follows
        .iter()
        .map(|f| (f.follower_id, f.followed_id))
        .collect();
    assert_eq!(
        pairs,
        [(Some(1), Some(2)), (Some(2), Some(1)), (Some(1), Some(3))]
    );
    assert_eq!(follows[0].rowid, Some(identity));
    let got = Follow::get(&s, (1, 2))?.ok_or("follow (1, 2)")?;
    assert_eq!((got.rowid, got.since), (Some(identity), 2020));
    let by_identity = Follow::query().get(&s, identity)?.ok_or("by identity")?;
    assert_eq!(by_identity.since, 2020);
    // The same through a filter (not the fixed statement).
    let filtered = Follow::query()
        .filter(Follow::SINCE.ge(2000))
        .get(&s, identity)?;
    assert_eq!(filtered.map(|f| f.since), Some(2020));
    assert!(Follow::query().get(&s, packed(3, 1))?.is_none());

    // Update of a column that is not in the key.
    s[one_two].since = 2030;
    s.commit()?;
    assert_eq!(Follow::get(&s, (1, 2))?.map(|f| f.since), Some(2030));
    assert_eq!(Follow::query().count(&s)?, 3);

    // Update of a key column: the row is updated, no other one appears.
    s[one_two].followed_id = Some(3);
    let err = s.commit().err().ok_or("(1, 3) exists already")?;
    assert!(matches!(err, Error::UniqueViolation { .. }), "{err}");
    s.rollback()?;
    let key = s
        .find::<Follow>(identity)?
        .ok_or("the follow is still there")?;
    assert_eq!(s[key].followed_id, Some(2), "the rollback restored the key");
    s[key].follower_id = Some(3);
    s.commit()?;
    assert_eq!(Follow::query().count(&s)?, 3);
    assert!(Follow::get(&s, (1, 2))?.is_none());
    let moved = Follow::get(&s, (3, 2))?.ok_or("follow (3, 2)")?;
    assert_eq!(moved.since, 2030);
    let new_identity = s[key].rowid.ok_or("still identified")?;
    if engine == Engine::Postgres {
        assert_eq!(new_identity, packed(3, 2));
    } else {
        assert_eq!(new_identity, identity, "SQLite's rowid stays");
    }
    // The session knows the row by its new identity: the same object, and
    // its next update and delete find the row.
    assert_eq!(s.find::<Follow>(new_identity)?, Some(key));
    s[key].since = 2040;
    s.commit()?;
    assert_eq!(Follow::get(&s, (3, 2))?.map(|f| f.since), Some(2040));
    s.delete(key)?;
    s.commit()?;
    assert_eq!(Follow::query().count(&s)?, 2);
    assert!(Follow::get(&s, (3, 2))?.is_none());
    Ok(())
}

fn the_identity_map_holds_one_object_per_row(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    users(&mut s, &[1, 2])?;
    s.add(follow(1, 2, 2020));
    s.commit()?;
    let first = s.load(&Follow::query())?;
    let second = s.load(&Follow::query().filter(Follow::FOLLOWER_ID.eq(1)))?;
    assert_eq!(first, second, "the same row is the same object");
    let identity = s[first[0]].rowid.ok_or("an identity")?;
    assert_eq!(s.find::<Follow>(identity)?, Some(first[0]));
    // A change the session holds is what a query through it sees.
    s[first[0]].since = 1999;
    let seen = Follow::query().all(&s)?;
    assert_eq!(seen.iter().map(|f| f.since).collect::<Vec<_>>(), [1999]);
    Ok(())
}

fn negative_key_values_keep_their_sign(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let ids = [-2_147_483_648, -7, -1, 0, 1, 2_147_483_647];
    users(&mut s, &ids)?;
    let mut keys = Vec::new();
    for &a in &ids {
        for &b in &ids {
            keys.push((a, b, s.add(follow(a, b, 0))));
        }
    }
    s.commit()?;
    let mut identities = std::collections::HashSet::new();
    for &(a, b, key) in &keys {
        let identity = s[key].rowid.ok_or("an identity")?;
        if engine == Engine::Postgres {
            assert_eq!(identity, packed(a, b), "({a}, {b})");
        }
        assert!(identities.insert(identity), "({a}, {b}) shares an identity");
        let row = Follow::query().get(&s, identity)?.ok_or("by identity")?;
        assert_eq!((row.follower_id, row.followed_id), (Some(a), Some(b)));
    }
    // Update and delete find the rows of negative keys.
    let (a, b, key) = keys[7];
    assert_eq!((a, b), (-7, -7));
    s[key].since = 5;
    s.commit()?;
    assert_eq!(Follow::get(&s, (-7, -7))?.map(|f| f.since), Some(5));
    s.delete(key)?;
    s.commit()?;
    assert!(Follow::get(&s, (-7, -7))?.is_none());
    assert_eq!(Follow::query().count(&s)?, 35);
    Ok(())
}

fn relationships_through_the_association_object(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let [ann, bob, cat] = ["ann", "bob", "cat"].map(|name| s.add(User::new(name)));
    s.add(
        Follow {
            since: 2024,
            ..Follow::default()
        }
        .with_follower(ann)
        .with_followed(bob),
    );
    s.add(
        Follow {
            since: 2023,
            ..Follow::default()
        }
        .with_follower(ann)
        .with_followed(cat),
    );
    s.add(Follow::default().with_follower(bob).with_followed(cat));
    s.commit()?;
    // One-to-many, many-to-one.
    let ann_user = User::query().filter(User::NAME.eq("ann")).one(&s)?;
    assert_eq!(ann_user.following().count(&s)?, 2);
    let followed: Vec<String> = ann_user
        .following()
        .order_by(Follow::SINCE.desc())
        .all(&s)?
        .iter()
        .map(|f| Ok(f.followed(&s)?.map(|u| u.name.clone()).unwrap_or_default()))
        .collect::<litemodel::Result<_>>()?;
    assert_eq!(followed, ["bob", "cat"]);
    // Follows loaded with their users: joined (one statement, the follows
    // ordered by their identity) and selectin.
    for query in [
        Follow::query().options(Follow::FOLLOWER.joined()),
        Follow::query().options(Follow::FOLLOWER.selectin()),
    ] {
        let loaded = query.order_by(Follow::SINCE.desc()).limit(2).all(&s)?;
        let names: Vec<String> = loaded
            .iter()
            .map(|f| Ok(f.follower(&s)?.map(|u| u.name.clone()).unwrap_or_default()))
            .collect::<litemodel::Result<_>>()?;
        assert_eq!(names, ["ann", "ann"]);
        assert!(loaded.iter().all(|f| f.rowid.is_some()));
    }
    let cat_user = User::query().filter(User::NAME.eq("cat")).one(&s)?;
    assert_eq!(cat_user.followers().count(&s)?, 2);
    // Queries along relationships (joins: the identity in a subquery).
    let by_ann = Follow::query().filter(Follow::FOLLOWER.has(User::NAME.eq("ann")));
    assert_eq!(by_ann.count(&s)?, 2);
    assert_eq!(by_ann.all(&s)?.len(), 2);
    assert_eq!(
        by_ann.update(&s, [Follow::SINCE.set(2000)])?,
        2,
        "a bulk update of a query with joins"
    );
    s.commit()?;
    assert_eq!(Follow::query().filter(Follow::SINCE.eq(2000)).count(&s)?, 2);
    // Deleting a user deletes its follows (`all, delete-orphan`).
    let bob_key = s.find::<User>(s[bob].id.ok_or("bob's id")?)?.ok_or("bob")?;
    s.delete(bob_key)?;
    s.commit()?;
    assert_eq!(Follow::query().count(&s)?, 1);
    Ok(())
}

fn streams_pages_bulk_writes_and_upserts(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    users(&mut s, &[1, 2, 3, 4])?;
    for (a, b, since) in [(1, 2, 1), (1, 3, 2), (2, 3, 2), (3, 4, 3), (4, 1, 4)] {
        s.add(follow(a, b, since));
    }
    s.commit()?;
    drop(s);
    // Streaming.
    let mut stream = Follow::query().order_by(Follow::SINCE.asc()).stream(&db)?;
    let mut streamed = Vec::new();
    for row in stream.iter() {
        let row = row?;
        streamed.push((row.follower_id, row.followed_id, row.rowid.is_some()));
    }
    drop(stream);
    assert_eq!(streamed.len(), 5);
    assert!(streamed.iter().all(|(.., identified)| *identified));
    // Keyset pagination: ties on `since` are ordered by the identity.
    let mut after = None;
    let mut seen = Vec::new();
    loop {
        let page = Follow::query().keyset_page(&db, Follow::SINCE.asc(), after.as_ref(), 2)?;
        seen.extend(page.items.iter().map(|f| (f.follower_id, f.followed_id)));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 5, "no row twice, none left out");
    // Bulk update and delete of a limited query (the identity in a subquery).
    let oldest = Follow::query().order_by(Follow::SINCE.asc()).limit(1);
    assert_eq!(oldest.update(&db, [Follow::SINCE.set(0)])?, 1);
    assert_eq!(Follow::get(&db, (1, 2))?.map(|f| f.since), Some(0));
    assert_eq!(oldest.delete(&db)?, 1);
    assert!(Follow::get(&db, (1, 2))?.is_none());
    // An upsert on the key columns: the row updated, its identity returned.
    let identity = Upsert::new(&follow(1, 3, 99)).execute(&db)?;
    assert_eq!(Follow::get(&db, (1, 3))?.map(|f| f.since), Some(99));
    assert_eq!(Follow::query().count(&db)?, 4);
    let stored = Follow::get(&db, (1, 3))?.and_then(|f| f.rowid);
    assert_eq!(identity, stored);
    Ok(())
}

/// A key of a SMALLINT and an INTEGER (48 bits), typed by its fields.
#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "seats")]
pub struct Seat {
    #[litemodel(rowid)]
    pub rowid: Option<i64>,
    #[litemodel(primary_key)]
    pub row_number: i16,
    #[litemodel(primary_key)]
    pub seat: i32,
    pub holder: String,
}

/// A key of two BIGINT columns: 128 bits, no exact 64-bit identity.
#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "pairs")]
pub struct Pair {
    #[litemodel(rowid)]
    pub rowid: Option<i64>,
    #[litemodel(primary_key)]
    pub left_id: i64,
    #[litemodel(primary_key)]
    pub right_id: i64,
    pub note: String,
}

/// A text key.
#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "countries")]
pub struct Country {
    #[litemodel(rowid)]
    pub rowid: Option<i64>,
    #[litemodel(primary_key, sql_type = "VARCHAR(2)")]
    pub code: String,
}

/// A `Model` implemented by hand with a bare `"rowid"` key, as before the
/// derive named the key columns.
#[derive(Clone, PartialEq)]
struct BareCountry {
    rowid: Option<i64>,
    code: String,
}

impl Model for BareCountry {
    const TABLE: &'static str = "countries";
    const COLUMNS: &'static [&'static str] = &["rowid", "code"];
    const PRIMARY_KEY: &'static str = "rowid";
    fn primary_key(&self) -> Option<i64> {
        self.rowid
    }
    fn set_primary_key(&mut self, key: Option<i64>) {
        self.rowid = key;
    }
    fn from_row(row: &litemodel::Row<'_>) -> litemodel::Result<Self> {
        Ok(BareCountry {
            rowid: row.get(0)?,
            code: row.get(1)?,
        })
    }
    fn bind(&self, binder: &mut litemodel::Binder<'_, '_>) -> litemodel::Result<()> {
        binder.bind(&self.code)
    }
}

fn hand_written_tables(engine: Engine) -> TestResult<(common::Scratch, Database)> {
    let (dir, db) = temp_db(engine)?;
    db.execute_batch(
        "CREATE TABLE seats (row_number SMALLINT NOT NULL, seat INTEGER NOT NULL, \
         holder TEXT NOT NULL, PRIMARY KEY (row_number, seat)); \
         CREATE TABLE pairs (left_id BIGINT NOT NULL, right_id BIGINT NOT NULL, \
         note TEXT NOT NULL, PRIMARY KEY (left_id, right_id)); \
         CREATE TABLE countries (code VARCHAR(2) NOT NULL PRIMARY KEY)",
    )?;
    Ok((dir, db))
}

fn narrower_keys_pack_below_64_bits(engine: Engine) -> TestResult {
    let (_dir, mut db) = hand_written_tables(engine)?;
    let mut s = db.session();
    let mut keys = Vec::new();
    for (row_number, seat) in [
        (-32768, -1),
        (-1, 2_147_483_647),
        (0, 0),
        (32767, -2_147_483_648),
    ] {
        keys.push(s.add(Seat {
            row_number,
            seat,
            holder: format!("{row_number}/{seat}"),
            ..Seat::default()
        }));
    }
    s.commit()?;
    for &key in &keys {
        let identity = s[key].rowid.ok_or("an identity")?;
        if engine == Engine::Postgres {
            let expected = (i64::from(s[key].row_number) << 32) | i64::from(s[key].seat as u32);
            assert_eq!(identity, expected);
        }
        let row = Seat::query().get(&s, identity)?.ok_or("by identity")?;
        assert_eq!(row.holder, s[key].holder);
    }
    s[keys[0]].holder = "moved".into();
    s[keys[0]].seat = 5;
    s.commit()?;
    assert_eq!(
        Seat::get(&s, (-32768, 5))?.map(|r| r.holder),
        Some("moved".into())
    );
    assert_eq!(Seat::query().count(&s)?, 4);
    s.delete(keys[1])?;
    s.commit()?;
    assert!(Seat::get(&s, (-1, 2_147_483_647))?.is_none());
    Ok(())
}

fn keys_that_do_not_pack_work_on_sqlite_only(engine: Engine) -> TestResult {
    let (_dir, mut db) = hand_written_tables(engine)?;
    assert_eq!(
        Pair::PRIMARY_KEY,
        r#"rowid of "pairs" ("left_id" BIGINT, "right_id" BIGINT)"#
    );
    let mut s = db.session();
    s.add(Pair {
        left_id: 1 << 40,
        right_id: 1,
        note: "wide".into(),
        ..Pair::default()
    });
    s.add(Country {
        code: "fr".into(),
        ..Country::default()
    });
    let committed = s.commit();
    drop(s);
    if engine == Engine::Sqlite {
        committed?;
        assert_eq!(
            Pair::get(&db, (1 << 40, 1))?.map(|p| p.note),
            Some("wide".into())
        );
        assert!(Country::get(&db, "fr".into())?.is_some());
        return Ok(());
    }
    let err = committed
        .err()
        .ok_or("a key that does not pack is refused")?;
    assert!(
        matches!(
            err,
            Error::Unsupported {
                engine: "postgresql",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "not supported on postgresql: `pairs` has the primary key (left_id BIGINT, right_id \
         BIGINT), which does not pack into one 64-bit integer: its columns take 128 bits. On \
         PostgreSQL the session identifies such a row by its key columns packed side by side, \
         exactly, which takes SMALLINT, INTEGER or BIGINT columns of at most 64 bits together \
         (give the table an integer `id` key)"
    );
    assert_eq!(Pair::query().count(&db)?, 0, "nothing was written");
    assert_eq!(Country::query().count(&db)?, 0, "nothing was written");
    // A bare "rowid" reaches the server, whose error says what to write.
    let err = litemodel::Query::<BareCountry>::new()
        .all(&db)
        .err()
        .ok_or("no rowid on PostgreSQL")?;
    assert!(
        err.to_string()
            .contains("`countries` is identified by SQLite's rowid"),
        "{err}"
    );
    // Reading is refused too, before the statement reaches the server.
    let err = Country::query().all(&db).err().ok_or("refused")?;
    assert!(
        err.to_string()
            .contains("`countries` has the primary key (code VARCHAR(2))")
            && err
                .to_string()
                .contains("integer: code is not an integer column."),
        "{err}"
    );
    Ok(())
}

engines!(
    insert_query_get_update_and_delete,
    the_identity_map_holds_one_object_per_row,
    negative_key_values_keep_their_sign,
    relationships_through_the_association_object,
    streams_pages_bulk_writes_and_upserts,
    narrower_keys_pack_below_64_bits,
    keys_that_do_not_pack_work_on_sqlite_only,
);
