//! Reading the schema of an existing SQLite database, and writing it back as a spec.
//!
//! [`read`] collects what SQLite knows about each table (`PRAGMA table_info`,
//! `index_list`, `index_info`, `foreign_key_list`) and what only the `CREATE TABLE`
//! text says (constraint names, CHECK constraints, where each constraint was
//! written, AUTOINCREMENT, WITHOUT ROWID) into a [`DbSchema`]. The migration differ
//! compares two of these; [`to_spec`] turns one into `models.toml` text, the analog
//! of sqlacodegen and `diesel print-schema`.

use std::collections::{BTreeMap, HashSet};

use heck::ToUpperCamelCase as _;
use rusqlite::Connection;

use litemodel_codegen::emit::sql::{Dialect as _, Sqlite};
use litemodel_codegen::model::ColumnType;
use litemodel_codegen::names;

/// Tables of SQLite itself and of litemodel's migration runner: never part of a spec.
pub fn is_internal_table(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.starts_with("sqlite_") || lower == "litemodel_migrations"
}

/// Everything a database holds that a spec (or a migration) cares about.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DbSchema {
    /// Tables, sorted by name (internal tables left out).
    pub tables: Vec<Table>,
    /// Views, sorted by name.
    pub views: Vec<SqlObject>,
    /// Triggers, sorted by name.
    pub triggers: Vec<SqlObject>,
}

/// A view or trigger: litemodel keeps its SQL and recreates it, never interprets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlObject {
    /// Its name.
    pub name: String,
    /// The table it belongs to (for a view, the view itself).
    pub table: String,
    /// Its `CREATE` statement.
    pub sql: String,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// The name.
    pub name: String,
    /// The `CREATE TABLE` statement as SQLite stores it.
    pub sql: String,
    /// Columns in order.
    pub columns: Vec<Column>,
    /// Primary key columns, in key order.
    pub primary_key: Vec<String>,
    /// The primary key's constraint name, if it has one.
    pub primary_key_name: Option<String>,
    /// The primary key was written on its column (`id INTEGER PRIMARY KEY`).
    pub primary_key_inline: bool,
    /// `AUTOINCREMENT` on the primary key.
    pub autoincrement: bool,
    /// UNIQUE constraints of the `CREATE TABLE`, in the order written.
    pub uniques: Vec<Unique>,
    /// CHECK constraints, in the order written.
    pub checks: Vec<Check>,
    /// Foreign keys, in the order written.
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes made with `CREATE INDEX`, sorted by name.
    pub indexes: Vec<Index>,
    /// `WITHOUT ROWID`, `STRICT`, ... after the closing parenthesis, upper case.
    pub options: Vec<String>,
    /// The order of the table constraints as written: the primary key, uniques,
    /// checks and foreign keys, each with whether it was written on a column.
    pub constraint_order: Vec<(ConstraintRef, bool)>,
}

/// Which constraint of a [`Table`] a [`Table::constraint_order`] entry means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintRef {
    /// The primary key.
    PrimaryKey,
    /// `uniques[i]`
    Unique(usize),
    /// `checks[i]`
    Check(usize),
    /// `foreign_keys[i]`
    ForeignKey(usize),
}

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Column {
    /// The name.
    pub name: String,
    /// The declared type, as written (empty when none).
    pub decl_type: String,
    /// `NOT NULL` was declared.
    pub not_null: bool,
    /// The `DEFAULT` expression's text.
    pub default: Option<String>,
    /// `COLLATE` name, when written.
    pub collate: Option<String>,
    /// A generated column (`GENERATED ALWAYS AS`).
    pub generated: bool,
}

/// A UNIQUE constraint of the `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unique {
    /// Its constraint name.
    pub name: Option<String>,
    /// Its columns.
    pub columns: Vec<String>,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Its constraint name.
    pub name: Option<String>,
    /// The expression inside `CHECK (...)`.
    pub sql: String,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// Its constraint name.
    pub name: Option<String>,
    /// The local columns.
    pub columns: Vec<String>,
    /// The referenced table, as written.
    pub table: String,
    /// The referenced columns (the referenced table's primary key when the
    /// `REFERENCES` clause names none).
    pub references: Vec<String>,
    /// `ON DELETE` action, upper case (`NO ACTION` when not written).
    pub on_delete: String,
    /// `ON UPDATE` action, upper case.
    pub on_update: String,
    /// `DEFERRABLE INITIALLY DEFERRED` (or another deferral clause) was written.
    pub deferrable: bool,
}

/// An index made with `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The name.
    pub name: String,
    /// The indexed columns; `None` for an expression.
    pub columns: Vec<Option<String>>,
    /// A unique index.
    pub unique: bool,
    /// A partial index (`WHERE ...`).
    pub partial: bool,
    /// The `CREATE INDEX` statement.
    pub sql: String,
}

impl DbSchema {
    /// The table named `name` (ignoring case, as SQLite does).
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

impl Table {
    /// The column named `name` (ignoring case).
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Reads the schema of the database behind `conn`.
///
/// # Errors
///
/// Any SQLite error while reading the catalog.
pub fn read(conn: &Connection) -> rusqlite::Result<DbSchema> {
    let mut schema = DbSchema::default();
    let mut statement = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master \
         WHERE type IN ('table', 'view', 'trigger') AND sql IS NOT NULL ORDER BY name",
    )?;
    let rows: Vec<(String, String, String, String)> = statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name, table, sql) in rows {
        match kind.as_str() {
            "table" if !is_internal_table(&name) => {
                schema.tables.push(read_table(conn, &name, &sql)?);
            }
            "view" => schema.views.push(SqlObject { name, table, sql }),
            "trigger" if !is_internal_table(&table) => {
                schema.triggers.push(SqlObject { name, table, sql });
            }
            _ => {}
        }
    }
    // A REFERENCES clause without columns means the parent's primary key.
    let primary_keys: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|t| (t.name.to_lowercase(), t.primary_key.clone()))
        .collect();
    for table in &mut schema.tables {
        for fk in &mut table.foreign_keys {
            if fk.references.is_empty() {
                if let Some(pk) = primary_keys.get(&fk.table.to_lowercase()) {
                    fk.references = pk.clone();
                }
            }
        }
    }
    Ok(schema)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn read_table(conn: &Connection, name: &str, sql: &str) -> rusqlite::Result<Table> {
    let parsed = parse_create_table(sql);
    let mut table = Table {
        name: name.to_owned(),
        sql: sql.to_owned(),
        options: parsed.options.clone(),
        ..Table::default()
    };
    let mut pk: Vec<(i64, String)> = Vec::new();
    let mut info = conn.prepare(&format!("PRAGMA table_xinfo({})", quoted(name)))?;
    let columns = info.query_map([], |row| {
        Ok((
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?.unwrap_or_default(),
            row.get::<_, i64>(3)? != 0,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, i64>(5)?,
            row.get::<_, i64>(6)?,
        ))
    })?;
    for column in columns {
        let (column_name, decl_type, not_null, default, pk_position, hidden) = column?;
        if pk_position > 0 {
            pk.push((pk_position, column_name.clone()));
        }
        let parsed_column = parsed
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&column_name));
        table.columns.push(Column {
            collate: parsed_column.and_then(|c| c.collate.clone()),
            generated: hidden == 2 || hidden == 3,
            name: column_name,
            decl_type,
            not_null,
            default,
        });
    }
    pk.sort();
    table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
    table.primary_key_inline = parsed.primary_key_inline;
    table.primary_key_name = parsed.primary_key_name.clone();
    table.autoincrement = parsed.autoincrement;

    // Foreign keys: PRAGMA for the facts, the parsed text for names and order.
    let mut pragma_keys: BTreeMap<i64, ForeignKey> = BTreeMap::new();
    let mut keys = conn.prepare(&format!("PRAGMA foreign_key_list({})", quoted(name)))?;
    let rows = keys.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, String>(6)?,
        ))
    })?;
    for row in rows {
        let (id, target, from, to, on_update, on_delete) = row?;
        let key = pragma_keys.entry(id).or_insert_with(|| ForeignKey {
            name: None,
            columns: Vec::new(),
            table: target,
            references: Vec::new(),
            on_delete: on_delete.to_uppercase(),
            on_update: on_update.to_uppercase(),
            deferrable: false,
        });
        key.columns.push(from);
        if let Some(to) = to {
            key.references.push(to);
        }
    }
    let mut unmatched: Vec<ForeignKey> = pragma_keys.into_values().collect();
    // SQLite numbers foreign keys from the last one written.
    unmatched.reverse();
    for item in &parsed.items {
        match item {
            Item::PrimaryKey { inline } => table
                .constraint_order
                .push((ConstraintRef::PrimaryKey, *inline)),
            Item::Unique {
                name,
                columns,
                inline,
            } => {
                table.uniques.push(Unique {
                    name: name.clone(),
                    columns: columns.clone(),
                });
                table
                    .constraint_order
                    .push((ConstraintRef::Unique(table.uniques.len() - 1), *inline));
            }
            Item::Check { name, sql, inline } => {
                table.checks.push(Check {
                    name: name.clone(),
                    sql: sql.clone(),
                });
                table
                    .constraint_order
                    .push((ConstraintRef::Check(table.checks.len() - 1), *inline));
            }
            Item::ForeignKey {
                name,
                columns,
                inline,
                deferrable,
            } => {
                let found = unmatched.iter().position(|k| {
                    k.columns.len() == columns.len()
                        && k.columns
                            .iter()
                            .zip(columns)
                            .all(|(a, b)| a.eq_ignore_ascii_case(b))
                });
                if let Some(position) = found {
                    let mut key = unmatched.remove(position);
                    key.name = name.clone();
                    key.deferrable = *deferrable;
                    table.foreign_keys.push(key);
                    table.constraint_order.push((
                        ConstraintRef::ForeignKey(table.foreign_keys.len() - 1),
                        *inline,
                    ));
                }
            }
        }
    }
    // Whatever the parser missed is still a foreign key.
    for key in unmatched {
        table.foreign_keys.push(key);
        table.constraint_order.push((
            ConstraintRef::ForeignKey(table.foreign_keys.len() - 1),
            false,
        ));
    }

    let mut list = conn.prepare(&format!("PRAGMA index_list({})", quoted(name)))?;
    let indexes: Vec<(String, bool, String, bool)> = list
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)? != 0,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)? != 0,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (index_name, unique, origin, partial) in indexes {
        if origin != "c" {
            continue;
        }
        let mut info = conn.prepare(&format!("PRAGMA index_info({})", quoted(&index_name)))?;
        let columns: Vec<Option<String>> = info
            .query_map([], |row| row.get::<_, Option<String>>(2))?
            .collect::<rusqlite::Result<_>>()?;
        let sql: Option<String> = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [&index_name],
                |row| row.get(0),
            )
            .ok()
            .flatten();
        table.indexes.push(Index {
            name: index_name,
            columns,
            unique,
            partial,
            sql: sql.unwrap_or_default(),
        });
    }
    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(table)
}

// ---- the CREATE TABLE text ------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A word or a quoted identifier: its text, and whether it was quoted.
    Name(String, bool),
    /// A string literal (its content).
    Str(String),
    /// Any other character.
    Punct(char),
    /// A number.
    Number(String),
}

/// A token with its byte range in the statement.
type Spanned = (Token, std::ops::Range<usize>);

fn tokenize(sql: &str) -> Vec<Spanned> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(bytes.len());
        } else if c == b'"' || c == b'`' || c == b'\'' || c == b'[' {
            let close = if c == b'[' { b']' } else { c };
            let mut text = Vec::new();
            i += 1;
            while i < bytes.len() {
                if bytes[i] == close {
                    if close != b']' && bytes.get(i + 1) == Some(&close) {
                        text.push(close);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                text.push(bytes[i]);
                i += 1;
            }
            let text = String::from_utf8_lossy(&text).into_owned();
            let token = if c == b'\'' {
                Token::Str(text)
            } else {
                Token::Name(text, true)
            };
            tokens.push((token, start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 || c == b'$' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'$'
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
            tokens.push((Token::Name(sql[start..i].to_owned(), false), start..i));
        } else if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            tokens.push((Token::Number(sql[start..i].to_owned()), start..i));
        } else {
            // Multi-byte characters only occur inside names and strings, handled above.
            tokens.push((Token::Punct(c as char), start..i + 1));
            i += 1;
        }
    }
    tokens
}

fn keyword(token: Option<&Spanned>, word: &str) -> bool {
    matches!(token, Some((Token::Name(text, false), _)) if text.eq_ignore_ascii_case(word))
}

fn name_of(token: Option<&Spanned>) -> Option<String> {
    match token {
        Some((Token::Name(text, _), _)) | Some((Token::Str(text), _)) => Some(text.clone()),
        _ => None,
    }
}

/// What the `CREATE TABLE` text says beyond the PRAGMAs.
#[derive(Debug, Default)]
struct ParsedTable {
    columns: Vec<ParsedColumn>,
    items: Vec<Item>,
    primary_key_inline: bool,
    primary_key_name: Option<String>,
    autoincrement: bool,
    options: Vec<String>,
}

#[derive(Debug)]
struct ParsedColumn {
    name: String,
    collate: Option<String>,
}

#[derive(Debug)]
enum Item {
    PrimaryKey {
        inline: bool,
    },
    Unique {
        name: Option<String>,
        columns: Vec<String>,
        inline: bool,
    },
    Check {
        name: Option<String>,
        sql: String,
        inline: bool,
    },
    ForeignKey {
        name: Option<String>,
        columns: Vec<String>,
        inline: bool,
        deferrable: bool,
    },
}

/// A `DEFERRABLE` (not `NOT DEFERRABLE`) among `tokens`.
fn deferrable(tokens: &[Spanned]) -> bool {
    tokens.iter().enumerate().any(|(i, t)| {
        keyword(Some(t), "DEFERRABLE") && !(i > 0 && keyword(tokens.get(i - 1), "NOT"))
    })
}

/// The parts of a definition list at nesting depth 0, split at commas.
fn split_top_level(tokens: &[Spanned]) -> Vec<&[Spanned]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, (token, _)) in tokens.iter().enumerate() {
        match token {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth = depth.saturating_sub(1),
            Token::Punct(',') if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
}

/// The index of the `)` matching the `(` at `open`.
fn matching_paren(tokens: &[Spanned], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, (token, _)) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The names in a parenthesized list starting at `open` (`(a, b COLLATE x, c)`),
/// and the index after the `)`.
fn name_list(tokens: &[Spanned], open: usize) -> (Vec<String>, usize) {
    let Some(close) = matching_paren(tokens, open) else {
        return (Vec::new(), tokens.len());
    };
    let names = split_top_level(&tokens[open + 1..close])
        .into_iter()
        .filter_map(|part| name_of(part.first()))
        .collect();
    (names, close + 1)
}

fn source_between(sql: &str, tokens: &[Spanned], from: usize, to: usize) -> String {
    match (tokens.get(from), tokens.get(to.saturating_sub(1))) {
        (Some((_, a)), Some((_, b))) if from < to => sql[a.start..b.end].to_owned(),
        _ => String::new(),
    }
}

const COLUMN_CONSTRAINT_WORDS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

fn parse_create_table(sql: &str) -> ParsedTable {
    let tokens = tokenize(sql);
    let mut parsed = ParsedTable::default();
    let Some(open) = tokens
        .iter()
        .position(|(t, _)| matches!(t, Token::Punct('(')))
    else {
        return parsed;
    };
    let Some(close) = matching_paren(&tokens, open) else {
        return parsed;
    };
    for word in &tokens[close + 1..] {
        if let (Token::Name(text, false), _) = word {
            parsed.options.push(text.to_uppercase());
        }
    }
    for part in split_top_level(&tokens[open + 1..close]) {
        let first_is = |word: &str| keyword(part.first(), word);
        let is_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|w| first_is(w));
        if is_constraint {
            table_constraint(sql, part, &mut parsed);
        } else {
            column_definition(sql, part, &mut parsed);
        }
    }
    parsed
}

fn table_constraint(sql: &str, part: &[Spanned], parsed: &mut ParsedTable) {
    let mut i = 0;
    let mut name = None;
    if keyword(part.first(), "CONSTRAINT") {
        name = name_of(part.get(1));
        i = 2;
    }
    if keyword(part.get(i), "PRIMARY") {
        parsed.primary_key_name = name;
        parsed.items.push(Item::PrimaryKey { inline: false });
        if part.iter().any(|t| keyword(Some(t), "AUTOINCREMENT")) {
            parsed.autoincrement = true;
        }
    } else if keyword(part.get(i), "UNIQUE") {
        let (columns, _) = name_list(part, i + 1);
        parsed.items.push(Item::Unique {
            name,
            columns,
            inline: false,
        });
    } else if keyword(part.get(i), "CHECK") {
        let close = matching_paren(part, i + 1).unwrap_or(part.len());
        parsed.items.push(Item::Check {
            name,
            sql: source_between(sql, part, i + 2, close),
            inline: false,
        });
    } else if keyword(part.get(i), "FOREIGN") {
        let (columns, _) = name_list(part, i + 2);
        parsed.items.push(Item::ForeignKey {
            name,
            columns,
            inline: false,
            deferrable: deferrable(part),
        });
    }
}

fn column_definition(sql: &str, part: &[Spanned], parsed: &mut ParsedTable) {
    let Some(name) = name_of(part.first()) else {
        return;
    };
    let mut column = ParsedColumn {
        name: name.clone(),
        collate: None,
    };
    let mut i = 1;
    // Skip the type: everything up to the first constraint keyword.
    while i < part.len()
        && !COLUMN_CONSTRAINT_WORDS
            .iter()
            .any(|w| keyword(part.get(i), w))
    {
        if matches!(part[i].0, Token::Punct('(')) {
            i = matching_paren(part, i).map_or(part.len(), |c| c + 1);
        } else {
            i += 1;
        }
    }
    let mut constraint_name = None;
    while i < part.len() {
        if keyword(part.get(i), "CONSTRAINT") {
            constraint_name = name_of(part.get(i + 1));
            i += 2;
        } else if keyword(part.get(i), "PRIMARY") {
            parsed.primary_key_inline = true;
            parsed.primary_key_name = constraint_name.take();
            parsed.items.push(Item::PrimaryKey { inline: true });
            i += 2;
        } else if keyword(part.get(i), "AUTOINCREMENT") {
            parsed.autoincrement = true;
            i += 1;
        } else if keyword(part.get(i), "UNIQUE") {
            parsed.items.push(Item::Unique {
                name: constraint_name.take(),
                columns: vec![name.clone()],
                inline: true,
            });
            i += 1;
        } else if keyword(part.get(i), "CHECK") {
            let close = matching_paren(part, i + 1).unwrap_or(part.len());
            parsed.items.push(Item::Check {
                name: constraint_name.take(),
                sql: source_between(sql, part, i + 2, close),
                inline: true,
            });
            i = close + 1;
        } else if keyword(part.get(i), "REFERENCES") {
            // The clause runs to the next constraint of the column.
            let end = (i + 1..part.len())
                .find(|&j| {
                    [
                        "CONSTRAINT",
                        "PRIMARY",
                        "UNIQUE",
                        "CHECK",
                        "DEFAULT",
                        "COLLATE",
                        "NOT",
                        "NULL",
                    ]
                    .iter()
                    .any(|w| keyword(part.get(j), w))
                        && !keyword(part.get(j + 1), "DEFERRABLE")
                })
                .unwrap_or(part.len());
            parsed.items.push(Item::ForeignKey {
                name: constraint_name.take(),
                columns: vec![name.clone()],
                inline: true,
                deferrable: deferrable(&part[i..end]),
            });
            i += 2;
        } else if keyword(part.get(i), "COLLATE") {
            column.collate = name_of(part.get(i + 1));
            i += 2;
        } else if matches!(part[i].0, Token::Punct('(')) {
            i = matching_paren(part, i).map_or(part.len(), |c| c + 1);
        } else {
            i += 1;
        }
    }
    parsed.columns.push(column);
}

// ---- the spec -----------------------------------------------------------------

/// A spec written from a database, with what it could not express.
#[derive(Debug, Clone, PartialEq)]
pub struct Introspected {
    /// The `models.toml` text.
    pub spec: String,
    /// One line for each thing of the database the spec does not reproduce
    /// exactly; each is also a comment at the top of `spec`.
    pub warnings: Vec<String>,
}

/// A spec column type for a declared SQLite type, and whether litemodel writes the
/// type back exactly as declared.
pub(crate) fn spec_type(decl_type: &str) -> (String, ColumnType) {
    let upper = decl_type.trim().to_uppercase();
    let (base, params) = match upper.split_once('(') {
        Some((base, rest)) => (
            base.trim().to_owned(),
            rest.trim_end_matches(')')
                .split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>(),
        ),
        None => (upper.clone(), Vec::new()),
    };
    let number = |i: usize| params.get(i).and_then(|p| p.parse::<u32>().ok());
    let ty = match base.as_str() {
        "INTEGER" | "INT" | "MEDIUMINT" | "INT4" => ColumnType::Integer,
        "SMALLINT" | "TINYINT" | "INT2" => ColumnType::SmallInteger,
        "BIGINT" | "INT8" | "UNSIGNED BIG INT" => ColumnType::BigInteger,
        "BOOLEAN" | "BOOL" => ColumnType::Boolean,
        "FLOAT" | "REAL" | "DOUBLE" | "DOUBLE PRECISION" => ColumnType::Float,
        "NUMERIC" | "DECIMAL" => ColumnType::Numeric {
            precision: number(0),
            scale: number(1),
        },
        "VARCHAR"
        | "CHARACTER VARYING"
        | "NVARCHAR"
        | "VARYING CHARACTER"
        | "NATIONAL VARYING CHARACTER" => ColumnType::String { length: number(0) },
        "CHAR" | "CHARACTER" | "NCHAR" | "NATIVE CHARACTER" if number(0) == Some(32) => {
            ColumnType::Uuid
        }
        "CHAR" | "CHARACTER" | "NCHAR" | "NATIVE CHARACTER" => {
            ColumnType::String { length: number(0) }
        }
        "TEXT" | "CLOB" => ColumnType::Text,
        "BLOB" | "" => ColumnType::Blob,
        "DATE" => ColumnType::Date,
        "TIME" => ColumnType::Time,
        "DATETIME" | "TIMESTAMP" => ColumnType::DateTime { timezone: false },
        "JSON" => ColumnType::Json,
        // SQLite's affinity rules, in their order.
        other if other.contains("INT") => ColumnType::Integer,
        other if other.contains("CHAR") || other.contains("CLOB") || other.contains("TEXT") => {
            ColumnType::Text
        }
        other if other.contains("BLOB") => ColumnType::Blob,
        other if other.contains("REAL") || other.contains("FLOA") || other.contains("DOUB") => {
            ColumnType::Float
        }
        _ => ColumnType::Numeric {
            precision: None,
            scale: None,
        },
    };
    (litemodel_codegen::validate::type_label(&ty), ty)
}

/// A TOML key: bare when it can be.
fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_owned()
    } else {
        toml_string(key)
    }
}

/// A TOML basic string.
fn toml_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| toml_string(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// `users` → `User`, `categories` → `Category`: the model name for a table.
fn model_name(table: &str, taken: &HashSet<String>) -> String {
    let singular = singular(table);
    let mut name = singular.to_upper_camel_case();
    if name.is_empty() || !names::is_identifier_shape(&name) {
        name = format!("T{name}");
        name.retain(|c| c == '_' || c.is_alphanumeric());
    }
    if names::is_rust_keyword(&name) {
        name.push_str("Model");
    }
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    candidate
}

fn singular(word: &str) -> String {
    let lower = word.to_lowercase();
    if let Some(stem) = lower.strip_suffix("ies") {
        if !stem.is_empty() {
            return format!("{}y", &word[..stem.len()]);
        }
    }
    for suffix in ["sses", "shes", "ches", "xes"] {
        if lower.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    if lower.ends_with('s') && !lower.ends_with("ss") && !lower.ends_with("us") && word.len() > 1 {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// The accessor name for a foreign key column: `role_id` → `role`.
fn accessor_base(column: &str) -> String {
    let lower = column.to_lowercase();
    for suffix in ["_id", "id"] {
        if lower.len() > suffix.len() && lower.ends_with(suffix) {
            let base = column[..column.len() - suffix.len()].trim_end_matches('_');
            if !base.is_empty() {
                return base.to_lowercase();
            }
        }
    }
    format!("{}_ref", column.to_lowercase())
}

fn clean_method_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("r_{out}");
    }
    if names::is_non_raw_keyword(&out) {
        out.push('_');
    }
    out
}

/// Writes a spec for `schema`: one model per table (tables without a primary key,
/// which a spec cannot declare, are left out with a warning), relationships inferred
/// from the foreign keys, and a warning for everything the spec cannot say.
pub fn to_spec(schema: &DbSchema) -> Introspected {
    let mut warnings: Vec<String> = Vec::new();
    let mut body = String::new();
    let mut taken = HashSet::new();
    let mut models: BTreeMap<String, String> = BTreeMap::new(); // lower table -> model
    let tables: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| {
            if t.primary_key.is_empty() {
                warnings.push(format!(
                    "table `{}` has no primary key, which a spec requires; it is left out (its SQL: {})",
                    t.name,
                    one_line(&t.sql)
                ));
                false
            } else {
                true
            }
        })
        .collect();
    let tables = dependency_order(tables);
    for table in &tables {
        let name = model_name(&table.name, &taken);
        taken.insert(name.clone());
        models.insert(table.name.to_lowercase(), name);
    }
    let relationships = infer_relationships(&tables, &models);
    for table in &tables {
        let model = &models[&table.name.to_lowercase()];
        write_model(
            table,
            model,
            relationships.get(model),
            &mut body,
            &mut warnings,
        );
    }
    for view in &schema.views {
        warnings.push(format!(
            "view `{}` is not part of a spec; keep it in a migration (its SQL: {})",
            view.name,
            one_line(&view.sql)
        ));
    }
    for trigger in &schema.triggers {
        warnings.push(format!(
            "trigger `{}` on `{}` is not part of a spec; keep it in a migration (its SQL: {})",
            trigger.name,
            trigger.table,
            one_line(&trigger.sql)
        ));
    }
    let mut spec = String::from("# Written by `litemodel introspect` from an existing database.\n");
    if warnings.is_empty() {
        spec.push_str("# `litemodel create-all` with this spec makes the same schema.\n");
    } else {
        spec.push_str("# What this spec does not reproduce exactly:\n");
        for warning in &warnings {
            spec.push_str(&format!("#   - {warning}\n"));
        }
    }
    spec.push_str(&body);
    Introspected { spec, warnings }
}

/// True when `sql` uses the name `name` (as a word or quoted identifier, ignoring
/// case): how a rebuild finds the views and triggers that refer to a table.
pub(crate) fn mentions(sql: &str, name: &str) -> bool {
    tokenize(sql)
        .iter()
        .any(|(token, _)| matches!(token, Token::Name(text, _) if text.eq_ignore_ascii_case(name)))
}

/// `CREATE TABLE <name> (...)` rewritten to create the table `new_name`.
pub(crate) fn rename_create_table(sql: &str, new_name: &str) -> Option<String> {
    let tokens = tokenize(sql);
    let (_, open) = tokens
        .iter()
        .find(|(t, _)| matches!(t, Token::Punct('(')))?;
    Some(format!("CREATE TABLE {new_name} {}", &sql[open.start..]))
}

pub(crate) fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Tables sorted by name, then each after the tables it references (as the DDL
/// orders them); cycles keep name order.
fn dependency_order(mut todo: Vec<&Table>) -> Vec<&Table> {
    todo.sort_by(|a, b| a.name.cmp(&b.name));
    let mut order = Vec::with_capacity(todo.len());
    while !todo.is_empty() {
        let waiting = |t: &Table, todo: &[&Table]| {
            t.foreign_keys.iter().any(|k| {
                !k.table.eq_ignore_ascii_case(&t.name)
                    && todo.iter().any(|o| o.name.eq_ignore_ascii_case(&k.table))
            })
        };
        let (ready, rest): (Vec<&Table>, Vec<&Table>) =
            todo.iter().partition(|t| !waiting(t, &todo));
        if ready.is_empty() {
            order.extend(rest);
            break;
        }
        order.extend(ready);
        todo = rest;
    }
    order
}

/// Relationship lines per model name, in table order.
fn infer_relationships(
    tables: &[&Table],
    models: &BTreeMap<String, String>,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut used: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for table in tables {
        let Some(model) = models.get(&table.name.to_lowercase()) else {
            continue;
        };
        let reserved = used.entry(model.clone()).or_default();
        for column in &table.columns {
            reserved.insert(column.name.to_lowercase());
        }
    }
    let mut fresh = |model: &str, wanted: String| -> String {
        let names = used.entry(model.to_owned()).or_default();
        let mut candidate = clean_method_name(&wanted);
        let base = candidate.clone();
        let mut n = 2;
        while names.contains(&candidate.to_lowercase()) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        names.insert(candidate.to_lowercase());
        candidate
    };
    for table in tables {
        let Some(child) = models.get(&table.name.to_lowercase()) else {
            continue;
        };
        // An association table: a composite primary key made of two foreign keys.
        let association = table.foreign_keys.len() == 2
            && table.columns.len() == table.primary_key.len()
            && table
                .foreign_keys
                .iter()
                .all(|fk| fk.columns.len() == 1 && table.primary_key.contains(&fk.columns[0]));
        if association {
            let (a, b) = (&table.foreign_keys[0], &table.foreign_keys[1]);
            if let (Some(left), Some(right)) = (
                models.get(&a.table.to_lowercase()),
                models.get(&b.table.to_lowercase()),
            ) {
                if left != right {
                    let forward = fresh(left, b.table.to_lowercase());
                    let back = fresh(right, a.table.to_lowercase());
                    out.entry(left.clone()).or_default().push(format!(
                        "{} = {{ model = {}, secondary = {}, backref = {} }}",
                        toml_key(&forward),
                        toml_string(right),
                        toml_string(&table.name),
                        toml_string(&back)
                    ));
                    continue;
                }
            }
        }
        let per_parent = |target: &str| {
            table
                .foreign_keys
                .iter()
                .filter(|fk| fk.table.eq_ignore_ascii_case(target))
                .count()
        };
        for fk in &table.foreign_keys {
            let Some(parent) = models.get(&fk.table.to_lowercase()) else {
                continue;
            };
            let several = per_parent(&fk.table) > 1;
            let many_to_one = if fk.columns.len() == 1 {
                accessor_base(&fk.columns[0])
            } else {
                singular(&fk.table.to_lowercase())
            };
            let one_to_many = if parent == child {
                "children".to_owned()
            } else if several {
                format!("{}_{}", table.name.to_lowercase(), many_to_one)
            } else {
                table.name.to_lowercase()
            };
            let forward = fresh(parent, one_to_many);
            let back = fresh(
                child,
                if parent == child && many_to_one == forward {
                    "parent".into()
                } else {
                    many_to_one
                },
            );
            let mut line = format!(
                "{} = {{ model = {}, backref = {}",
                toml_key(&forward),
                toml_string(child),
                toml_string(&back)
            );
            if several || parent == child {
                line.push_str(&format!(", foreign_keys = {}", toml_list(&fk.columns)));
            }
            line.push_str(" }");
            out.entry(parent.clone()).or_default().push(line);
        }
    }
    out
}

fn write_model(
    table: &Table,
    model: &str,
    relationships: Option<&Vec<String>>,
    out: &mut String,
    warnings: &mut Vec<String>,
) {
    let t = &table.name;
    out.push_str(&format!(
        "\n[models.{}]\ntable = {}\n",
        toml_key(model),
        toml_string(t)
    ));
    // `autoincrement = true` declares AUTOINCREMENT on a single integer key.
    let autoincrement_key = table.autoincrement
        && table.primary_key.len() == 1
        && table
            .column(&table.primary_key[0])
            .is_some_and(|c| spec_type(&c.decl_type).1 == ColumnType::Integer);
    if table.autoincrement && !autoincrement_key {
        warnings.push(format!(
            "`{t}`: AUTOINCREMENT on this key is not in the spec; rowids of deleted rows may be reused"
        ));
    }
    for option in &table.options {
        warnings.push(format!(
            "`{t}`: the table option {option} is not in the spec"
        ));
    }
    for fk in table.foreign_keys.iter().filter(|k| k.deferrable) {
        warnings.push(format!(
            "`{t}`: the foreign key ({}) is DEFERRABLE, which the spec cannot declare; it becomes an immediate one",
            fk.columns.join(", ")
        ));
    }
    if table.primary_key_name.is_some() {
        warnings.push(format!(
            "`{t}`: the primary key's constraint name is not in the spec"
        ));
    }
    // Constraints written after the last one that only a table-level entry can
    // express are written per column, like litemodel's own DDL does.
    let table_level_only = |c: &(ConstraintRef, bool)| match c.0 {
        ConstraintRef::Unique(i) => {
            table.uniques[i].name.is_some() || table.uniques[i].columns.len() != 1
        }
        ConstraintRef::ForeignKey(i) => {
            table.foreign_keys[i].name.is_some() || table.foreign_keys[i].columns.len() != 1
        }
        ConstraintRef::Check(_) => true,
        ConstraintRef::PrimaryKey => false,
    };
    let tail_from = table
        .constraint_order
        .iter()
        .rposition(table_level_only)
        .map_or(0, |i| i + 1);
    let in_tail = |wanted: ConstraintRef| {
        table
            .constraint_order
            .iter()
            .position(|c| c.0 == wanted)
            .is_some_and(|p| p >= tail_from)
    };
    let column_index_name = |c: &str| names::column_index_name(t, c);
    let mut column_lines = Vec::new();
    let mut used_indexes: HashSet<usize> = HashSet::new();
    let mut used_uniques: HashSet<usize> = HashSet::new();
    let mut used_keys: HashSet<usize> = HashSet::new();
    let single_pk = table.primary_key.len() == 1;
    if !table.primary_key.is_empty() {
        let declared: Vec<&String> = table
            .columns
            .iter()
            .filter(|c| table.primary_key.contains(&c.name))
            .map(|c| &c.name)
            .collect();
        if declared
            .iter()
            .map(|s| s.as_str())
            .ne(table.primary_key.iter().map(String::as_str))
        {
            warnings.push(format!(
                "`{t}`: the primary key's column order ({}) becomes the columns' order",
                table.primary_key.join(", ")
            ));
        }
    }
    for column in &table.columns {
        let c = &column.name;
        let (ty_name, ty) = spec_type(&column.decl_type);
        let emitted = Sqlite.column_type(&ty);
        if emitted != column.decl_type {
            warnings.push(format!(
                "`{t}.{c}`: declared type `{}` becomes `{ty_name}`, written `{emitted}`",
                column.decl_type
            ));
        }
        let mut keys = vec![format!("type = {}", toml_string(&ty_name))];
        if names::is_non_raw_keyword(c) {
            keys.push(format!("rust_name = {}", toml_string(&format!("{c}_"))));
        }
        let is_pk = table.primary_key.iter().any(|p| p.eq_ignore_ascii_case(c));
        if is_pk {
            keys.push("primary_key = true".into());
            if autoincrement_key {
                keys.push("autoincrement = true".into());
            }
            let rowid_alias = single_pk
                && ty == ColumnType::Integer
                && !table.options.iter().any(|o| o == "WITHOUT");
            if !column.not_null && !rowid_alias {
                warnings.push(format!(
                    "`{t}.{c}`: a primary key column here accepts NULL (an SQLite quirk); the spec makes it NOT NULL"
                ));
            }
        } else if column.not_null {
            keys.push("nullable = false".into());
        }
        let unique = table.uniques.iter().enumerate().find(|(i, u)| {
            u.name.is_none()
                && u.columns.len() == 1
                && u.columns[0].eq_ignore_ascii_case(c)
                && in_tail(ConstraintRef::Unique(*i))
        });
        let plain_index = table.indexes.iter().enumerate().find(|(_, ix)| {
            ix.name == column_index_name(c)
                && !ix.partial
                && ix.columns.len() == 1
                && ix.columns[0]
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(c))
        });
        match (unique, plain_index) {
            (Some((u, _)), Some((i, ix))) if !ix.unique => {
                used_uniques.insert(u);
                used_indexes.insert(i);
                keys.push("unique = true".into());
                keys.push("index = true".into());
                // A UNIQUE constraint plus a plain index: the spec's `unique + index`
                // is one unique index instead.
                warnings.push(format!(
                    "`{t}.{c}`: a UNIQUE constraint and the index `{}` become one unique index",
                    ix.name
                ));
            }
            (Some((u, _)), _) => {
                used_uniques.insert(u);
                keys.push("unique = true".into());
            }
            (None, Some((i, ix))) => {
                used_indexes.insert(i);
                if ix.unique {
                    keys.push("unique = true".into());
                }
                keys.push("index = true".into());
            }
            (None, None) => {}
        }
        if let Some((k, fk)) = table.foreign_keys.iter().enumerate().find(|(k, fk)| {
            fk.name.is_none()
                && fk.columns.len() == 1
                && fk.columns[0].eq_ignore_ascii_case(c)
                && in_tail(ConstraintRef::ForeignKey(*k))
        }) {
            used_keys.insert(k);
            let target = format!(
                "{}.{}",
                fk.table,
                fk.references.first().map_or("", String::as_str)
            );
            keys.push(format!("foreign_key = {}", toml_string(&target)));
            if fk.on_delete != "NO ACTION" {
                keys.push(format!("on_delete = {}", toml_string(&fk.on_delete)));
            }
            if fk.on_update != "NO ACTION" {
                keys.push(format!("on_update = {}", toml_string(&fk.on_update)));
            }
        }
        if let Some(default) = &column.default {
            keys.push(format!("server_default = {}", toml_string(default)));
        }
        if let Some(collate) = &column.collate {
            warnings.push(format!("`{t}.{c}`: COLLATE {collate} is not in the spec"));
        }
        if column.generated {
            warnings.push(format!(
                "`{t}.{c}`: a generated column; the spec makes it an ordinary column"
            ));
        }
        column_lines.push(format!("{} = {{ {} }}", toml_key(c), keys.join(", ")));
    }
    out.push_str(&format!("\n[models.{}.columns]\n", toml_key(model)));
    for line in column_lines {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(relationships) = relationships {
        if !relationships.is_empty() {
            out.push_str(&format!("\n[models.{}.relationships]\n", toml_key(model)));
            for line in relationships {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    for (i, index) in table.indexes.iter().enumerate() {
        if used_indexes.contains(&i) {
            continue;
        }
        let columns: Option<Vec<String>> = index.columns.iter().cloned().collect();
        match columns {
            Some(columns) if !index.partial => {
                out.push_str(&format!(
                    "\n[[models.{}.indexes]]\nname = {}\ncolumns = {}\n",
                    toml_key(model),
                    toml_string(&index.name),
                    toml_list(&columns)
                ));
                if index.unique {
                    out.push_str("unique = true\n");
                }
            }
            _ => warnings.push(format!(
                "`{t}`: index `{}` is partial or indexes an expression, which the spec cannot declare; it is left out (its SQL: {})",
                index.name,
                one_line(&index.sql)
            )),
        }
    }
    for (i, unique) in table.uniques.iter().enumerate() {
        if used_uniques.contains(&i) {
            continue;
        }
        out.push_str(&format!("\n[[models.{}.unique]]\n", toml_key(model)));
        if let Some(name) = &unique.name {
            out.push_str(&format!("name = {}\n", toml_string(name)));
        }
        out.push_str(&format!("columns = {}\n", toml_list(&unique.columns)));
    }
    for check in &table.checks {
        out.push_str(&format!("\n[[models.{}.checks]]\n", toml_key(model)));
        if let Some(name) = &check.name {
            out.push_str(&format!("name = {}\n", toml_string(name)));
        }
        out.push_str(&format!("sql = {}\n", toml_string(&check.sql)));
    }
    for (i, fk) in table.foreign_keys.iter().enumerate() {
        if used_keys.contains(&i) {
            continue;
        }
        out.push_str(&format!("\n[[models.{}.foreign_keys]]\n", toml_key(model)));
        if let Some(name) = &fk.name {
            out.push_str(&format!("name = {}\n", toml_string(name)));
        }
        let references: Vec<String> = fk
            .references
            .iter()
            .map(|r| format!("{}.{r}", fk.table))
            .collect();
        out.push_str(&format!(
            "columns = {}\nreferences = {}\n",
            toml_list(&fk.columns),
            toml_list(&references)
        ));
        if fk.on_delete != "NO ACTION" {
            out.push_str(&format!("on_delete = {}\n", toml_string(&fk.on_delete)));
        }
        if fk.on_update != "NO ACTION" {
            out.push_str(&format!("on_update = {}\n", toml_string(&fk.on_update)));
        }
    }
}

/// Reads `conn` and writes its spec, then checks the result: the spec is validated
/// and its `create_all` run in a scratch database, and every difference between
/// that schema and the original (beyond the warnings already given) is reported.
///
/// # Errors
///
/// Reading the database failed.
pub fn introspect(conn: &Connection) -> Result<Introspected, IntrospectError> {
    let schema = read(conn)?;
    let mut result = to_spec(&schema);
    match litemodel_codegen::check("introspected models.toml", &result.spec) {
        Err(diagnostics) => {
            return Err(IntrospectError::InvalidSpec(diagnostics.render(false)));
        }
        Ok(checked) => {
            let scratch = Connection::open_in_memory()?;
            scratch.execute_batch(&litemodel_codegen::ddl(&checked.schema))?;
            let again = read(&scratch)?;
            let mut extra = Vec::new();
            for table in &schema.tables {
                if table.primary_key.is_empty() {
                    continue;
                }
                match again.table(&table.name) {
                    None => extra.push(format!("table `{}` is not recreated", table.name)),
                    Some(new) => {
                        for difference in structural_differences(table, new) {
                            if !explained(&result.warnings, &table.name, &difference) {
                                extra.push(format!("`{}`: {difference}", table.name));
                            }
                        }
                    }
                }
            }
            if !extra.is_empty() {
                let mut header = String::new();
                for line in &extra {
                    header.push_str(&format!("#   - {line}\n"));
                }
                let marker = "# What this spec does not reproduce exactly:\n";
                if let Some(at) = result.spec.find(marker) {
                    result.spec.insert_str(at + marker.len(), &header);
                } else {
                    let first_line_end = result.spec.find('\n').map_or(0, |i| i + 1);
                    let replaced_end = result.spec[first_line_end..]
                        .find('\n')
                        .map_or(first_line_end, |i| first_line_end + i + 1);
                    result
                        .spec
                        .replace_range(first_line_end..replaced_end, &format!("{marker}{header}"));
                }
                result.warnings.extend(extra);
            }
        }
    }
    Ok(result)
}

/// True when a warning already says why `difference` (of `table`) happens.
fn explained(warnings: &[String], table: &str, difference: &str) -> bool {
    let said = |text: &str| warnings.iter().any(|w| w.contains(text));
    if let Some(rest) = difference.strip_prefix("column `") {
        let column = rest.split('`').next().unwrap_or("");
        return rest.contains("` type `") && said(&format!("`{table}.{column}`: declared type"));
    }
    match difference {
        "foreign keys differ" => said(&format!("`{table}`: the foreign key")),
        "indexes differ" => said(&format!("`{table}`: index `")),
        _ => false,
    }
}

/// Why introspection failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IntrospectError {
    /// Reading the database failed.
    #[error("reading the database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The written spec does not validate: a bug in litemodel, reported with the spec's
    /// diagnostics.
    #[error("the spec written from the database does not validate (please report this):\n{0}")]
    InvalidSpec(String),
}

/// Differences in meaning between two versions of a table (names compared ignoring
/// case, types ignoring case): columns, primary key, unique constraints, checks,
/// foreign keys, indexes. Empty when they are the same table.
pub fn structural_differences(old: &Table, new: &Table) -> Vec<String> {
    let mut out = Vec::new();
    let old_columns: Vec<String> = old.columns.iter().map(|c| c.name.to_lowercase()).collect();
    let new_columns: Vec<String> = new.columns.iter().map(|c| c.name.to_lowercase()).collect();
    if old_columns != new_columns {
        out.push(format!(
            "columns ({}) become ({})",
            old_columns.join(", "),
            new_columns.join(", ")
        ));
    }
    let pk_alias = |t: &Table, c: &Column| {
        t.primary_key.len() == 1
            && t.primary_key[0].eq_ignore_ascii_case(&c.name)
            && c.decl_type.eq_ignore_ascii_case("INTEGER")
    };
    for a in &old.columns {
        if let Some(b) = new.column(&a.name) {
            if !a.decl_type.eq_ignore_ascii_case(&b.decl_type) {
                out.push(format!(
                    "column `{}` type `{}` becomes `{}`",
                    a.name, a.decl_type, b.decl_type
                ));
            }
            let a_not_null = a.not_null || pk_alias(old, a);
            let b_not_null = b.not_null || pk_alias(new, b);
            if a_not_null != b_not_null {
                out.push(format!(
                    "column `{}` NOT NULL {} becomes {}",
                    a.name, a_not_null, b_not_null
                ));
            }
            if a.default != b.default {
                out.push(format!(
                    "column `{}` default {:?} becomes {:?}",
                    a.name, a.default, b.default
                ));
            }
        }
    }
    let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    if lower(&old.primary_key) != lower(&new.primary_key) {
        out.push(format!(
            "primary key ({}) becomes ({})",
            old.primary_key.join(", "),
            new.primary_key.join(", ")
        ));
    }
    let uniques = |t: &Table| {
        let mut v: Vec<(Option<String>, Vec<String>)> = t
            .uniques
            .iter()
            .map(|u| (u.name.clone(), lower(&u.columns)))
            .collect();
        v.sort();
        v
    };
    if uniques(old) != uniques(new) {
        out.push("unique constraints differ".into());
    }
    let checks = |t: &Table| {
        let mut v: Vec<(Option<String>, String)> = t
            .checks
            .iter()
            .map(|c| (c.name.clone(), one_line(&c.sql)))
            .collect();
        v.sort();
        v
    };
    if checks(old) != checks(new) {
        out.push("check constraints differ".into());
    }
    let keys = |t: &Table| {
        let mut v: Vec<_> = t
            .foreign_keys
            .iter()
            .map(|k| {
                (
                    k.name.clone(),
                    lower(&k.columns),
                    k.table.to_lowercase(),
                    lower(&k.references),
                    k.on_delete.clone(),
                    k.on_update.clone(),
                    k.deferrable,
                )
            })
            .collect();
        v.sort();
        v
    };
    if keys(old) != keys(new) {
        out.push("foreign keys differ".into());
    }
    if old.options != new.options {
        out.push(format!(
            "table options ({}) become ({})",
            old.options.join(" "),
            new.options.join(" ")
        ));
    }
    let indexes = |t: &Table| {
        t.indexes
            .iter()
            .map(|i| {
                (
                    i.name.to_lowercase(),
                    i.unique,
                    i.partial,
                    i.columns
                        .iter()
                        .map(|c| c.as_ref().map(|c| c.to_lowercase()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    };
    if indexes(old) != indexes(new) {
        out.push("indexes differ".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_names() {
        assert_eq!(singular("users"), "user");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("status"), "status");
        assert_eq!(model_name("post_tags", &HashSet::new()), "PostTag");
        assert_eq!(model_name("self", &HashSet::new()), "SelfModel");
    }

    #[test]
    fn parses_constraints_in_order() {
        let parsed = parse_create_table(
            "CREATE TABLE \"a b\" (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, \
             x varchar(10) CONSTRAINT u1 UNIQUE CHECK (length(x) > 1) COLLATE NOCASE, \
             y int REFERENCES t(id), CONSTRAINT fk FOREIGN KEY (x, y) REFERENCES t (a, b), \
             CHECK ((y, x) != (1, 'a,b'))) WITHOUT ROWID",
        );
        assert!(parsed.autoincrement && parsed.primary_key_inline);
        assert_eq!(parsed.options, ["WITHOUT", "ROWID"]);
        assert_eq!(parsed.items.len(), 6);
        assert!(
            matches!(&parsed.items[4], Item::ForeignKey { name: Some(n), columns, inline: false, .. } if n == "fk" && columns.len() == 2)
        );
        assert!(
            matches!(&parsed.items[5], Item::Check { sql, .. } if sql == "(y, x) != (1, 'a,b')")
        );
        assert_eq!(parsed.columns[1].collate.as_deref(), Some("NOCASE"));
    }
}
