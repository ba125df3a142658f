//! What every process of the benchmark shares: the workloads and their sizes, the
//! schema and seed data, the connection settings, and the measuring loop.
//!
//! The Diesel runner (`bench/diesel`, a workspace of its own) includes this file
//! with `#[path]`, so it uses std only.

use std::error::Error;
use std::fmt;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub type BenchResult<T = ()> = Result<T, Box<dyn Error>>;

/// Users inserted, selected and seeded for `get`, `filter`, `update` and `small_tx`.
pub const USERS: usize = 100_000;
/// Users streamed by `stream`.
pub const STREAM_USERS: usize = 1_000_000;
/// Primary-key lookups in `get`.
pub const GETS: usize = 10_000;
/// Queries in `filter`.
pub const FILTERS: usize = 1_000;
/// Rows returned by each `filter` query.
pub const FILTER_LIMIT: usize = 10;
/// The lower bound of `filter` (`username > 'u5'`).
pub const FILTER_FROM: &str = "u5";
/// Roles, and users per role, of the `children_*` workloads.
pub const CHILD_ROLES: usize = 1_000;
pub const CHILDREN_PER_ROLE: usize = 10;
/// Roles per `IN (...)` statement when loading children with `selectin` (litemodel's chunk).
pub const SELECTIN_CHUNK: usize = 500;
/// Users loaded, changed and written by `update`.
pub const UPDATES: usize = 10_000;
/// Transactions of `small_tx`.
pub const SMALL_TXS: usize = 10_000;
/// Users held by the one role of `rename_loaded`, loaded with it.
pub const LOADED_CHILDREN: usize = 10_000;
/// Renames (each committed) of that role in `rename_loaded`.
pub const RENAMES: usize = 100;

/// The DDL litemodel generates for `bench/models.toml` (checked against the
/// generated `SCHEMA` by the litemodel runner at start-up).
pub const SCHEMA_SQL: [&str; 4] = [
    "CREATE TABLE roles (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(64), \n\tPRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE users (\n\tid INTEGER NOT NULL, \n\tusername VARCHAR(64), \n\trole_id INTEGER, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(role_id) REFERENCES roles (id)\n)",
    "CREATE INDEX ix_users_role_id ON users (role_id)",
    "CREATE UNIQUE INDEX ix_users_username ON users (username)",
];

/// The DDL litemodel generates for PostgreSQL (`SERIAL` keys), for the Diesel
/// runner (checked like [`SCHEMA_SQL`]).
pub const POSTGRES_SCHEMA_SQL: [&str; 4] = [
    "CREATE TABLE roles (\n\tid SERIAL NOT NULL, \n\tname VARCHAR(64), \n\tPRIMARY KEY (id), \n\tUNIQUE (name)\n)",
    "CREATE TABLE users (\n\tid SERIAL NOT NULL, \n\tusername VARCHAR(64), \n\trole_id INTEGER, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(role_id) REFERENCES roles (id)\n)",
    "CREATE INDEX ix_users_role_id ON users (role_id)",
    "CREATE UNIQUE INDEX ix_users_username ON users (username)",
];

/// The settings `litemodel::Database::open` applies, for the other two libraries:
/// foreign keys on, a 5 s busy timeout, WAL for files (synchronous stays SQLite's
/// default, FULL).
pub fn pragmas(storage: Storage) -> &'static str {
    match storage {
        Storage::Postgres => "",
        Storage::Memory => "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
        Storage::File => {
            "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;"
        }
    }
}

/// The username of the `i`-th seeded user (`u1`, `u2`, ...).
pub fn username(i: usize) -> String {
    format!("u{i}")
}

/// The `i`-th key of the `get` and `small_tx` lookups: spread over 1..=USERS.
pub fn lookup_key(i: usize) -> i64 {
    ((i * 7_919) % USERS + 1) as i64
}

/// Rows every runner puts in the database before measuring, as SQL run by the
/// library's own "execute a batch" call: identical data for all three.
pub fn seed_sql(workload: Workload) -> Option<String> {
    let users = |roles: usize, users: usize, per_role: usize| {
        format!(
            "BEGIN;
             WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {roles})
             INSERT INTO roles (id, name) SELECT x, 'r' || x FROM n;
             WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {users})
             INSERT INTO users (id, username, role_id) SELECT x, 'u' || x, (x - 1) / {per_role} + 1 FROM n;
             COMMIT;"
        )
    };
    match workload {
        Workload::Insert => None,
        Workload::Stream => Some(users(1, STREAM_USERS, STREAM_USERS)),
        Workload::StreamSmall => Some(users(1, USERS, USERS)),
        Workload::ChildrenSelect | Workload::ChildrenSelectin | Workload::ChildrenJoined => {
            Some(users(
                CHILD_ROLES,
                CHILD_ROLES * CHILDREN_PER_ROLE,
                CHILDREN_PER_ROLE,
            ))
        }
        Workload::RenameLoaded => Some(users(1, LOADED_CHILDREN, LOADED_CHILDREN)),
        Workload::Select
        | Workload::Get
        | Workload::GetHeld
        | Workload::Filter
        | Workload::Update
        | Workload::SmallTx => Some(users(1, USERS, USERS)),
    }
}

/// A workload of the benchmark (docs/performance.md describes each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    Insert,
    Select,
    Stream,
    StreamSmall,
    Get,
    /// `get` with litemodel's `Getter` (the statement held across lookups);
    /// rusqlite and Diesel run their `get` unchanged.
    GetHeld,
    Filter,
    ChildrenSelect,
    ChildrenSelectin,
    ChildrenJoined,
    Update,
    SmallTx,
    /// One role loaded with its users, then renamed and committed again and
    /// again: what the session copies when an object is first changed.
    RenameLoaded,
}

impl Workload {
    pub const ALL: [Workload; 13] = [
        Workload::Insert,
        Workload::Select,
        Workload::StreamSmall,
        Workload::Stream,
        Workload::Get,
        Workload::GetHeld,
        Workload::Filter,
        Workload::ChildrenSelect,
        Workload::ChildrenSelectin,
        Workload::ChildrenJoined,
        Workload::Update,
        Workload::SmallTx,
        Workload::RenameLoaded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Workload::Insert => "insert",
            Workload::Select => "select",
            Workload::Stream => "stream",
            Workload::StreamSmall => "stream_100k",
            Workload::Get => "get",
            Workload::GetHeld => "get_held",
            Workload::Filter => "filter",
            Workload::ChildrenSelect => "children_select",
            Workload::ChildrenSelectin => "children_selectin",
            Workload::ChildrenJoined => "children_joined",
            Workload::Update => "update",
            Workload::SmallTx => "small_tx",
            Workload::RenameLoaded => "rename_loaded",
        }
    }

    /// What one sample does, for the table.
    pub fn describe(self) -> String {
        match self {
            Workload::Insert => format!("1 role + {USERS} users, one commit"),
            Workload::Select => format!("all {USERS} users into structs"),
            Workload::Stream => format!("iterate {STREAM_USERS} users"),
            Workload::StreamSmall => format!("iterate {USERS} users"),
            Workload::Get => format!("{GETS} lookups by primary key"),
            Workload::GetHeld => format!("{GETS} lookups by primary key, statement held"),
            Workload::Filter => format!("{FILTERS} x username > 'u5', first {FILTER_LIMIT}"),
            Workload::ChildrenSelect => {
                format!("{CHILD_ROLES} roles x {CHILDREN_PER_ROLE} users, select (N+1)")
            }
            Workload::ChildrenSelectin => {
                format!("{CHILD_ROLES} roles x {CHILDREN_PER_ROLE} users, selectin")
            }
            Workload::ChildrenJoined => {
                format!("{CHILD_ROLES} roles x {CHILDREN_PER_ROLE} users, joined")
            }
            Workload::Update => format!("load, change, commit {UPDATES} users"),
            Workload::SmallTx => format!("{SMALL_TXS} x (begin, insert or update 1 row, commit)"),
            Workload::RenameLoaded => {
                format!("1 role + its {LOADED_CHILDREN} loaded users, {RENAMES} x (rename, commit)")
            }
        }
    }

    pub fn parse(name: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == name)
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the database lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Memory,
    /// A file in WAL mode.
    File,
    /// A PostgreSQL server (`LITEMODEL_BENCH_POSTGRES`, else
    /// `LITEMODEL_TEST_POSTGRES`): only with `--storage postgres`.
    Postgres,
}

impl Storage {
    /// The storages a run measures unless `--storage` says otherwise.
    pub const ALL: [Storage; 2] = [Storage::Memory, Storage::File];

    pub fn name(self) -> &'static str {
        match self {
            Storage::Memory => "memory",
            Storage::File => "file",
            Storage::Postgres => "postgres",
        }
    }

    pub fn parse(name: &str) -> Option<Storage> {
        [Storage::Memory, Storage::File, Storage::Postgres]
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// The PostgreSQL server of `--storage postgres`: a URL or libpq string.
pub fn postgres_server() -> BenchResult<String> {
    std::env::var("LITEMODEL_BENCH_POSTGRES")
        .or_else(|_| std::env::var("LITEMODEL_TEST_POSTGRES"))
        .map_err(|_| {
            "--storage postgres needs LITEMODEL_BENCH_POSTGRES (or LITEMODEL_TEST_POSTGRES): \
             a libpq connection string, e.g. from `.ci/postgres start`"
                .into()
        })
}

/// The schema each PostgreSQL run recreates and works in.
const POSTGRES_BENCH_SCHEMA: &str = "litemodel_bench";

/// Drops and recreates the benchmark's schema (run on a connection to the server).
pub fn postgres_fresh_schema_sql() -> String {
    let schema = POSTGRES_BENCH_SCHEMA;
    format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
}

/// `server` (a URL or libpq string) with a `search_path` that starts at the
/// benchmark's schema.
pub fn postgres_bench_url(server: &str) -> String {
    let schema = POSTGRES_BENCH_SCHEMA;
    if server.contains("://") {
        let separator = if server.contains('?') { '&' } else { '?' };
        format!("{server}{separator}options=-c%20search_path%3D{schema}")
    } else {
        format!("{server} options='-c search_path={schema}'")
    }
}

/// Moves the key sequences past the seeded ids (the seed writes explicit keys).
pub const POSTGRES_SEED_TAIL: &str = "SELECT setval(pg_get_serial_sequence('roles', 'id'), \
     (SELECT COALESCE(max(id), 0) + 1 FROM roles), false); \
     SELECT setval(pg_get_serial_sequence('users', 'id'), \
     (SELECT COALESCE(max(id), 0) + 1 FROM users), false);";

/// Run after the seed and its tail, one statement at a time (VACUUM cannot
/// run in a string of several statements), by every runner alike: the seeded
/// tables get their statistics, visibility map and hint bits, and the
/// checkpoint writes the seed out, before the first sample rather than
/// during one (autovacuum would otherwise get to the tables at a time of its
/// own choosing).
pub const POSTGRES_SETTLE: [&str; 2] = ["VACUUM (ANALYZE) roles, users", "CHECKPOINT"];

/// One run of one workload in one process: `<exe> run <workload> <storage>
/// <samples> <database path>`.
#[derive(Debug, Clone)]
pub struct Job {
    pub workload: Workload,
    pub storage: Storage,
    pub samples: usize,
    /// The database file (unused in memory).
    pub path: PathBuf,
}

impl Job {
    /// Parses the arguments after `run`.
    pub fn parse(args: &[String]) -> BenchResult<Job> {
        let [workload, storage, samples, path] = args else {
            return Err("usage: run <workload> <storage> <samples> <database path>".into());
        };
        Ok(Job {
            workload: Workload::parse(workload).ok_or("unknown workload")?,
            storage: Storage::parse(storage).ok_or("unknown storage")?,
            samples: samples.parse()?,
            path: PathBuf::from(path),
        })
    }

    pub fn args(&self) -> Vec<String> {
        vec![
            "run".into(),
            self.workload.name().into(),
            self.storage.name().into(),
            self.samples.to_string(),
            self.path.display().to_string(),
        ]
    }

    /// Removes the database file and its WAL companions.
    pub fn remove_database(&self) -> BenchResult {
        remove_database(&self.path)
    }
}

pub fn remove_database(path: &Path) -> BenchResult {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Runs `samples` measured iterations after one warm-up. `setup(i)` prepares
/// iteration `i` untimed; `run(state, i)` is timed and returns a checksum (the
/// same for every library, compared by the driver). Prints the protocol the
/// driver reads: `sample <ns>` per sample, `check <n>`, `memory <peak KiB>
/// <peak above the start KiB>`.
pub fn measure<S>(
    samples: usize,
    mut setup: impl FnMut(usize) -> BenchResult<S>,
    mut run: impl FnMut(S, usize) -> BenchResult<u64>,
) -> BenchResult {
    // Peak memory counts from here: the seeded database (in memory) is in the
    // baseline, what the workload holds on top of it is the peak above it.
    reset_peak_memory();
    let baseline = memory_kib("VmRSS:").unwrap_or(0);
    let mut check = None;
    for i in 0..=samples {
        let state = setup(i)?;
        let start = Instant::now();
        let sum = black_box(run(state, i)?);
        let elapsed = start.elapsed();
        if i > 0 {
            println!("sample {}", elapsed.as_nanos());
        }
        match check {
            None => check = Some(sum),
            Some(first) if first != sum => {
                return Err(format!("checksum changed between samples: {first} != {sum}").into())
            }
            Some(_) => {}
        }
    }
    let peak = memory_kib("VmHWM:").unwrap_or(0);
    println!("check {}", check.unwrap_or(0));
    println!("memory {peak} {}", peak.saturating_sub(baseline));
    Ok(())
}

/// Resets the kernel's peak-RSS counter (VmHWM), Linux ≥ 4.0.
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// A duration as the table prints it.
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.1} µs", secs * 1e6)
    }
}
