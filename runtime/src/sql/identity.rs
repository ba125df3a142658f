//! The identity of a row of a table whose primary key is not one integer
//! column (an association object's `(follower_id, followed_id)`).
//!
//! The session knows every row by one `i64`. SQLite gives such a row its
//! `rowid`; PostgreSQL has none, so there the identity is computed by the
//! server from the key columns: when they are all `SMALLINT`/`INTEGER`
//! columns whose widths sum to at most 64 bits, their values packed side by
//! side, the first column in the high bits:
//!
//! ```text
//! (a INTEGER, b INTEGER):  (("a"::bigint << 32) | ("b"::bigint & 4294967295))
//! WHERE <identity> = $1:   "a" = ($1::bigint >> 32) AND "b" = (($1::bigint << 32) >> 32)
//! ```
//!
//! Two rows never share an identity (the packing is exact, never a hash);
//! any other key shape is refused on PostgreSQL (see [`refusal`]).
//!
//! A model carries its key in its `PRIMARY_KEY` (and first `COLUMNS` entry):
//! `rowid of "follows" ("follower_id" INTEGER, "followed_id" INTEGER)`, the
//! table and key columns quoted as SQL identifiers, each column followed by
//! its PostgreSQL type. The
//! descriptor travels wherever the runtime writes a model's key (filters,
//! orders, select lists, bulk writes), and the dialect writes it: `"rowid"`
//! on SQLite, the packing on PostgreSQL.

use std::borrow::Cow;

use super::{push_decimal, push_double_quoted, Dialect};

/// How a descriptor starts.
const PREFIX: &str = "rowid of ";

/// Written, on PostgreSQL, where the identity of a key that cannot be packed
/// would go; the connection refuses a statement holding it before sending it
/// (see [`refusal`]). Never valid SQL: a comment, then the descriptor.
pub(crate) const REFUSED_MARK: &str = "/*litemodel: no identity for key ";

/// Whether `column` is a descriptor (the identity of a composite key).
#[inline]
pub(crate) fn is_descriptor(column: &str) -> bool {
    column.starts_with(PREFIX)
}

/// One key column: its name and its PostgreSQL type as the model declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyPart<'a> {
    pub(crate) name: Cow<'a, str>,
    pub(crate) sql_type: &'a str,
}

/// The table and key columns of a descriptor; `None` when `column` is not
/// one (or is malformed).
pub(crate) fn parse(column: &str) -> Option<(Cow<'_, str>, Vec<KeyPart<'_>>)> {
    let (table, rest) = quoted(column.strip_prefix(PREFIX)?)?;
    let mut rest = rest.strip_prefix(" (")?.strip_suffix(')')?;
    let mut parts = Vec::new();
    loop {
        let (name, after) = quoted(rest)?;
        let after = after.strip_prefix(' ')?;
        // The type runs to the next ", " outside parentheses (`NUMERIC(10, 2)`).
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let sql_type = &after[..end];
        if sql_type.is_empty() {
            return None;
        }
        parts.push(KeyPart { name, sql_type });
        if end == after.len() {
            return Some((table, parts));
        }
        rest = after[end..].strip_prefix(", ")?;
    }
}

/// A `"quoted"` identifier at the start of `text` (quotes inside doubled),
/// and what follows it.
fn quoted(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let body = text.strip_prefix('"')?;
    let mut at = 0;
    let mut doubled = false;
    loop {
        let next = body[at..].find('"')? + at;
        if body[next + 1..].starts_with('"') {
            doubled = true;
            at = next + 2;
            continue;
        }
        let name = &body[..next];
        let name = if doubled {
            Cow::Owned(name.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(name)
        };
        return Some((name, &body[next + 1..]));
    }
}

/// The width in bits of an integer type that packs (`None`: it does not).
fn width(sql_type: &str) -> Option<u32> {
    match sql_type.to_ascii_uppercase().as_str() {
        "SMALLINT" | "INT2" | "SMALLSERIAL" => Some(16),
        "INTEGER" | "INT" | "INT4" | "SERIAL" => Some(32),
        // Alone only: with another column it takes more than 64 bits.
        "BIGINT" | "INT8" | "BIGSERIAL" => Some(64),
        _ => None,
    }
}

/// A packable key: each column with its width and how far it is shifted.
struct Packing<'a> {
    parts: Vec<(KeyPart<'a>, u32, u32)>,
}

impl<'a> Packing<'a> {
    fn of(parts: Vec<KeyPart<'a>>) -> Option<Self> {
        let mut widths = Vec::with_capacity(parts.len());
        for part in &parts {
            widths.push(width(part.sql_type)?);
        }
        let total: u32 = widths.iter().sum();
        if total > 64 || parts.is_empty() {
            return None;
        }
        let mut shift = total;
        let parts = parts
            .into_iter()
            .zip(widths)
            .map(|(part, width)| {
                shift -= width;
                (part, width, shift)
            })
            .collect();
        Some(Packing { parts })
    }
}

/// Why the key of `descriptor` has no identity on an engine without rowid;
/// `None` when it packs (or is not a descriptor).
#[cfg(any(feature = "postgres", test))]
pub(crate) fn refusal(descriptor: &str) -> Option<String> {
    let (table, parts) = parse(descriptor)?;
    let columns: Vec<String> = parts
        .iter()
        .map(|p| format!("{} {}", p.name, p.sql_type))
        .collect();
    let columns = columns.join(", ");
    let not_integer: Vec<&str> = parts
        .iter()
        .filter(|p| width(p.sql_type).is_none())
        .map(|p| p.name.as_ref())
        .collect();
    let why = if !not_integer.is_empty() {
        format!(
            "{} {} not an integer column",
            not_integer.join(", "),
            if not_integer.len() == 1 { "is" } else { "are" }
        )
    } else {
        let total: u32 = parts.iter().filter_map(|p| width(p.sql_type)).sum();
        if total <= 64 {
            return None;
        }
        format!("its columns take {total} bits")
    };
    Some(format!(
        "`{table}` has the primary key ({columns}), which does not pack into one 64-bit \
         integer: {why}. On PostgreSQL the session identifies such a row by its key \
         columns packed side by side, exactly, which takes SMALLINT, INTEGER or BIGINT \
         columns of at most 64 bits together (give the table an integer `id` key)"
    ))
}

/// Appends the identity of `descriptor`: `"rowid"` where the engine has
/// rowids, otherwise its packed key columns (each written after `qualifier`,
/// an alias or quoted table and its dot, or nothing).
pub(crate) fn push_identity<D: Dialect + ?Sized>(
    d: &D,
    out: &mut String,
    qualifier: &str,
    descriptor: &str,
) {
    if d.has_rowid() {
        out.push_str(qualifier);
        push_double_quoted(out, "rowid");
        return;
    }
    let Some(packing) = parse(descriptor).and_then(|(_, parts)| Packing::of(parts)) else {
        refused(out, descriptor);
        return;
    };
    if packing.parts.len() > 1 {
        out.push('(');
    }
    for (i, (part, width, shift)) in packing.parts.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        let mut term = String::from(qualifier);
        push_double_quoted(&mut term, &part.name);
        term.push_str("::bigint");
        if i > 0 {
            // (Only the first column can be 64 bits wide.) The column's bits only: a negative value's sign stays out of
            // the columns before it (the first column's sign is the identity's).
            term.insert(0, '(');
            term.push_str(" & ");
            push_decimal(&mut term, (1u64 << width) - 1);
            term.push(')');
        }
        if *shift > 0 {
            term.insert(0, '(');
            term.push_str(" << ");
            push_decimal(&mut term, u64::from(*shift));
            term.push(')');
        }
        out.push_str(&term);
    }
    if packing.parts.len() > 1 {
        out.push(')');
    }
}

/// Appends the condition "the row's identity is parameter `index`": `"rowid"
/// = ?n` where the engine has rowids, otherwise one comparison per key column
/// with its bits taken out of the parameter (the key columns' indexes serve).
pub(crate) fn push_identity_match<D: Dialect + ?Sized>(
    d: &D,
    out: &mut String,
    qualifier: &str,
    descriptor: &str,
    index: usize,
) {
    let packing = (!d.has_rowid())
        .then(|| parse(descriptor).and_then(|(_, parts)| Packing::of(parts)))
        .flatten();
    let Some(packing) = packing else {
        push_identity(d, out, qualifier, descriptor);
        out.push_str(" = ");
        d.push_placeholder(out, index);
        return;
    };
    for (i, (part, width, shift)) in packing.parts.iter().enumerate() {
        if i > 0 {
            out.push_str(" AND ");
        }
        out.push_str(qualifier);
        push_double_quoted(out, &part.name);
        out.push_str(" = (");
        // `>>` on bigint is arithmetic: the field comes back with its sign.
        let left = 64 - shift - width;
        let param = |out: &mut String| {
            d.push_placeholder(out, index);
            out.push_str("::bigint");
        };
        if left == 0 {
            param(out);
            if *shift > 0 {
                out.push_str(" >> ");
                push_decimal(out, u64::from(*shift));
            }
        } else {
            out.push('(');
            param(out);
            out.push_str(" << ");
            push_decimal(out, u64::from(left));
            out.push_str(") >> ");
            push_decimal(out, u64::from(64 - width));
        }
        out.push(')');
    }
}

/// The key columns of `descriptor` in the order of the key (empty when it is
/// not a descriptor).
pub(crate) fn key_columns(descriptor: &str) -> Vec<String> {
    parse(descriptor)
        .map(|(_, parts)| parts)
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.name.into_owned())
        .collect()
}

fn refused(out: &mut String, descriptor: &str) {
    out.push_str(REFUSED_MARK);
    // A descriptor holding `*/` would end the comment early; the mark alone
    // still refuses the statement.
    out.push_str(&descriptor.replace("*/", "* /"));
    out.push_str("*/ \"rowid\"");
}

/// The descriptor a statement refused by [`REFUSED_MARK`] names.
#[cfg(any(feature = "postgres", test))]
pub(crate) fn refused_descriptor(sql: &str) -> Option<&str> {
    let at = sql.find(REFUSED_MARK)? + REFUSED_MARK.len();
    let rest = &sql[at..];
    rest.find("*/").map(|end| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{model_statements, Postgres, Sqlite, TableDef};

    const FOLLOWS: &str = r#"rowid of "follows" ("follower_id" INTEGER, "followed_id" INTEGER)"#;

    fn follows() -> TableDef<'static> {
        TableDef {
            table: "follows",
            columns: &[FOLLOWS, "follower_id", "followed_id", "since"],
            key: FOLLOWS,
        }
    }

    #[test]
    fn descriptors_parse_with_quotes_and_parenthesised_types() {
        let (table, parts) =
            parse(r#"rowid of "a""b" ("x""y" NUMERIC(10, 2), "z" INTEGER)"#).unwrap_or_default();
        assert_eq!(table, "a\"b");
        assert_eq!(
            parts,
            [
                KeyPart {
                    name: Cow::Borrowed("x\"y"),
                    sql_type: "NUMERIC(10, 2)"
                },
                KeyPart {
                    name: Cow::Borrowed("z"),
                    sql_type: "INTEGER"
                }
            ]
        );
        assert!(parse("rowid").is_none() && parse("id").is_none());
        assert!(!is_descriptor("rowid"));
    }

    #[test]
    fn two_integers_pack_into_the_high_and_low_halves() {
        let mut out = String::new();
        push_identity(&Postgres, &mut out, "", FOLLOWS);
        assert_eq!(
            out,
            r#"(("follower_id"::bigint << 32) | ("followed_id"::bigint & 4294967295))"#
        );
        let mut out = String::new();
        push_identity_match(&Postgres, &mut out, "anon_1.", FOLLOWS, 3);
        assert_eq!(
            out,
            r#"anon_1."follower_id" = ($3::bigint >> 32) AND anon_1."followed_id" = (($3::bigint << 32) >> 32)"#
        );
        let mut out = String::new();
        push_identity(&Sqlite, &mut out, "t.", FOLLOWS);
        assert_eq!(out, r#"t."rowid""#);
    }

    #[test]
    fn narrower_columns_pack_below_64_bits() {
        let key = r#"rowid of "t" ("a" SMALLINT, "b" SMALLINT, "c" INTEGER)"#;
        let mut out = String::new();
        push_identity(&Postgres, &mut out, "", key);
        assert_eq!(
            out,
            r#"(("a"::bigint << 48) | (("b"::bigint & 65535) << 32) | ("c"::bigint & 4294967295))"#
        );
        let mut out = String::new();
        push_identity_match(&Postgres, &mut out, "", key, 1);
        assert_eq!(
            out,
            r#""a" = ($1::bigint >> 48) AND "b" = (($1::bigint << 16) >> 48) AND "c" = (($1::bigint << 32) >> 32)"#
        );
        let lone = r#"rowid of "t" ("a" SMALLINT)"#;
        let mut out = String::new();
        push_identity_match(&Postgres, &mut out, "", lone, 1);
        assert_eq!(out, r#""a" = (($1::bigint << 48) >> 48)"#);
    }

    #[test]
    fn keys_that_do_not_pack_are_refused_with_their_reason() {
        let wide = r#"rowid of "pairs" ("a" BIGINT, "b" INTEGER)"#;
        let why = refusal(wide).unwrap_or_default();
        assert!(
            why.starts_with("`pairs` has the primary key (a BIGINT, b INTEGER)")
                && why.contains("its columns take 96 bits"),
            "{why}"
        );
        let text = r#"rowid of "tags" ("name" VARCHAR(64))"#;
        let why = refusal(text).unwrap_or_default();
        assert!(
            why.contains("integer: name is not an integer column."),
            "{why}"
        );
        assert_eq!(refusal(FOLLOWS), None);
        // The statement carries the mark; the connection refuses it.
        let mut out = String::new();
        push_identity(&Postgres, &mut out, "", wide);
        assert_eq!(refused_descriptor(&out), Some(wide));
    }

    #[test]
    fn model_statements_on_postgresql() {
        let sql = model_statements(&Postgres, follows(), &[]);
        let identity = r#"(("follower_id"::bigint << 32) | ("followed_id"::bigint & 4294967295))"#;
        let matches =
            r#""follower_id" = ($4::bigint >> 32) AND "followed_id" = (($4::bigint << 32) >> 32)"#;
        assert_eq!(
            sql.select,
            format!(r#"SELECT {identity}, "follower_id", "followed_id", "since" FROM "follows""#)
        );
        assert_eq!(
            sql.insert,
            format!(
                r#"INSERT INTO "follows" ("follower_id", "followed_id", "since") VALUES ($1, $2, $3) RETURNING {identity}"#
            )
        );
        assert_eq!(sql.insert_with_key, sql.insert);
        assert_eq!(
            sql.update,
            format!(
                r#"UPDATE "follows" SET "follower_id" = $1, "followed_id" = $2, "since" = $3 WHERE {matches} RETURNING {identity}"#
            )
        );
        assert_eq!(
            sql.delete,
            r#"DELETE FROM "follows" WHERE "follower_id" = ($1::bigint >> 32) AND "followed_id" = (($1::bigint << 32) >> 32)"#
        );
        // SQLite: the rowid, as before.
        let sql = model_statements(&Sqlite, follows(), &[]);
        assert_eq!(
            sql.select,
            r#"SELECT "rowid", "follower_id", "followed_id", "since" FROM "follows""#
        );
        assert_eq!(sql.delete, r#"DELETE FROM "follows" WHERE "rowid" = ?1"#);
        assert_eq!(
            sql.insert_with_key,
            r#"INSERT INTO "follows" ("follower_id", "followed_id", "since", "rowid") VALUES (?1, ?2, ?3, ?4)"#
        );
    }
}
