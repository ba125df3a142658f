//! Typed values of a spec table: strings, booleans, lists and nested tables, each
//! with its span, and unknown or misspelt keys reported once.

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostics::{did_you_mean, Diagnostic, Span};

use super::read::Reader;
use super::Sp;

/// A table whose keys were checked, with each misspelt key (`nulable`) standing in for
/// the key it was meant to be (`nullable`): the typo is reported once, and the rest of
/// the spec is read as intended instead of raising errors that only repeat it.
pub(super) struct Section<'t, 'i> {
    table: &'t DeTable<'i>,
    misspelt: Vec<(&'static str, &'t Spanned<DeValue<'i>>)>,
}

impl<'t, 'i> Section<'t, 'i> {
    pub(super) fn get(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table.get(key).or_else(|| {
            self.misspelt
                .iter()
                .find(|(meant, _)| *meant == key)
                .map(|(_, value)| *value)
        })
    }
}

impl Reader<'_> {
    /// Reports every key of `table` not in `allowed`, and reads a misspelt key as the
    /// one it was meant to be when that one is not also present.
    pub(super) fn check_keys<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        allowed: &'static [&'static str],
        place: &str,
    ) -> Section<'t, 'i> {
        let mut section = Section {
            table,
            misspelt: Vec::new(),
        };
        for (key, value) in table.iter() {
            let name = key.get_ref();
            if allowed.contains(&name.as_ref()) {
                continue;
            }
            let mut diagnostic = Diagnostic::error(
                format!("unknown key `{name}` {place}"),
                key.span(),
                "unknown key",
            );
            diagnostic = match did_you_mean(name, allowed.iter().copied()) {
                Some(suggestion) => {
                    let taken = table.get(suggestion).is_some()
                        || section.misspelt.iter().any(|(k, _)| *k == suggestion);
                    if !taken {
                        section.misspelt.push((suggestion, value));
                    }
                    diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                }
                None => diagnostic.with_note(format!(
                    "the keys allowed here are {}",
                    allowed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.diags.push(diagnostic);
        }
        section
    }

    pub(super) fn expect_table<'t, 'i>(
        &mut self,
        value: &'t Spanned<DeValue<'i>>,
        what: &str,
        help: &str,
    ) -> Option<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                self.diags.push(
                    Diagnostic::error(
                        format!("{what} must be a table, found {}", other.type_str()),
                        value.span(),
                        "expected a table",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    pub(super) fn string(&mut self, table: &Section<'_, '_>, key: &str) -> Option<Sp<String>> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Sp::new(s.to_string(), value.span())),
            other => {
                self.wrong_kind(key, "a string", other.type_str(), value.span());
                None
            }
        }
    }

    /// A boolean. A quoted `"true"`, or `"yes"`, `1` and the like, is an error that
    /// still reads as the boolean it was meant to be, so that nothing downstream
    /// reports the same mistake again (a "missing" primary key, say).
    pub(super) fn boolean(&mut self, table: &Section<'_, '_>, key: &str) -> Option<Sp<bool>> {
        let value = table.get(key)?;
        let meant = match value.get_ref() {
            DeValue::Boolean(b) => return Some(Sp::new(*b, value.span())),
            DeValue::String(s) => match s.to_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Some(true),
                "false" | "no" | "off" | "0" => Some(false),
                _ => None,
            },
            DeValue::Integer(i) => match i.as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            },
            _ => None,
        };
        let found = value.get_ref().type_str();
        match meant {
            Some(b) => {
                let quotes = if found == "string" {
                    ", without quotes"
                } else {
                    ""
                };
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` must be a boolean, found {found}"),
                        value.span(),
                        format!("{found}, not a boolean"),
                    )
                    .with_help(format!("write `{key} = {b}`{quotes}")),
                );
                Some(Sp::new(b, value.span()))
            }
            None => {
                self.wrong_kind(key, "a boolean (`true` or `false`)", found, value.span());
                None
            }
        }
    }

    pub(super) fn string_list(&mut self, table: &Section<'_, '_>, key: &str) -> Vec<Sp<String>> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::Array(items) => self.strings_of(key, items.iter()),
            DeValue::String(s) => {
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` must be an array of strings, found string"),
                        value.span(),
                        "expected an array",
                    )
                    .with_help(format!("write `{key} = [\"{s}\"]`")),
                );
                vec![Sp::new(s.to_string(), value.span())]
            }
            other => {
                self.wrong_kind(key, "an array of strings", other.type_str(), value.span());
                Vec::new()
            }
        }
    }

    pub(super) fn string_or_list(&mut self, table: &Section<'_, '_>, key: &str) -> Vec<Sp<String>> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::String(s) => vec![Sp::new(s.to_string(), value.span())],
            DeValue::Array(items) => self.strings_of(key, items.iter()),
            other => {
                self.wrong_kind(
                    key,
                    "a string or an array of strings",
                    other.type_str(),
                    value.span(),
                );
                Vec::new()
            }
        }
    }

    pub(super) fn strings_of<'a, 'i: 'a>(
        &mut self,
        key: &str,
        items: impl Iterator<Item = &'a Spanned<DeValue<'i>>>,
    ) -> Vec<Sp<String>> {
        let mut strings = Vec::new();
        for item in items {
            match item.get_ref() {
                DeValue::String(s) => strings.push(Sp::new(s.to_string(), item.span())),
                other => self.diags.push(Diagnostic::error(
                    format!(
                        "the items of `{key}` must be strings, found {}",
                        other.type_str()
                    ),
                    item.span(),
                    "expected a string",
                )),
            }
        }
        strings
    }

    pub(super) fn wrong_kind(&mut self, key: &str, expected: &str, found: &str, span: Span) {
        self.diags.push(Diagnostic::error(
            format!("`{key}` must be {expected}, found {found}"),
            span,
            format!("expected {expected}"),
        ));
    }
}
