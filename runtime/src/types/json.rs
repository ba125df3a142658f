//! `json` columns: [`serde_json::Value`], stored as Python's `json.dumps` writes it.

use std::fmt::{self, Formatter, Write as _};
use std::io;

use crate::repr::Repr;

use super::*;

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
}
