//! `numeric(p, s)` columns: [`Decimal`].

use std::fmt::{self, Formatter};
use std::str::FromStr;

use crate::repr::Repr;

use super::*;

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

    /// PostgreSQL's `NUMERIC` keeps every digit: the exact text.
    fn to_native(&self) -> Result<ColumnValue<'_>, ColumnError> {
        Ok(ColumnValue::Text(Cow::Owned(self.to_string())))
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

impl Repr for Decimal {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "Decimal('{self}')")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
