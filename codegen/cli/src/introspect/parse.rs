//! The `CREATE TABLE` text: a small tokenizer and parser for what the PRAGMAs do
//! not say (constraint names and order, CHECK constraints, AUTOINCREMENT, table
//! options), and the token-level helpers the migration planner uses.

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// A word or a quoted identifier: its text, and whether it was quoted.
    Name(String, bool),
    /// A string literal (its content).
    Str(String),
    /// Any other character.
    Punct(char),
    /// A number.
    Number(String),
}

/// A token with its byte range in the statement.
type Spanned = (Token, std::ops::Range<usize>);

fn tokenize(sql: &str) -> Vec<Spanned> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(bytes.len());
        } else if c == b'"' || c == b'`' || c == b'\'' || c == b'[' {
            let close = if c == b'[' { b']' } else { c };
            let mut text = Vec::new();
            i += 1;
            while i < bytes.len() {
                if bytes[i] == close {
                    if close != b']' && bytes.get(i + 1) == Some(&close) {
                        text.push(close);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                text.push(bytes[i]);
                i += 1;
            }
            let text = String::from_utf8_lossy(&text).into_owned();
            let token = if c == b'\'' {
                Token::Str(text)
            } else {
                Token::Name(text, true)
            };
            tokens.push((token, start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 || c == b'$' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'$'
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
            tokens.push((Token::Name(sql[start..i].to_owned(), false), start..i));
        } else if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                i += 1;
            }
            tokens.push((Token::Number(sql[start..i].to_owned()), start..i));
        } else {
            // Multi-byte characters only occur inside names and strings, handled above.
            tokens.push((Token::Punct(c as char), start..i + 1));
            i += 1;
        }
    }
    tokens
}

fn keyword(token: Option<&Spanned>, word: &str) -> bool {
    matches!(token, Some((Token::Name(text, false), _)) if text.eq_ignore_ascii_case(word))
}

fn name_of(token: Option<&Spanned>) -> Option<String> {
    match token {
        Some((Token::Name(text, _), _)) | Some((Token::Str(text), _)) => Some(text.clone()),
        _ => None,
    }
}

/// What the `CREATE TABLE` text says beyond the PRAGMAs.
#[derive(Debug, Default)]
pub(super) struct ParsedTable {
    pub(super) columns: Vec<ParsedColumn>,
    pub(super) items: Vec<Item>,
    pub(super) primary_key_inline: bool,
    pub(super) primary_key_name: Option<String>,
    pub(super) autoincrement: bool,
    pub(super) options: Vec<String>,
}

#[derive(Debug)]
pub(super) struct ParsedColumn {
    pub(super) name: String,
    pub(super) collate: Option<String>,
}

#[derive(Debug)]
pub(super) enum Item {
    PrimaryKey {
        inline: bool,
    },
    Unique {
        name: Option<String>,
        columns: Vec<String>,
        inline: bool,
    },
    Check {
        name: Option<String>,
        sql: String,
        inline: bool,
    },
    ForeignKey {
        name: Option<String>,
        columns: Vec<String>,
        inline: bool,
        deferrable: bool,
    },
}

/// A `DEFERRABLE` (not `NOT DEFERRABLE`) among `tokens`.
fn deferrable(tokens: &[Spanned]) -> bool {
    tokens.iter().enumerate().any(|(i, t)| {
        keyword(Some(t), "DEFERRABLE") && !(i > 0 && keyword(tokens.get(i - 1), "NOT"))
    })
}

/// The parts of a definition list at nesting depth 0, split at commas.
fn split_top_level(tokens: &[Spanned]) -> Vec<&[Spanned]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, (token, _)) in tokens.iter().enumerate() {
        match token {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => depth = depth.saturating_sub(1),
            Token::Punct(',') if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < tokens.len() {
        parts.push(&tokens[start..]);
    }
    parts
}

/// The index of the `)` matching the `(` at `open`.
fn matching_paren(tokens: &[Spanned], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, (token, _)) in tokens.iter().enumerate().skip(open) {
        match token {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The names in a parenthesized list starting at `open` (`(a, b COLLATE x, c)`),
/// and the index after the `)`.
fn name_list(tokens: &[Spanned], open: usize) -> (Vec<String>, usize) {
    let Some(close) = matching_paren(tokens, open) else {
        return (Vec::new(), tokens.len());
    };
    let names = split_top_level(&tokens[open + 1..close])
        .into_iter()
        .filter_map(|part| name_of(part.first()))
        .collect();
    (names, close + 1)
}

fn source_between(sql: &str, tokens: &[Spanned], from: usize, to: usize) -> String {
    match (tokens.get(from), tokens.get(to.saturating_sub(1))) {
        (Some((_, a)), Some((_, b))) if from < to => sql[a.start..b.end].to_owned(),
        _ => String::new(),
    }
}

const COLUMN_CONSTRAINT_WORDS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

pub(super) fn parse_create_table(sql: &str) -> ParsedTable {
    let tokens = tokenize(sql);
    let mut parsed = ParsedTable::default();
    let Some(open) = tokens
        .iter()
        .position(|(t, _)| matches!(t, Token::Punct('(')))
    else {
        return parsed;
    };
    let Some(close) = matching_paren(&tokens, open) else {
        return parsed;
    };
    for word in &tokens[close + 1..] {
        if let (Token::Name(text, false), _) = word {
            parsed.options.push(text.to_uppercase());
        }
    }
    for part in split_top_level(&tokens[open + 1..close]) {
        let first_is = |word: &str| keyword(part.first(), word);
        let is_constraint = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|w| first_is(w));
        if is_constraint {
            table_constraint(sql, part, &mut parsed);
        } else {
            column_definition(sql, part, &mut parsed);
        }
    }
    parsed
}

fn table_constraint(sql: &str, part: &[Spanned], parsed: &mut ParsedTable) {
    let mut i = 0;
    let mut name = None;
    if keyword(part.first(), "CONSTRAINT") {
        name = name_of(part.get(1));
        i = 2;
    }
    if keyword(part.get(i), "PRIMARY") {
        parsed.primary_key_name = name;
        parsed.items.push(Item::PrimaryKey { inline: false });
        if part.iter().any(|t| keyword(Some(t), "AUTOINCREMENT")) {
            parsed.autoincrement = true;
        }
    } else if keyword(part.get(i), "UNIQUE") {
        let (columns, _) = name_list(part, i + 1);
        parsed.items.push(Item::Unique {
            name,
            columns,
            inline: false,
        });
    } else if keyword(part.get(i), "CHECK") {
        let close = matching_paren(part, i + 1).unwrap_or(part.len());
        parsed.items.push(Item::Check {
            name,
            sql: source_between(sql, part, i + 2, close),
            inline: false,
        });
    } else if keyword(part.get(i), "FOREIGN") {
        let (columns, _) = name_list(part, i + 2);
        parsed.items.push(Item::ForeignKey {
            name,
            columns,
            inline: false,
            deferrable: deferrable(part),
        });
    }
}

fn column_definition(sql: &str, part: &[Spanned], parsed: &mut ParsedTable) {
    let Some(name) = name_of(part.first()) else {
        return;
    };
    let mut column = ParsedColumn {
        name: name.clone(),
        collate: None,
    };
    let mut i = 1;
    // Skip the type: everything up to the first constraint keyword.
    while i < part.len()
        && !COLUMN_CONSTRAINT_WORDS
            .iter()
            .any(|w| keyword(part.get(i), w))
    {
        if matches!(part[i].0, Token::Punct('(')) {
            i = matching_paren(part, i).map_or(part.len(), |c| c + 1);
        } else {
            i += 1;
        }
    }
    let mut constraint_name = None;
    while i < part.len() {
        if keyword(part.get(i), "CONSTRAINT") {
            constraint_name = name_of(part.get(i + 1));
            i += 2;
        } else if keyword(part.get(i), "PRIMARY") {
            parsed.primary_key_inline = true;
            parsed.primary_key_name = constraint_name.take();
            parsed.items.push(Item::PrimaryKey { inline: true });
            i += 2;
        } else if keyword(part.get(i), "AUTOINCREMENT") {
            parsed.autoincrement = true;
            i += 1;
        } else if keyword(part.get(i), "UNIQUE") {
            parsed.items.push(Item::Unique {
                name: constraint_name.take(),
                columns: vec![name.clone()],
                inline: true,
            });
            i += 1;
        } else if keyword(part.get(i), "CHECK") {
            let close = matching_paren(part, i + 1).unwrap_or(part.len());
            parsed.items.push(Item::Check {
                name: constraint_name.take(),
                sql: source_between(sql, part, i + 2, close),
                inline: true,
            });
            i = close + 1;
        } else if keyword(part.get(i), "REFERENCES") {
            // The clause runs to the next constraint of the column.
            let end = (i + 1..part.len())
                .find(|&j| {
                    [
                        "CONSTRAINT",
                        "PRIMARY",
                        "UNIQUE",
                        "CHECK",
                        "DEFAULT",
                        "COLLATE",
                        "NOT",
                        "NULL",
                    ]
                    .iter()
                    .any(|w| keyword(part.get(j), w))
                        && !keyword(part.get(j + 1), "DEFERRABLE")
                })
                .unwrap_or(part.len());
            parsed.items.push(Item::ForeignKey {
                name: constraint_name.take(),
                columns: vec![name.clone()],
                inline: true,
                deferrable: deferrable(&part[i..end]),
            });
            i += 2;
        } else if keyword(part.get(i), "COLLATE") {
            column.collate = name_of(part.get(i + 1));
            i += 2;
        } else if matches!(part[i].0, Token::Punct('(')) {
            i = matching_paren(part, i).map_or(part.len(), |c| c + 1);
        } else {
            i += 1;
        }
    }
    parsed.columns.push(column);
}

/// True when `sql` uses the name `name` (as a word or quoted identifier, ignoring
/// case): how a rebuild finds the views and triggers that refer to a table.
pub(crate) fn mentions(sql: &str, name: &str) -> bool {
    tokenize(sql)
        .iter()
        .any(|(token, _)| matches!(token, Token::Name(text, _) if text.eq_ignore_ascii_case(name)))
}

/// `CREATE TABLE <name> (...)` rewritten to create the table `new_name`.
pub(crate) fn rename_create_table(sql: &str, new_name: &str) -> Option<String> {
    let tokens = tokenize(sql);
    let (_, open) = tokens
        .iter()
        .find(|(t, _)| matches!(t, Token::Punct('(')))?;
    Some(format!("CREATE TABLE {new_name} {}", &sql[open.start..]))
}

/// The first `limit` tokens of `sql`, comments skipped: `Some((text, quoted))` for a
/// name or string (a keyword is an unquoted name), `None` for anything else. How
/// `migrate translate` tells a migration's statements apart.
pub(crate) fn leading_names(sql: &str, limit: usize) -> Vec<Option<(String, bool)>> {
    tokenize(sql)
        .into_iter()
        .take(limit)
        .map(|(token, _)| match token {
            Token::Name(text, quoted) => Some((text, quoted)),
            Token::Str(text) => Some((text, true)),
            Token::Punct(_) | Token::Number(_) => None,
        })
        .collect()
}

pub(crate) fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_constraints_in_order() {
        let parsed = parse_create_table(
            "CREATE TABLE \"a b\" (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, \
             x varchar(10) CONSTRAINT u1 UNIQUE CHECK (length(x) > 1) COLLATE NOCASE, \
             y int REFERENCES t(id), CONSTRAINT fk FOREIGN KEY (x, y) REFERENCES t (a, b), \
             CHECK ((y, x) != (1, 'a,b'))) WITHOUT ROWID",
        );
        assert!(parsed.autoincrement && parsed.primary_key_inline);
        assert_eq!(parsed.options, ["WITHOUT", "ROWID"]);
        assert_eq!(parsed.items.len(), 6);
        assert!(
            matches!(&parsed.items[4], Item::ForeignKey { name: Some(n), columns, inline: false, .. } if n == "fk" && columns.len() == 2)
        );
        assert!(
            matches!(&parsed.items[5], Item::Check { sql, .. } if sql == "(y, x) != (1, 'a,b')")
        );
        assert_eq!(parsed.columns[1].collate.as_deref(), Some("NOCASE"));
    }
}
