//! From one schema to another: the changes, and the SQL that makes them.
//!
//! [`plan`] works on a scratch database (no rows) holding the starting schema. Each
//! statement it writes is run there at once, so every later step sees the schema as
//! SQLite really has it (after a rename, SQLite rewrites the references of other
//! tables, indexes, triggers and views), and at the end the scratch schema must match
//! the target: a plan that does not reach its target is never written. The way back
//! is planned the same way, from the target to the start.
//!
//! What SQLite's `ALTER TABLE` can do is done with it: renaming a table or column,
//! adding a column at the end, dropping a plain column. Everything else rebuilds the
//! table with SQLite's documented procedure
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>): create the new table,
//! copy the rows, drop the views and triggers that use the table, drop the old
//! table, rename the new one into place, recreate the indexes, triggers and views.
//! The runner does the rest of it: foreign keys off *outside* the transaction,
//! `PRAGMA foreign_key_check` before the commit, foreign keys back on.

use std::fmt;

use rusqlite::Connection;

use super::{schema_of, Error, Renames};
use crate::introspect::{self, mentions, one_line, rename_create_table, DbSchema, Table};
use litemodel_codegen::model::ColumnType;
use litemodel_codegen::names::{quote_sql, quote_sql_as_needed as quote};

/// One change between two schemas, as a person would say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `ALTER TABLE old RENAME TO new`.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `ALTER TABLE t RENAME COLUMN old TO new`.
    RenameColumn {
        /// The table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// A new table.
    CreateTable {
        /// Its name.
        table: String,
    },
    /// A table dropped, with its rows.
    DropTable {
        /// Its name.
        table: String,
    },
    /// `ALTER TABLE t ADD COLUMN`.
    AddColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// `ALTER TABLE t DROP COLUMN`.
    DropColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A change `ALTER TABLE` cannot make: the table is rebuilt.
    RebuildTable {
        /// The table.
        table: String,
        /// What changes.
        reasons: Vec<String>,
    },
    /// A new index.
    CreateIndex {
        /// The table.
        table: String,
        /// The index.
        index: String,
    },
    /// An index dropped.
    DropIndex {
        /// The table.
        table: String,
        /// The index.
        index: String,
    },
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::RenameTable { from, to } => write!(f, "rename table `{from}` to `{to}`"),
            Change::RenameColumn { table, from, to } => {
                write!(f, "rename column `{table}.{from}` to `{to}`")
            }
            Change::CreateTable { table } => write!(f, "create table `{table}`"),
            Change::DropTable { table } => write!(f, "drop table `{table}`"),
            Change::AddColumn { table, column } => write!(f, "add column `{table}.{column}`"),
            Change::DropColumn { table, column } => write!(f, "drop column `{table}.{column}`"),
            Change::RebuildTable { table, reasons } => {
                write!(f, "rebuild table `{table}`: {}", reasons.join("; "))
            }
            Change::CreateIndex { table, index } => {
                write!(f, "create index `{index}` on `{table}`")
            }
            Change::DropIndex { table, index } => write!(f, "drop index `{index}` on `{table}`"),
        }
    }
}

/// One SQL statement of a migration, with the comment above it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Comment lines (without `-- `).
    pub comment: Vec<String>,
    /// The SQL, without the trailing `;`.
    pub sql: String,
}

/// One direction of a migration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Steps {
    /// What changes.
    pub changes: Vec<Change>,
    /// The statements, in order.
    pub statements: Vec<Statement>,
    /// Must run with foreign key enforcement off (a rebuild or a dropped table).
    pub foreign_keys_off: bool,
    /// What this direction loses: dropped tables and columns, narrowed types.
    pub data_loss: Vec<String>,
}

/// Both directions of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// What the upgrade changes (the same as `up.changes`).
    pub changes: Vec<Change>,
    /// The upgrade.
    pub up: Steps,
    /// The downgrade.
    pub down: Steps,
}

/// Plans the migration from the schema in `current` (a scratch database: it is
/// changed) to `target`, and back.
///
/// # Errors
///
/// A generated statement failed on the scratch schema, or the result does not match
/// the target: the change needs a hand-written migration.
pub fn plan(current: &Connection, target: &DbSchema, renames: &Renames) -> Result<Plan, Error> {
    let start = schema_of(current)?;
    let up = steps(current, target, renames)?;
    verify(current, target, "the upgrade")?;
    let down = steps(current, &start, &renames.inverse())?;
    verify(current, &start, "the downgrade")?;
    Ok(Plan {
        changes: up.changes.clone(),
        up,
        down,
    })
}

fn verify(conn: &Connection, target: &DbSchema, what: &str) -> Result<(), Error> {
    let reached = schema_of(conn)?;
    let mut problems = Vec::new();
    for table in &target.tables {
        match reached.table(&table.name) {
            None => problems.push(format!("table `{}` is missing", table.name)),
            Some(got) => {
                for difference in introspect::structural_differences(got, table) {
                    problems.push(format!("`{}`: {difference}", table.name));
                }
            }
        }
    }
    for table in &reached.tables {
        if target.table(&table.name).is_none() {
            problems.push(format!("table `{}` is left over", table.name));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Unplannable {
            context: format!("{what} does not reach its schema"),
            message: problems.join("; "),
        })
    }
}

struct Writer<'c> {
    conn: &'c Connection,
    out: Steps,
}

impl Writer<'_> {
    /// Runs `sql` on the scratch schema and adds it to the migration.
    fn run(&mut self, comment: Vec<String>, sql: String) -> Result<(), Error> {
        self.conn
            .execute_batch(&sql)
            .map_err(|e| Error::Unplannable {
                context: one_line(&sql),
                message: e.to_string(),
            })?;
        self.out.statements.push(Statement { comment, sql });
        Ok(())
    }

    fn schema(&self) -> Result<DbSchema, Error> {
        schema_of(self.conn)
    }
}

/// How a table that exists on both sides changes.
enum TableChange {
    Alter { add: Vec<String>, drop: Vec<String> },
    Rebuild(Vec<String>),
}

fn steps(conn: &Connection, target: &DbSchema, renames: &Renames) -> Result<Steps, Error> {
    let mut w = Writer {
        conn,
        out: Steps::default(),
    };
    // 1. Renames, tables first: SQLite carries indexes, triggers, views and the
    //    foreign keys of other tables along.
    let current = w.schema()?;
    for (old, new) in &renames.tables {
        if current.table(old).is_some()
            && current.table(new).is_none()
            && target.table(new).is_some()
        {
            w.run(
                vec![format!("`{old}` is now `{new}` (renamed_from)")],
                format!("ALTER TABLE {} RENAME TO {}", quote(old), quote(new)),
            )?;
            w.out.changes.push(Change::RenameTable {
                from: old.clone(),
                to: new.clone(),
            });
        }
    }
    let current = w.schema()?;
    for (table, old, new) in &renames.columns {
        let (Some(have), Some(want)) = (current.table(table), target.table(table)) else {
            continue;
        };
        if have.column(old).is_some() && have.column(new).is_none() && want.column(new).is_some() {
            w.run(
                vec![format!("`{table}.{old}` is now `{new}` (renamed_from)")],
                format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    quote(&have.name),
                    quote(old),
                    quote(new)
                ),
            )?;
            w.out.changes.push(Change::RenameColumn {
                table: have.name.clone(),
                from: old.clone(),
                to: new.clone(),
            });
        }
    }

    let current = w.schema()?;
    let mut decisions: Vec<(&Table, &Table, Option<TableChange>)> = Vec::new();
    for have in &current.tables {
        if let Some(want) = target.table(&have.name) {
            decisions.push((have, want, table_change(&current, have, want)));
        }
    }
    let rebuilt = |name: &str| {
        decisions.iter().any(|(h, _, d)| {
            h.name.eq_ignore_ascii_case(name) && matches!(d, Some(TableChange::Rebuild(_)))
        })
    };
    let target_index_names: Vec<String> = target
        .tables
        .iter()
        .flat_map(|t| t.indexes.iter().map(|i| i.name.to_lowercase()))
        .collect();

    // 2. Indexes that go away or change (a rebuild recreates its table's own).
    for (have, want, _) in &decisions {
        if rebuilt(&have.name) {
            continue;
        }
        for index in &have.indexes {
            let kept = want
                .indexes
                .iter()
                .any(|i| i.name.eq_ignore_ascii_case(&index.name) && same_index(index, i));
            if !kept {
                drop_index(&mut w, &have.name, &index.name)?;
            }
        }
    }
    for have in &current.tables {
        if target.table(&have.name).is_none() {
            for index in &have.indexes {
                if target_index_names.contains(&index.name.to_lowercase()) {
                    drop_index(&mut w, &have.name, &index.name)?;
                }
            }
        }
    }

    // 3. New tables, with their indexes.
    for want in &target.tables {
        if current.table(&want.name).is_none() {
            w.out.changes.push(Change::CreateTable {
                table: want.name.clone(),
            });
            w.run(vec![format!("new table `{}`", want.name)], want.sql.clone())?;
            for index in &want.indexes {
                w.run(Vec::new(), index.sql.clone())?;
            }
        }
    }

    // 4. Tables that change.
    for (have, want, decision) in &decisions {
        match decision {
            None => {}
            Some(TableChange::Alter { add, drop }) => {
                for name in drop {
                    w.out.changes.push(Change::DropColumn {
                        table: have.name.clone(),
                        column: name.clone(),
                    });
                    w.out.data_loss.push(format!(
                        "drops column `{}.{name}` and its values",
                        have.name
                    ));
                    w.run(
                        vec![format!(
                            "DATA LOSS: the values of `{}.{name}` are dropped",
                            have.name
                        )],
                        format!(
                            "ALTER TABLE {} DROP COLUMN {}",
                            quote(&have.name),
                            quote(name)
                        ),
                    )?;
                }
                for name in add {
                    if let Some(column) = want.column(name) {
                        w.out.changes.push(Change::AddColumn {
                            table: have.name.clone(),
                            column: column.name.clone(),
                        });
                        w.run(
                            Vec::new(),
                            format!(
                                "ALTER TABLE {} ADD COLUMN {}",
                                quote(&have.name),
                                column_definition(column)
                            ),
                        )?;
                    }
                }
            }
            Some(TableChange::Rebuild(reasons)) => {
                rebuild(&mut w, &current, have, want, reasons)?;
            }
        }
    }

    // 5. Indexes that are new or changed.
    for (have, want, _) in &decisions {
        if rebuilt(&have.name) {
            continue;
        }
        for index in &want.indexes {
            let existed = have
                .indexes
                .iter()
                .any(|i| i.name.eq_ignore_ascii_case(&index.name) && same_index(i, index));
            if !existed {
                w.out.changes.push(Change::CreateIndex {
                    table: want.name.clone(),
                    index: index.name.clone(),
                });
                w.run(Vec::new(), index.sql.clone())?;
            }
        }
    }

    // 6. Tables that go away: foreign keys are off, so nothing cascades.
    for have in current.tables.iter().rev() {
        if target.table(&have.name).is_none() {
            w.out.changes.push(Change::DropTable {
                table: have.name.clone(),
            });
            w.out
                .data_loss
                .push(format!("drops table `{}` and every row in it", have.name));
            w.out.foreign_keys_off = true;
            for view in current
                .views
                .iter()
                .filter(|v| mentions(&v.sql, &have.name))
            {
                w.run(
                    vec![format!("view `{}` uses `{}`", view.name, have.name)],
                    format!("DROP VIEW {}", quote(&view.name)),
                )?;
            }
            w.run(
                vec![format!(
                    "DATA LOSS: table `{}` and its rows are dropped",
                    have.name
                )],
                format!("DROP TABLE {}", quote(&have.name)),
            )?;
        }
    }
    Ok(w.out)
}

fn drop_index(w: &mut Writer<'_>, table: &str, index: &str) -> Result<(), Error> {
    w.out.changes.push(Change::DropIndex {
        table: table.to_owned(),
        index: index.to_owned(),
    });
    w.run(Vec::new(), format!("DROP INDEX {}", quote(index)))
}

fn same_index(a: &introspect::Index, b: &introspect::Index) -> bool {
    let columns = |i: &introspect::Index| {
        i.columns
            .iter()
            .map(|c| c.as_ref().map(|c| c.to_lowercase()))
            .collect::<Vec<_>>()
    };
    a.unique == b.unique
        && a.partial == b.partial
        && columns(a) == columns(b)
        && (!a.partial || where_clause(&a.sql) == where_clause(&b.sql))
}

fn where_clause(sql: &str) -> String {
    let flat = one_line(sql);
    let upper = flat.to_uppercase();
    upper
        .rfind(" WHERE ")
        .map_or(String::new(), |at| flat[at..].to_owned())
}

/// The column as `ALTER TABLE ... ADD COLUMN` writes it (as litemodel's DDL does).
fn column_definition(column: &introspect::Column) -> String {
    let mut text = quote(&column.name);
    if !column.decl_type.is_empty() {
        text.push(' ');
        text.push_str(&column.decl_type);
    }
    if let Some(default) = &column.default {
        text.push_str(" DEFAULT ");
        text.push_str(default);
    }
    if column.not_null {
        text.push_str(" NOT NULL");
    }
    text
}

fn lower(names: &[String]) -> Vec<String> {
    names.iter().map(|n| n.to_lowercase()).collect()
}

/// `None` when only indexes (or nothing) change.
fn table_change(schema: &DbSchema, have: &Table, want: &Table) -> Option<TableChange> {
    let mut without_indexes = introspect::structural_differences(have, want);
    without_indexes.retain(|d| d != "indexes differ");
    if without_indexes.is_empty() {
        return None;
    }
    let have_names = lower(
        &have
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>(),
    );
    let want_names = lower(
        &want
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>(),
    );
    let drop: Vec<String> = have
        .columns
        .iter()
        .filter(|c| !want_names.contains(&c.name.to_lowercase()))
        .map(|c| c.name.clone())
        .collect();
    let add: Vec<String> = want
        .columns
        .iter()
        .filter(|c| !have_names.contains(&c.name.to_lowercase()))
        .map(|c| c.name.clone())
        .collect();
    let kept_have: Vec<&String> = have_names
        .iter()
        .filter(|n| want_names.contains(n))
        .collect();
    let kept_want: Vec<&String> = want_names
        .iter()
        .filter(|n| have_names.contains(n))
        .collect();
    let mut reasons = Vec::new();
    if kept_have != kept_want
        || want_names[..kept_want.len()].iter().collect::<Vec<_>>() != kept_want
    {
        reasons.push(format!(
            "column order ({}) becomes ({})",
            have_names.join(", "),
            want_names.join(", ")
        ));
    }
    for a in &have.columns {
        if let Some(b) = want.column(&a.name) {
            if !a.decl_type.eq_ignore_ascii_case(&b.decl_type) {
                reasons.push(format!(
                    "`{}` type {} becomes {}",
                    a.name, a.decl_type, b.decl_type
                ));
            }
            if a.not_null != b.not_null {
                reasons.push(format!(
                    "`{}` becomes {}",
                    a.name,
                    if b.not_null { "NOT NULL" } else { "nullable" }
                ));
            }
            if a.default != b.default {
                reasons.push(format!(
                    "`{}` default {} becomes {}",
                    a.name,
                    a.default.as_deref().unwrap_or("none"),
                    b.default.as_deref().unwrap_or("none")
                ));
            }
            if a.collate != b.collate || a.generated != b.generated {
                reasons.push(format!("`{}` collation or generation changes", a.name));
            }
        }
    }
    // Everything but the column list must be the same for ALTER TABLE to do it.
    let mut have_same_columns = have.clone();
    have_same_columns.columns = want.columns.clone();
    have_same_columns.indexes = want.indexes.clone();
    let constraints = introspect::structural_differences(&have_same_columns, want);
    reasons.extend(constraints);
    let addable = add.iter().all(|name| {
        want.column(name).is_some_and(|c| {
            let constant_default = c.default.as_deref().is_none_or(|d| {
                let d = d.trim().to_uppercase();
                !d.starts_with('(') && !d.starts_with("CURRENT_")
            });
            let has_default = c
                .default
                .as_deref()
                .is_some_and(|d| !d.eq_ignore_ascii_case("NULL"));
            !want
                .primary_key
                .iter()
                .any(|p| p.eq_ignore_ascii_case(name))
                && !in_constraints(want, name)
                && !c.generated
                && c.collate.is_none()
                && constant_default
                && (!c.not_null || has_default)
        })
    });
    let droppable = drop.iter().all(|name| {
        !have
            .primary_key
            .iter()
            .any(|p| p.eq_ignore_ascii_case(name))
            && !in_constraints(have, name)
            && !have.indexes.iter().any(|i| {
                i.partial
                    || i.columns
                        .iter()
                        .any(|c| c.as_deref().is_none_or(|c| c.eq_ignore_ascii_case(name)))
            })
            && !schema.triggers.iter().any(|t| mentions(&t.sql, name))
            && !schema.views.iter().any(|v| mentions(&v.sql, name))
            && !schema.tables.iter().any(|t| {
                t.foreign_keys.iter().any(|k| {
                    k.table.eq_ignore_ascii_case(&have.name)
                        && k.references.iter().any(|r| r.eq_ignore_ascii_case(name))
                })
            })
    });
    if reasons.is_empty() && addable && droppable {
        return Some(TableChange::Alter { add, drop });
    }
    for name in &drop {
        reasons.push(format!("drops `{name}`"));
    }
    for name in &add {
        reasons.push(format!("adds `{name}`"));
    }
    reasons.dedup();
    Some(TableChange::Rebuild(reasons))
}

/// True when a UNIQUE, CHECK or FOREIGN KEY constraint of `table` uses `column`.
fn in_constraints(table: &Table, column: &str) -> bool {
    let named = |columns: &[String]| columns.iter().any(|c| c.eq_ignore_ascii_case(column));
    table.uniques.iter().any(|u| named(&u.columns))
        || table.foreign_keys.iter().any(|k| named(&k.columns))
        || table.checks.iter().any(|c| mentions(&c.sql, column))
}

fn rebuild(
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
