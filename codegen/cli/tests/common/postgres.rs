//! A PostgreSQL server for the command's tests: the server `LITEMODEL_TEST_POSTGRES`
//! names (see `.ci/postgres`), a schema of its own per test, and the catalog
//! signature that round trips compare.

use std::fs;
use std::io::Write as _;
use std::sync::Once;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The server's connection string, or `None` (after one visible line) outside CI.
pub fn server() -> Option<String> {
    static SKIPPED: Once = Once::new();
    match std::env::var("LITEMODEL_TEST_POSTGRES") {
        Ok(conninfo) if !conninfo.trim().is_empty() => Some(conninfo),
        _ => {
            assert!(
                std::env::var("CI").map_or(true, |ci| ci != "true"),
                "LITEMODEL_TEST_POSTGRES is not set, and CI=true: the PostgreSQL tests \
                 must run in CI (.ci/run starts a server with .ci/postgres)"
            );
            // Straight to stderr: the test harness captures `eprintln!`.
            SKIPPED.call_once(|| {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "skipped: LITEMODEL_TEST_POSTGRES is not set"
                );
            });
            None
        }
    }
}

/// A schema of its own on the server, dropped (with what it holds) at the end.
pub struct Schema {
    pub admin: postgres::Client,
    pub name: String,
    /// A libpq connection string whose `search_path` is this schema.
    pub target: String,
}

impl Schema {
    /// `{prefix}_{case}_{process id}`, made afresh.
    pub fn create(conninfo: &str, prefix: &str, case: &str) -> TestResult<Self> {
        let config: postgres::Config = conninfo.parse()?;
        let mut admin = config.connect(postgres::NoTls)?;
        let name = format!("{prefix}_{case}_{}", std::process::id());
        admin.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))?;
        let target = format!("{} options=-csearch_path={name}", conninfo_of(&config));
        Ok(Schema {
            admin,
            name,
            target,
        })
    }

    /// Runs SQL with this schema first in the `search_path`.
    pub fn execute(&mut self, sql: &str) -> TestResult {
        self.admin
            .batch_execute(&format!("SET search_path = {}; {sql}", self.name))?;
        Ok(())
    }

    /// The catalog signature of the schema: one line per column, constraint, index,
    /// enum type and sequence, read with the schema as the `search_path` so that
    /// names are not qualified by it.
    pub fn signature(&mut self) -> TestResult<String> {
        self.admin
            .batch_execute(&format!("SET search_path = {}", self.name))?;
        let mut out = String::new();
        for query in SIGNATURE {
            for row in self.admin.query(*query, &[])? {
                let line: String = row.try_get(0)?;
                out.push_str(&line.replace(&format!(" ON {}.", self.name), " ON "));
                out.push('\n');
            }
        }
        self.admin.batch_execute("RESET search_path")?;
        Ok(out)
    }
}

impl Schema {
    /// Asserts that the server holds no table in this schema and no scratch schema
    /// of the planner: planning keeps nothing.
    pub fn assert_planning_left_nothing(&mut self) -> TestResult {
        assert_eq!(self.signature()?, "", "nothing in the schema");
        let scratch: i64 = self
            .admin
            .query_one(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'litemodel_scratch_%'",
                &[],
            )?
            .try_get(0)?;
        assert_eq!(scratch, 0, "no scratch schema is left on the server");
        Ok(())
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        // Best effort: a leftover schema dies with the throwaway cluster.
        let _ = self
            .admin
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}

/// The catalog signature without the version table (`create-all` makes none),
/// and with it.
pub trait Signatures {
    fn model_signature(&mut self) -> TestResult<String>;
    fn full_signature(&mut self) -> TestResult<String>;
}

impl Signatures for Schema {
    fn model_signature(&mut self) -> TestResult<String> {
        let all = Schema::signature(self)?;
        Ok(all
            .lines()
            .filter(|line| !line.contains("litemodel_migrations"))
            .map(|line| format!("{line}\n"))
            .collect())
    }

    fn full_signature(&mut self) -> TestResult<String> {
        Schema::signature(self)
    }
}

/// The catalog signature `create-all` of `spec` makes in a fresh schema.
pub fn created_signature(conninfo: &str, spec: &str, case: &str) -> TestResult<String> {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("models.toml"), spec)?;
    let mut fresh = Schema::create(conninfo, "created", case)?;
    super::litemodel()
        .current_dir(dir.path())
        .args([
            "--spec",
            "models.toml",
            "create-all",
            "--database",
            &fresh.target,
        ])
        .env_remove("DATABASE_URL")
        .assert()
        .success();
    fresh.model_signature()
}

/// The server and user of `config` as a libpq connection string, without a
/// database-specific `options`.
pub fn conninfo_of(config: &postgres::Config) -> String {
    let mut out = Vec::new();
    for host in config.get_hosts() {
        match host {
            postgres::config::Host::Tcp(host) => out.push(format!("host={host}")),
            postgres::config::Host::Unix(path) => out.push(format!("host={}", path.display())),
        }
    }
    if let Some(port) = config.get_ports().first() {
        out.push(format!("port={port}"));
    }
    if let Some(user) = config.get_user() {
        out.push(format!("user={user}"));
    }
    if let Some(password) = config.get_password() {
        out.push(format!("password={}", String::from_utf8_lossy(password)));
    }
    if let Some(dbname) = config.get_dbname() {
        out.push(format!("dbname={dbname}"));
    }
    out.join(" ")
}

/// The catalog signature's queries (those of `tests/sqlalchemy/postgres_catalog.sql`,
/// for the current schema instead of `public`).
pub const SIGNATURE: &[&str] = &[
    "SELECT format('table %s', c.relname) FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname",
    "SELECT format('column %s.%s %s %s default=%s identity=%s', c.relname, a.attname, \
            format_type(a.atttypid, a.atttypmod), \
            CASE WHEN a.attnotnull THEN 'not-null' ELSE 'null' END, \
            coalesce(pg_get_expr(d.adbin, d.adrelid), '-'), \
            CASE WHEN a.attidentity = '' THEN '-' ELSE a.attidentity::text END) \
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 \
       AND NOT a.attisdropped ORDER BY c.relname, a.attnum",
    "SELECT format('constraint %s on %s type=%s: %s', con.conname, c.relname, con.contype, \
            pg_get_constraintdef(con.oid, true)) \
     FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
     JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() ORDER BY c.relname, con.conname",
    "SELECT format('index %s on %s: %s', i.relname, t.relname, pg_get_indexdef(i.oid)) \
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
     JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE n.nspname = current_schema() ORDER BY t.relname, i.relname",
    "SELECT format('enum %s: %s', t.typname, \
            string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)) \
     FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid \
     JOIN pg_namespace n ON n.oid = t.typnamespace \
     WHERE n.nspname = current_schema() GROUP BY t.typname ORDER BY t.typname",
    "SELECT format('sequence %s owned-by=%s type=%s start=%s increment=%s', s.relname, \
            coalesce(t.relname || '.' || a.attname, '-'), \
            format_type(q.seqtypid, NULL), q.seqstart, q.seqincrement) \
     FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace \
     JOIN pg_sequence q ON q.seqrelid = s.oid \
     LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid \
       AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') \
     LEFT JOIN pg_class t ON t.oid = d.refobjid \
     LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
     WHERE n.nspname = current_schema() AND s.relkind = 'S' ORDER BY s.relname",
];
