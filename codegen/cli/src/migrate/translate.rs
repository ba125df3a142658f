//! `litemodel migrate translate`: a SQLite migration history made into a PostgreSQL
//! one, migration by migration.
//!
//! Migration files are SQL of one engine, so a SQLite history is not run on
//! PostgreSQL as it is: each SQLite migration is applied, one statement at a time,
//! to an in-memory database, the schema it reaches is read back with
//! [`introspect::read`] and written as a spec ([`introspect::to_spec`]), and the
//! PostgreSQL planner ([`postgres::plan_step`]) plans, on scratch schemas of the
//! server, the step from the schema before to the schema after, as `migrate new`
//! plans a spec change. The renames a SQLite migration makes (`ALTER TABLE ...
//! RENAME`) are the step's `renamed_from`, so a renamed column keeps its values.
//! Each section (up, then down) is translated from its own statements.
//!
//! Data statements (`INSERT`, `UPDATE`, `DELETE`) are not schema changes: they split
//! a section into steps, and each is copied as written after the step before it,
//! once PostgreSQL has accepted it (prepared, not run) against that step's schema.
//! Anything else (views, triggers, `PRAGMA`s) cannot be planned, and is refused
//! with its file and line; nothing is translated then.

use std::path::Path;

use ::postgres::Client;
use rusqlite::Connection;

use super::plan::{Change, Plan, Statement, Steps};
use super::{files, postgres, Error, Renames};
use crate::introspect::{self, leading_names, one_line, DbSchema};
use litemodel::migrate::{Direction, REBUILD_PREFIX};
use litemodel_codegen::model::Schema;

/// One PostgreSQL migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translated {
    /// The SQLite migration's file name, which the PostgreSQL one keeps.
    pub file_name: String,
    /// The file's text.
    pub text: String,
}

/// A translated history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Translation {
    /// The PostgreSQL migrations, in version order.
    pub files: Vec<Translated>,
    /// What the specs written from the SQLite schemas do not reproduce exactly (a
    /// table without a primary key, a `DEFERRABLE` foreign key, ...), one line each,
    /// naming the migration.
    pub warnings: Vec<String>,
}

/// A statement of a SQLite migration that cannot be carried into PostgreSQL (a
/// view, a trigger, a `PRAGMA`, or a data statement PostgreSQL does not accept as
/// written), with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot translate migration {version} `{name}` to PostgreSQL: {reason}\n  --> {file}:{line}\n   |\n   | {statement}\n   |\n  help: {help}")]
pub struct Untranslatable {
    /// The migration's version.
    pub version: i64,
    /// The migration's name.
    pub name: String,
    /// The SQLite file, as the user named its folder.
    pub file: String,
    /// The statement's first line in the file (from 1).
    pub line: usize,
    /// The statement, on one line.
    pub statement: String,
    /// Why it cannot be translated.
    pub reason: String,
    /// What to do instead.
    pub help: String,
}

const HELP: &str = "PostgreSQL's form of this statement has to be written by hand: start the PostgreSQL \
     history from the spec (`litemodel migrate new --dialect postgresql --migrations DIR -m initial` \
     writes one migration that makes the whole schema) and put the statement there or in a migration \
     of its own (`litemodel migrate new --empty`)";

/// Translates the SQLite migrations of `dir`, planning on `client`'s server (in
/// transactions that are rolled back: nothing is left there).
///
/// # Errors
///
/// A file of `dir` is malformed, a file is written for PostgreSQL or a statement
/// cannot be translated ([`Untranslatable`]), or planning failed on the server.
pub fn translate(client: &mut Client, dir: &Path) -> Result<Translation, Error> {
    let (migrations, file_names) = files::read_dir_with_names(dir)?;
    let mut out = Translation::default();
    let mut applied: Vec<&str> = Vec::new();
    for migration in migrations.iter() {
        let file_name = file_names
            .get(&migration.version())
            .cloned()
            .unwrap_or_else(|| files::file_name_for(migration.version(), migration.name()));
        let source = Source {
            migration,
            file: dir.join(&file_name).display().to_string(),
        };
        if migration.engine()? != litemodel::Engine::Sqlite {
            let marker = migration
                .source()
                .lines()
                .find(|line| {
                    line.trim_start()
                        .starts_with(litemodel::migrate::DIALECT_MARKER)
                })
                .unwrap_or_default();
            let mut refusal =
                source.refusal(marker, "it is written for PostgreSQL already".to_owned());
            refusal.help = "`--from` names the folder of SQLite migrations to translate".to_owned();
            return Err(Error::Untranslatable(Box::new(refusal)));
        }
        let mut warnings = Vec::new();
        // The up section leaves `conn` with the schema the down section starts from.
        let conn = database_at(&applied)?;
        let up = source.section(client, &conn, Direction::Up, &mut warnings)?;
        let down = source.section(client, &conn, Direction::Down, &mut warnings)?;
        applied.push(migration.section(Direction::Up)?.sql);
        warnings.dedup();
        out.warnings
            .extend(warnings.into_iter().map(|w| format!("{file_name}: {w}")));
        let plan = Plan {
            changes: up.changes.clone(),
            up,
            down,
        };
        out.files.push(Translated {
            text: files::render_translated(
                migration.version(),
                &message_of(migration),
                &file_name,
                &plan,
            ),
            file_name,
        });
    }
    Ok(out)
}

/// An in-memory database with `sections` (up sections of SQLite migrations) run.
fn database_at(sections: &[&str]) -> Result<Connection, Error> {
    let conn = Connection::open_in_memory().map_err(super::sqlite("opening a scratch database"))?;
    for sql in sections {
        conn.execute_batch(sql).map_err(super::sqlite(
            "applying a SQLite migration to a scratch database",
        ))?;
    }
    Ok(conn)
}

/// The message of the file's header (`-- Migration 0002: add bio`), else its name.
fn message_of(migration: &litemodel::Migration) -> String {
    migration
        .source()
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("-- Migration "))
        .and_then(|rest| rest.split_once(": "))
        .map_or_else(
            || migration.name().replace('_', " "),
            |(_, message)| message.trim().to_owned(),
        )
}

/// What a SQLite migration's statement is to the translation.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// A schema change the planner makes again: `CREATE`/`DROP TABLE` and `INDEX`,
    /// `ALTER TABLE`.
    Schema,
    /// A rebuild's copy of the rows into its new table: PostgreSQL alters in place.
    RebuildCopy,
    /// `INSERT`, `UPDATE`, `DELETE`: copied as written.
    Data,
    /// Anything else, with why it cannot be translated.
    Other(&'static str),
}

fn classify(sql: &str) -> Kind {
    let tokens = leading_names(sql, 12);
    let keyword = |i: usize| -> Option<String> {
        match tokens.get(i) {
            Some(Some((text, false))) => Some(text.to_ascii_uppercase()),
            _ => None,
        }
    };
    let first = keyword(0).unwrap_or_default();
    let second = keyword(1).unwrap_or_default();
    match (first.as_str(), second.as_str()) {
        ("CREATE", "TABLE" | "INDEX") | ("DROP", "TABLE" | "INDEX") | ("ALTER", "TABLE") => {
            Kind::Schema
        }
        ("CREATE", "UNIQUE") if keyword(2).as_deref() == Some("INDEX") => Kind::Schema,
        ("INSERT", _) => {
            let into = (1..tokens.len()).find(|&i| keyword(i).as_deref() == Some("INTO"));
            let table = into.and_then(|i| tokens.get(i + 1).cloned().flatten());
            match table {
                Some((name, _))
                    if name
                        .to_ascii_lowercase()
                        .starts_with(&REBUILD_PREFIX.to_ascii_lowercase()) =>
                {
                    Kind::RebuildCopy
                }
                _ => Kind::Data,
            }
        }
        ("UPDATE" | "DELETE" | "REPLACE" | "WITH", _) => Kind::Data,
        ("CREATE" | "DROP", "VIEW" | "TRIGGER") | ("CREATE", "TEMP" | "TEMPORARY") => Kind::Other(
            "views and triggers are not part of a spec, so the PostgreSQL planner does not make them (and their SQL is SQLite's)",
        ),
        ("PRAGMA", _) => Kind::Other("a `PRAGMA` is SQLite's own and has no PostgreSQL form"),
        _ => Kind::Other(
            "only schema changes (`CREATE`/`DROP TABLE` and `INDEX`, `ALTER TABLE`) and data statements (`INSERT`, `UPDATE`, `DELETE`) are translated",
        ),
    }
}

/// The renames an `ALTER TABLE ... RENAME` statement makes, added to `renames`:
/// `(old table, new table)` or `(table, old column, new column)`. A rebuild's
/// rename of its new table into place is no rename.
fn collect_renames(sql: &str, renames: &mut Renames) {
    let tokens = leading_names(sql, 12);
    let name = |i: usize| tokens.get(i).cloned().flatten().map(|(text, _)| text);
    let keyword = |i: usize, word: &str| matches!(tokens.get(i), Some(Some((text, false))) if text.eq_ignore_ascii_case(word));
    let Some(at) = (2..tokens.len()).find(|&i| keyword(i, "RENAME")) else {
        return;
    };
    let Some(table) = name(at - 1) else {
        return;
    };
    if keyword(at + 1, "TO") {
        let Some(new) = name(at + 2) else {
            return;
        };
        if table
            .to_ascii_lowercase()
            .starts_with(&REBUILD_PREFIX.to_ascii_lowercase())
        {
            return;
        }
        for column in &mut renames.columns {
            if column.0.eq_ignore_ascii_case(&table) {
                column.0.clone_from(&new);
            }
        }
        match renames
            .tables
            .iter_mut()
            .find(|(_, to)| to.eq_ignore_ascii_case(&table))
        {
            Some((_, to)) => *to = new,
            None => renames.tables.push((table, new)),
        }
        return;
    }
    let old_at = if keyword(at + 1, "COLUMN") {
        at + 2
    } else {
        at + 1
    };
    if let (Some(old), true, Some(new)) =
        (name(old_at), keyword(old_at + 1, "TO"), name(old_at + 2))
    {
        renames.columns.push((table, old, new));
    }
}

/// `statement` from its first token: the comments above it in the file are not
/// the statement (its line is the line it starts on).
fn without_leading_comments(statement: &str) -> &str {
    let mut rest = statement.trim_start();
    loop {
        if rest.starts_with("--") {
            rest = rest
                .split_once('\n')
                .map_or("", |(_, after)| after)
                .trim_start();
        } else if rest.starts_with("/*") {
            rest = rest
                .split_once("*/")
                .map_or("", |(_, after)| after)
                .trim_start();
        } else {
            return rest;
        }
    }
}

/// `statement`, cut after 60 characters for the file's list of changes.
fn shortened(statement: &str) -> String {
    match statement.char_indices().nth(60) {
        Some((at, _)) => format!("{} ...", &statement[..at]),
        None => statement.to_owned(),
    }
}

/// A SQLite migration and where its file is, for messages.
struct Source<'a> {
    migration: &'a litemodel::Migration,
    file: String,
}

/// The statements of a section between two data statements (or its ends): the
/// schema changes, then the data statements that follow them.
#[derive(Default)]
struct Step<'s> {
    schema_changes: bool,
    renames: Renames,
    data: Vec<(&'s str, usize)>,
}

impl Source<'_> {
    fn line_of(&self, statement: &str) -> usize {
        let source = self.migration.source();
        let offset = (statement.as_ptr() as usize)
            .checked_sub(source.as_ptr() as usize)
            .filter(|&offset| offset <= source.len())
            .unwrap_or(0);
        source
            .get(..offset)
            .map_or(1, |before| before.matches('\n').count() + 1)
    }

    fn refusal(&self, statement: &str, reason: String) -> Untranslatable {
        Untranslatable {
            version: self.migration.version(),
            name: self.migration.name().to_owned(),
            file: self.file.clone(),
            line: self.line_of(statement),
            statement: one_line(statement),
            reason,
            help: HELP.to_owned(),
        }
    }

    fn refuse(&self, statement: &str, reason: String) -> Error {
        Error::Untranslatable(Box::new(self.refusal(statement, reason)))
    }

    /// The PostgreSQL statements of one section; `conn` holds the schema the
    /// section starts from, and ends with the one it makes.
    fn section(
        &self,
        client: &mut Client,
        conn: &Connection,
        direction: Direction,
        warnings: &mut Vec<String>,
    ) -> Result<Steps, Error> {
        let section = self.migration.section(direction)?;
        let mut out = Steps::default();
        let mut before = self.spec_of(conn, warnings)?;
        let mut step = Step::default();
        for statement in litemodel::migrate::statements(section.sql) {
            let statement = without_leading_comments(statement);
            let kind = classify(statement);
            match kind {
                Kind::Data => {
                    step.data.push((statement, self.line_of(statement)));
                    continue;
                }
                Kind::Other(reason) => return Err(self.refuse(statement, reason.to_owned())),
                Kind::Schema | Kind::RebuildCopy => {}
            }
            if !step.data.is_empty() {
                before = self.finish(
                    client,
                    conn,
                    before,
                    std::mem::take(&mut step),
                    &mut out,
                    warnings,
                )?;
            }
            conn.execute_batch(statement).map_err(|e| {
                self.refuse(
                    statement,
                    format!("SQLite refuses it on the schema of the migrations before it: {e}"),
                )
            })?;
            if kind == Kind::Schema {
                step.schema_changes = true;
                collect_renames(statement, &mut step.renames);
            }
        }
        self.finish(client, conn, before, step, &mut out, warnings)?;
        Ok(out)
    }

    /// Plans `step` from `before` to the schema `conn` now has, adds its statements
    /// and its data statements to `out`, and returns the schema it reached.
    fn finish(
        &self,
        client: &mut Client,
        conn: &Connection,
        before: Option<Schema>,
        step: Step<'_>,
        out: &mut Steps,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Schema>, Error> {
        if !step.schema_changes && step.data.is_empty() {
            return Ok(before);
        }
        let after = if step.schema_changes {
            self.spec_of(conn, warnings)?
        } else {
            before.clone()
        };
        let data: Vec<&str> = step.data.iter().map(|(sql, _)| *sql).collect();
        let planned = postgres::plan_step(
            client,
            before.as_ref(),
            after.as_ref(),
            &step.renames,
            &data,
        )
        .map_err(|e| self.context(e))?;
        let plan = planned.map_err(|(i, message)| {
            self.refuse(
                data.get(i).copied().unwrap_or_default(),
                format!("PostgreSQL does not accept this data statement as written: {message}"),
            )
        })?;
        out.changes.extend(plan.up.changes);
        out.statements.extend(plan.up.statements);
        out.data_loss.extend(plan.up.data_loss);
        for (sql, line) in step.data {
            out.changes.push(Change::CopyData {
                statement: shortened(&one_line(sql)),
            });
            out.statements.push(Statement {
                comment: vec![format!("copied from {}, line {line}", self.file)],
                sql: sql.to_owned(),
            });
        }
        Ok(after)
    }

    /// The spec of the schema `conn` holds (`None` when it has no tables), with its
    /// warnings added to `warnings`.
    fn spec_of(
        &self,
        conn: &Connection,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Schema>, Error> {
        let schema: DbSchema = super::schema_of(conn)?;
        if schema.tables.is_empty() {
            return Ok(None);
        }
        let (introspected, checked) =
            introspect::checked_spec(&schema).map_err(|e| Error::Unplannable {
                context: format!(
                    "migration {} `{}`: the spec of the SQLite schema it makes",
                    self.migration.version(),
                    self.migration.name()
                ),
                message: e.to_string(),
            })?;
        for warning in introspected.warnings {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        Ok(Some(checked.schema))
    }

    /// `error`, saying which migration was being translated.
    fn context(&self, error: Error) -> Error {
        match error {
            Error::Postgres { context, message } => Error::Postgres {
                context: format!(
                    "translating migration {} `{}` ({}): {context}",
                    self.migration.version(),
                    self.migration.name(),
                    self.file
                ),
                message,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_told_apart() {
        assert_eq!(classify("CREATE TABLE t (id INTEGER)"), Kind::Schema);
        assert_eq!(classify("create unique index ix on t (a)"), Kind::Schema);
        assert_eq!(classify("ALTER TABLE t ADD COLUMN b TEXT"), Kind::Schema);
        assert_eq!(
            classify("INSERT INTO \"_litemodel_new_users\" (id) SELECT id FROM users"),
            Kind::RebuildCopy
        );
        assert_eq!(
            classify("-- seed\nINSERT INTO roles VALUES (1)"),
            Kind::Data
        );
        assert_eq!(classify("DELETE FROM roles"), Kind::Data);
        assert!(matches!(
            classify("CREATE VIEW v AS SELECT 1"),
            Kind::Other(_)
        ));
        assert!(matches!(
            classify("PRAGMA user_version = 3"),
            Kind::Other(_)
        ));
    }

    #[test]
    fn comments_above_a_statement_are_not_the_statement() {
        assert_eq!(
            without_leading_comments("-- seed\n  /* the admin */ INSERT INTO roles VALUES (1)"),
            "INSERT INTO roles VALUES (1)"
        );
        assert_eq!(without_leading_comments("-- only a comment"), "");
    }

    #[test]
    fn renames_follow_the_statements() {
        let mut renames = Renames::default();
        collect_renames(
            "ALTER TABLE users RENAME COLUMN username TO login",
            &mut renames,
        );
        collect_renames("ALTER TABLE \"users\" RENAME TO accounts", &mut renames);
        collect_renames(
            "ALTER TABLE \"_litemodel_new_roles\" RENAME TO roles",
            &mut renames,
        );
        collect_renames("ALTER TABLE accounts ADD COLUMN x TEXT", &mut renames);
        assert_eq!(
            renames.tables,
            [("users".to_owned(), "accounts".to_owned())]
        );
        assert_eq!(
            renames.columns,
            [(
                "accounts".to_owned(),
                "username".to_owned(),
                "login".to_owned()
            )]
        );
    }
}
