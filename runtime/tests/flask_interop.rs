//! Two writers, two languages, one SQLite file: a Flask-SQLAlchemy process
//! (`tests/sqlalchemy/flask_interop.py`) and litemodel write the blog test
//! models at the same time. litemodel changes `posts.title` of shared posts,
//! Flask-SQLAlchemy `posts.views`; both write only the column they changed, so
//! every change survives. The soak adds a litemodel child process and a pool of
//! threads inserting authors with their posts, and reads everything back from
//! both sides.
//!
//! The Python tests need the virtualenv of `tests/sqlalchemy/record.sh`
//! (`target/sqlalchemy-venv`, or `LITEMODEL_SQLALCHEMY_VENV`); without it they
//! say so on standard error and pass. `tests/sqlalchemy/record_interop.sh`
//! runs them and records the outcome in
//! `tests/sqlalchemy/flask_interop.recorded.txt`, which
//! `the_recorded_run_is_of_the_current_script` holds to the script.
//!
//! The litemodel child process is this test binary again, run with
//! `SOAK_DB` set: then `child_soak_writer` writes; otherwise it does nothing.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::blog_models::{Author, Post, SCHEMA};
use litemodel::{Database, Pool};
use serde_json::Value;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const VENV_ENV: &str = "LITEMODEL_SQLALCHEMY_VENV";
const SOAK_SECS_ENV: &str = "LITEMODEL_SOAK_SECS";
const SOAK_DB: &str = "LITEMODEL_FLASK_SOAK_DB";
const SOAK_WRITER: &str = "LITEMODEL_FLASK_SOAK_WRITER";
const SOAK_DEADLINE_MS: &str = "LITEMODEL_FLASK_SOAK_MS";
/// The author whose posts both languages update (`SHARED_AUTHOR` in the script).
const SHARED_AUTHOR: &str = "shared";
const SHARED_POSTS: usize = 12;
/// Posts per inserted author (`POSTS_PER_AUTHOR` in the script).
const POSTS_PER_AUTHOR: usize = 3;
/// litemodel writers of the soak: pool threads 0..3 and a child process (3).
const RUST_WRITERS: usize = 4;
const CHILD_WRITER: usize = 3;
/// The soak's default length; `LITEMODEL_SOAK_SECS` sets another.
const DEFAULT_SOAK_SECS: f64 = 3.0;
/// What a litemodel writer does between its commits, in milliseconds (a web
/// handler's own work); `LITEMODEL_SOAK_PAUSE_MS` sets another. With none,
/// four litemodel writers in tight loops take the lock so often that SQLite's
/// busy handler (which sleeps, it does not queue) leaves the Flask writer
/// waiting up to seconds per commit: see docs/reliability.md.
const PAUSE_ENV: &str = "LITEMODEL_SOAK_PAUSE_MS";
const DEFAULT_PAUSE_MS: u64 = 5;
/// The busy timeout of every writer of the soak, both languages, in seconds
/// (`LITEMODEL_SOAK_BUSY_SECS`); the default is the documented 5 s of both.
const BUSY_ENV: &str = "LITEMODEL_SOAK_BUSY_SECS";

fn busy_timeout() -> Option<Duration> {
    std::env::var(BUSY_ENV)
        .ok()
        .and_then(|secs| secs.parse().ok())
        .map(Duration::from_secs_f64)
}

/// Opens `path` with the soak's busy timeout.
fn open_with_busy_timeout(path: &str) -> TestResult<Database> {
    let db = Database::open(path)?;
    if let (Some(timeout), Some(conn)) = (busy_timeout(), db.sqlite()) {
        conn.busy_timeout(timeout)?;
    }
    Ok(db)
}

fn pause() -> Duration {
    Duration::from_millis(
        std::env::var(PAUSE_ENV)
            .ok()
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(DEFAULT_PAUSE_MS),
    )
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from(".."), Path::to_path_buf)
}

fn script() -> PathBuf {
    workspace().join("tests/sqlalchemy/flask_interop.py")
}

/// The virtualenv's Python, if it is there.
fn python() -> Option<PathBuf> {
    let venv = std::env::var_os(VENV_ENV)
        .map_or_else(|| workspace().join("target/sqlalchemy-venv"), PathBuf::from);
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    eprintln!(
        "skipping: no Flask-SQLAlchemy virtualenv at {} (tests/sqlalchemy/record.sh makes one)",
        venv.display()
    );
    None
}

/// A fresh file with the blog tables and the shared author's posts; their ids.
fn shared_file(dir: &Path) -> TestResult<(String, Vec<i64>)> {
    let path = dir.join("shared.sqlite").display().to_string();
    let mut db = Database::open(&path)?;
    db.create_all(&SCHEMA)?;
    let mut session = db.session();
    let author = session.add(Author::new(SHARED_AUTHOR));
    let keys: Vec<_> = (0..SHARED_POSTS)
        .map(|i| session.add(Post::new(format!("shared {i}"), 0).with_author(author)))
        .collect();
    session.commit()?;
    let ids = keys
        .iter()
        .map(|key| session[*key].id.ok_or("no id"))
        .collect::<Result<_, _>>()?;
    Ok((path, ids))
}

/// Starts the script in `mode` and waits for its `ready`.
fn start_python(python: &Path, args: &[&str]) -> TestResult<(Child, BufReader<ChildStdout>)> {
    let mut child = Command::new(python)
        .arg(script())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout);
    let mut line = String::new();
    lines.read_line(&mut line)?;
    if line.trim() != "ready" {
        let output = child.wait_with_output()?;
        return Err(format!(
            "the Flask process did not start: {line}{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok((child, lines))
}

/// Waits for the script and parses the JSON of its last line.
fn finish_python(mut child: Child, mut lines: BufReader<ChildStdout>) -> TestResult<Value> {
    drop(child.stdin.take());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut lines, &mut rest)?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        return Err(format!(
            "the Flask process failed: {rest}{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let last = rest.lines().last().ok_or("no output")?;
    Ok(serde_json::from_str(last)?)
}

fn run_python(python: &Path, args: &[&str]) -> TestResult<Value> {
    let output = Command::new(python).arg(script()).args(args).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the Flask process failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(serde_json::from_str(
        stdout.lines().last().ok_or("no output")?,
    )?)
}

/// Loads a post, puts it in a session as loaded, sets its title, commits.
fn retitle(db: &mut Database, id: i64, title: &str) -> TestResult<Duration> {
    let post = Post::get(db, id)?.ok_or("a shared post is gone")?;
    let start = Instant::now();
    let mut session = db.session();
    let key = session.attach(post);
    session[key].title = title.to_owned();
    session.commit()?;
    Ok(start.elapsed())
}

/// How each side left the shared posts: (title, views) by id, read by litemodel.
fn shared_posts(db: &Database, ids: &[i64]) -> TestResult<Vec<(String, i32)>> {
    ids.iter()
        .map(|id| {
            let post = Post::get(db, *id)?.ok_or("a shared post is gone")?;
            Ok((post.title, post.views))
        })
        .collect()
}

fn stat(value: &Value, path: &[&str]) -> f64 {
    path.iter()
        .fold(value, |v, key| &v[key])
        .as_f64()
        .unwrap_or(f64::NAN)
}

/// The repro, across languages: litemodel loads a post, Flask sets its
/// `views` and commits, litemodel sets its `title` and commits; then both
/// sides run free over the same posts. Every change of both is in the file.
#[test]
fn flask_and_litemodel_change_different_columns_of_the_same_rows() -> TestResult {
    let Some(python) = python() else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let (path, ids) = shared_file(dir.path())?;
    let mut db = Database::open(&path)?;

    // Lockstep: the Flask commit falls between litemodel's load and commit,
    // on every post.
    let (mut child, mut lines) = start_python(&python, &["lockstep", &path])?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    for (i, id) in ids.iter().enumerate() {
        let post = Post::get(&db, *id)?.ok_or("a shared post is gone")?;
        let mut session = db.session();
        let key = session.attach(post);
        writeln!(stdin, "{id} {}", 100 + i)?;
        let mut answer = String::new();
        lines.read_line(&mut answer)?;
        assert_eq!(answer.trim(), format!("ok {id}"));
        session[key].title = format!("lockstep {i}");
        session.commit()?;
    }
    drop(stdin);
    let lockstep = finish_python(child, lines)?;
    assert_eq!(stat(&lockstep, &["stats", "locked"]), 0.0);
    for (i, (title, views)) in shared_posts(&db, &ids)?.into_iter().enumerate() {
        assert_eq!(title, format!("lockstep {i}"));
        assert_eq!(i64::from(views), 100 + i as i64, "Flask's change was lost");
    }

    // Free running: each side sets its column of every post, round after
    // round, one commit per post, at the same time.
    const ROUNDS: usize = 20;
    let rounds = ROUNDS.to_string();
    let (child, lines) = start_python(&python, &["columns", &path, &rounds])?;
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    for n in 1..=ROUNDS {
        for id in &ids {
            slowest = slowest.max(retitle(&mut db, *id, &format!("rust {n}"))?);
        }
    }
    let rust_done = start.elapsed();
    let flask = finish_python(child, lines)?;
    let both_done = start.elapsed();
    assert_eq!(stat(&flask, &["stats", "locked"]), 0.0);
    assert_eq!(
        stat(&flask, &["stats", "commits"]),
        (ROUNDS * SHARED_POSTS) as f64
    );
    for (title, views) in shared_posts(&db, &ids)? {
        assert_eq!(title, format!("rust {ROUNDS}"));
        assert_eq!(i64::from(views), ROUNDS as i64);
    }
    // And Flask-SQLAlchemy reads the same.
    let seen = run_python(&python, &["verify", &path])?;
    for id in &ids {
        let post = &seen["shared"][id.to_string()];
        assert_eq!(post["title"], format!("rust {ROUNDS}"));
        assert_eq!(post["views"], ROUNDS);
    }
    println!(
        "columns: {} litemodel and {} Flask commits on {SHARED_POSTS} shared posts in {:.2} s \
         (litemodel done after {:.2} s); slowest commit: litemodel {:.1} ms, Flask {:.1} ms; \
         database is locked: 0",
        ROUNDS * SHARED_POSTS,
        stat(&flask, &["stats", "commits"]),
        both_done.as_secs_f64(),
        rust_done.as_secs_f64(),
        slowest.as_secs_f64() * 1000.0,
        stat(&flask, &["stats", "max_commit_ms"]),
    );
    Ok(())
}

/// What one litemodel writer of the soak did.
#[derive(Debug, Default)]
struct Written {
    /// Authors (each with its posts) committed.
    authors: usize,
    commits: usize,
    slowest: Duration,
    /// The last title this writer committed for each of its shared posts.
    titles: BTreeMap<i64, String>,
}

/// Writer `w` until `deadline`: an author with its posts, then the title of
/// one of its shared posts (writer `w` owns the posts at positions `w`, `w +
/// RUST_WRITERS`, ...: litemodel writers do not race each other for a column,
/// only Flask for the row).
fn soak_writer(
    db: &mut Database,
    w: usize,
    ids: &[i64],
    deadline: Instant,
) -> litemodel::Result<Written> {
    let mine: Vec<i64> = ids.iter().copied().skip(w).step_by(RUST_WRITERS).collect();
    let mut written = Written::default();
    let pause = pause();
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let name = format!("rust{w} {n}");
        let start = Instant::now();
        db.transaction(|s| {
            let author = s.add(Author::new(name.clone()));
            for i in 0..POSTS_PER_AUTHOR {
                s.add(Post::new(format!("{name} post {i}"), i as i32).with_author(author));
            }
            Ok::<_, litemodel::Error>(())
        })?;
        written.slowest = written.slowest.max(start.elapsed());
        written.authors += 1;
        let id = mine[n % mine.len()];
        let post = Post::get(db, id)?.ok_or(litemodel::Error::NotFound { table: "posts" })?;
        let start = Instant::now();
        let mut session = db.session();
        let key = session.attach(post);
        session[key].title = name.clone();
        session.commit()?;
        drop(session);
        written.slowest = written.slowest.max(start.elapsed());
        written.commits += 2;
        written.titles.insert(id, name);
        std::thread::sleep(pause);
    }
    Ok(written)
}

#[test]
fn child_soak_writer() -> TestResult {
    let Ok(path) = std::env::var(SOAK_DB) else {
        return Ok(()); // run as an ordinary test: nothing to do
    };
    let w: usize = std::env::var(SOAK_WRITER)?.parse()?;
    let millis: u64 = std::env::var(SOAK_DEADLINE_MS)?.parse()?;
    let mut db = open_with_busy_timeout(&path)?;
    let ids: Vec<i64> = Post::query()
        .filter(Post::TITLE.like("shared %"))
        .order_by(Post::ID.asc())
        .all(&db)?
        .iter()
        .filter_map(|p| p.id)
        .collect();
    let written = soak_writer(
        &mut db,
        w,
        &ids,
        Instant::now() + Duration::from_millis(millis),
    )?;
    let titles: BTreeMap<String, &String> = written
        .titles
        .iter()
        .map(|(id, title)| (id.to_string(), title))
        .collect();
    println!(
        "{}",
        serde_json::json!({
            "authors": written.authors,
            "commits": written.commits,
            "max_commit_ms": written.slowest.as_secs_f64() * 1000.0,
            "titles": titles,
        })
    );
    Ok(())
}

/// Reads until told to stop: no author is seen without all its posts, and
/// the number of authors only grows.
fn read_until(pool: &Pool, stop: &AtomicBool) -> TestResult<usize> {
    let mut reads = 0;
    let mut seen = 0;
    loop {
        let last_round = stop.load(Ordering::SeqCst);
        let db = pool.get()?;
        let partial = common::query_i64(
            &db,
            &format!(
                "SELECT count(*) FROM authors a WHERE a.name <> '{SHARED_AUTHOR}' AND \
                 (SELECT count(*) FROM posts p WHERE p.author_id = a.id) <> {POSTS_PER_AUTHOR}"
            ),
        )
        .map_err(|e| e.to_string())?;
        assert_eq!(partial, 0, "a commit was seen in part");
        let authors = Author::query().count(&*db)?;
        assert!(authors >= seen, "a committed author disappeared");
        seen = authors;
        reads += 1;
        if last_round {
            return Ok(reads);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The soak: Flask-SQLAlchemy, a litemodel process and three pooled litemodel
/// threads insert authors with their posts and update the shared posts (Flask
/// their views, litemodel their titles) for `LITEMODEL_SOAK_SECS` (3 s by
/// default) on one file in WAL mode, while a thread reads. Nothing is lost,
/// nobody sees "database is locked", both sides read every row back.
#[test]
fn soak_flask_and_litemodel_share_one_file() -> TestResult {
    let Some(python) = python() else {
        return Ok(());
    };
    let seconds: f64 = match std::env::var(SOAK_SECS_ENV) {
        Ok(text) => text.parse()?,
        Err(_) => DEFAULT_SOAK_SECS,
    };
    let length = Duration::from_secs_f64(seconds);
    let dir = tempfile::tempdir()?;
    let (path, ids) = shared_file(dir.path())?;

    let (flask, flask_lines) = start_python(&python, &["soak", &path, &seconds.to_string()])?;
    let started = Instant::now();
    let deadline = started + length;
    let process = Command::new(std::env::current_exe()?)
        .args([
            "child_soak_writer",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SOAK_DB, &path)
        .env(SOAK_WRITER, CHILD_WRITER.to_string())
        .env(SOAK_DEADLINE_MS, length.as_millis().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut pool = Pool::builder(&path).max_size(4);
    if let Some(timeout) = busy_timeout() {
        pool = pool.busy_timeout(timeout);
    }
    let pool = pool.build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (pool, stop) = (pool.clone(), Arc::clone(&stop));
        std::thread::spawn(move || read_until(&pool, &stop).map_err(|e| e.to_string()))
    };
    let threads: Vec<_> = (0..CHILD_WRITER)
        .map(|w| {
            let (pool, ids) = (pool.clone(), ids.clone());
            std::thread::spawn(move || -> Result<Written, String> {
                let mut db = pool.get().map_err(|e| e.to_string())?;
                soak_writer(&mut db, w, &ids, deadline).map_err(|e| format!("writer {w}: {e}"))
            })
        })
        .collect();

    let mut rust: Vec<Written> = Vec::new();
    for thread in threads {
        rust.push(thread.join().map_err(|_| "a writer thread panicked")??);
    }
    let output = process.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let child: Value = stdout
        .lines()
        // The harness prints `test child_soak_writer ... ` before it.
        .find_map(|line| serde_json::from_str(&line[line.find('{')?..]).ok())
        .ok_or_else(|| {
            format!(
                "the litemodel process failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let flask = finish_python(flask, flask_lines)?;
    let elapsed = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let reads = reader.join().map_err(|_| "the reader panicked")??;

    // Every commit is there, as litemodel reads it...
    let db = pool.get()?;
    let integrity =
        common::query_texts(&db, "PRAGMA integrity_check").map_err(|e| e.to_string())?;
    assert_eq!(integrity, [Some("ok".to_owned())]);
    let count_like = |pattern: String| -> TestResult<u64> {
        Ok(Author::query()
            .filter(Author::NAME.like(&pattern))
            .count(&*db)?)
    };
    let flask_authors = stat(&flask, &["authors"]) as u64;
    assert_eq!(count_like("flask %".into())?, flask_authors);
    let child_authors = child["authors"].as_u64().ok_or("no count")?;
    for (w, written) in rust.iter().enumerate() {
        assert_eq!(count_like(format!("rust{w} %"))?, written.authors as u64);
    }
    assert_eq!(count_like(format!("rust{CHILD_WRITER} %"))?, child_authors);
    let total_authors =
        flask_authors + child_authors + rust.iter().map(|w| w.authors as u64).sum::<u64>();
    assert_eq!(
        Post::query().count(&*db)?,
        total_authors * POSTS_PER_AUTHOR as u64 + SHARED_POSTS as u64
    );
    // ... each shared post holds the last title its litemodel writer committed
    // and the last views Flask committed ...
    let mut titles: BTreeMap<i64, String> = BTreeMap::new();
    for written in &rust {
        titles.extend(written.titles.clone());
    }
    if let Some(map) = child["titles"].as_object() {
        for (id, title) in map {
            titles.insert(id.parse()?, title.as_str().unwrap_or_default().to_owned());
        }
    }
    for (id, (title, views)) in ids.iter().zip(shared_posts(&db, &ids)?) {
        if let Some(expected) = titles.get(id) {
            assert_eq!(&title, expected, "a litemodel title of post {id} was lost");
        }
        if let Some(expected) = flask["last_views"][id.to_string()].as_i64() {
            assert_eq!(
                i64::from(views),
                expected,
                "a Flask view count of post {id} was lost"
            );
        }
    }
    // ... and as Flask-SQLAlchemy reads it.
    let seen = run_python(&python, &["verify", &path])?;
    assert_eq!(seen["authors"]["flask"], flask_authors);
    for (w, written) in rust.iter().enumerate() {
        assert_eq!(seen["authors"][format!("rust{w}")], written.authors);
    }
    assert_eq!(
        seen["authors"][format!("rust{CHILD_WRITER}")],
        child_authors
    );
    assert_eq!(seen["posts"], total_authors * POSTS_PER_AUTHOR as u64);
    for (id, (title, views)) in ids.iter().zip(shared_posts(&db, &ids)?) {
        assert_eq!(seen["shared"][id.to_string()]["title"], title);
        assert_eq!(seen["shared"][id.to_string()]["views"], views);
    }
    assert_eq!(stat(&flask, &["stats", "locked"]), 0.0);

    let rust_commits: usize = rust.iter().map(|w| w.commits).sum::<usize>()
        + child["commits"].as_u64().unwrap_or(0) as usize;
    let rust_slowest = rust
        .iter()
        .map(|w| w.slowest.as_secs_f64() * 1000.0)
        .chain(child["max_commit_ms"].as_f64())
        .fold(0.0, f64::max);
    println!(
        "soak: {:.1} s, litemodel pausing {} ms between commits, busy timeout {} s; Flask {} commits ({} authors, slowest {:.1} ms, mean {:.2} ms); \
         litemodel {} commits from 3 threads and 1 process ({} authors, slowest {:.1} ms); \
         {} reads; {} rows; database is locked: 0",
        elapsed.as_secs_f64(),
        pause().as_millis(),
        busy_timeout().map_or(5.0, |t| t.as_secs_f64()),
        stat(&flask, &["stats", "commits"]),
        flask_authors,
        stat(&flask, &["stats", "max_commit_ms"]),
        stat(&flask, &["stats", "mean_commit_ms"]),
        rust_commits,
        total_authors - flask_authors,
        rust_slowest,
        reads,
        total_authors * (1 + POSTS_PER_AUTHOR as u64) + 1 + SHARED_POSTS as u64,
    );
    Ok(())
}

/// FNV-1a, 64 bits, `\r\n` read as `\n` (record_interop.sh's checksum).
fn fnv1a64(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// CI has no PyPI: the live run is recorded by `record_interop.sh`, and the
/// record must be of the script as it is and say that every test passed.
#[test]
fn the_recorded_run_is_of_the_current_script() -> TestResult {
    let record =
        std::fs::read_to_string(workspace().join("tests/sqlalchemy/flask_interop.recorded.txt"))?;
    let sum = fnv1a64(&std::fs::read(script())?);
    assert!(
        record.starts_with(&format!("flask_interop.py fnv1a64 {sum}\n")),
        "tests/sqlalchemy/flask_interop.recorded.txt is not of the current flask_interop.py: \
         run tests/sqlalchemy/record_interop.sh"
    );
    assert!(record.contains("\ncolumns: ") && record.contains("\nsoak: "));
    assert!(record.contains("database is locked: 0"));
    assert!(
        record.contains("test result: ok.") && !record.contains("FAILED"),
        "{record}"
    );
    Ok(())
}
