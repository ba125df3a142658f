//! SQLite, as SQLAlchemy's SQLite dialect writes it.

use super::Dialect;
use crate::model::Literal;
use crate::names;

/// SQLite, with SQLAlchemy's type names and quoting.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn quote(&self, name: &str) -> String {
        names::quote_sql_as_needed(name)
    }

    fn literal(&self, literal: &Literal) -> String {
        match literal {
            Literal::Integer(i) => i.to_string(),
            Literal::Float(f) => format!("{f:?}"),
            Literal::Boolean(b) => u8::from(*b).to_string(),
            Literal::String(s) => names::sql_string_literal(s),
        }
    }

    fn inline_autoincrement(&self) -> bool {
        true
    }
}
