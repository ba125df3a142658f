//! The vocabulary that litemodel's generator (`litemodel-codegen`), its derive
//! (`litemodel-derive`) and its runtime (`litemodel`) share, defined once.
//!
//! It has no dependencies, so the build-time crates stay lean; the runtime
//! re-exports what its users need (`litemodel::Lazy`).

/// SQLAlchemy's loader strategies: how a relationship is loaded, as a spec's
/// `lazy = "..."` declares it.
///
/// ```
/// use litemodel_core::Lazy;
/// assert_eq!(Lazy::parse("selectin"), Some(Lazy::Selectin));
/// assert_eq!(Lazy::Selectin.as_str(), "selectin");
/// assert!(Lazy::Joined.is_eager());
/// assert!(Lazy::WriteOnly.is_query());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lazy {
    /// Loaded with one SELECT on first access (the default).
    #[default]
    Select,
    /// The accessor is a query, still open to `filter` and `order_by`.
    Dynamic,
    /// Loaded with its parent in the same statement (LEFT OUTER JOIN).
    Joined,
    /// Loaded for all parents at once with a second SELECT ... IN (...).
    Selectin,
    /// Reading it without loading it with the query is an error.
    Raise,
    /// Never loaded: reads as empty.
    Noload,
    /// Append/remove and an explicit query, never an implicit load.
    WriteOnly,
}

impl Lazy {
    /// Every strategy with its spec spelling, in documentation order.
    pub const ALL: [(&'static str, Lazy); 7] = [
        ("select", Lazy::Select),
        ("dynamic", Lazy::Dynamic),
        ("joined", Lazy::Joined),
        ("selectin", Lazy::Selectin),
        ("raise", Lazy::Raise),
        ("noload", Lazy::Noload),
        ("write_only", Lazy::WriteOnly),
    ];

    /// The strategy spelled `name` in a spec, if any.
    pub fn parse(name: &str) -> Option<Lazy> {
        Lazy::ALL
            .iter()
            .find(|(spelling, _)| *spelling == name)
            .map(|(_, lazy)| *lazy)
    }

    /// The spelling used in a spec.
    pub fn as_str(self) -> &'static str {
        match self {
            Lazy::Select => "select",
            Lazy::Dynamic => "dynamic",
            Lazy::Joined => "joined",
            Lazy::Selectin => "selectin",
            Lazy::Raise => "raise",
            Lazy::Noload => "noload",
            Lazy::WriteOnly => "write_only",
        }
    }

    /// Loaded together with its parent by the query.
    pub fn is_eager(self) -> bool {
        matches!(self, Lazy::Joined | Lazy::Selectin)
    }

    /// The accessor is a query (`dynamic`, `write_only`): the model keeps no
    /// related objects for it.
    pub fn is_query(self) -> bool {
        matches!(self, Lazy::Dynamic | Lazy::WriteOnly)
    }
}

/// The version and name of a migration file named `NNNN_name.sql`
/// (`0002_add_bio.sql` is version 2, `add_bio`), or `None` when the name does
/// not have that shape.
///
/// ```
/// assert_eq!(litemodel_core::migration_file_name("0002_add_bio.sql"), Some((2, "add_bio")));
/// assert_eq!(litemodel_core::migration_file_name("add_bio.sql"), None);
/// ```
pub fn migration_file_name(file_name: &str) -> Option<(i64, &str)> {
    let stem = file_name.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once('_')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some((digits.parse().ok()?, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_reads_back_from_its_spelling() {
        for (name, lazy) in Lazy::ALL {
            assert_eq!(lazy.as_str(), name);
            assert_eq!(Lazy::parse(name), Some(lazy));
        }
        assert_eq!(Lazy::parse("subquery"), None);
    }

    #[test]
    fn migration_file_names() {
        assert_eq!(
            migration_file_name("0001_initial.sql"),
            Some((1, "initial"))
        );
        assert_eq!(migration_file_name("12_a_b.sql"), Some((12, "a_b")));
        for bad in [
            "initial.sql",
            "_x.sql",
            "0001_.sql",
            "0001_x.txt",
            "x1_y.sql",
        ] {
            assert_eq!(migration_file_name(bad), None, "{bad}");
        }
        // Too many digits for a version: not a migration file name.
        assert_eq!(migration_file_name("99999999999999999999_x.sql"), None);
    }
}
