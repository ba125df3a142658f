//! The workloads on Diesel's PostgreSQL backend (`--storage postgres`), doing per
//! workload what the hand-written `postgres`-crate side does (`bench/src/postgres_side.rs`):
//! one row per INSERT, one transaction per unit of work, queries prepared once
//! (here by Diesel's statement cache). Where Diesel cannot do the same thing:
//!
//! - INSERT and UPDATE never enter Diesel's statement cache (by design: their
//!   SQL may vary with the values), so each execution sends its SQL again as an
//!   unnamed statement (`PQsendQueryParams`, still one round trip) and the
//!   server parses and plans it every time; the hand-written side prepares each
//!   once (`insert`, `update`, `small_tx`, `rename_loaded`);
//! - `.limit(n)` and `.first()` bind the limit (`LIMIT $2`): PostgreSQL then
//!   plans `filter` again on every execution instead of settling on a generic
//!   plan, as it does for the literal `LIMIT 10` of the other sides;
//! - the streams read row by row (`PgRowByRowLoadingMode`, libpq's single-row
//!   mode), Diesel's only loading mode that does not hold the whole result; the
//!   hand-written side fetches 1,000 rows per round trip from a portal;
//! - `children_selectin` sends each chunk of 500 role keys as one array
//!   (`role_id = ANY($1)`, what `belonging_to` renders on PostgreSQL), where the
//!   hand-written side writes `IN ($1, ..., $500)`.

use diesel::connection::SimpleConnection;
use diesel::pg::{PgConnection, PgRowByRowLoadingMode};
use diesel::prelude::*;

use crate::harness::*;

// As `diesel print-schema` writes the schema litemodel generates (`SERIAL` keys).
diesel::table! {
    roles (id) {
        id -> Int4,
        #[max_length = 64]
        name -> Nullable<Varchar>,
    }
}

diesel::table! {
    users (id) {
        id -> Int4,
        #[max_length = 64]
        username -> Nullable<Varchar>,
        role_id -> Nullable<Int4>,
    }
}

diesel::joinable!(users -> roles (role_id));
diesel::allow_tables_to_appear_in_same_query!(roles, users);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = roles, check_for_backend(diesel::pg::Pg))]
struct Role {
    id: i32,
    #[allow(dead_code)] // read into the struct like an application would
    name: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Associations, AsChangeset)]
#[diesel(table_name = users, belongs_to(Role), treat_none_as_null = true)]
#[diesel(check_for_backend(diesel::pg::Pg))]
struct User {
    id: i32,
    username: Option<String>,
    role_id: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser {
    username: String,
    role_id: i32,
}

/// A connection to a fresh benchmark schema holding the generated tables.
fn open() -> BenchResult<PgConnection> {
    let server = postgres_server()?;
    PgConnection::establish(&server)?.batch_execute(&postgres_fresh_schema_sql())?;
    let mut conn = PgConnection::establish(&postgres_bench_url(&server))?;
    conn.batch_execute(&POSTGRES_SCHEMA_SQL.join(";\n"))?;
    Ok(conn)
}

fn seeded(job: &Job) -> BenchResult<PgConnection> {
    let mut conn = open()?;
    if let Some(sql) = seed_sql(job.workload) {
        conn.batch_execute(&sql)?;
        conn.batch_execute(POSTGRES_SEED_TAIL)?;
        for sql in POSTGRES_SETTLE {
            conn.batch_execute(sql)?;
        }
    }
    Ok(conn)
}

pub fn run(job: &Job) -> BenchResult {
    match job.workload {
        Workload::Insert => measure(job.samples, |_| open(), |mut c, _| insert(&mut c)),
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

/// `INSERT ... RETURNING id` per user in one transaction, like the hand-written
/// side (not one multi-row INSERT).
fn insert(conn: &mut PgConnection) -> BenchResult<u64> {
    let ids = conn.transaction(|conn| {
        let role_id: i32 = diesel::insert_into(roles::table)
            .values(roles::name.eq("admin"))
            .returning(roles::id)
            .get_result(conn)?;
        let mut ids: Vec<i32> = Vec::with_capacity(USERS);
        for i in 1..=USERS {
            let user = NewUser {
                username: username(i),
                role_id,
            };
            ids.push(
                diesel::insert_into(users::table)
                    .values(&user)
                    .returning(users::id)
                    .get_result(conn)?,
            );
        }
        Ok::<_, diesel::result::Error>(ids)
    })?;
    Ok(ids.iter().map(|&id| id as u64).sum())
}

fn select(conn: &mut PgConnection) -> BenchResult<u64> {
    let users: Vec<User> = users::table.select(User::as_select()).load(conn)?;
    Ok(users.iter().map(|u| u.id as u64).sum())
}

fn stream(conn: &mut PgConnection) -> BenchResult<u64> {
    let mut sum = 0;
    for user in users::table
        .select(User::as_select())
        .load_iter::<User, PgRowByRowLoadingMode>(conn)?
    {
        let user = user?;
        sum += user.id as u64 + user.username.map_or(0, |u| u.len() as u64);
    }
    Ok(sum)
}

fn get(conn: &mut PgConnection) -> BenchResult<u64> {
    let mut sum = 0;
    for i in 0..GETS {
        let user: User = users::table
            .find(i32::try_from(lookup_key(i))?)
            .select(User::as_select())
            .first(conn)?;
        sum += user.role_id.unwrap_or(0) as u64 + user.id as u64;
    }
    Ok(sum)
}

fn filter(conn: &mut PgConnection) -> BenchResult<u64> {
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

fn children_select(conn: &mut PgConnection) -> BenchResult<u64> {
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

/// The children of `SELECTIN_CHUNK` roles per statement, as the other sides load them.
fn children_selectin(conn: &mut PgConnection) -> BenchResult<u64> {
    let roles: Vec<Role> = roles::table.select(Role::as_select()).load(conn)?;
    let mut users: Vec<User> = Vec::new();
    for chunk in roles.chunks(SELECTIN_CHUNK) {
        let chunk_users: Vec<User> = User::belonging_to(chunk)
            .select(User::as_select())
            .load(conn)?;
        users.extend(chunk_users);
    }
    let grouped = users.grouped_by(&roles);
    let loaded: Vec<(Role, Vec<User>)> = roles.into_iter().zip(grouped).collect();
    Ok(sum_children(&loaded))
}

fn children_joined(conn: &mut PgConnection) -> BenchResult<u64> {
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

fn update(conn: &mut PgConnection, sample: usize) -> BenchResult<u64> {
    let updates = i32::try_from(UPDATES)?;
    let count = conn.transaction(|conn| {
        let mut users: Vec<User> = users::table
            .filter(users::id.le(updates))
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

fn small_tx(conn: &mut PgConnection, sample: usize) -> BenchResult<u64> {
    let mut changed = 0;
    for i in 0..SMALL_TXS {
        let key = i32::try_from(lookup_key(i))?;
        changed += conn.transaction(|conn| {
            if i % 2 == 0 {
                diesel::insert_into(users::table)
                    .values(NewUser {
                        username: format!("s{sample}_{i}"),
                        role_id: 1,
                    })
                    .execute(conn)
            } else {
                diesel::update(users::table.find(key))
                    .set(users::username.eq(format!("w{sample}_{i}")))
                    .execute(conn)
            }
        })? as u64;
    }
    Ok(changed)
}

/// The role and its users loaded once, then the role renamed and committed
/// `RENAMES` times.
fn rename_loaded(conn: &mut PgConnection, sample: usize) -> BenchResult<u64> {
    let mut role: Role = roles::table.find(1).select(Role::as_select()).first(conn)?;
    let users: Vec<User> = User::belonging_to(&role)
        .select(User::as_select())
        .load(conn)?;
    for i in 0..RENAMES {
        role.name = Some(format!("r{sample}_{i}"));
        conn.transaction(|conn| {
            diesel::update(roles::table.find(role.id))
                .set(roles::name.eq(&role.name))
                .execute(conn)
        })?;
    }
    Ok(users.len() as u64)
}
