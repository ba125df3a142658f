//! The statements that alter one PostgreSQL schema into another, in place.
//!
//! Each statement runs on the scratch schema as it is written, so every later step
//! reads the schema as PostgreSQL really has it, and the result must equal the
//! target ([`differences`] empty) or nothing is written. The order: enum types and
//! their new labels; renames of tables and columns, and of the constraints,
//! sequences and indexes whose names follow them; constraints and indexes that go;
//! new tables; columns added, dropped and altered; constraints and indexes that
//! come; tables that go; enum types that go.

use litemodel_codegen::emit::sql::{Dialect as _, Postgresql};
use litemodel_codegen::model::ColumnType;
use litemodel_codegen::names::sql_string_literal as literal;
use postgres::Transaction;

use super::compare::verify;
use super::{server_message, snapshot, Snapshot};
use crate::introspect::{one_line, Column, Index, Table};
use crate::migrate::plan::{narrows_type, Change, Plan, Statement, Steps};
use crate::migrate::{Error, Renames};

fn q(name: &str) -> String {
    Postgresql.quote(name)
}

/// The column's type as the spec's PostgreSQL DDL writes it (`VARCHAR(64)`), or
/// as the catalog does for a type no spec type makes.
fn type_of(column: &Column) -> String {
    match &column.spec_type {
        Some(ty) => Postgresql.column_type(ty),
        None => column.decl_type.clone(),
    }
}

/// Plans the migration from the schema in `tx`'s `search_path` (`current`: it is
/// changed) to `target`, and back.
pub(super) fn plan(
    tx: &mut Transaction<'_>,
    current: &Snapshot,
    target: &Snapshot,
    renames: &Renames,
) -> Result<Plan, Error> {
    let up = steps(tx, target, renames)?;
    verify(tx, target, "the upgrade")?;
    let down = steps(tx, current, &renames.inverse())?;
    verify(tx, current, "the downgrade")?;
    Ok(Plan {
        changes: up.changes.clone(),
        up,
        down,
    })
}

struct Writer<'a, 't> {
    tx: &'a mut Transaction<'t>,
    out: Steps,
}

impl Writer<'_, '_> {
    /// Runs `sql` on the scratch schema and adds it to the migration.
    fn run(&mut self, comment: Vec<String>, sql: String) -> Result<(), Error> {
        self.tx
            .batch_execute(&sql)
            .map_err(|e| Error::Unplannable {
                context: one_line(&sql),
                message: server_message(&e),
            })?;
        self.out.statements.push(Statement { comment, sql });
        Ok(())
    }

    fn change(&mut self, change: Change) {
        self.out.changes.push(change);
    }

    fn snapshot(&mut self) -> Result<Snapshot, Error> {
        snapshot(self.tx)
    }
}

fn steps(tx: &mut Transaction<'_>, target: &Snapshot, renames: &Renames) -> Result<Steps, Error> {
    let mut w = Writer {
        tx,
        out: Steps::default(),
    };
    enum_types(&mut w, target)?;
    rename(&mut w, target, renames)?;
    follow_names(&mut w, target)?;
    drop_constraints_and_indexes(&mut w, target)?;
    create_tables(&mut w, target)?;
    alter_columns(&mut w, target)?;
    add_constraints_and_indexes(&mut w, target)?;
    drop_tables(&mut w, target)?;
    let have = w.snapshot()?;
    for name in have.enums.keys() {
        if !target.enums.contains_key(name) {
            w.change(Change::DropType { name: name.clone() });
            w.run(Vec::new(), format!("DROP TYPE {}", q(name)))?;
        }
    }
    Ok(w.out)
}

/// New enum types, and new labels of existing ones (`ALTER TYPE ... ADD VALUE`);
/// a type that loses or reorders labels is made again and its columns converted.
fn enum_types(w: &mut Writer<'_, '_>, target: &Snapshot) -> Result<(), Error> {
    let have = w.snapshot()?;
    for (name, labels) in &target.enums {
        let Some(old) = have.enums.get(name) else {
            w.change(Change::CreateType { name: name.clone() });
            let values: Vec<String> = labels.iter().map(|l| literal(l)).collect();
            w.run(
                Vec::new(),
                format!("CREATE TYPE {} AS ENUM ({})", q(name), values.join(", ")),
            )?;
            continue;
        };
        if old == labels {
            continue;
        }
        let kept: Vec<&String> = labels.iter().filter(|l| old.contains(l)).collect();
        if kept.len() == old.len() && kept.iter().zip(old).all(|(a, b)| *a == b) {
            for (i, label) in labels.iter().enumerate() {
                if old.contains(label) {
                    continue;
                }
                w.change(Change::AddEnumValue {
                    name: name.clone(),
                    value: label.clone(),
                });
                let at_end = labels[i..].iter().all(|l| !old.contains(l));
                let position = match i {
                    _ if at_end => String::new(),
                    0 => format!(" BEFORE {}", literal(&labels[1])),
                    _ => format!(" AFTER {}", literal(&labels[i - 1])),
                };
                w.run(
                    Vec::new(),
                    format!(
                        "ALTER TYPE {} ADD VALUE {}{position}",
                        q(name),
                        literal(label)
                    ),
                )?;
            }
        } else {
            recreate_enum(w, &have, name, old, labels)?;
        }
    }
    Ok(())
}

fn recreate_enum(
    w: &mut Writer<'_, '_>,
    have: &Snapshot,
    name: &str,
    old: &[String],
    labels: &[String],
) -> Result<(), Error> {
    let removed: Vec<String> = old
        .iter()
        .filter(|l| !labels.contains(l))
        .map(|l| literal(l))
        .collect();
    w.change(Change::RecreateType {
        name: name.to_owned(),
    });
    let mut header = vec![format!(
        "Enum type `{name}`: its labels become ({}); PostgreSQL cannot remove or",
        labels.join(", ")
    )];
    header.push("reorder labels, so the type is made again and its columns converted.".to_owned());
    if !removed.is_empty() {
        let loss = format!(
            "removes the label(s) {} of enum type `{name}`: a row holding one makes the migration fail",
            removed.join(", ")
        );
        header.push(format!("DATA LOSS: {loss}"));
        w.out.data_loss.push(loss);
    }
    let previous = format!("{name}_litemodel_old");
    w.run(
        header,
        format!("ALTER TYPE {} RENAME TO {}", q(name), q(&previous)),
    )?;
    let values: Vec<String> = labels.iter().map(|l| literal(l)).collect();
    w.run(
        Vec::new(),
        format!("CREATE TYPE {} AS ENUM ({})", q(name), values.join(", ")),
    )?;
    for table in &have.schema.tables {
        for column in &table.columns {
            let uses =
                matches!(&column.spec_type, Some(ColumnType::Enum { name: n, .. }) if n == name);
            if !uses {
                continue;
            }
            let (t, c) = (q(&table.name), q(&column.name));
            if column.default.is_some() {
                w.run(
                    Vec::new(),
                    format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
                )?;
            }
            w.run(
                Vec::new(),
                format!(
                    "ALTER TABLE {t} ALTER COLUMN {c} TYPE {} USING {c}::text::{}",
                    q(name),
                    q(name)
                ),
            )?;
            if let Some(default) = &column.default {
                w.run(
                    Vec::new(),
                    format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {default}"),
                )?;
            }
        }
    }
    w.run(Vec::new(), format!("DROP TYPE {}", q(&previous)))
}

fn rename(w: &mut Writer<'_, '_>, target: &Snapshot, renames: &Renames) -> Result<(), Error> {
    let have = w.snapshot()?;
    for (old, new) in &renames.tables {
        if have.schema.table(old).is_some()
            && have.schema.table(new).is_none()
            && target.schema.table(new).is_some()
        {
            w.change(Change::RenameTable {
                from: old.clone(),
                to: new.clone(),
            });
            w.run(
                vec![format!("`{old}` is now `{new}` (renamed_from)")],
                format!("ALTER TABLE {} RENAME TO {}", q(old), q(new)),
            )?;
        }
    }
    let have = w.snapshot()?;
    for (table, old, new) in &renames.columns {
        let (Some(got), Some(want)) = (have.schema.table(table), target.schema.table(table)) else {
            continue;
        };
        if got.column(old).is_some() && got.column(new).is_none() && want.column(new).is_some() {
            w.change(Change::RenameColumn {
                table: got.name.clone(),
                from: old.clone(),
                to: new.clone(),
            });
            w.run(
                vec![format!("`{table}.{old}` is now `{new}` (renamed_from)")],
                format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {}",
                    q(&got.name),
                    q(old),
                    q(new)
                ),
            )?;
        }
    }
    Ok(())
}

/// After a rename, PostgreSQL keeps the old names of the table's constraints,
/// sequences and indexes: give them the names `create-all` gives them. Matched by
/// what they are (a constraint's definition, a sequence's column, an index's
/// columns), never by a guess.
fn follow_names(w: &mut Writer<'_, '_>, target: &Snapshot) -> Result<(), Error> {
    let have = w.snapshot()?;
    for want in &target.constraints {
        let exists = |name: &str| {
            have.constraints
                .iter()
                .any(|c| c.table == want.table && c.name == name)
        };
        if exists(&want.name) {
            continue;
        }
        let candidate = have.constraints.iter().find(|c| {
            c.table == want.table
                && c.kind == want.kind
                && c.definition == want.definition
                && !target
                    .constraints
                    .iter()
                    .any(|t| t.table == c.table && t.name == c.name)
        });
        if let Some(old) = candidate {
            w.run(
                vec!["the name `create-all` gives the constraint".to_owned()],
                format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                    q(&want.table),
                    q(&old.name),
                    q(&want.name)
                ),
            )?;
        }
    }
    for want in &target.sequences {
        let old = have
            .sequences
            .iter()
            .find(|s| s.table == want.table && s.column == want.column && s.name != want.name);
        if let Some(old) = old {
            w.run(
                vec!["the name `create-all` gives the sequence".to_owned()],
                format!(
                    "ALTER SEQUENCE {} RENAME TO {}",
                    q(&old.name),
                    q(&want.name)
                ),
            )?;
        }
    }
    for table in &target.schema.tables {
        let Some(got) = have.schema.table(&table.name) else {
            continue;
        };
        for index in &table.indexes {
            if got.indexes.iter().any(|i| i.name == index.name) {
                continue;
            }
            let old = got
                .indexes
                .iter()
                .find(|i| same_index(i, index) && !table.indexes.iter().any(|t| t.name == i.name));
            if let Some(old) = old {
                w.run(
                    Vec::new(),
                    format!("ALTER INDEX {} RENAME TO {}", q(&old.name), q(&index.name)),
                )?;
            }
        }
    }
    Ok(())
}

fn same_index(a: &Index, b: &Index) -> bool {
    a.unique == b.unique && !a.partial && !b.partial && a.columns == b.columns
}

fn drop_constraints_and_indexes(w: &mut Writer<'_, '_>, target: &Snapshot) -> Result<(), Error> {
    let have = w.snapshot()?;
    let wanted = |c: &super::Constraint| {
        target
            .constraints
            .iter()
            .any(|t| t.table == c.table && t.name == c.name && t.definition == c.definition)
    };
    // Foreign keys first: a unique or primary key they use can go after them.
    let mut going: Vec<&super::Constraint> = have
        .constraints
        .iter()
        .filter(|c| target.schema.table(&c.table).is_some() && !wanted(c))
        .collect();
    going.sort_by_key(|c| c.kind != "f");
    for c in going {
        w.change(Change::DropConstraint {
            table: c.table.clone(),
            constraint: c.name.clone(),
        });
        w.run(
            vec![format!("was: {}", c.definition)],
            format!("ALTER TABLE {} DROP CONSTRAINT {}", q(&c.table), q(&c.name)),
        )?;
    }
    // Foreign keys of tables that go, to tables that stay or go: dropped with
    // their tables, after which nothing references a dropped table.
    for table in &have.schema.tables {
        let Some(want) = target.schema.table(&table.name) else {
            continue;
        };
        for index in &table.indexes {
            let kept = want
                .indexes
                .iter()
                .any(|i| i.name == index.name && same_index(i, index));
            if !kept {
                w.change(Change::DropIndex {
                    table: table.name.clone(),
                    index: index.name.clone(),
                });
                w.run(Vec::new(), format!("DROP INDEX {}", q(&index.name)))?;
            }
        }
    }
    Ok(())
}

/// The new tables, each after the tables it references (among the new ones).
fn create_tables(w: &mut Writer<'_, '_>, target: &Snapshot) -> Result<(), Error> {
    let have = w.snapshot()?;
    let mut pending: Vec<&Table> = target
        .schema
        .tables
        .iter()
        .filter(|t| have.schema.table(&t.name).is_none())
        .collect();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|t| {
                t.foreign_keys.iter().all(|k| {
                    k.table.eq_ignore_ascii_case(&t.name)
                        || !pending
                            .iter()
                            .any(|p| p.name.eq_ignore_ascii_case(&k.table))
                })
            })
            .unwrap_or(0);
        let table = pending.remove(ready);
        w.change(Change::CreateTable {
            table: table.name.clone(),
        });
        let sql = create_table(table, target, &pending)?;
        w.run(vec![format!("new table `{}`", table.name)], sql)?;
        for index in &table.indexes {
            w.run(Vec::new(), create_index(&table.name, index)?)?;
        }
    }
    Ok(())
}

/// `CREATE TABLE` with the columns and the constraints under their names; foreign
/// keys to tables in `later` are left to [`add_constraints_and_indexes`].
fn create_table(table: &Table, target: &Snapshot, later: &[&Table]) -> Result<String, Error> {
    let mut lines: Vec<String> = Vec::new();
    for column in &table.columns {
        let serial = target
            .sequences
            .iter()
            .any(|s| s.table == table.name && s.column == column.name)
            && column.default.is_none();
        let ty = match (serial, column.decl_type.as_str()) {
            (true, "integer") => "SERIAL".to_owned(),
            (true, "bigint") => "BIGSERIAL".to_owned(),
            (true, "smallint") => "SMALLSERIAL".to_owned(),
            _ => type_of(column),
        };
        lines.push(column_definition(column, &ty));
    }
    let mut constraints: Vec<&super::Constraint> = target
        .constraints
        .iter()
        .filter(|c| c.table == table.name)
        .collect();
    // As the spec's DDL orders them: the primary key, uniques, checks, foreign keys.
    constraints.sort_by_key(|c| match c.kind.as_str() {
        "p" => 0,
        "u" => 1,
        "c" => 2,
        _ => 3,
    });
    for c in constraints {
        let to_later = c.kind == "f"
            && later.iter().any(|t| {
                c.definition
                    .contains(&format!("REFERENCES {}(", q(&t.name)))
            });
        if !to_later {
            lines.push(format!("CONSTRAINT {} {}", q(&c.name), c.definition));
        }
    }
    Ok(format!(
        "CREATE TABLE {} (\n\t{}\n)",
        q(&table.name),
        lines.join(", \n\t")
    ))
}

fn column_definition(column: &Column, ty: &str) -> String {
    let mut text = format!("{} {ty}", q(&column.name));
    if let Some(default) = &column.default {
        text.push_str(" DEFAULT ");
        text.push_str(default);
    }
    if column.not_null {
        text.push_str(" NOT NULL");
    }
    text
}

fn create_index(table: &str, index: &Index) -> Result<String, Error> {
    if index.partial || index.columns.iter().any(Option::is_none) {
        return Err(Error::Unplannable {
            context: format!("index `{}` on `{table}`", index.name),
            message: "a partial or expression index is not made by a spec".into(),
        });
    }
    let columns: Vec<String> = index.columns.iter().flatten().map(|c| q(c)).collect();
    Ok(format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        q(&index.name),
        q(table),
        columns.join(", ")
    ))
}

fn is_enum(ty: Option<&ColumnType>) -> bool {
    matches!(ty, Some(ColumnType::Enum { .. }))
}

fn alter_columns(w: &mut Writer<'_, '_>, target: &Snapshot) -> Result<(), Error> {
    let have = w.snapshot()?;
    for got in &have.schema.tables {
        let Some(want) = target.schema.table(&got.name) else {
            continue;
        };
        let t = q(&got.name);
        for column in &got.columns {
            if want.column(&column.name).is_none() {
                w.change(Change::DropColumn {
                    table: got.name.clone(),
                    column: column.name.clone(),
                });
                let loss = format!("drops column `{}.{}` and its values", got.name, column.name);
                w.out.data_loss.push(loss);
                w.run(
                    vec![format!(
                        "DATA LOSS: the values of `{}.{}` are dropped",
                        got.name, column.name
                    )],
                    format!("ALTER TABLE {t} DROP COLUMN {}", q(&column.name)),
                )?;
            }
        }
        for column in &want.columns {
            if got.column(&column.name).is_some() {
                continue;
            }
            w.change(Change::AddColumn {
                table: got.name.clone(),
                column: column.name.clone(),
            });
            let mut comment = Vec::new();
            if column.not_null && column.default.is_none() {
                comment.push(
                    "NOT NULL without a default: fails on a table that has rows (give it a server_default)"
                        .to_owned(),
                );
            }
            w.run(
                comment,
                format!(
                    "ALTER TABLE {t} ADD COLUMN {}",
                    column_definition(column, &type_of(column))
                ),
            )?;
        }
        for old in &got.columns {
            let Some(new) = want.column(&old.name) else {
                continue;
            };
            let c = q(&old.name);
            let mut default = old.default.clone();
            if old.decl_type != new.decl_type {
                if default.is_some() {
                    w.run(
                        Vec::new(),
                        format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
                    )?;
                    default = None;
                }
                let mut comment = Vec::new();
                let narrowed = match (&old.spec_type, &new.spec_type) {
                    // Another enum type: narrower only when it lacks a label.
                    (
                        Some(ColumnType::Enum { values: a, .. }),
                        Some(ColumnType::Enum { values: b, .. }),
                    ) => a.iter().any(|label| !b.contains(label)),
                    (Some(a), Some(b)) => narrows_type(a, b),
                    _ => true,
                };
                if narrowed {
                    let loss = format!(
                        "narrows `{}.{}` from {} to {}",
                        got.name, old.name, old.decl_type, new.decl_type
                    );
                    comment.push(format!(
                        "DATA LOSS: {loss}; a value that does not fit makes the migration fail"
                    ));
                    w.out.data_loss.push(loss);
                }
                let via_text = if is_enum(old.spec_type.as_ref()) || is_enum(new.spec_type.as_ref())
                {
                    "::text"
                } else {
                    ""
                };
                w.change(Change::AlterColumn {
                    table: got.name.clone(),
                    column: old.name.clone(),
                    what: format!("type {} becomes {}", old.decl_type, new.decl_type),
                });
                w.run(
                    comment,
                    format!(
                        "ALTER TABLE {t} ALTER COLUMN {c} TYPE {ty} USING {c}{via_text}::{ty}",
                        ty = type_of(new)
                    ),
                )?;
            }
            if old.not_null != new.not_null {
                w.change(Change::AlterColumn {
                    table: got.name.clone(),
                    column: old.name.clone(),
                    what: if new.not_null { "NOT NULL" } else { "nullable" }.to_owned(),
                });
                let (verb, comment) = if new.not_null {
                    (
                        "SET",
                        vec!["fails while a row holds NULL: fill the values first".to_owned()],
                    )
                } else {
                    ("DROP", Vec::new())
                };
                w.run(
                    comment,
                    format!("ALTER TABLE {t} ALTER COLUMN {c} {verb} NOT NULL"),
                )?;
            }
            if default != new.default {
                w.change(Change::AlterColumn {
                    table: got.name.clone(),
                    column: old.name.clone(),
                    what: format!(
                        "default {} becomes {}",
                        old.default.as_deref().unwrap_or("none"),
                        new.default.as_deref().unwrap_or("none")
                    ),
                });
                let sql = match &new.default {
                    Some(d) => format!("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {d}"),
                    None => format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"),
                };
                w.run(Vec::new(), sql)?;
            }
        }
    }
    Ok(())
}

fn add_constraints_and_indexes(w: &mut Writer<'_, '_>, target: &Snapshot) -> Result<(), Error> {
    let have = w.snapshot()?;
    let mut coming: Vec<&super::Constraint> = target
        .constraints
        .iter()
        .filter(|c| {
            !have
                .constraints
                .iter()
                .any(|h| h.table == c.table && h.name == c.name && h.definition == c.definition)
        })
        .collect();
    // Foreign keys last: the keys they reference come first.
    coming.sort_by_key(|c| c.kind == "f");
    for c in coming {
        w.change(Change::AddConstraint {
            table: c.table.clone(),
            constraint: c.name.clone(),
        });
        w.run(
            Vec::new(),
            format!(
                "ALTER TABLE {} ADD CONSTRAINT {} {}",
                q(&c.table),
                q(&c.name),
                c.definition
            ),
        )?;
    }
    for table in &target.schema.tables {
        let Some(got) = have.schema.table(&table.name) else {
            continue;
        };
        for index in &table.indexes {
            if !got
                .indexes
                .iter()
                .any(|i| i.name == index.name && same_index(i, index))
            {
                w.change(Change::CreateIndex {
                    table: table.name.clone(),
                    index: index.name.clone(),
                });
                w.run(Vec::new(), create_index(&table.name, index)?)?;
            }
        }
    }
    Ok(())
}

/// The tables that go, each before the tables it references.
fn drop_tables(w: &mut Writer<'_, '_>, target: &Snapshot) -> Result<(), Error> {
    let have = w.snapshot()?;
    let mut going: Vec<&Table> = have
        .schema
        .tables
        .iter()
        .filter(|t| target.schema.table(&t.name).is_none())
        .collect();
    while !going.is_empty() {
        // A table no other going table references.
        let next = going
            .iter()
            .position(|t| {
                !going.iter().any(|o| {
                    !o.name.eq_ignore_ascii_case(&t.name)
                        && o.foreign_keys
                            .iter()
                            .any(|k| k.table.eq_ignore_ascii_case(&t.name))
                })
            })
            .unwrap_or(0);
        let table = going.remove(next);
        w.change(Change::DropTable {
            table: table.name.clone(),
        });
        w.out
            .data_loss
            .push(format!("drops table `{}` and every row in it", table.name));
        w.run(
            vec![format!(
                "DATA LOSS: table `{}` and its rows are dropped",
                table.name
            )],
            format!("DROP TABLE {}", q(&table.name)),
        )?;
    }
    Ok(())
}
