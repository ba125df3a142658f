//! Integers, booleans, floats, text and bytes.

use super::*;

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
}
