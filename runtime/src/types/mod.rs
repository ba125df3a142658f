//! How each Rust field type is stored in SQLite: exactly as SQLAlchemy 2's
//! SQLite dialect stores the matching column type, so that a Python and a Rust
//! application can share one database file.
//!
//! | spec type | Rust type | stored as (what SQLAlchemy writes) |
//! | --- | --- | --- |
//! | `integer`, `small_integer`, `big_integer` | `i32`, `i16`, `i64` | INTEGER |
//! | `boolean` | `bool` | INTEGER `0` / `1` |
//! | `float` | `f64` | REAL |
//! | `numeric(p, s)` | [`Decimal`] | REAL (SQLAlchemy binds a float; NUMERIC affinity keeps whole numbers as INTEGER) |
//! | `string(n)`, `text` | `String` | TEXT |
//! | `blob` | `Vec<u8>` | BLOB |
//! | `date` | [`NaiveDate`] | TEXT `2026-11-26` |
//! | `time` | [`NaiveTime`] | TEXT `10:00:00.000000` |
//! | `datetime` | [`NaiveDateTime`] | TEXT `2026-11-26 10:00:00.000000` |
//! | `datetime(timezone)` | [`DateTime<Utc>`] | TEXT `2026-11-26 10:00:00.000000`, in UTC, no offset (SQLAlchemy drops it) |
//! | `json` | [`serde_json::Value`] | TEXT as Python's `json.dumps` writes it (`{"a": 1, "b": "\u00e9"}`) |
//! | `uuid` | [`Uuid`] | TEXT of 32 lowercase hex digits (`Uuid`'s `CHAR(32)`) |
//! | `enum` | a generated Rust enum | TEXT, the label |
//!
//! Everything goes through two traits, [`ToColumn`] (Rust value to stored
//! value) and [`FromColumn`] (stored value to Rust value). They are
//! implemented for all the types above, for `Option<T>` (NULL), by the
//! generated enums, and by your own types for a column with
//! `rust_type = "crate::Money"`:
//!
//! ```
//! use litemodel::types::{ColumnError, ColumnValue, FromColumn, ToColumn};
//!
//! /// Cents, stored as an INTEGER.
//! #[derive(Debug, Clone, Copy, PartialEq, Default)]
//! pub struct Money(i64);
//!
//! impl ToColumn for Money {
//!     fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
//!         Ok(ColumnValue::Integer(self.0))
//!     }
//! }
//!
//! impl FromColumn for Money {
//!     fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
//!         i64::from_column(value).map(Money)
//!     }
//! }
//! # assert_eq!(Money::from_column(ColumnValue::Integer(5)).ok(), Some(Money(5)));
//! ```
//!
//! Reading is strict: a stored value that does not decode into the field's
//! type (text in an integer column, a malformed date, an out of range number,
//! an unknown enum label) is an [`Error::Decode`](crate::Error::Decode) naming
//! the table, column and row key, never a silently different value.

use std::borrow::Cow;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};

#[cfg(feature = "postgres")]
use crate::conn::postgres::PgField;

#[cfg(feature = "chrono")]
mod chrono;
mod core;
#[cfg(feature = "rust_decimal")]
mod decimal;
#[cfg(feature = "serde_json")]
mod json;
#[cfg(feature = "uuid")]
mod uuid;

#[cfg(feature = "chrono")]
pub use self::chrono::{now, now_utc, time_now, today};
#[cfg(feature = "serde_json")]
pub use self::json::python_json;
#[cfg(feature = "uuid")]
pub use self::uuid::uuid4;

#[cfg(feature = "chrono")]
pub use ::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
#[cfg(feature = "uuid")]
pub use ::uuid::Uuid;
#[cfg(feature = "rust_decimal")]
pub use rust_decimal::Decimal;
#[cfg(feature = "serde_json")]
pub use serde_json;

/// A value as SQLite stores it: one of its five storage classes, borrowed
/// where possible.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValue<'a> {
    /// SQL NULL.
    Null,
    /// A 64-bit signed integer.
    Integer(i64),
    /// A double.
    Real(f64),
    /// UTF-8 text.
    Text(Cow<'a, str>),
    /// Bytes.
    Blob(Cow<'a, [u8]>),
}

impl<'a> From<&'a str> for ColumnValue<'a> {
    #[inline]
    fn from(text: &'a str) -> Self {
        ColumnValue::Text(Cow::Borrowed(text))
    }
}

impl From<String> for ColumnValue<'_> {
    #[inline]
    fn from(text: String) -> Self {
        ColumnValue::Text(Cow::Owned(text))
    }
}

impl ColumnValue<'_> {
    /// The text of a TEXT value, for an `expected` Rust type.
    ///
    /// # Errors
    ///
    /// [`ColumnError`] when the value is not TEXT.
    #[inline]
    pub fn expect_text(&self, expected: &str) -> Result<&str, ColumnError> {
        match self {
            ColumnValue::Text(text) => Ok(text),
            other => Err(ColumnError::invalid_type(expected, other)),
        }
    }

    /// The value with its text or bytes owned.
    pub fn into_owned(self) -> ColumnValue<'static> {
        match self {
            ColumnValue::Null => ColumnValue::Null,
            ColumnValue::Integer(i) => ColumnValue::Integer(i),
            ColumnValue::Real(f) => ColumnValue::Real(f),
            ColumnValue::Text(text) => ColumnValue::Text(Cow::Owned(text.into_owned())),
            ColumnValue::Blob(bytes) => ColumnValue::Blob(Cow::Owned(bytes.into_owned())),
        }
    }

    /// A query operand as a stored value.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn from_value(value: &Value) -> ColumnValue<'static> {
        match value {
            Value::Null => ColumnValue::Null,
            Value::Integer(i) => ColumnValue::Integer(*i),
            Value::Real(f) => ColumnValue::Real(*f),
            Value::Text(text) => ColumnValue::Text(Cow::Owned(text.clone())),
            Value::Blob(bytes) => ColumnValue::Blob(Cow::Owned(bytes.clone())),
        }
    }

    /// The value as an owned rusqlite [`Value`].
    pub fn into_value(self) -> Value {
        match self {
            ColumnValue::Null => Value::Null,
            ColumnValue::Integer(i) => Value::Integer(i),
            ColumnValue::Real(f) => Value::Real(f),
            ColumnValue::Text(text) => Value::Text(text.into_owned()),
            ColumnValue::Blob(bytes) => Value::Blob(bytes.into_owned()),
        }
    }

    /// A short description for error messages: `text '2026-13-01'`.
    pub(crate) fn describe(&self) -> String {
        const LONGEST: usize = 40;
        match self {
            ColumnValue::Null => "NULL".to_owned(),
            ColumnValue::Integer(i) => format!("integer {i}"),
            ColumnValue::Real(f) => format!("real {f:?}"),
            ColumnValue::Text(text) if text.chars().count() > LONGEST => {
                let head: String = text.chars().take(LONGEST).collect();
                format!("text {}...", crate::repr(head.as_str()))
            }
            ColumnValue::Text(text) => format!("text {}", crate::repr(text.as_ref())),
            ColumnValue::Blob(bytes) => format!("a blob of {} bytes", bytes.len()),
        }
    }

    #[inline]
    pub(crate) fn from_ref(value: ValueRef<'_>) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(match value {
            ValueRef::Null => ColumnValue::Null,
            ValueRef::Integer(i) => ColumnValue::Integer(i),
            ValueRef::Real(f) => ColumnValue::Real(f),
            ValueRef::Text(bytes) => ColumnValue::Text(Cow::Borrowed(
                std::str::from_utf8(bytes)
                    .map_err(|_| ColumnError::new("stored text is not valid UTF-8"))?,
            )),
            ValueRef::Blob(bytes) => ColumnValue::Blob(Cow::Borrowed(bytes)),
        })
    }
}

impl rusqlite::ToSql for ColumnValue<'_> {
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            ColumnValue::Null => ValueRef::Null,
            ColumnValue::Integer(i) => ValueRef::Integer(*i),
            ColumnValue::Real(f) => ValueRef::Real(*f),
            ColumnValue::Text(text) => ValueRef::Text(text.as_bytes()),
            ColumnValue::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

/// A value that cannot be stored, or a stored value that does not decode.
///
/// ```
/// use litemodel::types::{ColumnValue, FromColumn, NaiveDate};
/// let err = NaiveDate::from_column(ColumnValue::from("2026-13-01")).unwrap_err();
/// assert_eq!(err.to_string(), "malformed date: expected YYYY-MM-DD, found text '2026-13-01'");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ColumnError {
    message: String,
}

impl ColumnError {
    /// An error with this message (lowercase, no final period).
    pub fn new(message: impl Into<String>) -> Self {
        ColumnError {
            message: message.into(),
        }
    }

    /// "expected `expected`, found `value`".
    #[cold]
    pub fn invalid_type(expected: &str, found: &ColumnValue<'_>) -> Self {
        ColumnError::new(format!("expected {expected}, found {}", found.describe()))
    }

    /// A label that is not one of enum `name`'s.
    pub fn unknown_label(name: &str, label: &str) -> Self {
        ColumnError::new(format!(
            "unknown label {} for enum `{name}`",
            crate::repr(label)
        ))
    }

    // Only the text-stored families (dates, uuids, decimals) parse values.
    #[cfg_attr(
        not(any(feature = "chrono", feature = "uuid", feature = "rust_decimal")),
        allow(dead_code)
    )]
    fn malformed(what: &str, format: &str, found: &ColumnValue<'_>) -> Self {
        ColumnError::new(format!(
            "malformed {what}: expected {format}, found {}",
            found.describe()
        ))
    }
}

/// A Rust value that can be stored in a column.
///
/// Implement it (with [`FromColumn`]) for the type named by a column's
/// `rust_type`; see the [module documentation](self).
pub trait ToColumn {
    /// The value to store.
    ///
    /// # Errors
    ///
    /// [`ColumnError`] when the value has no faithful stored form (a decimal
    /// with more digits than SQLAlchemy's storage keeps, a time with
    /// nanoseconds).
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError>;

    /// The value to store on an engine with a native column type for it
    /// (PostgreSQL), which converts it from this form. The default is
    /// [`to_column`](ToColumn::to_column); a decimal overrides it with its
    /// exact text, since a `NUMERIC` column keeps every digit.
    ///
    /// # Errors
    ///
    /// As for [`to_column`](ToColumn::to_column).
    fn to_native(&self) -> Result<ColumnValue<'_>, ColumnError> {
        self.to_column()
    }

    /// The value as a query parameter (`User::AGE.eq(5)`). The default is
    /// [`to_column`](ToColumn::to_column); a value without a stored form is
    /// compared as NULL (matching nothing), with a warning in the log.
    fn to_operand(&self) -> Value {
        match self.to_column() {
            Ok(value) => value.into_value(),
            Err(err) => {
                log::warn!("query operand compared as NULL: {err}");
                Value::Null
            }
        }
    }
}

/// A Rust value that can be read from a column.
pub trait FromColumn: Sized {
    /// Decodes a stored value.
    ///
    /// # Errors
    ///
    /// [`ColumnError`] when the stored value is not one this type accepts;
    /// the runtime turns it into an [`Error::Decode`](crate::Error::Decode)
    /// naming the table, column and row.
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError>;

    /// Decodes a PostgreSQL column from the server's binary format. The
    /// runtime's types read the common cases straight from the bytes; the
    /// default, which the others keep, decodes the column into the
    /// [`ColumnValue`] SQLite would hold and calls
    /// [`from_column`](FromColumn::from_column). Either way a value is
    /// accepted, or refused with the same error, as `from_column` would.
    #[doc(hidden)]
    #[cfg(feature = "postgres")]
    #[inline]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        Self::from_column(field.decode()?)
    }

    /// Decodes a SQLite column as rusqlite hands it over. The runtime's
    /// types take the common cases straight from it; the default, which the
    /// others keep, goes through the [`ColumnValue`] and
    /// [`from_column`](FromColumn::from_column). Either way a value is
    /// accepted, or refused with the same error, as `from_column` would.
    #[doc(hidden)]
    #[inline]
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ColumnError> {
        Self::from_column(ColumnValue::from_ref(value)?)
    }
}

impl<T: ToColumn + ?Sized> ToColumn for &T {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        (**self).to_column()
    }

    fn to_native(&self) -> Result<ColumnValue<'_>, ColumnError> {
        (**self).to_native()
    }

    fn to_operand(&self) -> Value {
        (**self).to_operand()
    }
}

impl<T: ToColumn> ToColumn for Option<T> {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        match self {
            Some(value) => value.to_column(),
            None => Ok(ColumnValue::Null),
        }
    }

    fn to_native(&self) -> Result<ColumnValue<'_>, ColumnError> {
        match self {
            Some(value) => value.to_native(),
            None => Ok(ColumnValue::Null),
        }
    }

    fn to_operand(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToColumn::to_operand)
    }
}

impl<T: FromColumn> FromColumn for Option<T> {
    #[inline]
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        match value {
            ColumnValue::Null => Ok(None),
            value => T::from_column(value).map(Some),
        }
    }

    #[cfg(feature = "postgres")]
    #[inline(always)]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        if field.is_null() {
            Ok(None)
        } else {
            T::from_pg(field).map(Some)
        }
    }

    #[inline(always)]
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ColumnError> {
        match value {
            ValueRef::Null => Ok(None),
            value => T::from_sqlite(value).map(Some),
        }
    }
}

#[inline]
fn not_null<'v>(
    value: &'v ColumnValue<'_>,
    expected: &str,
) -> Result<&'v ColumnValue<'v>, ColumnError> {
    match value {
        ColumnValue::Null => Err(unexpected_null(expected)),
        value => Ok(value),
    }
}

#[cold]
fn unexpected_null(expected: &str) -> ColumnError {
    ColumnError::new(format!(
        "unexpected NULL for a {expected} field (make the column's field an `Option`)"
    ))
}
