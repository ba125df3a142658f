//! The workloads hand-written over the `postgres` crate (rust-postgres,
//! synchronous): prepared statements held for the run, one transaction per unit
//! of work, a portal for streaming, plain structs. The lower bound for an ORM
//! over the same connection.

use std::collections::HashMap;

use postgres::{Client, NoTls, Row, Statement};

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

/// `users.id` and `role_id` are INTEGER (SERIAL) columns: read as i32, kept as i64.
fn user(row: &Row) -> Result<User, postgres::Error> {
    Ok(User {
        id: row.try_get::<_, Option<i32>>(0)?.map(i64::from),
        username: row.try_get(1)?,
        role_id: row.try_get::<_, Option<i32>>(2)?.map(i64::from),
    })
}

fn key(id: i64) -> i32 {
    i32::try_from(id).unwrap_or(i32::MAX)
}

fn open(_job: &Job) -> BenchResult<Client> {
    let url = crate::pg_setup::fresh_schema()?;
    let mut client = Client::connect(&url, NoTls)?;
    let statements: Vec<&str> = crate::models::SCHEMA
        .postgres
        .tables
        .iter()
        .flat_map(|t| std::iter::once(t.create).chain(t.indexes.iter().copied()))
        .collect();
    client.batch_execute(&statements.join(";\n"))?;
    Ok(client)
}

fn seeded(job: &Job) -> BenchResult<Client> {
    let mut client = open(job)?;
    if let Some(sql) = seed_sql(job.workload) {
        client.batch_execute(&sql)?;
        client.batch_execute(POSTGRES_SEED_TAIL)?;
        for sql in POSTGRES_SETTLE {
            client.batch_execute(sql)?;
        }
    }
    Ok(client)
}

pub fn run(job: &Job) -> BenchResult {
    match job.workload {
        Workload::Insert => measure(job.samples, |_| open(job), |mut c, _| insert(&mut c)),
        workload => {
            let mut client = seeded(job)?;
            let c = &mut client;
            match workload {
                Workload::Select => measure(job.samples, |_| Ok(()), |(), _| select(c)),
                Workload::Stream | Workload::StreamSmall => {
                    measure(job.samples, |_| Ok(()), |(), _| stream(c))
                }
                Workload::Get | Workload::GetHeld => {
                    let stmt =
                        c.prepare("SELECT id, username, role_id FROM users WHERE id = $1")?;
                    measure(job.samples, |_| Ok(()), |(), _| get(c, &stmt))
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

fn insert(client: &mut Client) -> BenchResult<u64> {
    let mut tx = client.transaction()?;
    let role_id: i32 = tx
        .query_one(
            "INSERT INTO roles (name) VALUES ($1) RETURNING id",
            &[&"admin"],
        )?
        .try_get(0)?;
    let stmt = tx.prepare("INSERT INTO users (username, role_id) VALUES ($1, $2) RETURNING id")?;
    let mut users = Vec::with_capacity(USERS);
    for i in 1..=USERS {
        let mut user = User {
            id: None,
            username: Some(username(i)),
            role_id: Some(i64::from(role_id)),
        };
        let id: i32 = tx
            .query_one(&stmt, &[&user.username, &role_id])?
            .try_get(0)?;
        user.id = Some(i64::from(id));
        users.push(user);
    }
    tx.commit()?;
    Ok(users.iter().map(|u| u.id.unwrap_or(0) as u64).sum())
}

fn select(client: &mut Client) -> BenchResult<u64> {
    let users = client
        .query(SELECT_USERS, &[])?
        .iter()
        .map(user)
        .collect::<Result<Vec<User>, _>>()?;
    Ok(users.iter().map(|u| u.id.unwrap_or(0) as u64).sum())
}

/// A portal in a transaction, 1,000 rows per round trip (litemodel's stream
/// runs `DECLARE ... CURSOR` and `FETCH 4000`; this portal measured no faster
/// with 10,000 rows per round trip, docs/performance.md).
fn stream(client: &mut Client) -> BenchResult<u64> {
    let mut tx = client.transaction()?;
    let stmt = tx.prepare(SELECT_USERS)?;
    let portal = tx.bind(&stmt, &[])?;
    let mut sum = 0;
    loop {
        let rows = tx.query_portal(&portal, 1000)?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let user = user(row)?;
            sum += user.id.unwrap_or(0) as u64 + user.username.map_or(0, |u| u.len() as u64);
        }
    }
    tx.commit()?;
    Ok(sum)
}

fn get(client: &mut Client, stmt: &Statement) -> BenchResult<u64> {
    let mut sum = 0;
    for i in 0..GETS {
        let row = client.query_one(stmt, &[&key(lookup_key(i))])?;
        let user = user(&row)?;
        sum += user.role_id.unwrap_or(0) as u64 + user.id.unwrap_or(0) as u64;
    }
    Ok(sum)
}

fn filter(client: &mut Client) -> BenchResult<u64> {
    let sql = format!(
        "SELECT id, username, role_id FROM users WHERE username > $1 ORDER BY username ASC LIMIT {FILTER_LIMIT}"
    );
    let stmt = client.prepare(&sql)?;
    let mut sum = 0;
    for _ in 0..FILTERS {
        let users = client
            .query(&stmt, &[&FILTER_FROM])?
            .iter()
            .map(user)
            .collect::<Result<Vec<User>, _>>()?;
        sum += users.iter().map(|u| u.id.unwrap_or(0) as u64).sum::<u64>();
    }
    Ok(sum)
}

fn roles(client: &mut Client) -> BenchResult<Vec<Role>> {
    let mut roles = Vec::new();
    for row in client.query("SELECT id, name FROM roles", &[])? {
        roles.push(Role {
            id: row.try_get::<_, Option<i32>>(0)?.map(i64::from),
            name: row.try_get(1)?,
        });
    }
    Ok(roles)
}

fn sum_children(loaded: &[(Role, Vec<User>)]) -> u64 {
    loaded
        .iter()
        .flat_map(|(_, users)| users)
        .map(|u| u.id.unwrap_or(0) as u64)
        .sum()
}

fn children_select(client: &mut Client) -> BenchResult<u64> {
    let stmt = client.prepare("SELECT id, username, role_id FROM users WHERE role_id = $1")?;
    let mut loaded = Vec::new();
    for role in roles(client)? {
        let users = client
            .query(&stmt, &[&role.id.map(key)])?
            .iter()
            .map(user)
            .collect::<Result<Vec<User>, _>>()?;
        loaded.push((role, users));
    }
    Ok(sum_children(&loaded))
}

/// The keys of each chunk as one `int4[]` parameter, `role_id = ANY($1)`:
/// one statement, prepared once, whatever the chunk's length (the
/// `postgres` crate's way to bind a list; `IN ($1, ..., $500)` would be a
/// statement per chunk length, 500 parameters to parse and plan each time).
fn children_selectin(client: &mut Client) -> BenchResult<u64> {
    let stmt = client.prepare("SELECT id, username, role_id FROM users WHERE role_id = ANY($1)")?;
    let roles = roles(client)?;
    let keys: Vec<i32> = roles.iter().filter_map(|r| r.id).map(key).collect();
    let mut groups: HashMap<i64, Vec<User>> = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(SELECTIN_CHUNK) {
        for row in client.query(&stmt, &[&chunk])? {
            let user = user(&row)?;
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

fn children_joined(client: &mut Client) -> BenchResult<u64> {
    let rows = client.query(
        "SELECT roles.id, roles.name, users.id, users.username, users.role_id \
         FROM roles LEFT OUTER JOIN users ON users.role_id = roles.id \
         ORDER BY roles.id",
        &[],
    )?;
    let mut loaded: Vec<(Role, Vec<User>)> = Vec::new();
    for row in &rows {
        let role_id = row.try_get::<_, Option<i32>>(0)?.map(i64::from);
        if loaded.last().is_none_or(|(r, _)| r.id != role_id) {
            loaded.push((
                Role {
                    id: role_id,
                    name: row.try_get(1)?,
                },
                Vec::new(),
            ));
        }
        let user_id = row.try_get::<_, Option<i32>>(2)?.map(i64::from);
        if let (Some(id), Some((_, users))) = (user_id, loaded.last_mut()) {
            users.push(User {
                id: Some(id),
                username: row.try_get(3)?,
                role_id: row.try_get::<_, Option<i32>>(4)?.map(i64::from),
            });
        }
    }
    Ok(sum_children(&loaded))
}

fn update(client: &mut Client, sample: usize) -> BenchResult<u64> {
    let mut tx = client.transaction()?;
    let mut users = tx
        .query(
            "SELECT id, username, role_id FROM users WHERE id <= $1",
            &[&(UPDATES as i32)],
        )?
        .iter()
        .map(user)
        .collect::<Result<Vec<User>, _>>()?;
    for user in &mut users {
        user.username = Some(format!("v{sample}_{}", user.id.unwrap_or(0)));
    }
    let stmt = tx.prepare("UPDATE users SET username = $1, role_id = $2 WHERE id = $3")?;
    for user in &users {
        tx.execute(
            &stmt,
            &[&user.username, &user.role_id.map(key), &user.id.map(key)],
        )?;
    }
    tx.commit()?;
    Ok(users.len() as u64)
}

fn small_tx(client: &mut Client, sample: usize) -> BenchResult<u64> {
    let insert = client.prepare("INSERT INTO users (username, role_id) VALUES ($1, $2)")?;
    let update = client.prepare("UPDATE users SET username = $1 WHERE id = $2")?;
    let mut changed = 0;
    for i in 0..SMALL_TXS {
        let mut tx = client.transaction()?;
        if i % 2 == 0 {
            tx.execute(&insert, &[&format!("s{sample}_{i}"), &1i32])?;
            changed += 1;
        } else {
            changed += tx.execute(&update, &[&format!("w{sample}_{i}"), &key(lookup_key(i))])?;
        }
        tx.commit()?;
    }
    Ok(changed)
}

/// The role and its users are loaded once; each rename is one UPDATE of the
/// role in its own transaction (the users are not touched).
fn rename_loaded(client: &mut Client, sample: usize) -> BenchResult<u64> {
    let row = client.query_one("SELECT id, name FROM roles WHERE id = $1", &[&1i32])?;
    let mut role = Role {
        id: row.try_get::<_, Option<i32>>(0)?.map(i64::from),
        name: row.try_get(1)?,
    };
    let users = client
        .query(
            "SELECT id, username, role_id FROM users WHERE role_id = $1",
            &[&1i32],
        )?
        .iter()
        .map(user)
        .collect::<Result<Vec<User>, _>>()?;
    let update = client.prepare("UPDATE roles SET name = $1 WHERE id = $2")?;
    for i in 0..RENAMES {
        role.name = Some(format!("r{sample}_{i}"));
        let mut tx = client.transaction()?;
        tx.execute(&update, &[&role.name, &role.id.map(key)])?;
        tx.commit()?;
    }
    Ok(users.len() as u64)
}
