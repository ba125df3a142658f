//! The workloads on Diesel's SQLite backend (`--storage memory|file`).

use diesel::connection::{DefaultLoadingMode, SimpleConnection};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use crate::harness::*;

diesel::table! {
    roles (id) {
        id -> BigInt,
        name -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Nullable<Text>,
        role_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(users -> roles (role_id));
diesel::allow_tables_to_appear_in_same_query!(roles, users);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = roles, check_for_backend(diesel::sqlite::Sqlite))]
struct Role {
    id: i64,
    #[allow(dead_code)] // read into the struct like an application would
    name: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Associations, AsChangeset)]
#[diesel(table_name = users, belongs_to(Role), treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
struct User {
    id: i64,
    username: Option<String>,
    role_id: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser {
    username: String,
    role_id: i64,
}

/// Rows per multi-row INSERT (SQLite allows 32,766 parameters per statement).
const INSERT_BATCH: usize = 10_000;

fn open(job: &Job) -> BenchResult<SqliteConnection> {
    let url = match job.storage {
        Storage::Memory => ":memory:".to_owned(),
        Storage::File => {
            job.remove_database()?;
            job.path.display().to_string()
        }
        Storage::Postgres => return Err("the SQLite runner was handed --storage postgres".into()),
    };
    let mut conn = SqliteConnection::establish(&url)?;
    conn.batch_execute(pragmas(job.storage))?;
    conn.batch_execute(&SCHEMA_SQL.join(";\n"))?;
    Ok(conn)
}

fn seeded(job: &Job) -> BenchResult<SqliteConnection> {
    let mut conn = open(job)?;
    if let Some(sql) = seed_sql(job.workload) {
        conn.batch_execute(&sql)?;
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

fn insert(conn: &mut SqliteConnection) -> BenchResult<u64> {
    let ids = conn.immediate_transaction(|conn| {
        let role_id: i64 = diesel::insert_into(roles::table)
            .values(roles::name.eq("admin"))
            .returning(roles::id)
            .get_result(conn)?;
        let new_users: Vec<NewUser> = (1..=USERS)
            .map(|i| NewUser {
                username: username(i),
                role_id,
            })
            .collect();
        let mut ids: Vec<i64> = Vec::with_capacity(USERS);
        for chunk in new_users.chunks(INSERT_BATCH) {
            ids.extend(
                diesel::insert_into(users::table)
                    .values(chunk)
                    .returning(users::id)
                    .get_results::<i64>(conn)?,
            );
        }
        Ok::<_, diesel::result::Error>(ids)
    })?;
    Ok(ids.iter().map(|&id| id as u64).sum())
}

fn select(conn: &mut SqliteConnection) -> BenchResult<u64> {
    let users: Vec<User> = users::table.select(User::as_select()).load(conn)?;
    Ok(users.iter().map(|u| u.id as u64).sum())
}

fn stream(conn: &mut SqliteConnection) -> BenchResult<u64> {
    let mut sum = 0;
    for user in users::table
        .select(User::as_select())
        .load_iter::<User, DefaultLoadingMode>(conn)?
    {
        let user = user?;
        sum += user.id as u64 + user.username.map_or(0, |u| u.len() as u64);
    }
    Ok(sum)
}

fn get(conn: &mut SqliteConnection) -> BenchResult<u64> {
    let mut sum = 0;
    for i in 0..GETS {
        let user: User = users::table
            .find(lookup_key(i))
            .select(User::as_select())
            .first(conn)?;
        sum += user.role_id.unwrap_or(0) as u64 + user.id as u64;
    }
    Ok(sum)
}

fn filter(conn: &mut SqliteConnection) -> BenchResult<u64> {
    let mut sum = 0;
    for _ in 0..FILTERS {
        let users: Vec<User> = users::table
            .filter(users::username.gt(FILTER_FROM))
            .order(users::username.asc())
            .limit(FILTER_LIMIT as i64)
            .select(User::as_select())
            .load(conn)?;
        sum += users.iter().map(|u| u.id as u64).sum::<u64>();
    }
    Ok(sum)
}

fn sum_children(loaded: &[(Role, Vec<User>)]) -> u64 {
    loaded
        .iter()
        .flat_map(|(_, users)| users)
        .map(|u| u.id as u64)
        .sum()
}

fn children_select(conn: &mut SqliteConnection) -> BenchResult<u64> {
    let roles: Vec<Role> = roles::table.select(Role::as_select()).load(conn)?;
    let mut loaded = Vec::with_capacity(roles.len());
    for role in roles {
        let users: Vec<User> = User::belonging_to(&role)
            .select(User::as_select())
            .load(conn)?;
        loaded.push((role, users));
    }
    Ok(sum_children(&loaded))
}

fn children_selectin(conn: &mut SqliteConnection) -> BenchResult<u64> {
    let roles: Vec<Role> = roles::table.select(Role::as_select()).load(conn)?;
    let users: Vec<User> = User::belonging_to(&roles)
        .select(User::as_select())
        .load(conn)?;
    let loaded: Vec<(Role, Vec<User>)> = roles
        .clone()
        .into_iter()
        .zip(users.grouped_by(&roles))
        .collect();
    Ok(sum_children(&loaded))
}

fn children_joined(conn: &mut SqliteConnection) -> BenchResult<u64> {
    let rows: Vec<(Role, Option<User>)> = roles::table
        .left_join(users::table)
        .order(roles::id)
        .select((Role::as_select(), Option::<User>::as_select()))
        .load(conn)?;
    let mut loaded: Vec<(Role, Vec<User>)> = Vec::new();
    for (role, user) in rows {
        if loaded.last().is_none_or(|(r, _)| r.id != role.id) {
            loaded.push((role, Vec::new()));
        }
        if let (Some(user), Some((_, users))) = (user, loaded.last_mut()) {
            users.push(user);
        }
    }
    Ok(sum_children(&loaded))
}

fn update(conn: &mut SqliteConnection, sample: usize) -> BenchResult<u64> {
    let count = conn.immediate_transaction(|conn| {
        let mut users: Vec<User> = users::table
            .filter(users::id.le(UPDATES as i64))
            .select(User::as_select())
            .load(conn)?;
        for user in &mut users {
            user.username = Some(format!("v{sample}_{}", user.id));
        }
        for user in &users {
            diesel::update(user).set(user).execute(conn)?;
        }
        Ok::<_, diesel::result::Error>(users.len())
    })?;
    Ok(count as u64)
}

fn small_tx(conn: &mut SqliteConnection, sample: usize) -> BenchResult<u64> {
    let mut changed = 0;
    for i in 0..SMALL_TXS {
        changed += conn.immediate_transaction(|conn| {
            if i % 2 == 0 {
                diesel::insert_into(users::table)
                    .values(NewUser {
                        username: format!("s{sample}_{i}"),
                        role_id: 1,
                    })
                    .execute(conn)
            } else {
                diesel::update(users::table.find(lookup_key(i)))
                    .set(users::username.eq(format!("w{sample}_{i}")))
                    .execute(conn)
            }
        })? as u64;
    }
    Ok(changed)
}

/// The role and its users loaded once, then the role renamed and committed
/// `RENAMES` times.
fn rename_loaded(conn: &mut SqliteConnection, sample: usize) -> BenchResult<u64> {
    let mut role: Role = roles::table.find(1).select(Role::as_select()).first(conn)?;
    let users: Vec<User> = User::belonging_to(&role)
        .select(User::as_select())
        .load(conn)?;
    for i in 0..RENAMES {
        role.name = Some(format!("r{sample}_{i}"));
        conn.immediate_transaction(|conn| {
            diesel::update(roles::table.find(role.id))
                .set(roles::name.eq(&role.name))
                .execute(conn)
        })?;
    }
    Ok(users.len() as u64)
}
