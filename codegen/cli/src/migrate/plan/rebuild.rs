//! Rebuilding a table the way SQLite documents it, for the changes `ALTER TABLE`
//! cannot make, and which type changes lose data.

use litemodel_codegen::model::ColumnType;
use litemodel_codegen::names::{quote_sql, quote_sql_as_needed as quote};

use super::{Change, Error, Writer};
use crate::introspect::{self, mentions, rename_create_table, DbSchema, Table};

pub(super) fn rebuild(
    w: &mut Writer<'_>,
    current: &DbSchema,
    have: &Table,
    want: &Table,
    reasons: &[String],
) -> Result<(), Error> {
    let t = &have.name;
    w.out.changes.push(Change::RebuildTable {
        table: t.clone(),
        reasons: reasons.to_vec(),
    });
    w.out.foreign_keys_off = true;
    for column in &have.columns {
        match want.column(&column.name) {
            None => w
                .out
                .data_loss
                .push(format!("drops column `{t}.{}` and its values", column.name)),
            Some(new) if narrows(&column.decl_type, &new.decl_type) => {
                w.out.data_loss.push(format!(
                    "narrows `{t}.{}` from {} to {}",
                    column.name, column.decl_type, new.decl_type
                ))
            }
            Some(_) => {}
        }
    }
    let temporary = quote_sql(&format!("{}{t}", litemodel::migrate::REBUILD_PREFIX));
    let create = rename_create_table(&want.sql, &temporary).ok_or_else(|| Error::Unplannable {
        context: format!("rebuilding `{t}`"),
        message: "cannot read the new CREATE TABLE statement".into(),
    })?;
    let header = vec![
        format!("Rebuild `{t}`: {}.", reasons.join("; ")),
        "SQLite's ALTER TABLE cannot make this change, so the table is rebuilt as".into(),
        "https://www.sqlite.org/lang_altertable.html#otheralter describes.".into(),
        "1. create the table with its new definition, under a temporary name".into(),
    ];
    w.run(header, create)?;
    let copied: Vec<String> = want
        .columns
        .iter()
        .filter(|c| !c.generated && have.column(&c.name).is_some_and(|h| !h.generated))
        .map(|c| quote(&c.name))
        .collect();
    w.run(
        vec!["2. copy every row".into()],
        format!(
            "INSERT INTO {temporary} ({0}) SELECT {0} FROM {1}",
            copied.join(", "),
            quote(t)
        ),
    )?;
    // Views and triggers of other tables that use this one would fail the rename's
    // schema check while the table is missing: drop them and recreate them after.
    let views: Vec<&introspect::SqlObject> = current
        .views
        .iter()
        .filter(|v| mentions(&v.sql, t))
        .collect();
    let own_triggers: Vec<&introspect::SqlObject> = current
        .triggers
        .iter()
        .filter(|tr| tr.table.eq_ignore_ascii_case(t))
        .collect();
    let other_triggers: Vec<&introspect::SqlObject> = current
        .triggers
        .iter()
        .filter(|tr| !tr.table.eq_ignore_ascii_case(t) && mentions(&tr.sql, t))
        .collect();
    let drops = views
        .iter()
        .map(|v| format!("DROP VIEW {}", quote(&v.name)))
        .chain(
            other_triggers
                .iter()
                .map(|tr| format!("DROP TRIGGER {}", quote(&tr.name))),
        );
    let mut step = 2;
    for (i, sql) in drops.enumerate() {
        let comment = if i == 0 {
            step += 1;
            vec![format!(
                "{step}. drop the views and triggers that use `{t}` (recreated below)"
            )]
        } else {
            Vec::new()
        };
        w.run(comment, sql)?;
    }
    step += 1;
    w.run(
        vec![format!(
            "{step}. drop the old table (its indexes and triggers go with it; foreign keys are off, so no row of another table is deleted or changed)"
        )],
        format!("DROP TABLE {}", quote(t)),
    )?;
    step += 1;
    w.run(
        vec![format!("{step}. put the new table in its place")],
        format!("ALTER TABLE {temporary} RENAME TO {}", quote(&want.name)),
    )?;
    step += 1;
    let mut first = true;
    let mut recreate = |w: &mut Writer<'_>, sql: &str| -> Result<(), Error> {
        let comment = if first {
            vec![format!(
                "{step}. recreate the indexes, triggers and views of `{t}`"
            )]
        } else {
            Vec::new()
        };
        first = false;
        w.run(comment, sql.to_owned())
    };
    for index in &want.indexes {
        recreate(w, &index.sql)?;
    }
    for trigger in own_triggers.iter().chain(&other_triggers) {
        recreate(w, &trigger.sql)?;
    }
    for view in &views {
        recreate(w, &view.sql)?;
    }
    Ok(())
}

/// True when changing a column's declared type from `old` to `new` can lose or
/// alter values: anything not known to be a widening.
pub fn narrows(old: &str, new: &str) -> bool {
    if old.eq_ignore_ascii_case(new) {
        return false;
    }
    let (_, a) = introspect::spec_type(old);
    let (_, b) = introspect::spec_type(new);
    narrows_type(&a, &b)
}

/// True when a column of type `a` changed to `b` may not hold every value it held.
pub fn narrows_type(a: &ColumnType, b: &ColumnType) -> bool {
    let (a, b) = (a.clone(), b.clone());
    use ColumnType as T;
    let int_rank = |t: &T| match t {
        T::Boolean => Some(0),
        T::SmallInteger => Some(1),
        T::Integer => Some(2),
        T::BigInteger => Some(3),
        _ => None,
    };
    let unbounded_text = |t: &T| matches!(t, T::Text | T::String { length: None } | T::Blob);
    if unbounded_text(&b) && !matches!(a, T::Blob) || matches!(b, T::Blob) {
        return false;
    }
    match (&a, &b) {
        _ if a == b => false,
        (x, y) if int_rank(x).is_some() && int_rank(y).is_some() => int_rank(y) < int_rank(x),
        (T::String { length: Some(n) }, T::String { length: Some(m) }) => m < n,
        (T::Uuid, T::String { length: Some(m) }) => *m < 32,
        (
            x,
            T::Numeric {
                precision: None, ..
            },
        ) if int_rank(x).is_some() => false,
        (
            T::Numeric {
                precision: p1,
                scale: s1,
            },
            T::Numeric {
                precision: p2,
                scale: s2,
            },
        ) => {
            let wider = |old: &Option<u32>, new: &Option<u32>| match (old, new) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(o), Some(n)) => n >= o,
            };
            !(wider(p1, p2) && wider(s1, s2))
        }
        (T::DateTime { .. }, T::DateTime { .. }) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::narrows;

    #[test]
    fn narrowing_types() {
        assert!(narrows("VARCHAR(64)", "VARCHAR(32)"));
        assert!(!narrows("VARCHAR(32)", "VARCHAR(64)"));
        assert!(!narrows("VARCHAR(32)", "TEXT"));
        assert!(narrows("TEXT", "VARCHAR(10)"));
        assert!(narrows("BIGINT", "INTEGER"));
        assert!(!narrows("SMALLINT", "BIGINT"));
        assert!(narrows("FLOAT", "INTEGER"));
        assert!(narrows("TEXT", "INTEGER"));
        assert!(!narrows("INTEGER", "TEXT"));
        assert!(!narrows("NUMERIC(10, 2)", "NUMERIC(12, 2)"));
        assert!(narrows("NUMERIC(10, 2)", "NUMERIC(10, 0)"));
    }
}
