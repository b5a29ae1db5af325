//! The default output: compiler-style diagnostics rendered with codespan-reporting.

use std::io;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Config, termcolor::WriteColor};

use crate::finding::{FileReport, Finding, InputError, Severity, Summary};
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
    let config = Config::default();
    let Some(source) = source else {
        for e in &report.input_errors {
            render_input_error_plain(w, e)?;
        }
        return Ok(());
    };
    let file = SimpleFile::new(&*source.name, source.text.as_str());
    for e in &report.input_errors {
        let d = match &e.span {
            Some(span) => Diagnostic::error()
                .with_message(&e.message)
                .with_labels(vec![Label::primary((), span.clone()).with_message("here")]),
            None => {
                render_input_error_plain(w, e)?;
                continue;
            }
        };
        term::emit_to_write_style(w, &config, &file, &d).map_err(io::Error::other)?;
    }
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        term::emit_to_write_style(w, &config, &file, &diagnostic(f)).map_err(io::Error::other)?;
    }
    Ok(())
}

fn diagnostic(f: &Finding) -> Diagnostic<()> {
    let mut labels = vec![Label::primary((), f.location.span.clone()).with_message(&f.path)];
    for l in &f.labels {
        labels.push(Label::secondary((), l.location.span.clone()).with_message(&l.message));
    }
    let mut notes = Vec::new();
    if let Some(template) = &f.object.template {
        notes.push(format!("template: {template}"));
    }
    if let Some(why) = &f.why {
        notes.push(format!("why: {why}"));
    }
    if let Some(help) = &f.help {
        notes.push(format!("help: {help}"));
    }
    Diagnostic::new(severity(f.severity))
        .with_code(&f.rule)
        .with_message(&f.message)
        .with_labels(labels)
        .with_notes(notes)
}

fn render_input_error_plain(w: &mut dyn WriteColor, e: &InputError) -> io::Result<()> {
    use codespan_reporting::term::termcolor::{Color, ColorSpec};
    w.set_color(ColorSpec::new().set_fg(Some(Color::Red)).set_bold(true))?;
    write!(w, "error")?;
    w.reset()?;
    writeln!(w, ": {}:{}:{}: {}", e.file, e.line, e.column, e.message)
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
    if s.input_errors > 0 {
        line.push_str(&format!(
            "; {} unreadable",
            plural(s.input_errors, "input error")
        ));
    }
    writeln!(w, "{line}")
}
