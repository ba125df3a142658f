//! The `tracing` feature: one span per statement with its SQL, table, row
//! count and duration; bound values only when asked for. A real subscriber
//! (a `tracing-subscriber` layer that keeps every closed span's fields)
//! watches real statements on both engines.
#![cfg(feature = "tracing")]

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use common::seed_models::{Role, User};
use common::{seed_db, Engine, TestResult};
use litemodel::Error;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// A closed span: its name, fields and the name of its parent span.
#[derive(Debug, Clone, Default)]
struct Closed {
    name: &'static str,
    parent: Option<&'static str>,
    fields: BTreeMap<&'static str, String>,
}

#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Closed>>>);

impl Spans {
    fn statements(&self) -> Vec<Closed> {
        lock(&self.0)
            .iter()
            .filter(|s| s.name == "statement")
            .cloned()
            .collect()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Fields<'a>(&'a mut BTreeMap<&'static str, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut closed = Closed {
            name: attrs.metadata().name(),
            parent: span.parent().map(|p| p.name()),
            fields: BTreeMap::new(),
        };
        attrs.record(&mut Fields(&mut closed.fields));
        span.extensions_mut().insert(closed);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(closed) = span.extensions_mut().get_mut::<Closed>() {
                values.record(&mut Fields(&mut closed.fields));
            }
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            if let Some(closed) = span.extensions_mut().remove::<Closed>() {
                lock(&self.0).push(closed);
            }
        }
    }
}

/// `record_values` is process-wide: the tests that depend on it take turns.
static VALUES_SWITCH: Mutex<()> = Mutex::new(());

fn watched<R>(work: impl FnOnce() -> R) -> (R, Spans) {
    let spans = Spans::default();
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    let result = tracing::subscriber::with_default(subscriber, work);
    (result, spans)
}

fn spans_carry_sql_rows_and_duration(engine: Engine) -> TestResult {
    let _turn = lock(&VALUES_SWITCH);
    let (_scratch, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let (result, spans) = watched(|| {
        let before = counter.get();
        db.transaction(|s| {
            let role = s.add(Role::new("Admin"));
            s.add_all([
                User::new("alice@example.com").with_role(role),
                User::new("bob@example.com").with_role(role),
            ]);
            Ok::<_, Error>(())
        })?;
        let users = User::query()
            .filter(User::USERNAME.like("%@example.com"))
            .all(&db)?;
        Ok::<_, Error>((users.len(), counter.get() - before))
    });
    let (found, ran) = result?;
    assert_eq!(found, 2);
    let statements = spans.statements();
    // One span per statement the counter counted.
    assert_eq!(statements.len() as u64, ran, "{statements:#?}");
    let select = statements
        .iter()
        .find(|s| s.fields["sql"].starts_with("SELECT") && s.fields["sql"].contains("LIKE"))
        .ok_or("no span of the SELECT")?;
    assert_eq!(select.fields["table"], "users");
    assert_eq!(select.fields["rows"], "2");
    assert!(select.fields["duration_us"].parse::<u64>().is_ok());
    let inserts: Vec<_> = statements
        .iter()
        .filter(|s| s.fields["sql"].starts_with("INSERT INTO \"users\""))
        .collect();
    assert!(!inserts.is_empty(), "{statements:#?}");
    assert!(
        inserts.iter().all(|s| s.fields["rows"] == "1"),
        "{inserts:#?}"
    );
    for span in &statements {
        // Bound values stay out of the spans: not in a field, not in the SQL.
        assert!(!span.fields.contains_key("values"), "{span:#?}");
        assert!(!span.fields["sql"].contains("example.com"), "{span:#?}");
        assert!(span.fields.contains_key("duration_us"), "{span:#?}");
    }
    Ok(())
}

fn values_only_when_asked(engine: Engine) -> TestResult {
    let _turn = lock(&VALUES_SWITCH);
    let (_scratch, db) = seed_db(engine)?;
    litemodel::trace::record_values(true);
    let (result, spans) = watched(|| {
        User::query()
            .filter(User::USERNAME.eq("carol@example.com"))
            .all(&db)
    });
    litemodel::trace::record_values(false);
    assert!(result?.is_empty());
    let statements = spans.statements();
    let select = statements.first().ok_or("no span")?;
    assert!(
        select.fields["values"].contains("'carol@example.com'"),
        "{select:#?}"
    );
    assert!(!select.fields["sql"].contains("carol"));
    assert_eq!(select.fields["rows"], "0");
    Ok(())
}

/// Statements are children of the span current where they run, also when
/// they run on a blocking thread for an `AsyncPool` call.
#[cfg(feature = "tokio")]
fn spans_nest_under_the_caller(engine: Engine) -> TestResult {
    use tracing::instrument::WithSubscriber;
    use tracing::Instrument;
    let (scratch, db) = seed_db(engine)?;
    drop(db);
    let url = scratch.url().to_owned();
    let (result, spans) = watched(|| -> TestResult<u64> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        runtime.block_on(
            async move {
                let pool = litemodel::AsyncPool::connect(&url).await?;
                let count = pool.interact(|db| User::query().count(&*db)).await??;
                Ok(count)
            }
            .instrument(tracing::info_span!("request"))
            .with_subscriber(dispatch),
        )
    });
    assert_eq!(result?, 0);
    let counted = spans
        .statements()
        .into_iter()
        .find(|s| s.fields["sql"].to_lowercase().contains("count("))
        .ok_or("no span of the count")?;
    assert_eq!(counted.parent, Some("request"), "{counted:#?}");
    Ok(())
}

engines!(spans_carry_sql_rows_and_duration, values_only_when_asked);

#[cfg(feature = "tokio")]
mod with_tokio {
    use super::*;
    engines!(spans_nest_under_the_caller);
}
