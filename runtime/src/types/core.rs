//! Integers, booleans, floats, text and bytes.

use super::*;

/// The way every value not taken straight from rusqlite's view goes (another
/// storage class, an out of range integer, invalid UTF-8, and every error):
/// through the [`ColumnValue`], out of the hot loop of reading rows.
#[cold]
#[inline(never)]
fn from_sqlite_slow<T: FromColumn>(value: ValueRef<'_>) -> Result<T, ColumnError> {
    T::from_column(ColumnValue::from_ref(value)?)
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

            #[cfg(feature = "postgres")]
            #[inline]
            fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
                match field.integer().map(<$t>::try_from) {
                    Some(Ok(value)) => Ok(value),
                    _ => Self::from_column(field.decode()?),
                }
            }

            #[inline]
            fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ColumnError> {
                match value {
                    ValueRef::Integer(i) => match <$t>::try_from(i) {
                        Ok(value) => Ok(value),
                        Err(_) => from_sqlite_slow(value),
                    },
                    value => from_sqlite_slow(value),
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

    #[cfg(feature = "postgres")]
    #[inline]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.boolean() {
            Some(value) => Ok(value),
            None => Self::from_column(field.decode()?),
        }
    }

    #[inline]
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ColumnError> {
        match value {
            ValueRef::Integer(0) => Ok(false),
            ValueRef::Integer(1) => Ok(true),
            value => from_sqlite_slow(value),
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
            // `i64::MIN` has no `abs()`; it is exact (-2^63) all the same.
            ColumnValue::Integer(i) if i.checked_abs().is_none_or(|a| a <= EXACT_IN_F64) => {
                Ok(*i as f64)
            }
            ColumnValue::Integer(i) => Err(ColumnError::new(format!(
                "integer {i} has no exact `f64` value"
            ))),
            other => Err(ColumnError::invalid_type("a number", other)),
        }
    }

    #[cfg(feature = "postgres")]
    #[inline]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.float() {
            Some(value) => Ok(value),
            None => Self::from_column(field.decode()?),
        }
    }

    #[inline]
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ColumnError> {
        match value {
            ValueRef::Real(f) => Ok(f),
            value => from_sqlite_slow(value),
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

    #[cfg(feature = "postgres")]
    #[inline]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.text() {
            Some(text) => Ok(text.to_owned()),
            None => Self::from_column(field.decode()?),
        }
    }

    #[inline]
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ColumnError> {
        if let ValueRef::Text(bytes) = value {
            if let Ok(text) = std::str::from_utf8(bytes) {
                return Ok(text.to_owned());
            }
        }
        from_sqlite_slow(value)
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

    #[cfg(feature = "postgres")]
    #[inline]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.bytes() {
            Some(bytes) => Ok(bytes.to_vec()),
            None => Self::from_column(field.decode()?),
        }
    }

    #[inline]
    fn from_sqlite(value: ValueRef<'_>) -> Result<Self, ColumnError> {
        match value {
            ValueRef::Blob(bytes) => Ok(bytes.to_vec()),
            value => from_sqlite_slow(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored values of every kind SQLite hands over, including edge cases
    /// for each fast path.
    fn grid() -> Vec<ValueRef<'static>> {
        vec![
            ValueRef::Null,
            ValueRef::Integer(0),
            ValueRef::Integer(1),
            ValueRef::Integer(-1),
            ValueRef::Integer(2),
            ValueRef::Integer(127),
            ValueRef::Integer(128),
            ValueRef::Integer(65_536),
            ValueRef::Integer(i64::from(i32::MAX) + 1),
            ValueRef::Integer(1 << 53),
            ValueRef::Integer((1 << 53) + 1),
            ValueRef::Integer(i64::MIN),
            ValueRef::Integer(i64::MAX),
            ValueRef::Real(0.0),
            ValueRef::Real(1.5),
            ValueRef::Real(f64::NAN),
            ValueRef::Text(b""),
            ValueRef::Text(b"text"),
            ValueRef::Text(b"caf\xc3\xa9"),
            ValueRef::Text(b"\xff\xfe not utf-8"),
            ValueRef::Blob(b""),
            ValueRef::Blob(b"\x00\x01"),
        ]
    }

    /// `from_sqlite` accepts what `from_column` accepts, with the same value,
    /// and refuses the rest with the same message.
    fn same_both_ways<T: FromColumn + PartialEq + std::fmt::Debug>() {
        for value in grid() {
            let slow = ColumnValue::from_ref(value).and_then(T::from_column);
            let fast = T::from_sqlite(value);
            match (&slow, &fast) {
                // NaN is not equal to itself.
                (Ok(a), Ok(b)) if format!("{a:?}") == format!("{b:?}") => {}
                _ => assert_eq!(fast, slow, "{} from {value:?}", std::any::type_name::<T>()),
            }
        }
    }

    #[test]
    fn the_sqlite_fast_path_decodes_as_the_stored_form_does() {
        same_both_ways::<i8>();
        same_both_ways::<i16>();
        same_both_ways::<i32>();
        same_both_ways::<i64>();
        same_both_ways::<u8>();
        same_both_ways::<u16>();
        same_both_ways::<u32>();
        same_both_ways::<bool>();
        same_both_ways::<f64>();
        same_both_ways::<String>();
        same_both_ways::<Vec<u8>>();
        same_both_ways::<Option<i64>>();
        same_both_ways::<Option<bool>>();
        same_both_ways::<Option<f64>>();
        same_both_ways::<Option<String>>();
        same_both_ways::<Option<Vec<u8>>>();
    }
}
