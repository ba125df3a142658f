//! The seam between the runtime and the SQL text of one database engine.
//!
//! Everything that differs between engines in the statements the runtime
//! writes (identifier quoting, parameter placeholders, how an INSERT hands
//! back the new key) goes through [`Dialect`]. SQLite is the only backend
//! today; a PostgreSQL one needs another implementation of this trait.

/// How one SQL engine spells identifiers, parameters and inserts.
///
/// The provided methods assemble whole statements from the two primitives, so
/// a new engine usually implements only those.
///
/// ```
/// use litemodel::dialect::{Dialect, Sqlite};
/// let sql = Sqlite.insert("users", &["username", "role_id"], Some("id"));
/// assert_eq!(sql, r#"INSERT INTO "users" ("username", "role_id") VALUES (?1, ?2) RETURNING "id""#);
/// ```
pub trait Dialect {
    /// Appends `ident` quoted as an identifier.
    fn push_identifier(&self, out: &mut String, ident: &str);

    /// Appends the placeholder of the `index`-th parameter (1-based).
    fn push_placeholder(&self, out: &mut String, index: usize);

    /// `INSERT INTO table (columns) VALUES (...)`, returning `returning` when
    /// given (the generated primary key).
    fn insert(&self, table: &str, columns: &[&str], returning: Option<&str>) -> String {
        let mut sql = String::from("INSERT INTO ");
        self.push_identifier(&mut sql, table);
        sql.push_str(" (");
        self.push_list(&mut sql, columns);
        sql.push_str(") VALUES (");
        for index in 1..=columns.len() {
            if index > 1 {
                sql.push_str(", ");
            }
            self.push_placeholder(&mut sql, index);
        }
        sql.push(')');
        if let Some(key) = returning {
            sql.push_str(" RETURNING ");
            self.push_identifier(&mut sql, key);
        }
        sql
    }

    /// `UPDATE table SET c1 = ?1, ... WHERE key = ?n`, the key bound last.
    fn update(&self, table: &str, columns: &[&str], key: &str) -> String {
        let mut sql = String::from("UPDATE ");
        self.push_identifier(&mut sql, table);
        sql.push_str(" SET ");
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            self.push_identifier(&mut sql, column);
            sql.push_str(" = ");
            self.push_placeholder(&mut sql, i + 1);
        }
        sql.push_str(" WHERE ");
        self.push_identifier(&mut sql, key);
        sql.push_str(" = ");
        self.push_placeholder(&mut sql, columns.len() + 1);
        sql
    }

    /// `DELETE FROM table WHERE key = ?1`.
    fn delete(&self, table: &str, key: &str) -> String {
        let mut sql = String::from("DELETE FROM ");
        self.push_identifier(&mut sql, table);
        sql.push_str(" WHERE ");
        self.push_identifier(&mut sql, key);
        sql.push_str(" = ");
        self.push_placeholder(&mut sql, 1);
        sql
    }

    /// `DROP TABLE IF EXISTS table`.
    fn drop_table(&self, table: &str) -> String {
        let mut sql = String::from("DROP TABLE IF EXISTS ");
        self.push_identifier(&mut sql, table);
        sql
    }

    /// Appends `columns` quoted and separated by commas.
    fn push_list(&self, out: &mut String, columns: &[&str]) {
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.push_identifier(out, column);
        }
    }
}

/// SQLite: `"double quoted"` identifiers, `?N` placeholders, `RETURNING`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn push_identifier(&self, out: &mut String, ident: &str) {
        out.push('"');
        if ident.contains('"') {
            out.push_str(&ident.replace('"', "\"\""));
        } else {
            out.push_str(ident);
        }
        out.push('"');
    }

    fn push_placeholder(&self, out: &mut String, index: usize) {
        out.push('?');
        push_decimal(out, index as u64);
    }
}

/// Appends `n` in decimal, without `fmt`'s machinery (queries write a few
/// numbers each, on every run).
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_embedded_quotes() {
        let mut out = String::new();
        Sqlite.push_identifier(&mut out, r#"we"ird"#);
        assert_eq!(out, r#""we""ird""#);
    }

    #[test]
    fn writes_numbers_in_decimal() {
        for n in [0, 7, 10, 99, 100, 12_345, u64::MAX] {
            let mut out = String::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string());
        }
        let mut out = String::new();
        Sqlite.push_placeholder(&mut out, 12);
        assert_eq!(out, "?12");
    }

    #[test]
    fn update_binds_key_last() {
        assert_eq!(
            Sqlite.update("roles", &["name"], "id"),
            r#"UPDATE "roles" SET "name" = ?1 WHERE "id" = ?2"#
        );
        assert_eq!(
            Sqlite.delete("roles", "id"),
            r#"DELETE FROM "roles" WHERE "id" = ?1"#
        );
    }
}
