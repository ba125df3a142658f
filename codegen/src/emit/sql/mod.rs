//! SQL DDL, written the way SQLAlchemy writes it for the same model, so that a database
//! made by litemodel and one made by Flask-SQLAlchemy's `db.create_all()` match.
//!
//! SQL text goes through a [`Dialect`]: [`Sqlite`] and [`Postgresql`], picked by name
//! with [`SqlDialect`].

mod postgres;
mod sqlite;

pub use postgres::Postgresql;
pub use sqlite::Sqlite;

use crate::model::{Column, ColumnType, Literal, Model, Schema};
use crate::names;

/// What differs between SQL databases in the DDL.
pub trait Dialect {
    /// Quotes an identifier where the dialect needs it.
    fn quote(&self, name: &str) -> String;
    /// The declared type of a column; SQLAlchemy's generic name by default.
    fn column_type(&self, ty: &ColumnType) -> String {
        generic_column_type(ty)
    }
    /// The SQL form of a literal in a `DEFAULT` clause.
    fn literal(&self, literal: &Literal) -> String;
    /// The SQL of a column's `server_default` as this dialect writes it: the
    /// spec's text by default.
    fn server_default(&self, _ty: &ColumnType, sql: &str) -> String {
        sql.to_owned()
    }
    /// The type written instead of [`column_type`](Dialect::column_type) for the
    /// column SQLAlchemy makes autoincrementing (PostgreSQL's `SERIAL`), if any.
    fn serial_type(&self, _model: &Model, _column: usize) -> Option<String> {
        None
    }
    /// Whether `autoincrement = true` is written on its column (`PRIMARY KEY
    /// AUTOINCREMENT`, SQLAlchemy's `sqlite_autoincrement`) instead of as a table
    /// constraint. Other databases ignore the setting, as SQLAlchemy does.
    fn inline_autoincrement(&self) -> bool {
        false
    }
    /// The order `create_all` creates tables in (`drop_all` drops them in reverse).
    fn table_order(&self, schema: &Schema) -> Vec<usize> {
        dependency_order(schema)
    }
    /// The foreign keys created after every table with `ALTER TABLE ... ADD`
    /// instead of in their `CREATE TABLE`, as (model, index into its
    /// `foreign_keys`). None by default: SQLite accepts a reference to a table
    /// created later, and SQLAlchemy keeps every foreign key inline there.
    fn deferred_foreign_keys(&self, _schema: &Schema) -> Vec<(usize, usize)> {
        Vec::new()
    }
    /// Statements creating the named types the tables use, run before the tables
    /// (PostgreSQL's `CREATE TYPE ... AS ENUM`); `order` is [`table_order`](Dialect::table_order).
    fn create_types(&self, _schema: &Schema, _order: &[usize]) -> Vec<String> {
        Vec::new()
    }
    /// Statements dropping those types, run after the tables are dropped.
    fn drop_types(&self, _schema: &Schema, _order: &[usize]) -> Vec<String> {
        Vec::new()
    }
}

/// A `server_default` as both engines read it: a boolean's `0`/`1` (SQLite's
/// spelling, which PostgreSQL refuses for a `BOOLEAN`) as `false`/`true`
/// (which SQLite reads as 0 and 1); any other text as written.
pub(crate) fn portable_server_default<'a>(ty: &ColumnType, sql: &'a str) -> &'a str {
    match (ty, sql.trim()) {
        (ColumnType::Boolean, "0") => "false",
        (ColumnType::Boolean, "1") => "true",
        _ => sql,
    }
}

/// SQLAlchemy's generic type names, with its non-native forms of `Uuid` and
/// `Enum`: what a dialect writes for a column type unless it has a type of its
/// own. SQLite writes them all; PostgreSQL overrides the types it has natively.
pub(crate) fn generic_column_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Integer => "INTEGER".into(),
        ColumnType::SmallInteger => "SMALLINT".into(),
        ColumnType::BigInteger => "BIGINT".into(),
        ColumnType::Boolean => "BOOLEAN".into(),
        ColumnType::Float => "FLOAT".into(),
        ColumnType::Numeric {
            precision: Some(p),
            scale: Some(s),
        } => format!("NUMERIC({p}, {s})"),
        ColumnType::Numeric {
            precision: Some(p),
            scale: None,
        } => format!("NUMERIC({p})"),
        ColumnType::Numeric { .. } => "NUMERIC".into(),
        ColumnType::String { length: Some(n) } => format!("VARCHAR({n})"),
        ColumnType::String { length: None } => "VARCHAR".into(),
        ColumnType::Text => "TEXT".into(),
        ColumnType::Blob => "BLOB".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME".into(),
        ColumnType::DateTime { .. } => "DATETIME".into(),
        ColumnType::Json => "JSON".into(),
        // SQLAlchemy 2's `Uuid` stores 32 hex digits on SQLite.
        ColumnType::Uuid => "CHAR(32)".into(),
        // SQLAlchemy's non-native `Enum`: VARCHAR as long as the longest label.
        ColumnType::Enum { values, .. } => {
            let longest = values.iter().map(|v| v.chars().count()).max().unwrap_or(0);
            format!("VARCHAR({longest})")
        }
    }
}

/// The SQL databases litemodel writes DDL for, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqlDialect {
    /// SQLite (the default).
    #[default]
    Sqlite,
    /// PostgreSQL.
    Postgresql,
}

impl SqlDialect {
    /// The dialect's DDL rules.
    pub fn dialect(self) -> &'static dyn Dialect {
        match self {
            SqlDialect::Sqlite => &Sqlite,
            SqlDialect::Postgresql => &Postgresql,
        }
    }
}

/// The DDL of one table: its `CREATE TABLE` and the `CREATE INDEX` statements after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDdl {
    /// The table name (unquoted).
    pub table: String,
    /// Index into `Schema::models`.
    pub model: usize,
    /// `CREATE TABLE ...` without a trailing semicolon.
    pub create: String,
    /// `CREATE [UNIQUE] INDEX ...` statements, sorted by index name.
    pub indexes: Vec<String>,
}

/// The DDL of every table, in the dialect's [`table_order`](Dialect::table_order)
/// (each table after the tables it references).
pub fn tables(schema: &Schema, dialect: &dyn Dialect) -> Vec<TableDdl> {
    let deferred = dialect.deferred_foreign_keys(schema);
    dialect
        .table_order(schema)
        .into_iter()
        .map(|m| {
            let model = &schema.models[m];
            let inline = |f: usize| !deferred.contains(&(m, f));
            TableDdl {
                table: model.table.clone(),
                model: m,
                create: create_table(schema, model, dialect, &inline),
                indexes: create_indexes(model, dialect),
            }
        })
        .collect()
}

/// A foreign key of a table in a cycle, added after every table is created
/// (SQLAlchemy's `create_all()` on PostgreSQL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredForeignKey {
    /// The table the constraint belongs to (unquoted).
    pub table: String,
    /// Index into `Schema::models`.
    pub model: usize,
    /// `ALTER TABLE ... ADD [CONSTRAINT name] FOREIGN KEY(...) REFERENCES ...`.
    pub add: String,
    /// `ALTER TABLE ... DROP CONSTRAINT name`, run by `drop_all` before the tables
    /// are dropped; `None` for an unnamed self-reference, which goes with its
    /// table (SQLAlchemy drops only named constraints). An unnamed reference to
    /// another table is dropped by the name PostgreSQL gave it
    /// (`<table>_<columns>_fkey`, cut to 63 bytes and numbered when taken as
    /// PostgreSQL does: [`crate::names::PostgresConstraintNames`]): SQLAlchemy's `drop_all()` refuses such a
    /// cycle, or orders the tables around it.
    pub drop: Option<String>,
}

/// The [`DeferredForeignKey`]s of the dialect, in creation order.
pub fn deferred_foreign_keys(schema: &Schema, dialect: &dyn Dialect) -> Vec<DeferredForeignKey> {
    let deferred = dialect.deferred_foreign_keys(schema);
    if deferred.is_empty() {
        return Vec::new();
    }
    let columns_of = |m: usize, fk: &crate::model::ForeignKey| -> Vec<&str> {
        let model = &schema.models[m];
        fk.columns
            .iter()
            .map(|&c| model.columns[c].name.as_str())
            .collect()
    };
    // The names PostgreSQL gives the unnamed foreign keys, in the order it
    // creates them: those of each table with it, then the deferred ones.
    let mut names = crate::names::PostgresConstraintNames::default();
    for m in dialect.table_order(schema) {
        let model = &schema.models[m];
        for (f, fk) in model.foreign_keys.iter().enumerate() {
            match &fk.name {
                Some(name) => names.take(name),
                None if !deferred.contains(&(m, f)) => {
                    names.choose(&model.table, &columns_of(m, fk), "fkey");
                }
                None => {}
            }
        }
    }
    deferred
        .into_iter()
        .map(|(m, f)| {
            let model = &schema.models[m];
            let fk = &model.foreign_keys[f];
            let table = dialect.quote(&model.table);
            let chosen = match &fk.name {
                Some(name) => Some(name.clone()),
                None => {
                    let name = names.choose(&model.table, &columns_of(m, fk), "fkey");
                    // An unnamed self-reference goes with its table.
                    (fk.target != m).then_some(name)
                }
            };
            DeferredForeignKey {
                table: model.table.clone(),
                model: m,
                add: format!(
                    "ALTER TABLE {table} ADD {}",
                    foreign_key_clause(schema, model, fk, dialect)
                ),
                drop: chosen.map(|name| {
                    format!(
                        "ALTER TABLE {table} DROP CONSTRAINT {}",
                        dialect.quote(&name)
                    )
                }),
            }
        })
        .collect()
}

/// The whole `create_all` script: every statement followed by `;` and a blank line.
pub fn create_all(schema: &Schema, dialect: &dyn Dialect) -> String {
    let mut out = String::new();
    for statement in dialect.create_types(schema, &dialect.table_order(schema)) {
        out.push_str(&statement);
        out.push_str(";\n\n");
    }
    for table in tables(schema, dialect) {
        out.push_str(&table.create);
        out.push_str(";\n\n");
        for index in &table.indexes {
            out.push_str(index);
            out.push_str(";\n\n");
        }
    }
    for fk in deferred_foreign_keys(schema, dialect) {
        out.push_str(&fk.add);
        out.push_str(";\n\n");
    }
    out
}

/// The deferred foreign keys' `DROP CONSTRAINT`s, the `DROP TABLE` statements in
/// reverse dependency order, then the dialect's `DROP TYPE`s.
pub fn drop_all(schema: &Schema, dialect: &dyn Dialect) -> Vec<String> {
    let order = dialect.table_order(schema);
    let mut statements: Vec<String> = deferred_foreign_keys(schema, dialect)
        .into_iter()
        .filter_map(|fk| fk.drop)
        .collect();
    statements.extend(
        order
            .iter()
            .rev()
            .map(|&m| format!("DROP TABLE {}", dialect.quote(&schema.models[m].table))),
    );
    statements.extend(dialect.drop_types(schema, &order));
    statements
}

/// Model indices sorted by table name, then each placed after the tables its foreign
/// keys reference (self-references ignored). Cycles keep name order.
pub fn dependency_order(schema: &Schema) -> Vec<usize> {
    let mut by_name: Vec<usize> = (0..schema.models.len()).collect();
    by_name.sort_by(|&a, &b| schema.models[a].table.cmp(&schema.models[b].table));
    let no_deferred = |_: usize, _: usize| false;
    match sort_as_subsets(schema, by_name.clone(), &no_deferred) {
        Ok(order) => order,
        Err(mut placed) => {
            // A cycle: SQLite accepts forward references, so keep the given order.
            let rest: Vec<usize> = by_name
                .into_iter()
                .filter(|m| !placed.contains(m))
                .collect();
            placed.extend(rest);
            placed
        }
    }
}

/// SQLAlchemy's `sort_tables_and_constraints` over `MetaData.tables` (declaration
/// order), as `create_all()` runs it: the model indices, each after the tables its
/// foreign keys reference, and the foreign keys left out of that sort, as (model,
/// index into its `foreign_keys`). Without a cycle nothing is left out. With one,
/// every foreign key of every table on a cycle is left out (references to tables
/// outside the cycle and self-references too, as SQLAlchemy does) and the tables
/// are sorted again without them.
pub fn sort_tables_and_constraints(schema: &Schema) -> (Vec<usize>, Vec<(usize, usize)>) {
    let declared: Vec<usize> = (0..schema.models.len()).collect();
    let no_deferred = |_: usize, _: usize| false;
    if let Ok(order) = sort_as_subsets(schema, declared.clone(), &no_deferred) {
        return (order, Vec::new());
    }
    let on_cycle = tables_on_cycles(&schema.models);
    let deferred: Vec<(usize, usize)> = declared
        .iter()
        .filter(|&&m| on_cycle[m])
        .flat_map(|&m| (0..schema.models[m].foreign_keys.len()).map(move |f| (m, f)))
        .collect();
    let is_deferred = |m: usize, f: usize| on_cycle[m] && f < schema.models[m].foreign_keys.len();
    // Without the foreign keys of the cycles' tables no cycle is left.
    let order = match sort_as_subsets(schema, declared.clone(), &is_deferred) {
        Ok(order) => order,
        Err(mut placed) => {
            let rest: Vec<usize> = declared
                .into_iter()
                .filter(|m| !placed.contains(m))
                .collect();
            placed.extend(rest);
            placed
        }
    };
    // Creation order: by table, then as the table declares them.
    let mut deferred = deferred;
    deferred.sort_by_key(|&(m, f)| {
        (
            order.iter().position(|&o| o == m),
            declaration_position(&schema.models[m], f),
        )
    });
    (order, deferred)
}

/// Where `create_table` writes a foreign key: table-level ones first, then by column.
fn declaration_position(model: &Model, f: usize) -> (usize, usize) {
    let fk = &model.foreign_keys[f];
    if fk.table_level {
        (0, f)
    } else {
        (1 + fk.columns.first().copied().unwrap_or(0), f)
    }
}

/// For each model, whether it is on a cycle of foreign keys between tables
/// (SQLAlchemy's `find_cycles`; a self-reference alone is no cycle).
pub(crate) fn tables_on_cycles(models: &[Model]) -> Vec<bool> {
    let n = models.len();
    let references = |m: usize| -> Vec<usize> {
        models[m]
            .foreign_keys
            .iter()
            .map(|fk| fk.target)
            .filter(|&t| t != m)
            .collect()
    };
    (0..n)
        .map(|start| {
            let mut seen = vec![false; n];
            let mut stack = references(start);
            while let Some(m) = stack.pop() {
                if m == start {
                    return true;
                }
                if !std::mem::replace(&mut seen[m], true) {
                    stack.extend(references(m));
                }
            }
            false
        })
        .collect()
}

/// Model indices in declaration order, each placed after the tables its foreign keys
/// reference: the order SQLAlchemy's `create_all()` itself creates tables in
/// (`sort_tables_and_constraints` over `MetaData.tables`, which keeps declaration order).
pub fn declaration_dependency_order(schema: &Schema) -> Vec<usize> {
    sort_tables_and_constraints(schema).0
}

/// `todo` in batches: each batch the tables whose referenced tables are all placed,
/// in `todo`'s order (SQLAlchemy's `sort_as_subsets`), not counting the foreign keys
/// `deferred(model, index)` leaves out. `Err` with the tables placed before a cycle.
fn sort_as_subsets(
    schema: &Schema,
    mut todo: Vec<usize>,
    deferred: &dyn Fn(usize, usize) -> bool,
) -> Result<Vec<usize>, Vec<usize>> {
    let depends_on = |m: usize| -> Vec<usize> {
        schema.models[m]
            .foreign_keys
            .iter()
            .enumerate()
            .filter(|&(f, fk)| fk.target != m && !deferred(m, f))
            .map(|(_, fk)| fk.target)
            .collect()
    };
    let mut order = Vec::with_capacity(todo.len());
    while !todo.is_empty() {
        let ready: Vec<usize> = todo
            .iter()
            .copied()
            .filter(|&m| depends_on(m).iter().all(|d| !todo.contains(d)))
            .collect();
        if ready.is_empty() {
            return Err(order);
        }
        todo.retain(|m| !ready.contains(m));
        order.extend(ready);
    }
    Ok(order)
}

fn create_table(
    schema: &Schema,
    model: &Model,
    dialect: &dyn Dialect,
    inline: &dyn Fn(usize) -> bool,
) -> String {
    let mut lines: Vec<String> = (0..model.columns.len())
        .map(|c| column_definition(model, c, dialect))
        .collect();
    let quote_list = |columns: &[usize]| -> String {
        columns
            .iter()
            .map(|&c| dialect.quote(&model.columns[c].name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // `autoincrement = true` is SQLAlchemy's `sqlite_autoincrement`: the key is declared
    // on its column (`PRIMARY KEY AUTOINCREMENT`) instead of as a table constraint.
    let autoincrement = dialect.inline_autoincrement()
        && model.primary_key.len() == 1
        && model.columns[model.primary_key[0]].autoincrement;
    if !model.primary_key.is_empty() && !autoincrement {
        lines.push(format!("PRIMARY KEY ({})", quote_list(&model.primary_key)));
    }
    let named = |name: &Option<String>| -> String {
        name.as_ref().map_or(String::new(), |n| {
            format!("CONSTRAINT {} ", dialect.quote(n))
        })
    };
    // Table-level constraints in declaration order, then the column-level ones in
    // column order: the order SQLAlchemy creates them in.
    for unique in &model.unique_constraints {
        lines.push(format!(
            "{}UNIQUE ({})",
            named(&unique.name),
            quote_list(&unique.columns)
        ));
    }
    for check in &model.checks {
        lines.push(format!("{}CHECK ({})", named(&check.name), check.sql));
    }
    let foreign_key = |fk| foreign_key_clause(schema, model, fk, dialect);
    let inline_keys = || {
        model
            .foreign_keys
            .iter()
            .enumerate()
            .filter(|&(f, _)| inline(f))
            .map(|(_, fk)| fk)
    };
    for fk in inline_keys().filter(|fk| fk.table_level) {
        lines.push(foreign_key(fk));
    }
    for (c, column) in model.columns.iter().enumerate() {
        if column.unique && !column.index {
            lines.push(format!("UNIQUE ({})", dialect.quote(&column.name)));
        }
        for fk in inline_keys().filter(|fk| !fk.table_level && fk.columns == [c]) {
            lines.push(foreign_key(fk));
        }
    }
    format!(
        "CREATE TABLE {} (\n\t{}\n)",
        dialect.quote(&model.table),
        lines.join(", \n\t")
    )
}

/// `[CONSTRAINT name ]FOREIGN KEY(...) REFERENCES table (...)[ ON DELETE ...]`, as in
/// a `CREATE TABLE` and after `ALTER TABLE ... ADD`.
fn foreign_key_clause(
    schema: &Schema,
    model: &Model,
    fk: &crate::model::ForeignKey,
    dialect: &dyn Dialect,
) -> String {
    let quote_list = |columns: &[usize], model: &Model| -> String {
        columns
            .iter()
            .map(|&c| dialect.quote(&model.columns[c].name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let target = &schema.models[fk.target];
    let mut text = format!(
        "{}FOREIGN KEY({}) REFERENCES {} ({})",
        fk.name.as_ref().map_or(String::new(), |n| {
            format!("CONSTRAINT {} ", dialect.quote(n))
        }),
        quote_list(&fk.columns, model),
        dialect.quote(&target.table),
        quote_list(&fk.target_columns, target)
    );
    if let Some(action) = &fk.on_delete {
        text.push_str(&format!(" ON DELETE {action}"));
    }
    if let Some(action) = &fk.on_update {
        text.push_str(&format!(" ON UPDATE {action}"));
    }
    text
}

fn column_definition(model: &Model, c: usize, dialect: &dyn Dialect) -> String {
    let column: &Column = &model.columns[c];
    let serial = dialect.serial_type(model, c);
    let mut text = format!(
        "{} {}",
        dialect.quote(&column.name),
        serial
            .clone()
            .unwrap_or_else(|| dialect.column_type(&column.ty))
    );
    if let Some(sql) = column.server_default.as_ref().filter(|_| serial.is_none()) {
        text.push_str(" DEFAULT ");
        text.push_str(&dialect.server_default(&column.ty, sql));
    }
    if !column.nullable {
        text.push_str(" NOT NULL");
    }
    if column.autoincrement && dialect.inline_autoincrement() {
        text.push_str(" PRIMARY KEY AUTOINCREMENT");
    }
    text
}

fn create_indexes(model: &Model, dialect: &dyn Dialect) -> Vec<String> {
    let mut indexes: Vec<(String, bool, Vec<usize>)> = model
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.index)
        .map(|(i, c)| {
            (
                names::column_index_name(&model.table, &c.name),
                c.unique,
                vec![i],
            )
        })
        .collect();
    indexes.extend(
        model
            .indexes
            .iter()
            .map(|i| (i.name.clone(), i.unique, i.columns.clone())),
    );
    indexes.sort_by(|a, b| a.0.cmp(&b.0));
    indexes
        .into_iter()
        .map(|(name, unique, columns)| {
            let columns = columns
                .iter()
                .map(|&c| dialect.quote(&model.columns[c].name))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "CREATE {}INDEX {} ON {} ({})",
                if unique { "UNIQUE " } else { "" },
                dialect.quote(&name),
                dialect.quote(&model.table),
                columns
            )
        })
        .collect()
}
