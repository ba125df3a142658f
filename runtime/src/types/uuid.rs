//! `uuid` columns: [`Uuid`].

use std::fmt::{self, Formatter};

use crate::repr::Repr;

use super::*;

/// A random (version 4) UUID: `default_factory = "uuid4"`.
pub fn uuid4() -> Uuid {
    Uuid::new_v4()
}

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

    #[cfg(feature = "postgres")]
    fn from_pg(field: PgField<'_>) -> Result<Self, ColumnError> {
        match field.uuid() {
            Some(bytes) => Ok(Uuid::from_bytes(bytes)),
            None => Self::from_column(field.decode()?),
        }
    }
}

impl Repr for Uuid {
    fn fmt_repr(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "UUID('{}')", self.hyphenated())
    }
}
