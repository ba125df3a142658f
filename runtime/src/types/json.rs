//! `json` columns: [`serde_json::Value`], stored as Python's `json.dumps` writes it.

use std::borrow::Cow;
use std::fmt::{self, Formatter, Write as _};
use std::io;

use crate::repr::Repr;

use super::*;

/// Stored as the text Python's `json.dumps` writes (what SQLAlchemy's `JSON`
/// stores): `", "` and `": "` separators, keys in their order, non-ASCII
/// escaped as `\uXXXX`, floats as Python prints them.
///
/// Numbers keep the text they were read from (serde_json's
/// `arbitrary_precision`): an integer beyond 64 bits or a decimal longer than
/// an `f64` is written back digit for digit, and a value read and written
/// unchanged is the same text.
impl ToColumn for serde_json::Value {
    fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
        python_json(self).map(ColumnValue::from)
    }
}

impl FromColumn for serde_json::Value {
    fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
        match not_null(&value, "serde_json::Value")? {
            ColumnValue::Text(text) => {
                serde_json::from_str(text).map_err(|err| match non_finite_token(text) {
                    Some(token) => ColumnError::new(format!(
                        "JSON holds `{token}` in {}: Python's json.dumps writes float \
                         infinities and NaN so, but JSON has no such number and \
                         serde_json::Value cannot hold it; store them as strings or \
                         null on the Python side (json.dumps(..., allow_nan=False) \
                         finds them)",
                        value.describe()
                    )),
                    None => {
                        ColumnError::new(format!("malformed JSON ({err}) in {}", value.describe()))
                    }
                })
            }
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

    fn write_number_str<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        value: &str,
    ) -> io::Result<()> {
        w.write_all(python_number(value).as_bytes())
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

/// The text of a JSON number as Python would write it, without losing a digit.
///
/// A number read from the database keeps its text, and that text is written
/// back as it is: integers of any size, the floats Python wrote (already its
/// `repr`), and decimals longer than an `f64`. A number made in Rust
/// (`json!(1e16)`, `Value::from(2.5)`) carries serde_json's shortest form
/// (`1e16`), which is rewritten as Python prints that float (`1e+16`).
fn python_number(text: &str) -> Cow<'_, str> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return Cow::Borrowed(text);
    }
    match text.parse::<f64>() {
        Ok(value) if serde_json::Number::from_f64(value).is_some_and(|n| n.as_str() == text) => {
            Cow::Owned(python_float(value))
        }
        _ => Cow::Borrowed(text),
    }
}

/// `Infinity`, `-Infinity` or `NaN` outside a string: what Python's
/// `json.dumps` writes for non-finite floats (`allow_nan=True`, its default).
fn non_finite_token(text: &str) -> Option<&'static str> {
    let mut in_string = false;
    let mut escaped = false;
    let mut previous = b' ';
    for (at, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else if !previous.is_ascii_alphanumeric() {
            // Bytes: `at` may fall inside a character of malformed text.
            let rest = &text.as_bytes()[at..];
            for token in ["-Infinity", "Infinity", "NaN"] {
                if rest.starts_with(token.as_bytes()) {
                    return Some(token);
                }
            }
        }
        previous = byte;
    }
    None
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

impl Repr for serde_json::Value {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use serde_json::Value as J;
        match self {
            J::Null => f.write_str("None"),
            J::Bool(b) => b.fmt_repr(f),
            // `json.loads` makes an int of an integer (of any size) and a
            // float of anything else; a float beyond its range is `inf`.
            J::Number(n) => {
                let text = n.as_str();
                let digits = text.strip_prefix('-').unwrap_or(text);
                if digits.bytes().all(|b| b.is_ascii_digit()) {
                    f.write_str(text)
                } else {
                    match text.parse::<f64>() {
                        Ok(x) => x.fmt_repr(f),
                        Err(_) => f.write_str(text),
                    }
                }
            }
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
    fn malformed_json_with_non_ascii_text_is_an_error() {
        let err = serde_json::Value::from_column(ColumnValue::from("é NaN")).unwrap_err();
        assert!(err.to_string().starts_with("JSON holds `NaN`"), "{err}");
        let err = serde_json::Value::from_column(ColumnValue::from("é")).unwrap_err();
        assert!(err.to_string().starts_with("malformed JSON"), "{err}");
    }

    #[test]
    fn the_smallest_integer_reads_as_its_exact_double() {
        assert_eq!(
            f64::from_column(ColumnValue::Integer(i64::MIN)),
            Ok(-9_223_372_036_854_775_808.0)
        );
        assert!(f64::from_column(ColumnValue::Integer(i64::MIN + 1)).is_err());
    }
}
