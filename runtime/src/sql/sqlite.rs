//! SQLite: `"double quoted"` identifiers, `?N` placeholders, `BEGIN IMMEDIATE`,
//! PRAGMAs for what other engines do with catalogs and `SET`.

use super::{push_column_name, push_decimal, Dialect};

/// The SQLite dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    /// A composite key's descriptor is the row's identity (see `identity.rs`).
    fn push_identifier(&self, out: &mut String, ident: &str) {
        push_column_name(self, out, ident);
    }

    fn push_placeholder(&self, out: &mut String, index: usize) {
        out.push('?');
        push_decimal(out, index as u64);
    }

    fn has_rowid(&self) -> bool {
        true
    }

    /// No: SQLite runs RETURNING like a trigger, with a statement journal and
    /// a temporary table per row, which made inserts ~3x slower than reading
    /// `last_insert_rowid()`.
    fn insert_returns_key(&self) -> bool {
        false
    }

    /// SQLite spells "no limit" `LIMIT -1`, and an OFFSET needs a LIMIT.
    fn push_limit_offset(&self, out: &mut String, limit: Option<u64>, offset: Option<usize>) {
        if limit.is_some() || offset.is_some() {
            out.push_str(" LIMIT ");
            // Written as a number, not bound: SQLite (3.54) marks a bound LIMIT
            // "re-prepare when rebound", so a bound LIMIT re-parsed the
            // statement on every run.
            match limit {
                Some(n) => push_decimal(out, n.min(i64::MAX as u64)),
                None => out.push_str("-1"),
            }
        }
        if let Some(index) = offset {
            out.push_str(" OFFSET ");
            self.push_placeholder(out, index);
        }
    }

    /// Takes the write lock at once, so that a transaction never fails to
    /// upgrade a read lock halfway.
    fn begin_write(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn connection_setup(&self) -> &'static [&'static str] {
        &["PRAGMA foreign_keys = ON"]
    }

    fn file_setup(&self) -> &'static [&'static str] {
        &["PRAGMA journal_mode = WAL"]
    }

    fn defer_foreign_keys(&self) -> Option<&'static str> {
        Some("PRAGMA defer_foreign_keys = ON")
    }

    /// Names compare as SQLite compares identifiers: ASCII case-insensitive
    /// (a table created as `Users` is the table `users`).
    fn table_exists(&self) -> &'static str {
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE"
    }

    fn create_version_table(&self, table: &str) -> String {
        let mut sql = String::from("CREATE TABLE IF NOT EXISTS ");
        sql.push_str(table);
        sql.push_str(
            " (\n\
             \tversion INTEGER NOT NULL, \n\
             \tname TEXT NOT NULL, \n\
             \tchecksum TEXT NOT NULL, \n\
             \tapplied_at TEXT DEFAULT CURRENT_TIMESTAMP NOT NULL, \n\
             \tPRIMARY KEY (version)\n)",
        );
        sql
    }

    fn foreign_keys_enabled(&self) -> Option<&'static str> {
        Some("PRAGMA foreign_keys")
    }

    /// SQLite ignores `PRAGMA foreign_keys` inside a transaction.
    fn set_foreign_keys(&self, on: bool) -> Option<&'static str> {
        Some(if on {
            "PRAGMA foreign_keys = ON"
        } else {
            "PRAGMA foreign_keys = OFF"
        })
    }

    fn foreign_key_check(&self) -> Option<&'static str> {
        Some("PRAGMA foreign_key_check")
    }

    /// SQLite cannot alter most of a table in place: a migration rebuilds it
    /// by copying its rows into a new table.
    fn rebuild_copy_source(&self, sql: &str, prefix: &str) -> Option<String> {
        let sql = skip_comments(sql);
        let rest = strip_prefix_ignore_case(sql, "INSERT INTO")?.trim_start();
        let rest = rest.strip_prefix('"')?;
        let mut name = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    name.push('"');
                    continue;
                }
                return name.strip_prefix(prefix).map(str::to_owned);
            }
            name.push(c);
        }
        None
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn skip_comments(mut sql: &str) -> &str {
    loop {
        sql = sql.trim_start();
        if let Some(rest) = sql.strip_prefix("--") {
            sql = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = sql.strip_prefix("/*") {
            sql = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return sql;
        }
    }
}
