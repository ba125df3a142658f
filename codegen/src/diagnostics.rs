//! Errors and warnings about a spec, collected while reading it and rendered once.
//!
//! Every stage pushes into one [`Diagnostics`]; the CLI, `build.rs` and the tests all
//! render it with [`Diagnostics::render`], so they show the same text.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
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
}

impl Diagnostics {
    /// An empty list for the spec `file_name` with contents `source`.
    pub fn new(file_name: impl Into<String>, source: impl Into<String>) -> Self {
        Diagnostics {
            file_name: file_name.into(),
            source: source.into(),
            items: Vec::new(),
        }
    }

    /// Records a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// All diagnostics, in the order they were found.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// The number of errors.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    /// True when at least one error was recorded.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
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
        let mut lock = stream.lock();
        self.write_to(&mut lock);
    }

    fn write_to(&self, writer: &mut dyn termcolor::WriteColor) {
        let file = SimpleFile::new(self.file_name.as_str(), self.source.as_str());
        let config = Config {
            chars: term::Chars::ascii(),
            ..Config::default()
        };
        for diagnostic in &self.items {
            let report = self.to_report(diagnostic);
            if term::emit_to_write_style(&mut *writer, &config, &file, &report).is_err() {
                // The span did not fit the file (cannot happen for spans from the
                // parser); fall back to the bare message so nothing is lost.
                let _ = writeln!(writer, "{}: {}", self.file_name, diagnostic.message);
            }
        }
        let errors = self.error_count();
        if errors > 0 {
            let warnings = self.warning_count();
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

    fn to_report(&self, diagnostic: &Diagnostic) -> Report<()> {
        let report = match diagnostic.severity {
            Severity::Error => Report::error(),
            Severity::Warning => Report::warning(),
        };
        let clamp = |span: &Span| {
            let end = span.end.min(self.source.len());
            span.start.min(end)..end
        };
        let mut labels = Vec::new();
        if let Some((span, label)) = &diagnostic.primary {
            labels.push(Label::primary((), clamp(span)).with_message(label));
        }
        for (span, label) in &diagnostic.secondary {
            labels.push(Label::secondary((), clamp(span)).with_message(label));
        }
        report
            .with_message(&diagnostic.message)
            .with_labels(labels)
            .with_notes(diagnostic.notes.clone())
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(word, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}
