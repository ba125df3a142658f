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

mod rebuild;

use std::fmt;

use rusqlite::Connection;

use super::{schema_of, Error, Renames};
use crate::introspect::{self, mentions, one_line, DbSchema, Table};
use litemodel_codegen::names::quote_sql_as_needed as quote;

use rebuild::rebuild;
pub use rebuild::{narrows, narrows_type};

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
    /// `ALTER TABLE t ALTER COLUMN c ...` (PostgreSQL).
    AlterColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What changes.
        what: String,
    },
    /// `ALTER TABLE t ADD CONSTRAINT` (PostgreSQL).
    AddConstraint {
        /// The table.
        table: String,
        /// The constraint's name.
        constraint: String,
    },
    /// `ALTER TABLE t DROP CONSTRAINT` (PostgreSQL).
    DropConstraint {
        /// The table.
        table: String,
        /// The constraint's name.
        constraint: String,
    },
    /// `CREATE TYPE ... AS ENUM` (PostgreSQL).
    CreateType {
        /// The type.
        name: String,
    },
    /// `ALTER TYPE ... ADD VALUE` (PostgreSQL).
    AddEnumValue {
        /// The type.
        name: String,
        /// The new label.
        value: String,
    },
    /// An enum type made again with other labels, its columns converted (PostgreSQL).
    RecreateType {
        /// The type.
        name: String,
    },
    /// `DROP TYPE` (PostgreSQL).
    DropType {
        /// The type.
        name: String,
    },
    /// A data statement (`INSERT`, `UPDATE`, `DELETE`) copied as written from the
    /// SQLite migration `litemodel migrate translate` translated.
    CopyData {
        /// The statement, on one line.
        statement: String,
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
            Change::AlterColumn {
                table,
                column,
                what,
            } => write!(f, "alter column `{table}.{column}`: {what}"),
            Change::AddConstraint { table, constraint } => {
                write!(f, "add constraint `{constraint}` on `{table}`")
            }
            Change::DropConstraint { table, constraint } => {
                write!(f, "drop constraint `{constraint}` on `{table}`")
            }
            Change::CreateType { name } => write!(f, "create enum type `{name}`"),
            Change::AddEnumValue { name, value } => {
                write!(f, "add the label '{value}' to enum type `{name}`")
            }
            Change::RecreateType { name } => {
                write!(f, "make enum type `{name}` again with other labels")
            }
            Change::DropType { name } => write!(f, "drop enum type `{name}`"),
            Change::CopyData { statement } => write!(f, "run `{statement}` (copied)"),
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

pub(super) struct Writer<'c> {
    conn: &'c Connection,
    pub(super) out: Steps,
}

impl Writer<'_> {
    /// Runs `sql` on the scratch schema and adds it to the migration.
    pub(super) fn run(&mut self, comment: Vec<String>, sql: String) -> Result<(), Error> {
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

    // 6. Tables that go away: foreign keys are off, so nothing cascades. The
    //    runner turns them off around the migration; the scratch database does
    //    the same here, or dropping a child after its parent would fail (SQLite,
    //    as bundled, enforces foreign keys by default).
    let dropped = current
        .tables
        .iter()
        .any(|have| target.table(&have.name).is_none());
    let enforcing: bool = w
        .conn
        .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
        .map_err(|e| Error::Unplannable {
            context: "PRAGMA foreign_keys".into(),
            message: e.to_string(),
        })?;
    if dropped && enforcing {
        set_foreign_keys(w.conn, false)?;
    }
    let result = drop_tables(&mut w, &current, target);
    if dropped && enforcing {
        set_foreign_keys(w.conn, true)?;
    }
    result?;
    Ok(w.out)
}

fn set_foreign_keys(conn: &Connection, on: bool) -> Result<(), Error> {
    let sql = if on {
        "PRAGMA foreign_keys = ON"
    } else {
        "PRAGMA foreign_keys = OFF"
    };
    conn.execute_batch(sql).map_err(|e| Error::Unplannable {
        context: sql.into(),
        message: e.to_string(),
    })
}

fn drop_tables(w: &mut Writer<'_>, current: &DbSchema, target: &DbSchema) -> Result<(), Error> {
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
    Ok(())
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
