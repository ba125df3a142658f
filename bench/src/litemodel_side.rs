//! The workloads written with litemodel, the way its README shows.

use litemodel::{Database, Getter, Key, Query};

use crate::harness::*;
use crate::models::{Role, User, SCHEMA};

fn open(job: &Job) -> BenchResult<Database> {
    let db = match job.storage {
        Storage::Memory => Database::open_in_memory()?,
        Storage::File => {
            job.remove_database()?;
            Database::open(&job.path)?
        }
        Storage::Postgres => Database::connect(&crate::pg_setup::fresh_schema()?)?,
    };
    db.create_all(&SCHEMA)?;
    Ok(db)
}

fn seeded(job: &Job) -> BenchResult<Database> {
    let db = open(job)?;
    if let Some(sql) = seed_sql(job.workload) {
        db.execute_batch(&sql)?;
        if job.storage == Storage::Postgres {
            db.execute_batch(POSTGRES_SEED_TAIL)?;
            for sql in POSTGRES_SETTLE {
                db.execute_batch(sql)?;
            }
        }
    }
    Ok(db)
}

/// The DDL the other runners execute must be the generated schema's.
pub fn check_schema() -> BenchResult {
    let generated: Vec<&str> = SCHEMA
        .tables
        .iter()
        .flat_map(|t| std::iter::once(t.create).chain(t.indexes.iter().copied()))
        .collect();
    if generated != SCHEMA_SQL {
        return Err(
            format!("harness SCHEMA_SQL is not the generated schema: {generated:#?}").into(),
        );
    }
    let generated: Vec<&str> = SCHEMA
        .postgres
        .tables
        .iter()
        .flat_map(|t| std::iter::once(t.create).chain(t.indexes.iter().copied()))
        .collect();
    if generated != POSTGRES_SCHEMA_SQL {
        return Err(format!(
            "harness POSTGRES_SCHEMA_SQL is not the generated PostgreSQL schema: {generated:#?}"
        )
        .into());
    }
    Ok(())
}

pub fn run(job: &Job) -> BenchResult {
    match job.workload {
        Workload::Insert => measure(job.samples, |_| open(job), |mut db, _| insert(&mut db)),
        workload => {
            let mut db = seeded(job)?;
            match workload {
                Workload::Select => measure(job.samples, |_| Ok(()), |(), _| select(&db)),
                Workload::Stream | Workload::StreamSmall => {
                    measure(job.samples, |_| Ok(()), |(), _| stream(&db))
                }
                Workload::Get => measure(job.samples, |_| Ok(()), |(), _| get(&db)),
                Workload::GetHeld => measure(job.samples, |_| Ok(()), |(), _| get_held(&db)),
                Workload::Filter => measure(job.samples, |_| Ok(()), |(), _| filter(&db)),
                Workload::ChildrenSelect => {
                    measure(job.samples, |_| Ok(()), |(), _| children_select(&db))
                }
                Workload::ChildrenSelectin => measure(
                    job.samples,
                    |_| Ok(()),
                    |(), _| children_eager(&db, Role::query().options(Role::USERS.selectin())),
                ),
                Workload::ChildrenJoined => measure(
                    job.samples,
                    |_| Ok(()),
                    |(), _| children_eager(&db, Role::query().options(Role::USERS.joined())),
                ),
                Workload::Update => measure(job.samples, |_| Ok(()), |(), i| update(&mut db, i)),
                Workload::SmallTx => measure(job.samples, |_| Ok(()), |(), i| small_tx(&mut db, i)),
                Workload::RenameLoaded => {
                    measure(job.samples, |_| Ok(()), |(), i| rename_loaded(&mut db, i))
                }
                Workload::Insert => unreachable!("handled above"),
            }
        }
    }
}

fn insert(db: &mut Database) -> BenchResult<u64> {
    let mut session = db.session();
    let role = session.add(Role::new("admin"));
    let users: Vec<Key<User>> = (1..=USERS)
        .map(|i| session.add(User::new(username(i)).with_role(role)))
        .collect();
    session.commit()?;
    Ok(users
        .iter()
        .map(|&k| session[k].id.unwrap_or(0) as u64)
        .sum())
}

fn select(db: &Database) -> BenchResult<u64> {
    let users = User::query().all(db)?;
    Ok(users.iter().map(|u| u.id.unwrap_or(0) as u64).sum())
}

fn stream(db: &Database) -> BenchResult<u64> {
    let mut stream = User::query().stream(db)?;
    let mut sum = 0;
    for user in stream.iter() {
        let user = user?;
        sum += user.id.unwrap_or(0) as u64 + user.username.map_or(0, |u| u.len() as u64);
    }
    Ok(sum)
}

fn get(db: &Database) -> BenchResult<u64> {
    let mut sum = 0;
    for i in 0..GETS {
        let user = User::get(db, lookup_key(i))?.ok_or("missing user")?;
        sum += user.role_id.unwrap_or(0) as u64 + user.id.unwrap_or(0) as u64;
    }
    Ok(sum)
}

fn get_held(db: &Database) -> BenchResult<u64> {
    let mut users = Getter::<User>::new(db)?;
    let mut sum = 0;
    for i in 0..GETS {
        let user = users.get(lookup_key(i))?.ok_or("missing user")?;
        sum += user.role_id.unwrap_or(0) as u64 + user.id.unwrap_or(0) as u64;
    }
    Ok(sum)
}

fn filter(db: &Database) -> BenchResult<u64> {
    let mut sum = 0;
    for _ in 0..FILTERS {
        let users = User::query()
            .filter(User::USERNAME.gt(FILTER_FROM))
            .order_by(User::USERNAME.asc())
            .limit(FILTER_LIMIT as u64)
            .all(db)?;
        sum += users.iter().map(|u| u.id.unwrap_or(0) as u64).sum::<u64>();
    }
    Ok(sum)
}

fn children_select(db: &Database) -> BenchResult<u64> {
    let roles = Role::query().all(db)?;
    let mut sum = 0;
    for role in &roles {
        for user in role.users(db)? {
            sum += user.id.unwrap_or(0) as u64;
        }
    }
    Ok(sum)
}

fn children_eager(db: &Database, query: Query<Role>) -> BenchResult<u64> {
    let roles = query.all(db)?;
    let mut sum = 0;
    for role in &roles {
        for user in role.users(db)? {
            sum += user.id.unwrap_or(0) as u64;
        }
    }
    Ok(sum)
}

fn update(db: &mut Database, sample: usize) -> BenchResult<u64> {
    let mut session = db.session();
    let users = User::query()
        .filter(User::ID.le(UPDATES as i64))
        .all(&session)?;
    let keys: Vec<Key<User>> = users.into_iter().map(|u| session.add(u)).collect();
    for &key in &keys {
        let user = &mut session[key];
        user.username = Some(format!("v{sample}_{}", user.id.unwrap_or(0)));
    }
    session.commit()?;
    Ok(keys.len() as u64)
}

fn small_tx(db: &mut Database, sample: usize) -> BenchResult<u64> {
    let mut changed = 0;
    for i in 0..SMALL_TXS {
        if i % 2 == 0 {
            db.transaction(|session| {
                let mut user = User::new(format!("s{sample}_{i}"));
                user.role_id = Some(1);
                session.add(user);
                Ok::<_, litemodel::Error>(())
            })?;
            changed += 1;
        } else {
            changed += db.transaction(|session| {
                User::query()
                    .filter(User::ID.eq(lookup_key(i)))
                    .update(session, [User::USERNAME.set(format!("w{sample}_{i}"))])
            })? as u64;
        }
    }
    Ok(changed)
}

/// The role and its users are loaded once, then renamed and committed
/// `RENAMES` times: each first change after a commit snapshots the role.
fn rename_loaded(db: &mut Database, sample: usize) -> BenchResult<u64> {
    let mut session = db.session();
    let role = Role::query()
        .options(Role::USERS.selectin())
        .filter(Role::ID.eq(1))
        .one(&session)?;
    let held = role.users(&session)?.len() as u64;
    let key = session.add(role);
    session.commit()?;
    for i in 0..RENAMES {
        session[key].name = Some(format!("r{sample}_{i}"));
        session.commit()?;
    }
    Ok(held)
}
