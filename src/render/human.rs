//! The default output: compiler-style diagnostics rendered with codespan-reporting.

use std::borrow::Cow;
use std::io;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config, termcolor::WriteColor};

use crate::finding::{FileReport, Finding, InputError, Severity, Summary};
use crate::render::{printable, unsafe_char};
use crate::source::Source;

fn severity(s: Severity) -> CsSeverity {
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
    }
}

/// Renders one file's findings and input errors. `source` is absent when the file could not be
/// read at all.
pub fn render_file(
    w: &mut dyn WriteColor,
    source: Option<&Source>,
    report: &FileReport,
) -> io::Result<()> {
    if report.skipped.is_some() {
        return render_not_linted(w, std::slice::from_ref(report));
    }
    let config = Config::default();
    let Some(source) = source else {
        for e in &report.input_errors {
            render_input_error_plain(w, e)?;
        }
        return Ok(());
    };
    let shown = |f: &&Finding| f.suppressed.is_none();
    if report.input_errors.is_empty() && !report.findings.iter().any(|f| shown(&f)) {
        return Ok(());
    }
    let name = printable(&source.name);
    let text = printable_source(&source.text);
    let file = SimpleFile::new(&*name, &*text);
    for e in &report.input_errors {
        let d = match &e.span {
            Some(span) => Diagnostic::error()
                .with_message(printable(&e.message))
                .with_labels(vec![Label::primary((), span.clone()).with_message("here")]),
            None => {
                render_input_error_plain(w, e)?;
                continue;
            }
        };
        term::emit_to_write_style(w, &config, &file, &d).map_err(io::Error::other)?;
    }
    for f in report.findings.iter().filter(shown) {
        term::emit_to_write_style(w, &config, &file, &diagnostic(f)).map_err(io::Error::other)?;
    }
    Ok(())
}

fn diagnostic(f: &Finding) -> Diagnostic<()> {
    let mut labels =
        vec![Label::primary((), f.location.span.clone()).with_message(printable(&f.path))];
    for l in &f.labels {
        labels.push(
            Label::secondary((), l.location.span.clone()).with_message(printable(&l.message)),
        );
    }
    let mut notes = Vec::new();
    match (&f.template_location, &f.object.template) {
        (Some(at), _) => notes.push(format!(
            "template: {}:{}:{}",
            printable(&at.file),
            at.start.line,
            at.start.column
        )),
        (None, Some(template)) => notes.push(format!("template: {}", printable(template))),
        (None, None) => {}
    }
    if let Some(why) = &f.why {
        notes.push(format!("why: {why}"));
    }
    if let Some(help) = &f.help {
        notes.push(format!("help: {help}"));
    }
    Diagnostic::new(severity(f.severity))
        .with_code(&f.rule)
        .with_message(printable(&f.message))
        .with_labels(labels)
        .with_notes(notes)
}

fn render_input_error_plain(w: &mut dyn WriteColor, e: &InputError) -> io::Result<()> {
    use codespan_reporting::term::termcolor::{Color, ColorSpec};
    w.set_color(ColorSpec::new().set_fg(Some(Color::Red)).set_bold(true))?;
    write!(w, "error")?;
    w.reset()?;
    writeln!(
        w,
        ": {}:{}:{}: {}",
        printable(&e.file),
        e.line,
        e.column,
        printable(&e.message)
    )
}

/// The source as codespan shows it: each byte of a control character (the parser reports them
/// as errors, and shows their line) becomes `?`, so that spans keep their offsets and the
/// terminal gets nothing to interpret. Tabs, line feeds and the carriage returns of CRLF
/// endings stay.
fn printable_source(text: &str) -> Cow<'_, str> {
    let hidden = |i: usize, c: char| {
        unsafe_char(c) && !(c == '\r' && text.as_bytes().get(i + 1) == Some(&b'\n'))
    };
    if !text.char_indices().any(|(i, c)| hidden(i, c)) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if hidden(i, c) {
            shown.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// Files not linted: a note each, or one for a run of files with the same reason (the templates
/// of one chart, the patches of one kustomization).
pub fn render_not_linted(w: &mut dyn WriteColor, reports: &[FileReport]) -> io::Result<()> {
    use codespan_reporting::term::termcolor::ColorSpec;
    for group in reports.chunk_by(|a, b| a.skipped == b.skipped) {
        let Some(first) = group.first() else { continue };
        let Some(reason) = first.skipped.as_deref() else {
            continue;
        };
        w.set_color(ColorSpec::new().set_bold(true))?;
        write!(w, "note")?;
        w.reset()?;
        let files = match group.len() {
            1 => printable(&first.file).into_owned(),
            n => format!("{} and {} more", printable(&first.file), n - 1),
        };
        writeln!(w, ": {files}: not linted: {}", printable(reason))?;
    }
    Ok(())
}

/// The closing line.
pub fn render_summary(w: &mut dyn WriteColor, s: &Summary) -> io::Result<()> {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "joblint: {} checked in {}",
        plural(s.objects, "object"),
        plural(s.files, "file")
    );
    if s.findings == 0 {
        line.push_str(": no problems");
    } else {
        line.push_str(&format!(
            ": {}, {}, {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.infos, "info")
        ));
    }
    if s.suppressed > 0 {
        line.push_str(&format!(" ({} suppressed)", s.suppressed));
    }
    if s.skipped > 0 {
        line.push_str(&format!("; {} not linted", plural(s.skipped, "file")));
    }
    if s.input_errors > 0 {
        line.push_str(&format!(
            "; {} unreadable",
            plural(s.input_errors, "input error")
        ));
    }
    writeln!(w, "{line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert!(matches!(printable("image `a:1`"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{1b}[31mb\r\u{7f}\u{9b}"),
            "a\u{241b}[31mb\u{240d}\u{2421}\u{fffd}"
        );
        assert_eq!(printable("two\nlines\tkept"), "two\nlines\tkept");
        let source = "a: \"x\u{1b}y\u{85}\"\r\nb: \u{9b}\r\n";
        let shown = printable_source(source);
        assert_eq!(shown, "a: \"x?y??\"\r\nb: ??\r\n");
        assert_eq!(shown.len(), source.len());
        assert!(matches!(printable_source("a: 1\r\n\tb"), Cow::Borrowed(_)));
    }
}
