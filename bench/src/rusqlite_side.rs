//! The workloads hand-written over rusqlite: prepared (cached) statements, one
//! transaction per unit of work, plain structs. The practical lower bound for an
//! ORM over the same connection.

use std::collections::HashMap;

use rusqlite::{Connection, TransactionBehavior};

use crate::harness::*;

#[derive(Debug, Clone)]
struct User {
    id: Option<i64>,
    username: Option<String>,
    role_id: Option<i64>,
}

#[derive(Debug, Clone)]
struct Role {
    id: Option<i64>,
    #[allow(dead_code)] // read into the struct like an application would
    name: Option<String>,
}

const SELECT_USERS: &str = "SELECT id, username, role_id FROM users";

fn user(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        username: row.get(1)?,
        role_id: row.get(2)?,
    })
}

fn open(job: &Job) -> BenchResult<Connection> {
    let conn = match job.storage {
        Storage::Memory => Connection::open_in_memory()?,
        Storage::File => {
            job.remove_database()?;
            Connection::open(&job.path)?
        }
        Storage::Postgres => return Err("rusqlite runs on SQLite storages only".into()),
    };
    conn.execute_batch(pragmas(job.storage))?;
    conn.execute_batch(&SCHEMA_SQL.join(";\n"))?;
    Ok(conn)
}

fn seeded(job: &Job) -> BenchResult<Connection> {
    let conn = open(job)?;
    if let Some(sql) = seed_sql(job.workload) {
        conn.execute_batch(&sql)?;
    }
    Ok(conn)
}

pub fn run(job: &Job) -> BenchResult {
    match job.workload {
        Workload::Insert => measure(job.samples, |_| open(job), |mut c, _| insert(&mut c)),
        workload => {
            let mut conn = seeded(job)?;
            let c = &mut conn;
            match workload {
                Workload::Select => measure(job.samples, |_| Ok(()), |(), _| select(c)),
                Workload::Stream | Workload::StreamSmall => {
                    measure(job.samples, |_| Ok(()), |(), _| stream(c))
                }
                Workload::Get | Workload::GetHeld => {
                    measure(job.samples, |_| Ok(()), |(), _| get(c))
                }
                Workload::Filter => measure(job.samples, |_| Ok(()), |(), _| filter(c)),
                Workload::ChildrenSelect => {
                    measure(job.samples, |_| Ok(()), |(), _| children_select(c))
                }
                Workload::ChildrenSelectin => {
                    measure(job.samples, |_| Ok(()), |(), _| children_selectin(c))
                }
                Workload::ChildrenJoined => {
                    measure(job.samples, |_| Ok(()), |(), _| children_joined(c))
                }
                Workload::Update => measure(job.samples, |_| Ok(()), |(), i| update(c, i)),
                Workload::SmallTx => measure(job.samples, |_| Ok(()), |(), i| small_tx(c, i)),
                Workload::RenameLoaded => {
                    measure(job.samples, |_| Ok(()), |(), i| rename_loaded(c, i))
                }
                Workload::Insert => unreachable!("handled above"),
            }
        }
    }
}

fn insert(conn: &mut Connection) -> BenchResult<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut users = Vec::with_capacity(USERS);
    {
        let role_id = tx.query_row(
            "INSERT INTO roles (name) VALUES (?1) RETURNING id",
            ["admin"],
            |row| row.get::<_, i64>(0),
        )?;
        let mut stmt =
            tx.prepare_cached("INSERT INTO users (username, role_id) VALUES (?1, ?2)")?;
        for i in 1..=USERS {
            let mut user = User {
                id: None,
                username: Some(username(i)),
                role_id: Some(role_id),
            };
            stmt.execute((&user.username, user.role_id))?;
            user.id = Some(tx.last_insert_rowid());
            users.push(user);
        }
    }
    tx.commit()?;
    Ok(users.iter().map(|u| u.id.unwrap_or(0) as u64).sum())
}

fn select(conn: &Connection) -> BenchResult<u64> {
    let mut stmt = conn.prepare_cached(SELECT_USERS)?;
    let users = stmt
        .query_map([], user)?
        .collect::<rusqlite::Result<Vec<User>>>()?;
    Ok(users.iter().map(|u| u.id.unwrap_or(0) as u64).sum())
}

fn stream(conn: &Connection) -> BenchResult<u64> {
    let mut stmt = conn.prepare_cached(SELECT_USERS)?;
    let mut rows = stmt.query([])?;
    let mut sum = 0;
    while let Some(row) = rows.next()? {
        let user = user(row)?;
        sum += user.id.unwrap_or(0) as u64 + user.username.map_or(0, |u| u.len() as u64);
    }
    Ok(sum)
}

fn get(conn: &Connection) -> BenchResult<u64> {
    let mut stmt = conn.prepare_cached("SELECT id, username, role_id FROM users WHERE id = ?1")?;
    let mut sum = 0;
    for i in 0..GETS {
        let user = stmt.query_row([lookup_key(i)], user)?;
        sum += user.role_id.unwrap_or(0) as u64 + user.id.unwrap_or(0) as u64;
    }
    Ok(sum)
}

fn filter(conn: &Connection) -> BenchResult<u64> {
    // LIMIT as a literal: a bound LIMIT makes SQLite re-prepare on every rebind.
    let sql = format!(
        "SELECT id, username, role_id FROM users WHERE username > ?1 ORDER BY username ASC LIMIT {FILTER_LIMIT}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut sum = 0;
    for _ in 0..FILTERS {
        let users = stmt
            .query_map([FILTER_FROM], user)?
            .collect::<rusqlite::Result<Vec<User>>>()?;
        sum += users.iter().map(|u| u.id.unwrap_or(0) as u64).sum::<u64>();
    }
    Ok(sum)
}

fn roles(conn: &Connection) -> BenchResult<Vec<Role>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM roles")?;
    let roles = stmt
        .query_map([], |row| {
            Ok(Role {
                id: row.get(0)?,
                name: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<Role>>>()?;
    Ok(roles)
}

fn sum_children(loaded: &[(Role, Vec<User>)]) -> u64 {
    loaded
        .iter()
        .flat_map(|(_, users)| users)
        .map(|u| u.id.unwrap_or(0) as u64)
        .sum()
}

fn children_select(conn: &Connection) -> BenchResult<u64> {
    let mut stmt =
        conn.prepare_cached("SELECT id, username, role_id FROM users WHERE role_id = ?1")?;
    let mut loaded = Vec::new();
    for role in roles(conn)? {
        let users = stmt
            .query_map([role.id], user)?
            .collect::<rusqlite::Result<Vec<User>>>()?;
        loaded.push((role, users));
    }
    Ok(sum_children(&loaded))
}

fn children_selectin(conn: &Connection) -> BenchResult<u64> {
    let roles = roles(conn)?;
    let keys: Vec<i64> = roles.iter().filter_map(|r| r.id).collect();
    let mut groups: HashMap<i64, Vec<User>> = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(SELECTIN_CHUNK) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql =
            format!("SELECT id, username, role_id FROM users WHERE role_id IN ({placeholders})");
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(chunk))?;
        while let Some(row) = rows.next()? {
            let user = user(row)?;
            if let Some(role_id) = user.role_id {
                groups.entry(role_id).or_default().push(user);
            }
        }
    }
    let loaded: Vec<(Role, Vec<User>)> = roles
        .into_iter()
        .map(|role| {
            let users = role
                .id
                .and_then(|id| groups.remove(&id))
                .unwrap_or_default();
            (role, users)
        })
        .collect();
    Ok(sum_children(&loaded))
}

fn children_joined(conn: &Connection) -> BenchResult<u64> {
    let mut stmt = conn.prepare_cached(
        "SELECT roles.id, roles.name, users.id, users.username, users.role_id \
         FROM roles LEFT OUTER JOIN users ON users.role_id = roles.id \
         ORDER BY roles.id",
    )?;
    let mut loaded: Vec<(Role, Vec<User>)> = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let role_id: Option<i64> = row.get(0)?;
        if loaded.last().is_none_or(|(r, _)| r.id != role_id) {
            loaded.push((
                Role {
                    id: role_id,
                    name: row.get(1)?,
                },
                Vec::new(),
            ));
        }
        let user_id: Option<i64> = row.get(2)?;
        if let (Some(id), Some((_, users))) = (user_id, loaded.last_mut()) {
            users.push(User {
                id: Some(id),
                username: row.get(3)?,
                role_id: row.get(4)?,
            });
        }
    }
    Ok(sum_children(&loaded))
}

fn update(conn: &mut Connection, sample: usize) -> BenchResult<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut users = {
        let mut stmt =
            tx.prepare_cached("SELECT id, username, role_id FROM users WHERE id <= ?1")?;
        let users = stmt
            .query_map([UPDATES as i64], user)?
            .collect::<rusqlite::Result<Vec<User>>>()?;
        users
    };
    for user in &mut users {
        user.username = Some(format!("v{sample}_{}", user.id.unwrap_or(0)));
    }
    {
        let mut stmt =
            tx.prepare_cached("UPDATE users SET username = ?1, role_id = ?2 WHERE id = ?3")?;
        for user in &users {
            stmt.execute((&user.username, user.role_id, user.id))?;
        }
    }
    tx.commit()?;
    Ok(users.len() as u64)
}

fn small_tx(conn: &mut Connection, sample: usize) -> BenchResult<u64> {
    let mut changed = 0;
    for i in 0..SMALL_TXS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if i % 2 == 0 {
            tx.prepare_cached("INSERT INTO users (username, role_id) VALUES (?1, ?2)")?
                .execute((format!("s{sample}_{i}"), 1))?;
            changed += 1;
        } else {
            changed += tx
                .prepare_cached("UPDATE users SET username = ?1 WHERE id = ?2")?
                .execute((format!("w{sample}_{i}"), lookup_key(i)))? as u64;
        }
        tx.commit()?;
    }
    Ok(changed)
}

/// The role and its users read into structs once, then the role renamed and
/// committed `RENAMES` times.
fn rename_loaded(conn: &mut Connection, sample: usize) -> BenchResult<u64> {
    let mut role = conn
        .prepare_cached("SELECT id, name FROM roles WHERE id = ?1")?
        .query_row([1], |row| {
            Ok(Role {
                id: row.get(0)?,
                name: row.get(1)?,
            })
        })?;
    let users = conn
        .prepare_cached("SELECT id, username, role_id FROM users WHERE role_id = ?1")?
        .query_map([1], user)?
        .collect::<rusqlite::Result<Vec<User>>>()?;
    for i in 0..RENAMES {
        role.name = Some(format!("r{sample}_{i}"));
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached("UPDATE roles SET name = ?1 WHERE id = ?2")?
            .execute((&role.name, role.id))?;
        tx.commit()?;
    }
    Ok(users.len() as u64)
}
