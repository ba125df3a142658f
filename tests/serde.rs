//! Models generated with `serde = true`, `derive = ["Eq", "Hash"]` and attributes
//! (`tests/fixtures/ok/serde.toml`, through build.rs's `Builder`, which renames
//! `confirmed` with `field_attribute`): their JSON, read from a real SQLite file.

use std::collections::HashSet;

use litemodel::{Database, NaiveDate};

mod serde_models {
    litemodel::include_models!("serde_models");
}

use serde_models::{Membership, Role, User, UserKind, SCHEMA};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn database() -> Result<(tempfile::TempDir, Database), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path().join("serde.sqlite"))?;
    db.create_all(&SCHEMA)?;
    Ok((dir, db))
}

/// John (with an email) and Ann (without), both Admins, committed.
fn seeded() -> Result<(tempfile::TempDir, Database), Box<dyn std::error::Error>> {
    let (dir, mut db) = database()?;
    let since = NaiveDate::from_ymd_opt(2026, 11, 26)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .ok_or("bad date")?;
    db.transaction(|s| {
        let admin = s.add(Role::new("Admin"));
        s.add(
            User::new("john")
                .with_email("john@example.com")
                .with_member_since(since)
                .with_role(admin),
        );
        s.add(
            User::new("ann")
                .with_kind(UserKind::BotAccount)
                .with_confirmed(true)
                .with_type("staff")
                .with_display_name("Ann")
                .with_member_since(since)
                .with_role(admin),
        );
        Ok::<_, litemodel::Error>(())
    })?;
    Ok((dir, db))
}

const JOHN: &str = r#"{"id":1,"username":"john","email":"john@example.com","kind":"human","isConfirmed":false,"member_since":"2026-11-26T10:00:00","type":null,"display name":null,"role_id":1}"#;
const ANN: &str = r#"{"id":2,"username":"ann","kind":"bot account","isConfirmed":true,"member_since":"2026-11-26T10:00:00","type":"staff","display name":"Ann","role_id":1}"#;

/// The columns under the spec's names (`type`, `display name`, enum labels),
/// `isConfirmed` from the Builder's `field_attribute`, `email` left out when
/// `None` by the column's `attributes`; the session's bookkeeping and the
/// `role` relationship are not written.
#[test]
fn a_user_serializes_to_the_expected_json() -> TestResult {
    let (_dir, db) = seeded()?;
    let users = User::query().order_by(User::ID.asc()).all(&db)?;
    // The relationship loaded or not, the JSON is the columns'.
    users[0].role(&db)?;
    assert_eq!(serde_json::to_string(&users[0])?, JOHN);
    assert_eq!(serde_json::to_string(&users[1])?, ANN);
    Ok(())
}

/// `serialize = true`: a role's loaded users are in its JSON; not loaded, `null`.
#[test]
fn a_loaded_relationship_is_serialized_when_the_spec_asks() -> TestResult {
    let (_dir, db) = seeded()?;
    let role = Role::query().one(&db)?;
    assert_eq!(
        serde_json::to_string(&role)?,
        r#"{"id":1,"name":"Admin","users":null}"#
    );
    assert_eq!(role.users(&db)?.len(), 2);
    assert_eq!(
        serde_json::to_string(&role)?,
        format!(r#"{{"id":1,"name":"Admin","users":[{JOHN},{ANN}]}}"#)
    );
    Ok(())
}

/// What serializes deserializes to the same object, which a session can save.
#[test]
fn json_round_trips_and_saves() -> TestResult {
    let (_dir, mut db) = seeded()?;
    let john = User::query().filter(User::USERNAME.eq("john")).one(&db)?;
    let back: User = serde_json::from_str(JOHN)?;
    assert_eq!(back, john);
    // A payload without the key and optional columns is a new user.
    let mut new: User = serde_json::from_str(r#"{"username":"zoe","isConfirmed":false}"#)?;
    assert_eq!(new.id, None);
    new.role_id = john.role_id;
    let key = db.transaction(|s| {
        let key = s.add(new);
        s.flush()?;
        Ok::<_, litemodel::Error>(s[key].id)
    })?;
    let zoe = User::get(&db, key.ok_or("no id")?)?.ok_or("not saved")?;
    assert_eq!(zoe.kind, Some(UserKind::Human), "default applied at INSERT");
    Ok(())
}

/// Unknown and missing fields are serde's errors, never a panic.
#[test]
fn bad_payloads_are_serde_errors() {
    let unknown =
        serde_json::from_str::<User>(r#"{"username":"x","isConfirmed":false,"admin":true}"#);
    let message = unknown.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("unknown field `admin`"), "{message}");
    let missing = serde_json::from_str::<User>(r#"{"isConfirmed":false}"#);
    let message = missing.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("missing field `username`"), "{message}");
    let wrong =
        serde_json::from_str::<User>(r#"{"username":"x","isConfirmed":false,"kind":"alien"}"#);
    let message = wrong.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("unknown variant `alien`"), "{message}");
    // The relationship is written, never read.
    let role = serde_json::from_str::<Role>(r#"{"name":"x","users":[]}"#);
    let message = role.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("unknown field `users`"), "{message}");
}

/// A model identified by its rowid: the `rowid` field is not in its JSON.
#[test]
fn the_rowid_is_not_serialized() -> TestResult {
    let (_dir, mut db) = seeded()?;
    db.transaction(|s| {
        s.add(Membership::new().with_user_id(2).with_role_id(1));
        Ok::<_, litemodel::Error>(())
    })?;
    let membership = Membership::query().one(&db)?;
    assert!(membership.rowid.is_some());
    assert_eq!(
        serde_json::to_string(&membership)?,
        r#"{"user_id":2,"role_id":1}"#
    );
    let back: Membership = serde_json::from_str(r#"{"user_id":2,"role_id":1}"#)?;
    assert_eq!(back.rowid, None);
    Ok(())
}

/// `derive = ["Eq", "Hash"]`: models go into sets by their columns.
#[test]
#[allow(
    clippy::mutable_key_type,
    reason = "the relationship holders' cells are interior mutability that Eq and Hash ignore"
)]
fn models_with_eq_and_hash_go_into_sets() -> TestResult {
    let (_dir, db) = seeded()?;
    let mut users: HashSet<User> = User::query().all(&db)?.into_iter().collect();
    users.extend(User::query().all(&db)?);
    assert_eq!(users.len(), 2);
    Ok(())
}
