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
use std::fmt::{self, Formatter, Write as _};
use std::io;
use std::str::FromStr;

use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use crate::repr::Repr;

pub use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
pub use rust_decimal::Decimal;
pub use serde_json;
pub use uuid::Uuid;

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
    fn describe(&self) -> String {
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
}

impl<T: ToColumn + ?Sized> ToColumn for &T {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        (**self).to_column()
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

// ---- integers, booleans, floats ------------------------------------------------------

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl ToColumn for $t {
            #[inline]
            fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
                Ok(ColumnValue::Integer(i64::from(*self)))
            }
        }

        impl FromColumn for $t {
            #[inline]
            fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
                match not_null(&value, stringify!($t))? {
                    ColumnValue::Integer(i) => <$t>::try_from(*i).map_err(|_| {
                        ColumnError::new(format!(
                            "integer {i} is out of range for `{}`",
                            stringify!($t)
                        ))
                    }),
                    other => Err(ColumnError::invalid_type("an integer", other)),
                }
            }
        }
    )*};
}
integers!(i8, i16, i32, i64, u8, u16, u32);

impl ToColumn for bool {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::Integer(i64::from(*self)))
    }
}

impl FromColumn for bool {
    #[inline]
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        match not_null(&value, "bool")? {
            ColumnValue::Integer(0) => Ok(false),
            ColumnValue::Integer(1) => Ok(true),
            other => Err(ColumnError::invalid_type("a boolean (0 or 1)", other)),
        }
    }
}

impl ToColumn for f64 {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::Real(*self))
    }
}

impl ToColumn for f32 {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::Real(f64::from(*self)))
    }
}

/// Whole numbers up to 2^53 are exact in a double.
const EXACT_IN_F64: i64 = 1 << 53;

impl FromColumn for f64 {
    #[inline]
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        match not_null(&value, "f64")? {
            ColumnValue::Real(f) => Ok(*f),
            // REAL affinity hands whole numbers back as integers.
            ColumnValue::Integer(i) if i.abs() <= EXACT_IN_F64 => Ok(*i as f64),
            ColumnValue::Integer(i) => Err(ColumnError::new(format!(
                "integer {i} has no exact `f64` value"
            ))),
            other => Err(ColumnError::invalid_type("a number", other)),
        }
    }
}

// ---- text and bytes --------------------------------------------------------------------

impl ToColumn for str {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::from(self))
    }
}

impl ToColumn for String {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::from(self.as_str()))
    }
}

impl FromColumn for String {
    #[inline]
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        not_null(&value, "String")?
            .expect_text("text")
            .map(str::to_owned)
    }
}

impl ToColumn for [u8] {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::Blob(Cow::Borrowed(self)))
    }
}

impl ToColumn for Vec<u8> {
    #[inline]
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::Blob(Cow::Borrowed(self)))
    }
}

impl FromColumn for Vec<u8> {
    #[inline]
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        match not_null(&value, "Vec<u8>")? {
            ColumnValue::Blob(bytes) => Ok(bytes.to_vec()),
            other => Err(ColumnError::invalid_type("a blob", other)),
        }
    }
}

// ---- numeric -----------------------------------------------------------------------------

/// SQLAlchemy binds a `Numeric` as a Python float on SQLite (the dialect has no
/// native decimal), so the stored value is the double nearest to the decimal.
/// Only a decimal that this double gives back exactly is stored: anything else
/// would come back changed, so it is an error rather than a silent rounding.
impl ToColumn for Decimal {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        let nearest = decimal_to_f64(self);
        match f64_to_decimal(nearest) {
            Some(back) if back == *self => Ok(ColumnValue::Real(nearest)),
            _ => Err(ColumnError::new(format!(
                "decimal {self} cannot be stored without losing digits: SQLAlchemy stores \
                 numeric values on SQLite as a double, which holds about 15 significant digits"
            ))),
        }
    }

    fn to_operand(&self) -> Value {
        // SQLite compares against the stored doubles; the nearest one is the operand.
        Value::Real(decimal_to_f64(self))
    }
}

impl FromColumn for Decimal {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        match not_null(&value, "Decimal")? {
            ColumnValue::Integer(i) => Ok(Decimal::from(*i)),
            ColumnValue::Real(f) => f64_to_decimal(*f).ok_or_else(|| {
                ColumnError::new(format!("real {f:?} is out of range for `Decimal`"))
            }),
            ColumnValue::Text(text) => Decimal::from_str(text.trim())
                .or_else(|_| Decimal::from_scientific(text.trim()))
                .map_err(|_| ColumnError::malformed("decimal", "a number", &value)),
            other => Err(ColumnError::invalid_type("a number", other)),
        }
    }
}

fn decimal_to_f64(value: &Decimal) -> f64 {
    // Parsing the decimal text rounds correctly, which `to_f64` does not promise.
    value.to_string().parse::<f64>().unwrap_or(f64::NAN)
}

/// The shortest decimal that reads back as `value` (what Python's `repr` prints).
fn f64_to_decimal(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    let text = format!("{value:e}");
    Decimal::from_scientific(&text).ok().map(|d| d.normalize())
}

// ---- dates and times ---------------------------------------------------------------------

const DATE_FORMAT: &str = "YYYY-MM-DD";
const TIME_FORMAT: &str = "HH:MM:SS.ffffff";
const DATETIME_FORMAT: &str = "YYYY-MM-DD HH:MM:SS.ffffff";

fn check_year(year: i32) -> Result<(), ColumnError> {
    if (1..=9999).contains(&year) {
        Ok(())
    } else {
        Err(ColumnError::new(format!(
            "year {year} is outside 1..=9999, the range SQLAlchemy's date format (and Python) supports"
        )))
    }
}

fn check_time(time: &NaiveTime) -> Result<(), ColumnError> {
    use chrono::Timelike;
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return Err(ColumnError::new(format!(
            "time {time} is a leap second, which SQLAlchemy's time format cannot hold"
        )));
    }
    if nanos / 1000 * 1000 != nanos {
        return Err(ColumnError::new(format!(
            "time {time} has sub-microsecond precision; SQLAlchemy stores microseconds \
             (use `litemodel::types::now()` or round the value)"
        )));
    }
    Ok(())
}

impl ToColumn for NaiveDate {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        use chrono::Datelike;
        check_year(self.year())?;
        Ok(ColumnValue::from(self.format("%Y-%m-%d").to_string()))
    }
}

impl FromColumn for NaiveDate {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "NaiveDate")?.expect_text("a date (text)")?;
        parse_date(text).ok_or_else(|| ColumnError::malformed("date", DATE_FORMAT, &value))
    }
}

impl ToColumn for NaiveTime {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        check_time(self)?;
        Ok(ColumnValue::from(self.format("%H:%M:%S%.6f").to_string()))
    }
}

impl FromColumn for NaiveTime {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "NaiveTime")?.expect_text("a time (text)")?;
        parse_time(text).ok_or_else(|| ColumnError::malformed("time", TIME_FORMAT, &value))
    }
}

impl ToColumn for NaiveDateTime {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        format_datetime(self).map(ColumnValue::from)
    }
}

fn format_datetime(datetime: &NaiveDateTime) -> Result<String, ColumnError> {
    use chrono::Datelike;
    check_year(datetime.year())?;
    check_time(&datetime.time())?;
    Ok(datetime.format("%Y-%m-%d %H:%M:%S%.6f").to_string())
}

impl FromColumn for NaiveDateTime {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "NaiveDateTime")?.expect_text("a datetime (text)")?;
        match parse_datetime(text) {
            Some((datetime, None)) => Ok(datetime),
            _ => Err(ColumnError::malformed("datetime", DATETIME_FORMAT, &value)),
        }
    }
}

/// A `datetime(timezone)` column. SQLAlchemy's SQLite dialect drops the
/// offset and stores the wall time, so litemodel stores UTC wall time; a
/// stored value carrying an offset (`+02:00`, `Z`) is converted to UTC.
impl ToColumn for DateTime<Utc> {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        format_datetime(&self.naive_utc()).map(ColumnValue::from)
    }
}

impl FromColumn for DateTime<Utc> {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "DateTime<Utc>")?.expect_text("a datetime (text)")?;
        match parse_datetime(text) {
            Some((datetime, None)) => Ok(datetime.and_utc()),
            Some((datetime, Some(offset_seconds))) => {
                Ok((datetime - chrono::TimeDelta::seconds(i64::from(offset_seconds))).and_utc())
            }
            None => Err(ColumnError::malformed("datetime", DATETIME_FORMAT, &value)),
        }
    }
}

fn digits(text: &str, count: usize) -> Option<u32> {
    if text.len() == count && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.splitn(3, '-');
    let year = digits(parts.next()?, 4)?;
    let month = digits(parts.next()?, 2)?;
    let day = digits(parts.next()?, 2)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `HH:MM[:SS[.f...]]`, the forms SQLAlchemy and SQLite's own functions write.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (text, None),
    };
    let mut parts = clock.split(':');
    let hour = digits(parts.next()?, 2)?;
    let minute = digits(parts.next()?, 2)?;
    let second = match parts.next() {
        Some(second) => digits(second, 2)?,
        None if fraction.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(f) if (1..=9).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
            let value: u32 = f.parse().ok()?;
            value * 10u32.pow(9 - u32::try_from(f.len()).ok()?)
        }
        Some(_) => return None,
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// `YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][Z|±HH:MM]`; the offset in seconds east of UTC.
fn parse_datetime(text: &str) -> Option<(NaiveDateTime, Option<i32>)> {
    let date = parse_date(text.get(..10)?)?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some((date.and_time(NaiveTime::MIN), None));
    }
    let rest = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('T'))?;
    let (clock, offset) = if let Some(clock) = rest.strip_suffix('Z') {
        (clock, Some(0))
    } else if let Some(split) = rest.rfind(['+', '-']) {
        let (clock, offset) = rest.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = offset[1..].split_once(':')?;
        let seconds = i32::try_from(digits(hours, 2)? * 3600 + digits(minutes, 2)? * 60).ok()?;
        (clock, Some(sign * seconds))
    } else {
        (rest, None)
    };
    Some((date.and_time(parse_time(clock)?), offset))
}

/// The current UTC time as `datetime(timezone)` columns store it (to the
/// microsecond): what `default_factory = "now"` puts in such a column.
pub fn now_utc() -> DateTime<Utc> {
    use chrono::DurationRound;
    let now = Utc::now();
    now.duration_trunc(chrono::TimeDelta::microseconds(1))
        .unwrap_or(now)
}

/// The current UTC time without a timezone, to the microsecond (Python's
/// `datetime.utcnow()`): `default_factory = "now"` on a `datetime` column.
pub fn now() -> NaiveDateTime {
    now_utc().naive_utc()
}

/// Today's date in UTC: `default_factory = "now"` on a `date` column.
pub fn today() -> NaiveDate {
    now().date()
}

/// The current UTC time of day, to the microsecond: `default_factory =
/// "now"` on a `time` column.
pub fn time_now() -> NaiveTime {
    now().time()
}

/// A random (version 4) UUID: `default_factory = "uuid4"`.
pub fn uuid4() -> Uuid {
    Uuid::new_v4()
}

// ---- uuid ----------------------------------------------------------------------------------

impl ToColumn for Uuid {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::from(self.simple().to_string()))
    }
}

impl FromColumn for Uuid {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        let text = not_null(&value, "Uuid")?.expect_text("a uuid (text)")?;
        Uuid::try_parse(text)
            .map_err(|_| ColumnError::malformed("uuid", "32 hexadecimal digits", &value))
    }
}

// ---- json ----------------------------------------------------------------------------------

/// Stored as the text Python's `json.dumps` writes (what SQLAlchemy's `JSON`
/// stores): `", "` and `": "` separators, keys in their order, non-ASCII
/// escaped as `\uXXXX`, floats as Python prints them.
impl ToColumn for serde_json::Value {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        python_json(self).map(ColumnValue::from)
    }
}

impl FromColumn for serde_json::Value {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        match not_null(&value, "serde_json::Value")? {
            ColumnValue::Text(text) => serde_json::from_str(text).map_err(|err| {
                ColumnError::new(format!("malformed JSON ({err}) in {}", value.describe()))
            }),
            // A JSON column has NUMERIC affinity: a number's text is stored as a number.
            ColumnValue::Integer(i) => Ok(serde_json::Value::from(*i)),
            ColumnValue::Real(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .ok_or_else(|| ColumnError::new(format!("real {f} is not a JSON number"))),
            other => Err(ColumnError::invalid_type("JSON text", other)),
        }
    }
}

/// `json.dumps(value)` with Python's defaults.
///
/// ```
/// # fn main() -> Result<(), litemodel::types::ColumnError> {
/// let value = serde_json::json!({"b": [1, 2.0, null], "a": "é", "big": 1e16});
/// assert_eq!(
///     litemodel::types::python_json(&value)?,
///     r#"{"b": [1, 2.0, null], "a": "\u00e9", "big": 1e+16}"#
/// );
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// None in practice: writing to a `String` cannot fail.
pub fn python_json(value: &serde_json::Value) -> Result<String, ColumnError> {
    use serde::Serialize;
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    value
        .serialize(&mut serializer)
        .map_err(|err| ColumnError::new(format!("cannot write JSON: {err}")))?;
    String::from_utf8(out).map_err(|_| ColumnError::new("JSON output is not UTF-8"))
}

struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(python_float(value).as_bytes())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // `ensure_ascii=True`: everything outside printable ASCII as UTF-16 escapes.
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, in positional
/// notation for exponents -4..16 and as `1e+16` / `1.5e-05` otherwise.
fn python_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        format!("{value:?}")
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

// ---- Python repr of the new types, for the generated Debug --------------------------------

impl Repr for Decimal {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal('{self}')")
    }
}

impl Repr for NaiveDate {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use chrono::Datelike;
        write!(
            f,
            "datetime.date({}, {}, {})",
            self.year(),
            self.month(),
            self.day()
        )
    }
}

/// `10, 0` / `10, 0, 5` / `10, 0, 5, 250`: Python leaves out zero seconds and microseconds.
fn time_fields(time: &NaiveTime, f: &mut Formatter<'_>) -> fmt::Result {
    use chrono::Timelike;
    write!(f, "{}, {}", time.hour(), time.minute())?;
    let micros = time.nanosecond() / 1000;
    if time.second() != 0 || micros != 0 {
        write!(f, ", {}", time.second())?;
    }
    if micros != 0 {
        write!(f, ", {micros}")?;
    }
    Ok(())
}

impl Repr for NaiveTime {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("datetime.time(")?;
        time_fields(self, f)?;
        f.write_char(')')
    }
}

impl Repr for NaiveDateTime {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use chrono::Datelike;
        write!(
            f,
            "datetime.datetime({}, {}, {}, ",
            self.year(),
            self.month(),
            self.day()
        )?;
        time_fields(&self.time(), f)?;
        f.write_char(')')
    }
}

impl Repr for DateTime<Utc> {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use chrono::Datelike;
        let naive = self.naive_utc();
        write!(
            f,
            "datetime.datetime({}, {}, {}, ",
            naive.year(),
            naive.month(),
            naive.day()
        )?;
        time_fields(&naive.time(), f)?;
        f.write_str(", tzinfo=datetime.timezone.utc)")
    }
}

impl Repr for Uuid {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "UUID('{}')", self.hyphenated())
    }
}

impl Repr for serde_json::Value {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use serde_json::Value as J;
        match self {
            J::Null => f.write_str("None"),
            J::Bool(b) => b.fmt_repr(f),
            J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => write!(f, "{i}"),
                (None, Some(u), _) => write!(f, "{u}"),
                (None, None, Some(x)) => x.fmt_repr(f),
                (None, None, None) => write!(f, "{n}"),
            },
            J::String(s) => s.fmt_repr(f),
            J::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt_repr(f)?;
                }
                f.write_char(']')
            }
            J::Object(map) => {
                f.write_char('{')?;
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    key.fmt_repr(f)?;
                    f.write_str(": ")?;
                    item.fmt_repr(f)?;
                }
                f.write_char('}')
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_floats() {
        assert_eq!(python_float(2.0), "2.0");
        assert_eq!(python_float(0.1), "0.1");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(1.5e-5), "1.5e-05");
        assert_eq!(python_float(0.0001), "0.0001");
        assert_eq!(python_float(123456789012345.6), "123456789012345.6");
        assert_eq!(python_float(-2.5e100), "-2.5e+100");
    }

    #[test]
    fn decimals_round_trip_through_the_nearest_double() {
        for text in ["1.10", "0.1", "12345678.90", "-0.05", "5.00"] {
            let d = Decimal::from_str(text).unwrap();
            let ColumnValue::Real(stored) = d.to_column().unwrap() else {
                panic!("not real")
            };
            assert_eq!(Decimal::from_column(ColumnValue::Real(stored)).unwrap(), d);
        }
        let too_precise = Decimal::from_str("1234567890.1234567891").unwrap();
        assert!(too_precise.to_column().is_err());
    }

    #[test]
    fn datetimes_parse_every_form_sqlalchemy_reads() {
        let expected = NaiveDate::from_ymd_opt(2026, 11, 26)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap();
        for text in [
            "2026-11-26 10:00:00.000000",
            "2026-11-26 10:00:00",
            "2026-11-26T10:00:00",
            "2026-11-26 10:00",
        ] {
            assert_eq!(parse_datetime(text), Some((expected, None)), "{text}");
        }
        assert_eq!(
            parse_datetime("2026-11-26T12:00:00+02:00"),
            Some((
                NaiveDate::from_ymd_opt(2026, 11, 26)
                    .and_then(|d| d.and_hms_opt(12, 0, 0))
                    .unwrap(),
                Some(7200)
            ))
        );
        assert_eq!(parse_datetime("2026-11-26 25:00:00"), None);
        assert_eq!(
            parse_time("10:00:00.5").map(|t| t.to_string()),
            Some("10:00:00.500".into())
        );
    }
}
