//! Diagnostics for a spec that is not valid TOML: the parser's message with the
//! line it points at, and for a duplicate key both places it is written.

use crate::diagnostics::{Diagnostic, Span};

pub(super) fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

const TOML_HELP: &str = "the spec must be valid TOML; see https://toml.io for the syntax";

pub(super) fn syntax_error(source: &str, message: &str, span: Span) -> Diagnostic {
    let rest_of_line = source
        .get(span.start..)
        .and_then(|rest| rest.lines().next())
        .unwrap_or("");
    let before = source.get(..span.start).unwrap_or("");
    let line_before = before.rsplit('\n').next().unwrap_or("");
    // toml reports `key =` with nothing after it as an unquoted string.
    if line_before.trim_end().ends_with('=')
        && (rest_of_line.trim().is_empty() || rest_of_line.trim_start().starts_with('#'))
    {
        // The key is the last one on the line: `a` in `id = { a =`.
        let key = line_before
            .trim_end()
            .trim_end_matches('=')
            .rsplit(['{', ','])
            .next()
            .unwrap_or("")
            .trim();
        return Diagnostic::error(
            format!("invalid TOML: `{key}` has no value"),
            span,
            "expected a value after `=`",
        )
        .with_help(format!(
            "write a value, for example `{key} = \"...\"`, or remove the line"
        ));
    }
    let mut diagnostic =
        Diagnostic::error(format!("invalid TOML: {message}"), span.clone(), "here");
    if message.starts_with("string values must be quoted") {
        let word = source.get(span).unwrap_or("").trim();
        if !word.is_empty() {
            return diagnostic
                .with_help(format!("put the text in quotes: `\"{word}\"`"))
                .with_note(TOML_HELP);
        }
    }
    diagnostic = diagnostic.with_help(TOML_HELP);
    diagnostic
}

/// The diagnostic for toml's bare "duplicate key", naming what was declared twice and
/// where it was first; plus the span of the repeated section when a whole table header
/// was repeated.
/// `lines` is [`toml_lines`] of `source`, computed once for all duplicates.
pub(super) fn duplicate_key(
    source: &str,
    lines: &[TomlLine],
    span: Span,
) -> (Diagnostic, Option<Span>) {
    let here = lines
        .iter()
        .rposition(|line| line.start <= span.start)
        .unwrap_or(0);
    let key_text = unquote(source.get(span.clone()).unwrap_or("").trim());
    let note = "TOML allows each key, and each `[table]` header, only once";
    let Some(line) = lines.get(here) else {
        return (
            Diagnostic::error("invalid TOML: duplicate key", span, "declared again here")
                .with_note(note),
            None,
        );
    };
    if let Some(header) = &line.header {
        let first = lines[..here]
            .iter()
            .find(|l| l.header.as_ref() == Some(header) && !l.array);
        let section_end = lines[here + 1..]
            .iter()
            .find(|l| l.header.is_some())
            .map_or(source.len(), |l| l.start);
        let (message, help) = match header.as_slice() {
            [models, name] if models == "models" => (
                format!("model `{name}` is declared twice"),
                format!("give the second model another name, or merge the two `[models.{name}]` tables into one"),
            ),
            _ => (
                format!("table `[{}]` is declared twice", header.join(".")),
                format!("merge the two `[{}]` tables into one", header.join(".")),
            ),
        };
        let mut d = Diagnostic::error(message, span, "declared again here");
        if let Some(first) = first {
            d = d.with_secondary(first.text_span.clone(), "first declared here");
        }
        return (
            d.with_help(help).with_note(note),
            Some(line.start..section_end),
        );
    }
    // A key inside a section: its full path is the section's, the line's dotted key,
    // and (inside an inline table) the key itself.
    let section: Vec<String> = lines[..here]
        .iter()
        .rev()
        .find_map(|l| l.header.clone())
        .unwrap_or_default();
    let in_line_key = line
        .key_span
        .as_ref()
        .is_some_and(|k| k.contains(&span.start));
    let mut path = section.clone();
    path.extend(line.key.iter().cloned());
    let first = if in_line_key {
        let section_start = lines[..here]
            .iter()
            .rposition(|l| l.header.is_some())
            .map_or(0, |i| i + 1);
        lines[section_start..here]
            .iter()
            .find(|l| l.header.is_none() && l.key == line.key)
            .and_then(|l| l.key_span.clone())
    } else {
        path.push(key_text.clone());
        find_inline_key(source, line.start..span.start, &key_text)
    };
    let (message, help) = match path
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["models", name] => (
            format!("model `{name}` is declared twice"),
            "give the second model another name, or remove it".to_owned(),
        ),
        ["models", model, "columns", column] => (
            format!("column `{column}` is declared twice in model `{model}`"),
            "remove one of them, or rename it".to_owned(),
        ),
        ["models", model, "relationships", relationship] => (
            format!("relationship `{relationship}` is declared twice in model `{model}`"),
            "remove one of them, or rename it".to_owned(),
        ),
        ["models", model, "columns", column, key] => (
            format!("key `{key}` is set twice in column `{model}.{column}`"),
            "keep one of the two".to_owned(),
        ),
        ["models", model, "relationships", relationship, key] => (
            format!("key `{key}` is set twice in relationship `{model}.{relationship}`"),
            "keep one of the two".to_owned(),
        ),
        ["models", model, key] => (
            format!("key `{key}` is set twice in model `{model}`"),
            "keep one of the two".to_owned(),
        ),
        _ => (
            format!("key `{}` is set twice", path.join(".")),
            "keep one of the two".to_owned(),
        ),
    };
    let mut d = Diagnostic::error(message, span, "declared again here");
    if let Some(first) = first {
        d = d.with_secondary(first, "first declared here");
    }
    (d.with_help(help).with_note(note), None)
}

/// One line of a TOML file as far as locating keys needs: its table header, or the
/// dotted key before its `=`. Multi-line strings are not tracked; this only improves
/// messages, it never decides whether the spec is valid.
pub(super) struct TomlLine {
    start: usize,
    header: Option<Vec<String>>,
    array: bool,
    /// The trimmed text of a header line.
    text_span: Span,
    key: Vec<String>,
    key_span: Option<Span>,
}

pub(super) fn toml_lines(source: &str) -> Vec<TomlLine> {
    let mut lines = Vec::new();
    let mut start = 0;
    for raw in source.split_inclusive('\n') {
        let text = raw.trim_end();
        let indent = text.len() - text.trim_start().len();
        let trimmed = text.trim_start();
        let mut line = TomlLine {
            start,
            header: None,
            array: false,
            text_span: start + indent..start + text.len(),
            key: Vec::new(),
            key_span: None,
        };
        if let Some(inner) = trimmed.strip_prefix('[') {
            let array = inner.starts_with('[');
            let inner = inner.trim_start_matches('[');
            let close = outside_quotes(inner, ']').unwrap_or(inner.len());
            line.header = Some(split_dotted(&inner[..close]));
            line.array = array;
            line.text_span = start + indent..start + indent + close + if array { 4 } else { 2 };
        } else if !trimmed.starts_with('#') {
            if let Some(eq) = outside_quotes(trimmed, '=') {
                let key = trimmed[..eq].trim_end();
                line.key = split_dotted(key);
                line.key_span = Some(start + indent..start + indent + key.len());
            }
        }
        lines.push(line);
        start += raw.len();
    }
    lines
}

/// The position of `wanted` in `text`, skipping quoted parts.
fn outside_quotes(text: &str, wanted: char) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == wanted => return Some(i),
            None => {}
        }
    }
    None
}

fn split_dotted(key: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = key;
    while let Some(dot) = outside_quotes(rest, '.') {
        parts.push(unquote(rest[..dot].trim()));
        rest = &rest[dot + 1..];
    }
    parts.push(unquote(rest.trim()));
    parts
}

fn unquote(key: &str) -> String {
    key.strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key)
        .to_owned()
}

/// The span of `key =` in `range` of an inline table, its first definition.
fn find_inline_key(source: &str, range: Span, key: &str) -> Option<Span> {
    // An empty key (`"" = 1`) matches everywhere and would never advance.
    if key.is_empty() {
        return None;
    }
    let text = source.get(range.clone())?;
    let mut from = 0;
    while let Some(found) = text[from..].find(key) {
        let at = from + found;
        let before = text[..at].trim_end().chars().last();
        let after = text[at + key.len()..].trim_start();
        if matches!(before, Some('{' | ',')) && after.starts_with('=') {
            return Some(range.start + at..range.start + at + key.len());
        }
        from = at + key.len();
    }
    None
}
