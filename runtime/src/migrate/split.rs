//! Splitting a migration section into its statements, so that a failing one can be
//! named: `;` ends a statement unless it is inside a string, a quoted identifier,
//! a comment or a dollar-quoted body (`$$ ... $$`, `$tag$ ... $tag$`).

/// The statements of `sql`, each without its `;`; statements that hold only
/// comments and white space are left out. The PostgreSQL runner runs a section
/// one statement at a time with it, to name the one that fails.
///
/// ```
/// let sql = "ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'a;b';\n-- done\n";
/// assert_eq!(litemodel::migrate::statements(sql), ["ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'a;b'"]);
/// ```
pub fn statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == quote {
                        if bytes.get(i + 1) == Some(&quote) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'$' => {
                let tag_end = bytes[i + 1..]
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .map(|n| i + 1 + n);
                match tag_end {
                    Some(end) if bytes[end] == b'$' && !bytes[i + 1].is_ascii_digit() => {
                        let tag = &sql[i..=end];
                        match sql[end + 1..].find(tag) {
                            Some(at) => i = end + 1 + at + tag.len(),
                            None => i = bytes.len(),
                        }
                    }
                    _ => i += 1,
                }
            }
            b';' => {
                push(&mut out, &sql[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < sql.len() {
        push(&mut out, &sql[start..]);
    }
    out
}

fn push<'a>(out: &mut Vec<&'a str>, statement: &'a str) {
    let statement = statement.trim();
    if !without_comments(statement).is_empty() {
        out.push(statement);
    }
}

/// `sql` after its leading comments and white space.
fn without_comments(mut sql: &str) -> &str {
    loop {
        sql = sql.trim_start();
        if let Some(rest) = sql.strip_prefix("--") {
            sql = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = sql.strip_prefix("/*") {
            sql = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return sql;
        }
    }
}

/// True for `BEGIN`, `COMMIT`, `ROLLBACK`, `END`, `ABORT`, `START TRANSACTION`:
/// a migration already runs in its own transaction.
pub(crate) fn is_transaction_control(statement: &str) -> bool {
    let first = without_comments(statement)
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "BEGIN" | "COMMIT" | "ROLLBACK" | "END" | "ABORT" | "START"
    )
}

/// `statement` on one line, cut after `max` characters.
pub(crate) fn one_line(statement: &str, max: usize) -> String {
    let flat = without_comments(statement)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match flat.char_indices().nth(max) {
        Some((at, _)) => format!("{} ...", &flat[..at]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_strings_comments_and_bodies() {
        let sql = "-- head\nCREATE TABLE a (x TEXT DEFAULT 'a;b');\n\
                   /* c; */ ALTER TABLE \"we;ird\" ADD COLUMN y INT;\n\
                   CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END $body$ LANGUAGE plpgsql;\n\
                   -- only a comment;\n";
        let list = statements(sql);
        assert_eq!(list.len(), 3, "{list:?}");
        assert!(list[0].ends_with("'a;b')"));
        assert!(list[1].contains("\"we;ird\""));
        assert!(list[2].ends_with("LANGUAGE plpgsql"));
        assert!(!is_transaction_control(list[2]));
        assert!(is_transaction_control("-- x\ncommit"));
        assert_eq!(one_line("-- c\nALTER  TABLE\n t", 8), "ALTER TA ...");
    }
}
