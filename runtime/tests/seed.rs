//! The Flask-SQLAlchemy seed scenario, end to end, on a real database file.

#[macro_use]
mod common;

use common::seed_models::{Role, User, SCHEMA};
use common::{seed_db, temp_db, Engine, TestResult};
use litemodel::Session;

fn schema_sql(session: &Session<'_>) -> TestResult<Vec<String>> {
    let conn = common::sqlite(session.database())?;
    let mut stmt =
        conn.prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")?;
    let rows = stmt.query_map([], |row| row.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// SQLite only: see the comment in the body.
#[test]
fn create_all_emits_the_sqlalchemy_ddl() -> TestResult {
    let engine = Engine::Sqlite;
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    let session = db.session();
    let sql = schema_sql(&session)?;
    let expected: Vec<&str> = SCHEMA
        .tables
        .iter()
        .flat_map(|t| std::iter::once(t.create).chain(t.indexes.iter().copied()))
        .collect();
    assert_eq!(sql, expected);
    Ok(())
}

fn seed_scenario(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut session = db.session();

    // admin_role = Role(name='Admin') ... user_john = User(username='john', role=admin_role)
    let [admin_role, mod_role, user_role] = [
        session.add(Role::new("Admin")),
        session.add(Role::new("Moderator")),
        session.add(Role::new("User")),
    ];
    let users = session.add_all([
        User::new("john").with_role(admin_role),
        User::new("susan").with_role(user_role),
        User::new("david").with_role(user_role),
    ]);
    // Linked before either side has an id.
    assert_eq!(session[admin_role].id, None);
    assert_eq!(session[users[0]].role_id, None);

    session.commit()?;
    assert_eq!(session[admin_role].id, Some(1));
    assert_eq!(session[mod_role].id, Some(2));
    assert_eq!(session[user_role].id, Some(3));
    assert_eq!(session[users[0]].id, Some(1));
    assert_eq!(session[users[0]].role_id, Some(1));
    assert_eq!(session[users[2]].role_id, Some(3));

    // admin_role.name = 'Administrator'; db.session.add(admin_role); commit
    session[admin_role].name = Some("Administrator".into());
    session.commit()?;
    // db.session.delete(mod_role); commit
    session.delete(mod_role)?;
    session.commit()?;

    // In key order: after an UPDATE, PostgreSQL returns unordered rows in
    // another order than SQLite.
    let roles = Role::query().order_by(Role::ID.asc()).all(&session)?;
    assert_eq!(
        format!("{roles:?}"),
        "[<Role 'Administrator'>, <Role 'User'>]"
    );
    let all_users = User::query().all(&session)?;
    assert_eq!(
        format!("{all_users:?}"),
        "[<User 'john'>, <User 'susan'>, <User 'david'>]"
    );

    // User.query.filter_by(role=user_role).all()
    let by_role = User::query()
        .filter_by(User::ROLE, &session[user_role])
        .all(&session)?;
    assert_eq!(format!("{by_role:?}"), "[<User 'susan'>, <User 'david'>]");

    // user_role.users.order_by(User.username).all()
    let ordered = session[user_role]
        .users()
        .order_by(User::USERNAME.asc())
        .all(&session)?;
    assert_eq!(format!("{ordered:?}"), "[<User 'david'>, <User 'susan'>]");
    assert_eq!(session[user_role].users().count(&session)?, 2);

    // user_john.role
    let john = User::query()
        .filter_by(User::USERNAME, "john")
        .one(&session)?;
    assert_eq!(
        format!("{:?}", john.role(&session)?),
        "Some(<Role 'Administrator'>)"
    );
    Ok(())
}

fn seed_state_survives_reopening_the_file(engine: Engine) -> TestResult {
    let (dir, mut db) = seed_db(engine)?;
    db.transaction(|s| {
        let role = s.add(Role::new("Admin"));
        s.add(User::new("john").with_role(role));
        Ok::<_, litemodel::Error>(())
    })?;
    drop(db);
    let db = dir.connect()?;
    let john = User::query().one(&db)?;
    assert_eq!(format!("{:?}", john.role(&db)?), "Some(<Role 'Admin'>)");
    Ok(())
}

engines!(seed_scenario, seed_state_survives_reopening_the_file,);
