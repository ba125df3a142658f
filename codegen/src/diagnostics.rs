//! Errors and warnings about a spec, collected while reading it and rendered once.
//!
//! Every stage pushes into one [`Diagnostics`]; the CLI, `build.rs` and the tests all
//! render it with [`Diagnostics::render`], so they show the same text.

use std::collections::BTreeMap;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files;
use codespan_reporting::term::{self, termcolor, Config};

/// Byte range in the spec text.
pub type Span = Range<usize>;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The spec cannot be used.
    Error,
    /// The spec works, but the user would want to know.
    Warning,
}

/// One error or warning, pointing into the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line, lowercase, saying what is wrong.
    pub message: String,
    /// Where it is wrong, with a short label.
    pub primary: Option<(Span, String)>,
    /// Other places that explain it ("first defined here").
    pub secondary: Vec<(Span, String)>,
    /// `help:` and `note:` lines: how to fix it.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            primary: Some((span, label.into())),
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message, span, label)
        }
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push((span, label.into()));
        self
    }

    /// Adds a `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    /// Adds a `note:` line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(format!("note: {}", note.into()));
        self
    }
}

/// All diagnostics about one spec file, with the text needed to render them.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    file_name: String,
    source: String,
    items: Vec<Diagnostic>,
    /// Errors counted but not kept (beyond what is rendered, where a hostile spec
    /// has millions).
    more_errors: usize,
}

impl Diagnostics {
    /// An empty list for the spec `file_name` with contents `source`.
    pub fn new(file_name: impl Into<String>, source: impl Into<String>) -> Self {
        Diagnostics {
            file_name: file_name.into(),
            source: source.into(),
            items: Vec::new(),
            more_errors: 0,
        }
    }

    /// Records a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Counts `n` more errors without keeping them: for a spec past
    /// [`Diagnostics::is_past_rendering`], whose further errors are never shown.
    pub fn count_more_errors(&mut self, n: usize) {
        self.more_errors += n;
    }

    /// How many diagnostics were recorded.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when as many diagnostics were recorded as [`Diagnostics::render`] shows:
    /// a further one is only counted, so the work of explaining it (suggestions,
    /// lists of names) can be skipped.
    pub fn is_past_rendering(&self) -> bool {
        self.items.len() >= MAX_RENDERED
    }

    /// All diagnostics, in the order they were found.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.more_errors
            + self
                .items
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count()
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() + self.more_errors - self.error_count()
    }

    /// True when at least one error was recorded.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.more_errors == 0
    }

    /// The spec's file name as shown in diagnostics.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Renders every diagnostic the way rustc does (file, line and column, the line
    /// with a caret, help), followed by a summary line when there are errors.
    pub fn render(&self, color: bool) -> String {
        let mut out = termcolor::Buffer::no_color();
        let mut colored = termcolor::Buffer::ansi();
        let writer = if color { &mut colored } else { &mut out };
        self.write_to(writer);
        String::from_utf8_lossy(writer.as_slice()).into_owned()
    }

    /// Writes the rendering of [`Diagnostics::render`] to a terminal stream.
    pub fn emit(&self, stream: &mut termcolor::StandardStream) {
        // Rendered into memory first: codespan-reporting writes in small pieces, and
        // an unbuffered stderr would make each one a system call.
        let mut buffer = if termcolor::WriteColor::supports_color(stream) {
            termcolor::Buffer::ansi()
        } else {
            termcolor::Buffer::no_color()
        };
        self.write_to(&mut buffer);
        let mut lock = stream.lock();
        let _ = std::io::Write::write_all(&mut lock, buffer.as_slice());
        let _ = std::io::Write::flush(&mut lock);
    }

    fn write_to(&self, writer: &mut dyn termcolor::WriteColor) {
        let config = Config {
            chars: term::Chars::ascii(),
            ..Config::default()
        };
        let line_starts: Vec<usize> = files::line_starts(&self.source).collect();
        for diagnostic in self.items.iter().take(MAX_RENDERED) {
            let excerpt = Excerpt::new(
                &self.file_name,
                &self.source,
                &line_starts,
                &config,
                diagnostic,
            );
            let report = excerpt.report(diagnostic);
            if term::emit_to_write_style(&mut *writer, &config, &excerpt, &report).is_err() {
                // The span did not fit the file (cannot happen for spans from the
                // parser); fall back to the bare message so nothing is lost.
                let _ = writeln!(
                    writer,
                    "{}: {}",
                    self.file_name,
                    bounded_text(&diagnostic.message)
                );
            }
        }
        let errors = self.error_count();
        let warnings = self.warning_count();
        let hidden = self.items.get(MAX_RENDERED..).unwrap_or_default();
        let hidden_errors = self.more_errors
            + hidden
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count();
        let hidden_warnings = hidden.len() + self.more_errors - hidden_errors;
        if hidden_errors + hidden_warnings > 0 {
            let mut parts = Vec::new();
            if hidden_errors > 0 {
                parts.push(plural(hidden_errors, "more error", "more errors"));
            }
            if hidden_warnings > 0 {
                parts.push(plural(hidden_warnings, "more warning", "more warnings"));
            }
            let _ = writeln!(
                writer,
                "... and {} (only the first {MAX_RENDERED} are shown)\n",
                parts.join(" and ")
            );
        }
        if errors > 0 {
            let noun = if errors == 1 { "error" } else { "errors" };
            let tail = match warnings {
                0 => String::new(),
                1 => "; 1 warning emitted".to_owned(),
                n => format!("; {n} warnings emitted"),
            };
            let _ = writeln!(
                writer,
                "error: could not use `{}` due to {errors} previous {noun}{tail}",
                self.file_name
            );
        }
    }
}

/// At most this many diagnostics are rendered; the rest are counted ("and 12 more
/// errors"), so a spec with thousands of mistakes prints a screenful, not megabytes.
pub const MAX_RENDERED: usize = 50;

/// [`did_you_mean`] compares a word with at most this many candidates.
pub const MAX_CANDIDATES: usize = 1000;

/// [`did_you_mean`] suggests nothing for a word or candidate longer than this.
const MAX_SUGGESTED_LEN: usize = 256;

/// A source line longer than this (in bytes) is shown cut around its labels, as
/// rustc does, with `...` where text was left out.
const MAX_LINE: usize = 120;

/// A name quoted in a message (`` `...` ``) longer than this (in characters) is
/// shortened to its start and end.
const MAX_QUOTED: usize = 100;

/// A message, label or note longer than this (in characters) is cut.
const MAX_TEXT: usize = 400;

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `text` with every backquoted part longer than [`MAX_QUOTED`] characters shortened
/// to its start, `...` and its end, and the whole cut at [`MAX_TEXT`] characters: a
/// message quotes names from the spec, and a hostile spec has 50 KB names.
pub fn bounded_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT + 8));
    let mut parts = text.split('`');
    let mut quoted = false;
    let mut first = true;
    for part in parts.by_ref() {
        if !first {
            out.push('`');
        }
        first = false;
        let count = part.chars().count();
        if quoted && count > MAX_QUOTED {
            let keep = MAX_QUOTED / 2 - 2;
            out.extend(part.chars().take(keep));
            out.push_str("...");
            out.extend(part.chars().skip(count - keep));
        } else {
            out.push_str(part);
        }
        quoted = !quoted;
        if out.len() > 4 * MAX_TEXT {
            break;
        }
    }
    if out.chars().count() > MAX_TEXT {
        let cut: String = out.chars().take(MAX_TEXT).collect();
        return format!("{cut}...");
    }
    out
}

/// The lines of the spec one diagnostic points at, each cut to a bounded window
/// around its labels: what codespan-reporting draws, with the original line and
/// column numbers. Building it costs the size of those windows, not of the spec.
struct Excerpt<'s> {
    name: &'s str,
    source: &'s str,
    text: String,
    lines: Vec<ExcerptLine>,
}

struct ExcerptLine {
    /// 1-based line number in the spec.
    number: usize,
    /// Byte offset of the line in the spec.
    source_start: usize,
    /// The line in `text`, with its newline.
    range: Range<usize>,
    /// The kept parts of the line: (offset in the spec, offset in `text`, length).
    kept: Vec<(usize, usize, usize)>,
}

impl<'s> Excerpt<'s> {
    fn new(
        name: &'s str,
        source: &'s str,
        line_starts: &[usize],
        config: &Config,
        diagnostic: &Diagnostic,
    ) -> Self {
        let line_of = |at: usize| line_starts.partition_point(|&s| s <= at).saturating_sub(1);
        // The lines codespan-reporting draws, each with the label ends on it: a label's
        // first and last line, and for a label over several lines the context lines
        // it draws after the first and before the last.
        let mut lines: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (span, _) in diagnostic.primary.iter().chain(&diagnostic.secondary) {
            let span = clamp(span, source);
            let (first, last) = (line_of(span.start), line_of(span.end));
            lines.entry(first).or_default().push(span.start);
            lines.entry(last).or_default().push(span.end);
            for context in (first + 1..=first + config.start_context_lines)
                .chain(last.saturating_sub(config.end_context_lines)..last)
                .filter(|l| (first + 1..last).contains(l))
            {
                lines.entry(context).or_default();
            }
        }
        // One line between two drawn lines is drawn too, rather than a break.
        let numbers: Vec<usize> = lines.keys().copied().collect();
        for pair in numbers.windows(2) {
            if pair[1] == pair[0] + 2 {
                lines.entry(pair[0] + 1).or_default();
            }
        }
        let mut excerpt = Excerpt {
            name,
            source,
            text: String::new(),
            lines: Vec::new(),
        };
        let mut previous: Option<usize> = None;
        for (line, mut points) in lines {
            if let Some(previous) = previous.filter(|&p| line > p + 1) {
                // Two lines never drawn keep codespan-reporting's break (`.`) between
                // lines that are not next to each other in the spec.
                excerpt.push_gap(previous + 2);
                excerpt.push_gap(previous + 3);
            }
            previous = Some(line);
            points.sort_unstable();
            points.dedup();
            let start = line_starts.get(line).copied().unwrap_or(0);
            let end = line_starts.get(line + 1).copied().unwrap_or(source.len());
            let content_end = if source[start..end].ends_with('\n') {
                end - 1
            } else {
                end
            };
            excerpt.push_line(line + 1, start..content_end, &points);
        }
        excerpt
    }

    /// An empty line standing for lines of the spec that are not shown. Its number
    /// (1-based) is never printed, but must not be 0: codespan-reporting measures
    /// the digits of every line a label spans.
    fn push_gap(&mut self, number: usize) {
        let start = self.text.len();
        self.text.push('\n');
        self.lines.push(ExcerptLine {
            number,
            source_start: 0,
            range: start..self.text.len(),
            kept: Vec::new(),
        });
    }

    fn push_line(&mut self, number: usize, line: Range<usize>, points: &[usize]) {
        let source = self.source;
        let text_start = self.text.len();
        let mut kept = Vec::new();
        if line.len() <= MAX_LINE {
            kept.push((line.start, text_start, line.len()));
            self.text.push_str(&source[line.clone()]);
        } else {
            let half = (MAX_LINE / (2 * points.len().max(1))).max(12);
            let mut windows: Vec<Range<usize>> = Vec::new();
            for &at in points {
                let from = floor_boundary(source, at.saturating_sub(half).max(line.start));
                let to = ceil_boundary(source, (at + half).min(line.end));
                match windows.last_mut() {
                    Some(last) if from <= last.end + 3 => last.end = last.end.max(to),
                    _ => windows.push(from..to),
                }
            }
            if windows.is_empty() {
                // A context line: its start.
                windows.push(line.start..ceil_boundary(source, line.start + MAX_LINE));
            }
            let mut previous_end = line.start;
            for window in windows {
                if window.start > previous_end {
                    self.text.push_str("...");
                }
                kept.push((window.start, self.text.len(), window.len()));
                self.text.push_str(&source[window.clone()]);
                previous_end = window.end;
            }
            if previous_end < line.end {
                self.text.push_str("...");
            }
        }
        self.text.push('\n');
        self.lines.push(ExcerptLine {
            number,
            source_start: line.start,
            range: text_start..self.text.len(),
            kept,
        });
    }

    /// Where byte `at` of the spec is in the excerpt (it is always in a kept part).
    fn map(&self, at: usize) -> usize {
        self.lines
            .iter()
            .flat_map(|line| &line.kept)
            .find(|(source, _, len)| (*source..=*source + *len).contains(&at))
            .map_or(0, |(source, text, _)| text + (at - source))
    }

    fn report(&self, diagnostic: &Diagnostic) -> Report<()> {
        let report = match diagnostic.severity {
            Severity::Error => Report::error(),
            Severity::Warning => Report::warning(),
        };
        let range = |span: &Span| {
            let start = self.map(span.start);
            start..self.map(span.end).max(start)
        };
        let mut labels = Vec::new();
        if let Some((span, label)) = &diagnostic.primary {
            labels.push(Label::primary((), range(span)).with_message(bounded_text(label)));
        }
        for (span, label) in &diagnostic.secondary {
            labels.push(Label::secondary((), range(span)).with_message(bounded_text(label)));
        }
        report
            .with_message(bounded_text(&diagnostic.message))
            .with_labels(labels)
            .with_notes(diagnostic.notes.iter().map(|n| bounded_text(n)).collect())
    }

    /// The 1-based column in the spec (in characters) of byte `at` of the excerpt.
    fn source_column(&self, line: &ExcerptLine, at: usize) -> Option<usize> {
        let (source_at, text_at, _) = line
            .kept
            .iter()
            .find(|(_, text, len)| (*text..=*text + *len).contains(&at))?;
        let original = source_at + (at - text_at);
        Some(
            self.source
                .get(line.source_start..original)?
                .chars()
                .count()
                + 1,
        )
    }
}

impl<'a> files::Files<'a> for Excerpt<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, files::Error> {
        Ok(self
            .lines
            .partition_point(|line| line.range.start <= byte_index)
            .saturating_sub(1))
    }

    fn line_number(&'a self, (): (), line_index: usize) -> Result<usize, files::Error> {
        self.lines
            .get(line_index)
            .map(|line| line.number)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: self.lines.len(),
            })
    }

    fn column_number(
        &'a self,
        (): (),
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, files::Error> {
        let line = self
            .lines
            .get(line_index)
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: self.lines.len(),
            })?;
        // The header shows the column in the spec, not in the cut line.
        Ok(self.source_column(line, byte_index).unwrap_or(1))
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, files::Error> {
        self.lines
            .get(line_index)
            .map(|line| line.range.clone())
            .ok_or(files::Error::LineTooLarge {
                given: line_index,
                max: self.lines.len(),
            })
    }
}
fn clamp(span: &Span, source: &str) -> Span {
    let end = span.end.min(source.len());
    span.start.min(end)..end
}

/// `at`, or the nearest character boundary of `text` before it.
fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `at`, or the nearest character boundary of `text` after it.
fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The closest of `candidates` to `word`, when it is close enough to be a typo.
/// Only the first [`MAX_CANDIDATES`] are compared: a hostile spec has 100,000 names.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    candidates
        .into_iter()
        .take(MAX_CANDIDATES)
        .filter(|candidate| candidate.len() <= MAX_SUGGESTED_LEN)
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_shortens_quoted_names_and_long_text() {
        assert_eq!(bounded_text("column `id` is fine"), "column `id` is fine");
        let long = format!("unknown key `{}` here", "k".repeat(5_000));
        let short = bounded_text(&long);
        assert!(short.starts_with("unknown key `kkk"), "{short}");
        assert!(
            short.contains("...") && short.ends_with("` here"),
            "{short}"
        );
        assert!(short.chars().count() < MAX_QUOTED + 30, "{short}");
        let unquoted = "x".repeat(5_000);
        assert_eq!(bounded_text(&unquoted).chars().count(), MAX_TEXT + 3);
    }

    #[test]
    fn a_long_line_is_cut_around_its_label_with_the_spec_s_column() {
        let source = format!("a = 1\nb = \"{}\" ?\n", "x".repeat(1_000));
        let at = source.find('?').unwrap_or(0);
        let mut diagnostics = Diagnostics::new("models.toml", source.as_str());
        diagnostics.push(Diagnostic::error("bad", at..at + 1, "here"));
        let out = diagnostics.render(false);
        assert!(out.contains("models.toml:2:1008"), "{out}");
        assert!(out.contains("2 | ...xxx"), "{out}");
        assert!(out.contains("xxx\" ?\n"), "{out}");
        assert!(out.lines().all(|l| l.len() < 200), "{out}");
    }
}
