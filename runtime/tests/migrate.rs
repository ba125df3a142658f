//! The migration runner on both engines, as a program embeds it
//! (`db.migrate(&MIGRATIONS)`): pending migrations applied in order, each in one
//! transaction; a failing one rolled back whole; a file written for the other
//! engine refused before anything runs. Migration files are engine-specific SQL,
//! so each engine gets its own text of the same two migrations.

mod common;

use common::{query_i64, temp_db, Engine, TestResult};
use litemodel::{MigrateError, Migration, Migrations};

fn initial(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => {
            "-- migrate:dialect postgresql\n-- migrate:up\n\
             CREATE TABLE notes (id SERIAL NOT NULL, body TEXT, CONSTRAINT notes_pkey PRIMARY KEY (id));\n\
             -- migrate:down\nDROP TABLE notes;\n"
        }
        _ => {
            "-- migrate:up\nCREATE TABLE notes (id INTEGER NOT NULL, body TEXT, PRIMARY KEY (id));\n\
             -- migrate:down\nDROP TABLE notes;\n"
        }
    }
}

fn header(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "-- migrate:dialect postgresql\n",
        _ => "",
    }
}

fn migrations(engine: Engine, second: &str) -> TestResult<Migrations> {
    Ok(Migrations::new(vec![
        Migration::from_file("0001_initial.sql", initial(engine).to_owned())?,
        Migration::from_file("0002_second.sql", format!("{}{second}", header(engine)))?,
    ])?)
}

fn embedded_migrations_bring_the_database_up_to_date(engine: Engine) -> TestResult {
    let (_scratch, db) = temp_db(engine)?;
    let all = migrations(
        engine,
        "-- migrate:up\nALTER TABLE notes ADD COLUMN pinned BOOLEAN DEFAULT false NOT NULL;\n\
         INSERT INTO notes (body) VALUES ('first; with a semicolon');\n\
         -- migrate:down\nDELETE FROM notes;\nALTER TABLE notes DROP COLUMN pinned;\n",
    )?;
    assert_eq!(db.migrate(&all)?, vec![1, 2]);
    assert_eq!(db.migrate(&all)?, Vec::<i64>::new());
    assert_eq!(all.current_version(&db)?, 2);
    assert_eq!(
        query_i64(&db, "SELECT count(*) FROM notes WHERE NOT pinned")?,
        1
    );
    let status = all.status(&db)?;
    assert_eq!(status.len(), 2);
    assert!(status
        .iter()
        .all(|s| matches!(s.state, litemodel::migrate::State::Applied { .. })));
    assert_eq!(all.down(&db, None)?, vec![2]);
    assert_eq!(all.current_version(&db)?, 1);
    assert_eq!(all.down(&db, Some(0))?, vec![1]);
    assert!(!db.table_exists("notes")?);
    Ok(())
}

fn a_failing_migration_is_rolled_back_whole(engine: Engine) -> TestResult {
    let (_scratch, db) = temp_db(engine)?;
    let all = migrations(
        engine,
        "-- migrate:up\nCREATE TABLE tags (id INTEGER NOT NULL, PRIMARY KEY (id));\n\
         INSERT INTO no_such_table VALUES (1);\n",
    )?;
    let error = db
        .migrate(&all)
        .err()
        .ok_or("the second migration must fail")?;
    let message = error.to_string();
    assert!(
        message.contains("migration 2 `second` (up) failed and was rolled back"),
        "{message}"
    );
    if engine == Engine::Postgres {
        assert!(matches!(error, MigrateError::Statement { .. }), "{error:?}");
        assert!(
            message.contains("at the statement `INSERT INTO no_such_table VALUES (1)`"),
            "{message}"
        );
    }
    assert_eq!(all.current_version(&db)?, 1, "the first stays applied");
    assert!(db.table_exists("notes")?);
    assert!(!db.table_exists("tags")?, "nothing of the second is left");
    Ok(())
}

fn a_migration_for_the_other_engine_is_refused(engine: Engine) -> TestResult {
    let (_scratch, db) = temp_db(engine)?;
    let other = match engine {
        Engine::Postgres => Engine::Sqlite,
        _ => Engine::Postgres,
    };
    let all = Migrations::new(vec![Migration::from_file(
        "0001_initial.sql",
        initial(other).to_owned(),
    )?])?;
    let error = db.migrate(&all).err().ok_or("must refuse")?;
    assert!(
        matches!(error, MigrateError::WrongDialect { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "was written for {}, but this database is {}",
            other.name(),
            engine.name()
        )),
        "{message}"
    );
    assert!(!db.table_exists("notes")?);
    assert!(!db.table_exists("litemodel_migrations")?, "nothing ran");
    Ok(())
}

engines!(
    embedded_migrations_bring_the_database_up_to_date,
    a_failing_migration_is_rolled_back_whole,
    a_migration_for_the_other_engine_is_refused,
);

/// Several programs migrating one PostgreSQL database at the same time (instances
/// of a service starting together): each migration is applied once, by one of
/// them, and every one of them ends up current without an error.
#[cfg(feature = "postgres")]
#[test]
fn concurrent_migrations_apply_each_version_once_on_postgresql() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let (scratch, _db) = temp_db(Engine::Postgres)?;
    let all = migrations(
        Engine::Postgres,
        "-- migrate:up\nALTER TABLE notes ADD COLUMN pinned BOOLEAN DEFAULT false NOT NULL;\n\
         SELECT pg_sleep(0.2);\n\
         -- migrate:down\nALTER TABLE notes DROP COLUMN pinned;\n",
    )?;
    let url = scratch.url().to_owned();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (url, all) = (url.clone(), all.clone());
            std::thread::spawn(move || -> Result<Vec<i64>, String> {
                let db = litemodel::Database::connect(&url).map_err(|e| e.to_string())?;
                db.migrate(&all).map_err(|e| e.to_string())
            })
        })
        .collect();
    let mut applied = Vec::new();
    for handle in handles {
        let done = handle.join().map_err(|_| "a migrating thread panicked")??;
        applied.extend(done);
    }
    applied.sort_unstable();
    assert_eq!(applied, vec![1, 2], "each version applied once");
    let db = scratch.connect()?;
    assert_eq!(all.current_version(&db)?, 2);
    Ok(())
}
