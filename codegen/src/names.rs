//! Naming rules shared by validation and the emitters: Rust identifiers, and
//! SQLAlchemy's SQLite quoting and naming conventions.

/// Rust keywords (strict and reserved, all editions).
const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be written as raw identifiers (`r#self` is not allowed).
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate"];

/// True when `name` is a Rust keyword (emitted as `r#name` where allowed).
pub fn is_rust_keyword(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name)
}

/// True when `name` is a keyword that has no raw-identifier form.
pub fn is_non_raw_keyword(name: &str) -> bool {
    NON_RAW_KEYWORDS.contains(&name)
}

/// True when `name` has the shape of a Rust identifier (keywords included).
pub fn is_identifier_shape(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first == '_' || first.is_alphabetic() => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The reserved words of SQLAlchemy's SQLite dialect: a name in this list is quoted.
const SQLITE_RESERVED: &[&str] = &[
    "add",
    "after",
    "all",
    "alter",
    "analyze",
    "and",
    "as",
    "asc",
    "attach",
    "autoincrement",
    "before",
    "begin",
    "between",
    "by",
    "cascade",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "commit",
    "conflict",
    "constraint",
    "create",
    "cross",
    "current_date",
    "current_time",
    "current_timestamp",
    "database",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "detach",
    "distinct",
    "drop",
    "each",
    "else",
    "end",
    "escape",
    "except",
    "exclusive",
    "exists",
    "explain",
    "fail",
    "false",
    "for",
    "foreign",
    "from",
    "full",
    "glob",
    "group",
    "having",
    "if",
    "ignore",
    "immediate",
    "in",
    "index",
    "indexed",
    "initially",
    "inner",
    "insert",
    "instead",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "left",
    "like",
    "limit",
    "match",
    "natural",
    "not",
    "notnull",
    "null",
    "of",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "plan",
    "pragma",
    "primary",
    "query",
    "raise",
    "references",
    "reindex",
    "rename",
    "replace",
    "restrict",
    "right",
    "rollback",
    "row",
    "select",
    "set",
    "table",
    "temp",
    "temporary",
    "then",
    "to",
    "transaction",
    "trigger",
    "true",
    "union",
    "unique",
    "update",
    "using",
    "vacuum",
    "values",
    "view",
    "virtual",
    "when",
    "where",
];

/// True when `name` is an SQL reserved word in SQLite.
pub fn is_sql_reserved(name: &str) -> bool {
    SQLITE_RESERVED.contains(&name.to_lowercase().as_str())
}

/// Quotes an SQL identifier the way SQLAlchemy does: only when it must (a reserved
/// word, upper case letters, a leading digit or `$`, or any character outside
/// `[A-Za-z0-9_$]`), so the DDL text matches SQLAlchemy's.
pub fn quote_sql_as_needed(name: &str) -> String {
    let needs_quotes = name.is_empty()
        || is_sql_reserved(name)
        || name.starts_with(|c: char| c.is_ascii_digit() || c == '$')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        || name.to_lowercase() != name;
    if needs_quotes {
        quote_sql(name)
    } else {
        name.to_owned()
    }
}

/// Always quotes an SQL identifier, doubling embedded quotes.
pub fn quote_sql(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// An SQL string literal, with embedded quotes doubled.
pub fn sql_string_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Flask-SQLAlchemy's default table name for a model: its name in snake case
/// (`UserRole` becomes `user_role`).
pub fn default_table_name(model: &str) -> String {
    heck::ToSnakeCase::to_snake_case(model)
}

/// SQLAlchemy's name for the index of an `index = true` column: `ix_<table>_<column>`.
pub fn column_index_name(table: &str, column: &str) -> String {
    format!("ix_{table}_{column}")
}

/// The longest identifier PostgreSQL keeps, in bytes (`NAMEDATALEN - 1`); it cuts
/// longer ones, so two names that differ only after byte 63 become one.
pub const POSTGRES_MAX_NAME_BYTES: usize = 63;

/// The name PostgreSQL gives a constraint created without one, as its
/// `ChooseConstraintName` makes it: `<table>_<columns>_<label>` (`label` is
/// `pkey`, `key`, `fkey` or `check`; the columns joined by `_`, and for a
/// primary key none), cut to [`POSTGRES_MAX_NAME_BYTES`] the way
/// `makeObjectName` cuts it: the longer of the table and the columns part loses
/// a byte at a time until both fit, each then clipped to a whole character.
/// SQLAlchemy names none of these constraints, so these are the names a
/// SQLAlchemy database has. (PostgreSQL adds a number when the name is taken
/// already; two constraints of one table that cut to the same name are not
/// told apart here.)
pub fn postgres_constraint_name(table: &str, columns: &[&str], label: &str) -> String {
    // `ChooseIndexNameAddition`: the columns joined until the result reaches
    // NAMEDATALEN (64) bytes.
    let mut addition = String::new();
    for column in columns {
        if !addition.is_empty() {
            addition.push('_');
        }
        addition.push_str(column);
        if addition.len() > POSTGRES_MAX_NAME_BYTES {
            break;
        }
    }
    let has_addition = !columns.is_empty();
    let overhead = usize::from(has_addition) + label.len() + 1;
    let available = POSTGRES_MAX_NAME_BYTES.saturating_sub(overhead);
    let (mut table_bytes, mut addition_bytes) = (table.len(), addition.len());
    while table_bytes + addition_bytes > available {
        if table_bytes > addition_bytes {
            table_bytes -= 1;
        } else {
            addition_bytes -= 1;
        }
    }
    let mut name = String::with_capacity(POSTGRES_MAX_NAME_BYTES);
    name.push_str(clip(table, table_bytes));
    if has_addition {
        name.push('_');
        name.push_str(clip(&addition, addition_bytes));
    }
    name.push('_');
    name.push_str(label);
    name
}

/// The names PostgreSQL gives constraints created without one, in the order
/// it creates them: a name taken already in the schema gets a number after its
/// label (`..._fkey1`), as `ChooseConstraintName` does, which matters once
/// names are cut to 63 bytes and two tables share a long prefix.
#[derive(Debug, Default)]
pub struct PostgresConstraintNames {
    taken: std::collections::HashSet<String>,
}

impl PostgresConstraintNames {
    /// Records a name given in the spec.
    pub fn take(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// The name PostgreSQL gives the next unnamed constraint of `table` on
    /// `columns` (see [`postgres_constraint_name`]), recorded as taken.
    pub fn choose(&mut self, table: &str, columns: &[&str], label: &str) -> String {
        let mut name = postgres_constraint_name(table, columns, label);
        let mut pass = 0;
        while self.taken.contains(&name) {
            pass += 1;
            name = postgres_constraint_name(table, columns, &format!("{label}{pass}"));
        }
        self.taken.insert(name.clone());
        name
    }
}

/// The longest prefix of `text` of at most `bytes` bytes that ends on a
/// character boundary (PostgreSQL's `pg_mbcliplen`).
fn clip(text: &str, bytes: usize) -> &str {
    let mut end = bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The names SQLite gives a table's rowid. A column with one of them hides the rowid
/// under that name (case-insensitively).
pub const ROWID_NAMES: &[&str] = &["rowid", "oid", "_rowid_"];

/// True when `name` is one of SQLite's names for the rowid ([`ROWID_NAMES`]).
pub fn is_rowid_name(name: &str) -> bool {
    ROWID_NAMES.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// True when `name` starts with `sqlite_`, in any case: SQLite refuses to create a
/// table or index with such a name ("object name reserved for internal use").
pub fn has_reserved_sqlite_prefix(name: &str) -> bool {
    name.get(..7)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("sqlite_"))
}

/// The first control character of `name` (NUL, tab, newline, ...). SQLite takes all
/// but NUL in a quoted name (it ends the statement at a NUL, and PostgreSQL refuses
/// one); all are invisible in listings and messages.
pub fn control_char(name: &str) -> Option<char> {
    name.chars().find(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_names_are_cut_as_postgresql_cuts_them() {
        assert_eq!(
            postgres_constraint_name("posts", &["author_id"], "fkey"),
            "posts_author_id_fkey"
        );
        assert_eq!(postgres_constraint_name("posts", &[], "pkey"), "posts_pkey");
        assert_eq!(
            postgres_constraint_name("t", &["a", "b"], "key"),
            "t_a_b_key"
        );
        // The longer part loses bytes first, until both fit in 63 with `_fkey`
        // and the separating `_`.
        let table = "a".repeat(60);
        let name = postgres_constraint_name(&table, &["role_id"], "fkey");
        assert_eq!(name, format!("{}_role_id_fkey", "a".repeat(50)));
        assert_eq!(name.len(), 63);
        let column = "c".repeat(70);
        let name = postgres_constraint_name("users", &[&column], "fkey");
        assert_eq!(name, format!("users_{}_fkey", "c".repeat(52)));
        // Equal lengths: the columns part gives way.
        let name = postgres_constraint_name(&"t".repeat(40), &[&"c".repeat(40)], "fkey");
        assert_eq!(name, format!("{}_{}_fkey", "t".repeat(29), "c".repeat(28)));
        // A cut never splits a character.
        let name = postgres_constraint_name(&"é".repeat(40), &["id"], "pkey");
        assert!(name.len() <= 63 && name.ends_with("_id_pkey"), "{name}");
        assert_eq!(
            postgres_constraint_name(&"t".repeat(70), &[], "pkey"),
            format!("{}_pkey", "t".repeat(58))
        );
    }

    #[test]
    fn quoting_follows_sqlalchemy() {
        assert_eq!(quote_sql_as_needed("users"), "users");
        assert_eq!(quote_sql_as_needed("order"), "\"order\"");
        assert_eq!(quote_sql_as_needed("Default"), "\"Default\"");
        assert_eq!(quote_sql_as_needed("my col"), "\"my col\"");
        assert_eq!(quote_sql_as_needed("1st"), "\"1st\"");
        assert_eq!(quote_sql_as_needed("say\"hi"), "\"say\"\"hi\"");
        assert_eq!(quote_sql_as_needed("größe"), "\"größe\"");
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier_shape("username"));
        assert!(is_identifier_shape("_private"));
        assert!(is_identifier_shape("größe"));
        assert!(!is_identifier_shape("my col"));
        assert!(!is_identifier_shape("1st"));
        assert!(!is_identifier_shape("_"));
        assert!(is_rust_keyword("type"));
        assert!(is_non_raw_keyword("self"));
    }

    #[test]
    fn names_the_database_refuses() {
        assert!(has_reserved_sqlite_prefix("sqlite_stuff"));
        assert!(has_reserved_sqlite_prefix("SQLite_Stuff"));
        assert!(!has_reserved_sqlite_prefix("sqlite"));
        assert!(!has_reserved_sqlite_prefix("my_sqlite_stuff"));
        assert!(!has_reserved_sqlite_prefix("sqlit\u{e9}_x"));
        assert_eq!(control_char("x\u{0}y"), Some('\u{0}'));
        assert_eq!(control_char("a\nb"), Some('\n'));
        assert_eq!(control_char("größe \"x\""), None);
        assert!(is_rowid_name("ROWID") && is_rowid_name("oid") && is_rowid_name("_RowId_"));
        assert!(!is_rowid_name("row_id"));
    }

    #[test]
    fn table_names() {
        assert_eq!(default_table_name("User"), "user");
        assert_eq!(default_table_name("UserRole"), "user_role");
    }
}
