//! SQLite, as SQLAlchemy's SQLite dialect writes it.

use super::Dialect;
use crate::model::{ColumnType, Literal};
use crate::names;

/// SQLite, with SQLAlchemy's type names and quoting.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn quote(&self, name: &str) -> String {
        names::quote_sql_as_needed(name)
    }

    fn column_type(&self, ty: &ColumnType) -> String {
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
