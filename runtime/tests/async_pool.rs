//! The async façade (`AsyncPool`, feature `tokio`) under a multi-threaded
//! tokio runtime, on both engines: many concurrent tasks, an executor that
//! keeps running while calls block, and cancelled transactions that roll
//! back and leave the pool healthy.
#![cfg(feature = "tokio")]

mod common;

use std::future::Future;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::seed_models::{Role, User, SCHEMA};
use common::{temp_db, Engine, Scratch, TestResult};
use litemodel::{AsyncPool, Error, Pool};

/// Concurrent tasks in `many_tasks`.
const TASKS: usize = 64;
/// Users each task writes with its role.
const USERS: usize = 3;

fn runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
}

/// A fresh database with the seed tables (made outside the runtime: the
/// synchronous clients must not block an executor thread).
fn seeded(engine: Engine) -> TestResult<Scratch> {
    let (scratch, db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    Ok(scratch)
}

/// An async pool of `size` connections to the scratch database.
async fn pool_of(scratch: &Scratch, size: u32) -> TestResult<AsyncPool> {
    let builder = Pool::builder_for_url(scratch.url())
        .max_size(size)
        .wait(Duration::from_secs(20));
    Ok(AsyncPool::build(builder).await?)
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

fn many_tasks(engine: Engine) -> TestResult {
    let scratch = seeded(engine)?;
    runtime(4)?.block_on(async {
        let pool = pool_of(&scratch, 4).await?;
        let mut tasks = tokio::task::JoinSet::new();
        for task in 0..TASKS {
            let pool = pool.clone();
            // The futures are Send: a multi-threaded runtime may move them.
            tasks.spawn(assert_send(async move {
                pool.transaction(move |s| {
                    let role = s.add(Role::new(format!("role {task}")));
                    for user in 0..USERS {
                        s.add(User::new(format!("task {task} user {user}")).with_role(role));
                    }
                    Ok::<_, Error>(())
                })
                .await?;
                // A read on whatever connection comes next sees the commit.
                let mine = pool
                    .interact(move |db| {
                        User::query()
                            .filter(User::USERNAME.like(&format!("task {task} user %")))
                            .count(&*db)
                    })
                    .await??;
                Ok::<_, Error>(mine)
            }));
        }
        while let Some(joined) = tasks.join_next().await {
            assert_eq!(joined??, USERS as u64);
        }
        let (roles, users) = pool
            .interact(|db| Ok::<_, Error>((Role::query().count(&*db)?, User::query().count(&*db)?)))
            .await??;
        assert_eq!((roles, users), (TASKS as u64, (TASKS * USERS) as u64));
        let (open, _idle) = pool.pool().connections();
        assert!(open <= 4, "{open} connections for a pool of 4");
        Ok(())
    })
}

/// With one executor thread, a call that blocks for a while does not stop a
/// timer task from running meanwhile.
fn the_executor_keeps_running(engine: Engine) -> TestResult {
    let scratch = seeded(engine)?;
    runtime(1)?.block_on(async {
        let pool = pool_of(&scratch, 2).await?;
        let slow = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.interact(|db| {
                    std::thread::sleep(Duration::from_millis(400));
                    db.table_exists("users")
                })
                .await
            }
        });
        let started = Instant::now();
        let mut ticks = 0;
        while !slow.is_finished() {
            tokio::time::sleep(Duration::from_millis(10)).await;
            ticks += 1;
        }
        assert!(slow.await???);
        // 40 if nothing else ran; a blocked executor would manage 0 or 1.
        assert!(
            ticks >= 5,
            "only {ticks} timer ticks in {:?}: the call blocked the executor",
            started.elapsed()
        );
        Ok(())
    })
}

/// Polls until every open connection of the pool is idle again.
async fn until_idle(pool: &AsyncPool) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (open, idle) = pool.pool().connections();
        if open == idle {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{open} connections, only {idle} idle").into());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Runs a transaction that adds a role, tells `inside` once it has flushed
/// and then waits for `release`; `cancel` drops its future meanwhile.
async fn cancelled_transaction<C, F>(pool: &AsyncPool, name: &str, cancel: C) -> TestResult
where
    C: FnOnce(tokio::task::JoinHandle<litemodel::Result<()>>) -> F,
    F: Future<Output = TestResult>,
{
    let (inside_tx, inside_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let name = name.to_owned();
    let task = tokio::spawn({
        let pool = pool.clone();
        async move {
            pool.transaction(move |s| {
                s.add(Role::new(name));
                s.flush()?; // the INSERT has run inside the transaction
                let _ = inside_tx.send(());
                let _ = release_rx.recv_timeout(Duration::from_secs(10));
                Ok::<_, Error>(())
            })
            .await
        }
    });
    tokio::task::spawn_blocking(move || inside_rx.recv_timeout(Duration::from_secs(10))).await??;
    cancel(task).await?;
    // The blocking closure finishes only now, after its awaiting task is gone.
    release_tx.send(())?;
    until_idle(pool).await
}

fn a_cancelled_transaction_rolls_back(engine: Engine) -> TestResult {
    let scratch = seeded(engine)?;
    runtime(2)?.block_on(async {
        let pool = pool_of(&scratch, 2).await?;
        // Aborted.
        cancelled_transaction(&pool, "aborted", |task| async move {
            task.abort();
            let joined = task.await;
            assert!(joined.is_err_and(|e| e.is_cancelled()));
            Ok(())
        })
        .await?;
        // Dropped by a timeout around the call.
        let timed_out = tokio::time::timeout(
            Duration::from_millis(50),
            pool.transaction(|s| {
                s.add(Role::new("timed out"));
                s.flush()?;
                std::thread::sleep(Duration::from_millis(300));
                Ok::<_, Error>(())
            }),
        )
        .await;
        assert!(timed_out.is_err(), "the timeout should have fired");
        until_idle(&pool).await?;
        // Nothing of either was committed.
        let names = pool
            .interact(|db| Role::query().all(&*db))
            .await??
            .into_iter()
            .filter_map(|role| role.name)
            .collect::<Vec<_>>();
        assert_eq!(names, Vec::<String>::new());
        // The pool is healthy: every connection commits again, outside any
        // transaction left over.
        let mut checks = tokio::task::JoinSet::new();
        for n in 0..4 {
            let pool = pool.clone();
            checks.spawn(async move {
                pool.transaction(move |s| {
                    s.add(Role::new(format!("after {n}")));
                    Ok::<_, Error>(())
                })
                .await
            });
        }
        while let Some(joined) = checks.join_next().await {
            joined??;
        }
        let after = pool.interact(|db| Role::query().count(&*db)).await??;
        assert_eq!(after, 4);
        Ok(())
    })
}

/// A closure that panics panics its awaiting task; the pool carries on.
fn a_panic_reaches_the_task(engine: Engine) -> TestResult {
    let scratch = seeded(engine)?;
    runtime(2)?.block_on(async {
        let pool = pool_of(&scratch, 1).await?;
        let panicking = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.transaction(|s| {
                    s.add(Role::new("never"));
                    s.flush()?;
                    let bug = true;
                    if bug {
                        panic!("a bug in the closure");
                    }
                    Ok::<_, Error>(())
                })
                .await
            }
        });
        assert!(panicking.await.is_err_and(|e| e.is_panic()));
        until_idle(&pool).await?;
        let roles = pool.interact(|db| Role::query().count(&*db)).await??;
        assert_eq!(roles, 0);
        Ok(())
    })
}

/// A checked-out connection serves several calls: its statement counter
/// spans them.
fn a_checked_out_connection(engine: Engine) -> TestResult {
    let scratch = seeded(engine)?;
    runtime(2)?.block_on(async {
        let pool = pool_of(&scratch, 2).await?;
        let mut conn = pool.get().await?;
        let counter = conn.interact(|db| db.statement_counter()).await?;
        let before = counter.get();
        conn.transaction(|s| {
            s.add(Role::new("Admin"));
            Ok::<_, Error>(())
        })
        .await?;
        let roles = conn.interact(|db| Role::query().count(&*db)).await??;
        assert_eq!(roles, 1);
        // BEGIN, INSERT, COMMIT, then the count.
        assert_eq!(counter.get() - before, 4);
        drop(conn); // back to the pool, from inside the runtime
        until_idle(&pool).await?;
        Ok(())
    })
}

engines!(
    many_tasks,
    the_executor_keeps_running,
    a_cancelled_transaction_rolls_back,
    a_panic_reaches_the_task,
    a_checked_out_connection,
);
