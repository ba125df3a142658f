//! PostgreSQL's binary wire formats for the stored values of [`ColumnValue`].
//!
//! The runtime's types convert to and from the values SQLAlchemy stores on
//! SQLite (dates as text, UUIDs as 32 hex digits, booleans as 0/1). On
//! PostgreSQL the same values travel in the column's native type: this module
//! encodes a [`ColumnValue`] into the type the server asks for (the parameter
//! types of a prepared statement) and decodes a column of a result row back
//! into the value the runtime's [`FromColumn`](crate::FromColumn)
//! implementations read ([`read`] reads the common types straight from the
//! bytes). Decimals travel as their exact text, never through a double.

use std::borrow::Cow;
use std::error::Error as StdError;

use bytes::{BufMut, BytesMut};
use postgres::types::{FromSql, IsNull, Kind, ToSql, Type};

/// The built-in types' OIDs (`pg_type.oid`, fixed since PostgreSQL 7): a type is
/// matched by its number, one comparison, rather than by `Type`'s structure.
mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const UNKNOWN: u32 = 705;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const NUMERIC: u32 = 1700;
    pub const UUID: u32 = 2950;
    pub const JSONB: u32 = 3802;
}

use crate::types::ColumnValue;

mod read;

pub(crate) use read::Field;
pub use read::PgField;

type BoxError = Box<dyn StdError + Sync + Send>;

/// Microseconds in a day.
const DAY_MICROS: i64 = 86_400_000_000;
/// Days from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
const PG_EPOCH_DAYS: i64 = 10_957;

/// A parameter bound for PostgreSQL: encoded in whatever type the server
/// inferred for its placeholder.
#[derive(Debug)]
pub(crate) enum PgParam {
    /// One value.
    Value(ColumnValue<'static>),
    /// Integer keys as one array (`column = ANY($n)`), each encoded as an
    /// integer value is in the array's element type.
    Keys(Vec<i64>),
}

fn mismatch(value: &ColumnValue<'_>, ty: &Type) -> BoxError {
    format!(
        "a {} value cannot be stored in a PostgreSQL column of type {}",
        kind_name(value),
        ty.name()
    )
    .into()
}

fn kind_name(value: &ColumnValue<'_>) -> &'static str {
    match value {
        ColumnValue::Null => "NULL",
        ColumnValue::Integer(_) => "integer",
        ColumnValue::Real(_) => "real",
        ColumnValue::Text(_) => "text",
        ColumnValue::Blob(_) => "blob",
    }
}

#[inline]
fn is_text(ty: &Type) -> bool {
    matches!(
        ty.oid(),
        oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::UNKNOWN | oid::JSON
    ) || matches!(ty.kind(), Kind::Enum(_))
}

impl ToSql for PgParam {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            PgParam::Value(value) => encode(value, ty, out),
            PgParam::Keys(keys) => encode_keys(keys, ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        // The value is converted per type in `to_sql`, with a clear error.
        true
    }

    postgres::types::to_sql_checked!();
}

/// Writes `keys` as a one-dimensional array of `ty`'s element type (the key
/// column's: `int4` for `INTEGER`, `int8` for `BIGINT`), in PostgreSQL's
/// binary array format: dimensions, a NULL flag, the element type, the length
/// and lower bound, then each element with its length.
fn encode_keys(keys: &[i64], ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    let Kind::Array(member) = ty.kind() else {
        return Err(format!(
            "a list of keys cannot be bound to a PostgreSQL parameter of type {}",
            ty.name()
        )
        .into());
    };
    out.reserve(20 + 12 * keys.len());
    out.put_i32(1);
    out.put_i32(0);
    out.put_u32(member.oid());
    out.put_i32(i32::try_from(keys.len())?);
    out.put_i32(1);
    for &key in keys {
        let at = out.len();
        out.put_i32(0);
        encode(&ColumnValue::Integer(key), member, out)?;
        let len = i32::try_from(out.len() - at - 4)?;
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(IsNull::No)
}

/// Writes `value` in `ty`'s binary format.
pub(crate) fn encode(
    value: &ColumnValue<'_>,
    ty: &Type,
    out: &mut BytesMut,
) -> Result<IsNull, BoxError> {
    match value {
        ColumnValue::Null => return Ok(IsNull::Yes),
        ColumnValue::Integer(i) => encode_integer(*i, ty, out).ok_or_else(|| -> BoxError {
            if matches!(ty.oid(), oid::INT2 | oid::INT4 | oid::BOOL) {
                format!(
                    "integer {i} is out of range for a PostgreSQL column of type {}",
                    ty.name()
                )
                .into()
            } else {
                mismatch(value, ty)
            }
        })?,
        ColumnValue::Real(f) => match ty.oid() {
            oid::FLOAT8 => out.put_f64(*f),
            oid::FLOAT4 => out.put_f32(*f as f32),
            oid::NUMERIC => encode_numeric(&format_f64(*f), out)?,
            _ => return Err(mismatch(value, ty)),
        },
        ColumnValue::Text(text) => encode_text(text, ty, out).map_err(|err| {
            if err.is_empty() {
                mismatch(value, ty)
            } else {
                err.into()
            }
        })?,
        ColumnValue::Blob(bytes) => match ty.oid() {
            oid::BYTEA => out.put_slice(bytes),
            _ => return Err(mismatch(value, ty)),
        },
    }
    Ok(IsNull::No)
}

fn encode_integer(i: i64, ty: &Type, out: &mut BytesMut) -> Option<()> {
    match ty.oid() {
        oid::INT8 => out.put_i64(i),
        oid::INT4 => out.put_i32(i32::try_from(i).ok()?),
        oid::INT2 => out.put_i16(i16::try_from(i).ok()?),
        oid::BOOL => match i {
            0 | 1 => out.put_u8(i as u8),
            _ => return None,
        },
        oid::FLOAT8 => out.put_f64(i as f64),
        oid::FLOAT4 => out.put_f32(i as f32),
        oid::NUMERIC => encode_numeric(&i.to_string(), out).ok()?,
        _ => return None,
    }
    Some(())
}

/// Text into a text type, or parsed into a date, time, UUID or number; an
/// empty error means "not a type text goes into".
fn encode_text(text: &str, ty: &Type, out: &mut BytesMut) -> Result<(), String> {
    match ty.oid() {
        oid::JSONB => {
            out.put_u8(1);
            out.put_slice(text.as_bytes());
        }
        oid::NUMERIC => encode_numeric(text, out)?,
        oid::DATE => {
            let days = parse_date(text).ok_or_else(|| malformed("date", text))?;
            out.put_i32(i32::try_from(days - PG_EPOCH_DAYS).map_err(|_| malformed("date", text))?);
        }
        oid::TIME => out.put_i64(parse_time(text).ok_or_else(|| malformed("time", text))?),
        oid::TIMESTAMP | oid::TIMESTAMPTZ => {
            let micros = parse_timestamp(text).ok_or_else(|| malformed("timestamp", text))?;
            out.put_i64(micros);
        }
        oid::UUID => out.put_slice(&parse_uuid(text).ok_or_else(|| malformed("uuid", text))?),
        _ if is_text(ty) => out.put_slice(text.as_bytes()),
        _ => return Err(String::new()),
    }
    Ok(())
}

fn malformed(what: &str, text: &str) -> String {
    format!("malformed {what} {}", crate::repr(text))
}

/// A column of a result row, decoded into the value SQLite would hold.
pub(crate) struct PgValue<'a>(pub(crate) ColumnValue<'a>);

impl<'a> FromSql<'a> for PgValue<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        decode(ty, raw).map(PgValue)
    }

    fn from_sql_null(_ty: &Type) -> Result<Self, BoxError> {
        Ok(PgValue(ColumnValue::Null))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

fn decode<'a>(ty: &Type, raw: &'a [u8]) -> Result<ColumnValue<'a>, BoxError> {
    Ok(match ty.oid() {
        oid::BOOL => ColumnValue::Integer(i64::from(byte(raw)? != 0)),
        oid::INT2 => ColumnValue::Integer(i64::from(i16::from_be_bytes(array(raw)?))),
        oid::INT4 => ColumnValue::Integer(i64::from(i32::from_be_bytes(array(raw)?))),
        oid::OID => ColumnValue::Integer(i64::from(u32::from_be_bytes(array(raw)?))),
        oid::INT8 => ColumnValue::Integer(i64::from_be_bytes(array(raw)?)),
        oid::FLOAT4 => ColumnValue::Real(f64::from(f32::from_be_bytes(array(raw)?))),
        oid::FLOAT8 => ColumnValue::Real(f64::from_be_bytes(array(raw)?)),
        oid::NUMERIC => ColumnValue::Text(Cow::Owned(decode_numeric(raw)?)),
        oid::BYTEA => ColumnValue::Blob(Cow::Borrowed(raw)),
        oid::JSONB => match raw.split_first() {
            Some((1, json)) => ColumnValue::Text(Cow::Borrowed(utf8(json)?)),
            _ => return Err("unsupported jsonb format version".into()),
        },
        oid::DATE => {
            let days = i64::from(i32::from_be_bytes(array(raw)?));
            ColumnValue::Text(Cow::Owned(format_date(days + PG_EPOCH_DAYS)))
        }
        oid::TIME => ColumnValue::Text(Cow::Owned(format_time(i64::from_be_bytes(array(raw)?)))),
        oid::TIMESTAMP | oid::TIMESTAMPTZ => {
            let micros = i64::from_be_bytes(array(raw)?);
            if micros == i64::MAX || micros == i64::MIN {
                return Err("an infinite timestamp has no Rust value".into());
            }
            let days = micros.div_euclid(DAY_MICROS);
            let mut text = format_date(days + PG_EPOCH_DAYS);
            text.push(' ');
            text.push_str(&format_time(micros.rem_euclid(DAY_MICROS)));
            ColumnValue::Text(Cow::Owned(text))
        }
        oid::UUID => {
            let bytes: [u8; 16] = array(raw)?;
            let mut text = String::with_capacity(32);
            for b in bytes {
                text.push(char::from(HEX[usize::from(b >> 4)]));
                text.push(char::from(HEX[usize::from(b & 15)]));
            }
            ColumnValue::Text(Cow::Owned(text))
        }
        _ if is_text(ty) => ColumnValue::Text(Cow::Borrowed(utf8(raw)?)),
        _ => {
            return Err(
                format!("PostgreSQL type {} has no litemodel column type", ty.name()).into(),
            )
        }
    })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn utf8(raw: &[u8]) -> Result<&str, BoxError> {
    std::str::from_utf8(raw).map_err(|_| "stored text is not valid UTF-8".into())
}

fn byte(raw: &[u8]) -> Result<u8, BoxError> {
    match raw {
        [b] => Ok(*b),
        _ => Err("malformed boolean".into()),
    }
}

fn array<const N: usize>(raw: &[u8]) -> Result<[u8; N], BoxError> {
    raw.try_into()
        .map_err(|_| format!("expected {N} bytes, the server sent {}", raw.len()).into())
}

// ---- dates ------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01 (Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `HH:MM:SS.ffffff`, SQLAlchemy's SQLite time format.
fn format_time(micros: i64) -> String {
    let seconds = micros / 1_000_000;
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        micros % 1_000_000
    )
}

fn number(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let year = number(parts.next()?)?;
    let month = number(parts.next()?)?;
    let day = number(parts.next()?)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// `HH:MM[:SS[.ffffff]]` as microseconds since midnight.
fn parse_time(text: &str) -> Option<i64> {
    let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = clock.splitn(3, ':');
    let hours = number(parts.next()?)?;
    let minutes = number(parts.next()?)?;
    let seconds = parts.next().map_or(Some(0), number)?;
    if hours > 23 || minutes > 59 || seconds > 59 || fraction.len() > 6 {
        return None;
    }
    let micros = if fraction.is_empty() {
        0
    } else {
        number(fraction)? * 10_i64.pow(6 - fraction.len() as u32)
    };
    Some(((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros)
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` (or with `T`) as microseconds since 2000-01-01.
fn parse_timestamp(text: &str) -> Option<i64> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let days = parse_date(date)? - PG_EPOCH_DAYS;
    days.checked_mul(DAY_MICROS)?.checked_add(parse_time(time)?)
}

/// 32 hex digits (SQLAlchemy's `CHAR(32)` form) or the hyphenated 36.
fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let digits: Vec<u8> = text.bytes().filter(|b| *b != b'-').collect();
    if digits.len() != 32 || !(text.len() == 32 || text.len() == 36) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in digits.chunks(2).enumerate() {
        let hex = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(hex, 16).ok()?;
    }
    Some(out)
}

// ---- NUMERIC ----------------------------------------------------------------------

const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// The shortest text that reads back as `f` (Rust's `Display` never uses an
/// exponent).
fn format_f64(f: f64) -> String {
    if f.is_finite() {
        f.to_string()
    } else if f.is_nan() {
        "NaN".to_owned()
    } else if f > 0.0 {
        "Infinity".to_owned()
    } else {
        "-Infinity".to_owned()
    }
}

/// Writes the decimal `text` (`-123.4500`, `1e5`, `NaN`) as a binary NUMERIC.
fn encode_numeric(text: &str, out: &mut BytesMut) -> Result<(), String> {
    let text = text.trim();
    let special = match text {
        "NaN" => Some(NUMERIC_NAN),
        "Infinity" | "inf" => Some(NUMERIC_PINF),
        "-Infinity" | "-inf" => Some(NUMERIC_NINF),
        _ => None,
    };
    if let Some(sign) = special {
        out.put_i16(0);
        out.put_i16(0);
        out.put_u16(sign);
        out.put_u16(0);
        return Ok(());
    }
    let bad = || malformed("number", text);
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().map_err(|_| bad())?),
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // All the digits, and where the decimal point sits among them.
    let digits: Vec<u8> = int_part
        .bytes()
        .chain(frac_part.bytes())
        .map(|b| b - b'0')
        .collect();
    let point = i64::try_from(int_part.len()).map_err(|_| bad())? + exponent;
    let scale = (i64::try_from(frac_part.len()).map_err(|_| bad())? - exponent).max(0);
    if !(-131_072..=131_072).contains(&point) || scale > 16_383 {
        return Err(format!("number {text} is out of range for NUMERIC"));
    }
    // Base-10000 groups aligned on the point: `lead` zeros in front make the
    // digits before the point a multiple of four.
    let lead = (4 - point.rem_euclid(4)) % 4;
    let mut padded: Vec<u8> = vec![0; lead as usize];
    padded.extend_from_slice(&digits);
    while !padded.len().is_multiple_of(4) {
        padded.push(0);
    }
    let mut groups: Vec<i16> = padded
        .chunks(4)
        .map(|c| c.iter().fold(0i16, |acc, d| acc * 10 + i16::from(*d)))
        .collect();
    // The weight of the first group: groups before the point, minus one.
    let mut weight = (point + lead) / 4 - 1;
    while groups.first() == Some(&0) {
        groups.remove(0);
        weight -= 1;
    }
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    let count = i16::try_from(groups.len()).map_err(|_| bad())?;
    out.put_i16(count);
    out.put_i16(i16::try_from(weight).map_err(|_| bad())?);
    out.put_u16(if negative && !groups.is_empty() {
        NUMERIC_NEG
    } else {
        0
    });
    out.put_u16(scale as u16);
    for group in groups {
        out.put_i16(group);
    }
    Ok(())
}

/// A binary NUMERIC as its exact decimal text, with its scale's digits.
fn decode_numeric(raw: &[u8]) -> Result<String, BoxError> {
    let header = |i: usize| -> Result<u16, BoxError> {
        raw.get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "malformed numeric".into())
    };
    let count = usize::from(header(0)?);
    let weight = i64::from(header(2)? as i16);
    let sign = header(4)?;
    let scale = usize::from(header(6)?);
    match sign {
        NUMERIC_NAN => return Ok("NaN".to_owned()),
        NUMERIC_PINF => return Ok("Infinity".to_owned()),
        NUMERIC_NINF => return Ok("-Infinity".to_owned()),
        _ => {}
    }
    let mut groups = Vec::with_capacity(count);
    for i in 0..count {
        groups.push(header(8 + 2 * i)?);
    }
    let group = |index: i64| -> u16 {
        usize::try_from(index)
            .ok()
            .and_then(|i| groups.get(i).copied())
            .unwrap_or(0)
    };
    let mut text = String::new();
    if sign == NUMERIC_NEG {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        text.push_str(&group(0).to_string());
        for i in 1..=weight {
            text.push_str(&format!("{:04}", group(i)));
        }
    }
    if scale > 0 {
        text.push('.');
        let mut fraction = String::new();
        let mut index = weight + 1;
        while fraction.len() < scale {
            fraction.push_str(&format!("{:04}", group(index)));
            index += 1;
        }
        fraction.truncate(scale);
        text.push_str(&fraction);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_round_trip(text: &str) -> String {
        let mut out = BytesMut::new();
        encode_numeric(text, &mut out).unwrap();
        decode_numeric(&out).unwrap()
    }

    #[test]
    fn keys_are_an_array_of_the_key_columns_type() -> Result<(), BoxError> {
        let mut out = BytesMut::new();
        PgParam::Keys(vec![7, -1]).to_sql(&Type::INT4_ARRAY, &mut out)?;
        let mut expected = Vec::new();
        for word in [1, 0, 23, 2, 1, 4, 7, 4, -1] {
            expected.extend_from_slice(&i32::to_be_bytes(word));
        }
        assert_eq!(&out[..], &expected[..]);
        out.clear();
        PgParam::Keys(vec![1 << 40]).to_sql(&Type::INT8_ARRAY, &mut out)?;
        assert_eq!(&out[20..], &[0, 0, 0, 8, 0, 0, 1, 0, 0, 0, 0, 0]);
        let too_large = PgParam::Keys(vec![1 << 40]).to_sql(&Type::INT4_ARRAY, &mut out);
        assert!(too_large.is_err_and(|e| e.to_string().contains("out of range")));
        let not_an_array = PgParam::Keys(vec![1]).to_sql(&Type::INT8, &mut out);
        assert!(not_an_array.is_err_and(|e| e.to_string().contains("list of keys")));
        Ok(())
    }

    #[test]
    fn the_oids_are_the_servers() {
        for (ty, oid) in [
            (Type::BOOL, oid::BOOL),
            (Type::BYTEA, oid::BYTEA),
            (Type::NAME, oid::NAME),
            (Type::INT8, oid::INT8),
            (Type::INT2, oid::INT2),
            (Type::INT4, oid::INT4),
            (Type::TEXT, oid::TEXT),
            (Type::OID, oid::OID),
            (Type::JSON, oid::JSON),
            (Type::FLOAT4, oid::FLOAT4),
            (Type::FLOAT8, oid::FLOAT8),
            (Type::UNKNOWN, oid::UNKNOWN),
            (Type::BPCHAR, oid::BPCHAR),
            (Type::VARCHAR, oid::VARCHAR),
            (Type::DATE, oid::DATE),
            (Type::TIME, oid::TIME),
            (Type::TIMESTAMP, oid::TIMESTAMP),
            (Type::TIMESTAMPTZ, oid::TIMESTAMPTZ),
            (Type::NUMERIC, oid::NUMERIC),
            (Type::UUID, oid::UUID),
            (Type::JSONB, oid::JSONB),
        ] {
            assert_eq!(ty.oid(), oid, "{ty}");
        }
    }

    #[test]
    fn numerics_keep_every_digit() {
        for (input, output) in [
            ("0", "0"),
            ("1", "1"),
            ("-1", "-1"),
            ("10000", "10000"),
            ("12345.6789", "12345.6789"),
            ("0.0001", "0.0001"),
            ("0.5", "0.5"),
            ("-0.05", "-0.05"),
            ("5.00", "5.00"),
            ("1234567890.1234567891", "1234567890.1234567891"),
            (
                "1000000000000000000000000000001",
                "1000000000000000000000000000001",
            ),
            ("1e5", "100000"),
            ("1.5e-3", "0.0015"),
            ("NaN", "NaN"),
        ] {
            assert_eq!(numeric_round_trip(input), output, "{input}");
        }
    }

    #[test]
    fn dates_and_times_round_trip() {
        for date in [
            "2000-01-01",
            "1970-01-01",
            "2026-11-30",
            "1900-02-28",
            "2400-02-29",
            "0001-01-01",
        ] {
            assert_eq!(format_date(parse_date(date).unwrap()), date);
        }
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(
            format_time(parse_time("10:00:00.000001").unwrap()),
            "10:00:00.000001"
        );
        assert_eq!(
            format_time(parse_time("23:59:59").unwrap()),
            "23:59:59.000000"
        );
        assert_eq!(parse_timestamp("2000-01-01 00:00:01.5"), Some(1_500_000));
        assert_eq!(
            parse_uuid("0123456789abcdef0123456789ABCDEF").map(|u| u[15]),
            Some(0xef)
        );
        assert_eq!(parse_uuid("not a uuid"), None);
    }
}
