//! Python-style `repr` of field values, for the generated `Debug` impls.
//!
//! Flask-SQLAlchemy models print as `<User 'john'>` because their `__repr__`
//! uses `%r`. The generated `Debug` impl formats its fields through [`repr`] so
//! the Rust output is the same text Python would print.

use std::fmt::{self, Display, Formatter, Write};

/// A value that Python's `repr()` knows how to print.
///
/// Implemented for strings, integers, floats, booleans and `Option` (printed
/// `None` when empty).
pub trait Repr {
    /// Writes the Python `repr()` of `self`.
    ///
    /// # Errors
    ///
    /// Only the formatter's own errors.
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result;

    /// Writes the Python `str()` of `self`: the same as `repr()` except for
    /// strings, which print without quotes.
    ///
    /// # Errors
    ///
    /// Only the formatter's own errors.
    fn fmt_str(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.fmt_repr(f)
    }
}

/// Displays `value` the way Python's `repr()` would.
///
/// Strings use single quotes unless they contain `'` and no `"`; backslash,
/// the chosen quote, and non-printable characters are escaped (`\n`, `\t`,
/// `\r`, `\xNN`, `\uNNNN`, `\UNNNNNNNN`).
///
/// ```
/// use litemodel::repr;
/// assert_eq!(repr("john").to_string(), "'john'");
/// assert_eq!(repr("it's").to_string(), r#""it's""#);
/// assert_eq!(repr(&None::<String>).to_string(), "None");
/// assert_eq!(format!("<User {}>", repr("fred")), "<User 'fred'>");
/// ```
pub fn repr<T: Repr + ?Sized>(value: &T) -> impl Display + '_ {
    ReprDisplay(value)
}

/// Displays `value` the way Python's `str()` would: strings without quotes,
/// everything else as [`repr`].
///
/// Flask-SQLAlchemy's default `Model.__repr__` joins the primary key values
/// with `", ".join(map(str, identity))`, so the generated `Debug` of a model
/// without `repr` prints its key through this.
///
/// ```
/// use litemodel::py_str;
/// assert_eq!(py_str("john").to_string(), "john");
/// assert_eq!(py_str(&7_i64).to_string(), "7");
/// assert_eq!(py_str(&None::<String>).to_string(), "None");
/// ```
pub fn py_str<T: Repr + ?Sized>(value: &T) -> impl Display + '_ {
    StrDisplay(value)
}

struct ReprDisplay<'a, T: ?Sized>(&'a T);

impl<T: Repr + ?Sized> Display for ReprDisplay<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.0.fmt_repr(f)
    }
}

struct StrDisplay<'a, T: ?Sized>(&'a T);

impl<T: Repr + ?Sized> Display for StrDisplay<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.0.fmt_str(f)
    }
}

impl Repr for str {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let quote = if self.contains('\'') && !self.contains('"') {
            '"'
        } else {
            '\''
        };
        f.write_char(quote)?;
        for c in self.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                c if c == quote => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                c if is_printable(c) => f.write_char(c)?,
                c if (c as u32) <= 0xff => write!(f, "\\x{:02x}", c as u32)?,
                c if (c as u32) <= 0xffff => write!(f, "\\u{:04x}", c as u32)?,
                c => write!(f, "\\U{:08x}", c as u32)?,
            }
        }
        f.write_char(quote)
    }

    fn fmt_str(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

/// Python's `str.isprintable` for one character: false for controls, format
/// characters, separators other than the ASCII space, private use and
/// noncharacters. Exact for Latin-1; above it the listed ranges cover the
/// common non-printables (unassigned code points print as themselves).
fn is_printable(c: char) -> bool {
    let code = c as u32;
    !matches!(
        code,
        0x00..=0x1f
            | 0x7f..=0xa0
            | 0xad
            | 0x0600..=0x0605
            | 0x061c
            | 0x06dd
            | 0x070f
            | 0x1680
            | 0x180e
            | 0x2000..=0x200f
            | 0x2028..=0x202f
            | 0x205f..=0x2064
            | 0x2066..=0x206f
            | 0x3000
            | 0xd800..=0xf8ff
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0xfffe..=0xffff
            | 0x110bd
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
            | 0xf0000..=0x10ffff
    )
}

impl Repr for String {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.as_str().fmt_repr(f)
    }

    fn fmt_str(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.as_str().fmt_str(f)
    }
}

impl<T: Repr + ?Sized> Repr for &T {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        (**self).fmt_repr(f)
    }

    fn fmt_str(&self, f: &mut Formatter<'_>) -> fmt::Result {
        (**self).fmt_str(f)
    }
}

impl<T: Repr> Repr for Option<T> {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Some(value) => value.fmt_repr(f),
            None => f.write_str("None"),
        }
    }

    fn fmt_str(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Some(value) => value.fmt_str(f),
            None => f.write_str("None"),
        }
    }
}

impl Repr for bool {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if *self { "True" } else { "False" })
    }
}

impl Repr for f64 {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.is_nan() {
            f.write_str("nan")
        } else if self.is_infinite() {
            f.write_str(if *self > 0.0 { "inf" } else { "-inf" })
        } else {
            // Rust's `{:?}` is the shortest round-trip form with a `.0` for
            // whole numbers, which is what Python prints for ordinary magnitudes.
            write!(f, "{self:?}")
        }
    }
}

macro_rules! repr_integers {
    ($($t:ty),*) => {$(
        impl Repr for $t {
            fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
                write!(f, "{self}")
            }
        }
    )*};
}
repr_integers!(i8, i16, i32, i64, u8, u16, u32, u64);

#[cfg(test)]
mod tests {
    use super::repr;

    #[test]
    fn quote_choice() {
        assert_eq!(repr("a").to_string(), "'a'");
        assert_eq!(repr("it's").to_string(), "\"it's\"");
        assert_eq!(repr("say \"hi\"").to_string(), "'say \"hi\"'");
        assert_eq!(repr("it's \"x\"").to_string(), "'it\\'s \"x\"'");
    }
}
