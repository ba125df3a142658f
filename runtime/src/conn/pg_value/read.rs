//! Reading a column of a result row straight into a field's type, from the
//! server's binary format: the common cases without the [`ColumnValue`]
//! SQLite would hold, the others through it.

use postgres::types::{FromSql, Type};

use super::{decode, is_text, oid, BoxError};
use crate::types::{ColumnError, ColumnValue, FromColumn};

/// A column of a result row as the server sent it: its type and its bytes in
/// that type's binary format (`None` for NULL), not decoded yet.
///
/// [`FromColumn::from_pg`](crate::FromColumn::from_pg) reads the common
/// cases straight into the field's type (an `i64` from the eight bytes of an
/// INT8, a `String` from the UTF-8 of a TEXT), without building the
/// [`ColumnValue`] SQLite would hold; anything else goes through
/// [`PgField::decode`], so the values accepted and the errors reported stay
/// those of [`FromColumn::from_column`](crate::FromColumn::from_column).
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct PgField<'a> {
    ty: &'a Type,
    raw: Option<&'a [u8]>,
}

impl<'a> PgField<'a> {
    #[inline]
    pub(crate) fn new(ty: &'a Type, raw: Option<&'a [u8]>) -> Self {
        PgField { ty, raw }
    }

    /// Whether the value is NULL.
    #[inline]
    pub(crate) fn is_null(self) -> bool {
        self.raw.is_none()
    }

    /// The value as SQLite would hold it: what every type can read.
    ///
    /// # Errors
    ///
    /// A value the server sent malformed, or of a type litemodel has no
    /// column type for.
    #[inline]
    pub(crate) fn decode(self) -> Result<ColumnValue<'a>, ColumnError> {
        match self.raw {
            None => Ok(ColumnValue::Null),
            Some(raw) => decode(self.ty, raw).map_err(|err| ColumnError::new(err.to_string())),
        }
    }

    /// A non-NULL value of type `oid`, with its bytes.
    #[inline]
    fn of(self, oid: u32) -> Option<&'a [u8]> {
        self.raw.filter(|_| self.ty.oid() == oid)
    }

    /// An INT2, INT4, INT8 or OID.
    #[inline]
    pub(crate) fn integer(self) -> Option<i64> {
        let raw = self.raw?;
        match self.ty.oid() {
            oid::INT8 => raw.try_into().ok().map(i64::from_be_bytes),
            oid::INT4 => raw
                .try_into()
                .ok()
                .map(|b| i64::from(i32::from_be_bytes(b))),
            oid::INT2 => raw
                .try_into()
                .ok()
                .map(|b| i64::from(i16::from_be_bytes(b))),
            oid::OID => raw
                .try_into()
                .ok()
                .map(|b| i64::from(u32::from_be_bytes(b))),
            _ => None,
        }
    }

    /// A BOOL.
    #[inline]
    pub(crate) fn boolean(self) -> Option<bool> {
        match self.of(oid::BOOL)? {
            [b] => Some(*b != 0),
            _ => None,
        }
    }

    /// A FLOAT8 or FLOAT4.
    #[inline]
    pub(crate) fn float(self) -> Option<f64> {
        let raw = self.raw?;
        match self.ty.oid() {
            oid::FLOAT8 => raw.try_into().ok().map(f64::from_be_bytes),
            oid::FLOAT4 => raw
                .try_into()
                .ok()
                .map(|b| f64::from(f32::from_be_bytes(b))),
            _ => None,
        }
    }

    /// The UTF-8 of a text type (TEXT, VARCHAR, an enum's label, ...).
    #[inline]
    pub(crate) fn text(self) -> Option<&'a str> {
        let raw = self.raw?;
        if is_text(self.ty) {
            std::str::from_utf8(raw).ok()
        } else {
            None
        }
    }

    /// A BYTEA's bytes.
    #[inline]
    pub(crate) fn bytes(self) -> Option<&'a [u8]> {
        self.of(oid::BYTEA)
    }

    /// A DATE, as days since 2000-01-01.
    #[cfg_attr(not(feature = "chrono"), allow(dead_code))]
    #[inline]
    pub(crate) fn date(self) -> Option<i32> {
        self.of(oid::DATE)?.try_into().ok().map(i32::from_be_bytes)
    }

    /// A TIME, as microseconds since midnight.
    #[cfg_attr(not(feature = "chrono"), allow(dead_code))]
    #[inline]
    pub(crate) fn time(self) -> Option<i64> {
        self.of(oid::TIME)?.try_into().ok().map(i64::from_be_bytes)
    }

    /// A TIMESTAMP or TIMESTAMPTZ (UTC), as microseconds since 2000-01-01.
    #[cfg_attr(not(feature = "chrono"), allow(dead_code))]
    #[inline]
    pub(crate) fn timestamp(self) -> Option<i64> {
        let raw = self.raw?;
        match self.ty.oid() {
            oid::TIMESTAMP | oid::TIMESTAMPTZ => raw.try_into().ok().map(i64::from_be_bytes),
            _ => None,
        }
    }

    /// A UUID's sixteen bytes.
    #[cfg_attr(not(feature = "uuid"), allow(dead_code))]
    #[inline]
    pub(crate) fn uuid(self) -> Option<[u8; 16]> {
        self.of(oid::UUID)?.try_into().ok()
    }
}

/// A field read straight from a column by `T`'s [`FromColumn::from_pg`]
/// (`postgres`' [`FromSql`] hands over the column's type and bytes). A value
/// that does not fit `T` is kept as a [`ColumnError`], for the caller to name
/// the table and column.
pub(crate) struct Field<T>(pub(crate) Result<T, ColumnError>);

impl<'a, T: FromColumn> FromSql<'a> for Field<T> {
    #[inline]
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(Field(T::from_pg(PgField::new(ty, Some(raw)))))
    }

    #[inline]
    fn from_sql_null(ty: &Type) -> Result<Self, BoxError> {
        Ok(Field(T::from_pg(PgField::new(ty, None))))
    }

    // What `Row::try_get` calls: one body for NULL and a value, inlined
    // (the provided method is a call per column).
    #[inline(always)]
    fn from_sql_nullable(ty: &Type, raw: Option<&'a [u8]>) -> Result<Self, BoxError> {
        Ok(Field(T::from_pg(PgField::new(ty, raw))))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use bytes::BytesMut;

    use super::super::{encode_numeric, DAY_MICROS, PG_EPOCH_DAYS};
    use super::*;

    /// Every value a column of each type can send, NULL and malformed bytes
    /// included.
    #[cfg(all(
        feature = "chrono",
        feature = "uuid",
        feature = "rust_decimal",
        feature = "serde_json"
    ))]
    fn wire_values() -> Vec<(Type, Option<Vec<u8>>)> {
        let mut values: Vec<(Type, Option<Vec<u8>>)> = Vec::new();
        let mut add = |ty: &Type, raw: Vec<u8>| values.push((ty.clone(), Some(raw)));
        for i in [i16::MIN, -1, 0, 1, 2, 255, 256, i16::MAX] {
            add(&Type::INT2, i.to_be_bytes().to_vec());
        }
        for i in [i32::MIN, -70_000, -1, 0, 1, 70_000, i32::MAX] {
            add(&Type::INT4, i.to_be_bytes().to_vec());
        }
        for i in [
            i64::MIN,
            -(1 << 53) - 1,
            -1,
            0,
            1,
            3_000_000_000,
            1 << 53,
            (1 << 53) + 1,
            i64::MAX,
        ] {
            add(&Type::INT8, i.to_be_bytes().to_vec());
        }
        add(&Type::OID, u32::MAX.to_be_bytes().to_vec());
        for raw in [vec![0], vec![1], vec![2], vec![], vec![0, 1]] {
            add(&Type::BOOL, raw);
        }
        for f in [
            0.0,
            -0.0,
            1.5,
            -2.25e300,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE,
        ] {
            add(&Type::FLOAT8, f.to_be_bytes().to_vec());
        }
        for f in [0.1f32, -3.5, f32::NAN, f32::NEG_INFINITY] {
            add(&Type::FLOAT4, f.to_be_bytes().to_vec());
        }
        for ty in [
            &Type::TEXT,
            &Type::VARCHAR,
            &Type::BPCHAR,
            &Type::NAME,
            &Type::JSON,
        ] {
            for text in ["", "abc", "12", "true", "2026-11-30", "{\"a\": 1}", "é"] {
                add(ty, text.as_bytes().to_vec());
            }
            add(ty, vec![0xff, 0xfe]);
        }
        add(
            &Type::JSONB,
            b"\x01{\"n\": 123456789012345678901234567890}".to_vec(),
        );
        add(&Type::JSONB, b"\x02{}".to_vec());
        add(&Type::UNKNOWN, b"abc".to_vec());
        // An enum: a type of the database's own, text on the wire.
        let mood = Type::new(
            "mood".to_owned(),
            90_001,
            postgres::types::Kind::Enum(vec!["happy".to_owned()]),
            "public".to_owned(),
        );
        add(&mood, b"happy".to_vec());
        add(&mood, vec![0xff]);
        add(&Type::BYTEA, vec![]);
        add(&Type::BYTEA, vec![0, 1, 0xff]);
        for text in [
            "0",
            "-12.50",
            "99999999999999999999.99",
            "1e30",
            "NaN",
            "0.000001",
        ] {
            let mut out = BytesMut::new();
            encode_numeric(text, &mut out).unwrap();
            add(&Type::NUMERIC, out.to_vec());
        }
        add(&Type::NUMERIC, vec![0, 1]);
        // Days from 2000-01-01: year 1, 1969-12-31, 2000-01-01, year 9999,
        // year 10000, year 0, the extremes.
        for days in [
            -730_119,
            -730_120,
            -10_958,
            0,
            2_921_939,
            2_921_940,
            -800_000,
            i32::MIN,
            i32::MAX,
        ] {
            add(&Type::DATE, days.to_be_bytes().to_vec());
        }
        add(&Type::DATE, vec![0]);
        for micros in [0i64, 1, 36_000_000_001, DAY_MICROS - 1, DAY_MICROS, -1] {
            add(&Type::TIME, micros.to_be_bytes().to_vec());
        }
        for ty in [&Type::TIMESTAMP, &Type::TIMESTAMPTZ] {
            for micros in [
                0i64,
                -1,
                -1_500_000,
                -PG_EPOCH_DAYS * DAY_MICROS - 1,
                -730_119 * DAY_MICROS,
                -730_119 * DAY_MICROS - 1,
                2_921_940 * DAY_MICROS - 1,
                2_921_940 * DAY_MICROS,
                i64::MIN,
                i64::MAX,
                i64::MIN + 1,
                i64::MAX - 1,
            ] {
                add(ty, micros.to_be_bytes().to_vec());
            }
            add(ty, vec![1, 2, 3]);
        }
        add(&Type::UUID, (0u8..16).collect());
        add(&Type::UUID, vec![0xab; 15]);
        add(&Type::INTERVAL, vec![0; 16]);
        for ty in [
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::BOOL,
            Type::FLOAT8,
            Type::TEXT,
            Type::BYTEA,
            Type::NUMERIC,
            Type::DATE,
            Type::TIME,
            Type::TIMESTAMP,
            Type::TIMESTAMPTZ,
            Type::UUID,
            Type::JSONB,
        ] {
            values.push((ty, None));
        }
        values
    }

    /// The direct reads of `FromColumn::from_pg` accept exactly the values,
    /// with the same results and the same errors, as the way through the
    /// stored form (`decode`, then `from_column`).
    #[cfg(all(
        feature = "chrono",
        feature = "uuid",
        feature = "rust_decimal",
        feature = "serde_json"
    ))]
    #[test]
    fn direct_reads_match_the_stored_form() {
        use crate::types::{DateTime, Decimal, NaiveDate, NaiveDateTime, NaiveTime, Utc, Uuid};

        fn same<T: FromColumn + std::fmt::Debug>(ty: &Type, raw: Option<&[u8]>) -> bool {
            let field = PgField::new(ty, raw);
            let direct = T::from_pg(field);
            let through = field.decode().and_then(T::from_column);
            // Debug text: NaN equals itself there.
            let (direct, through) = (format!("{direct:?}"), format!("{through:?}"));
            assert_eq!(
                direct,
                through,
                "{ty} {raw:?} as {}",
                std::any::type_name::<T>()
            );
            direct.starts_with("Ok")
        }

        macro_rules! check {
            ($ty:expr, $raw:expr, $accepted:ident, $($t:ty),*) => {$(
                $accepted += usize::from(same::<$t>($ty, $raw));
                same::<Option<$t>>($ty, $raw);
            )*};
        }
        let mut accepted = 0;
        for (ty, raw) in wire_values() {
            let raw = raw.as_deref();
            check!(
                &ty,
                raw,
                accepted,
                i8,
                i16,
                i32,
                i64,
                u8,
                u16,
                u32,
                bool,
                f64,
                String,
                Vec<u8>,
                NaiveDate,
                NaiveTime,
                NaiveDateTime,
                DateTime<Utc>,
                Uuid,
                Decimal,
                serde_json::Value
            );
        }
        // Not only errors compared.
        assert!(accepted > 200, "{accepted}");
    }
}
