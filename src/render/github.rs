//! `--format github`: GitHub Actions workflow commands, which the runner turns into annotations
//! on the pull request's diff.
//!
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=joblint RULE::MESSAGE`; warnings
//! are `::warning`, infos `::notice`. Findings in output joblint rendered itself carry the
//! template file and no line (see [`crate::render::ci`]). Escaping follows the runner's
//! `toCommandValue`/`toCommandProperties`: `%`, `\r`, `\n` in the message; also `:` and `,` in
//! properties.

use std::fmt::Write;

use crate::finding::Severity;
use crate::render::ci::RunContext;
use crate::render::{RunReport, printable};
use crate::rule::Catalog;

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// One workflow command per unsuppressed finding, per input error and per file not linted.
pub fn render(report: &RunReport, _catalog: &Catalog, ctx: &RunContext) -> String {
    let mut out = String::new();
    for file in &report.files {
        if let Some(reason) = &file.skipped {
            let _ = writeln!(
                out,
                "::notice file={},title={}::{}",
                property(&ctx.relative(&file.file)),
                property("joblint: not linted"),
                data(reason)
            );
        }
        for e in &file.input_errors {
            let _ = writeln!(
                out,
                "::error file={},line={},col={},title={}::{}",
                property(&ctx.relative(&e.file)),
                e.line,
                e.column,
                property("joblint input error"),
                data(&e.message)
            );
        }
        for f in file.findings.iter().filter(|f| f.suppressed.is_none()) {
            let place = ctx.place(f);
            let mut props = format!("file={}", property(&place.file));
            if let Some((start, end)) = place.region {
                let _ = write!(
                    props,
                    ",line={},col={},endLine={},endColumn={}",
                    start.line, start.column, end.line, end.column
                );
            }
            let _ = write!(props, ",title={}", property(&format!("joblint {}", f.rule)));
            let mut message = format!("{} ({})", f.message, f.object_and_path(": "));
            if let Some(template) = &f.object.template {
                let _ = write!(message, "\ntemplate: {template}");
            }
            if let Some(help) = &f.help {
                let _ = write!(message, "\nhelp: {help}");
            }
            let _ = writeln!(out, "::{} {props}::{}", command(f.severity), data(&message));
        }
    }
    out
}

/// A command's message. The runner's log viewer interprets ANSI escapes, so the other control
/// characters (a manifest's values reach messages) are shown as pictures, as in human output.
pub fn data(text: &str) -> String {
    printable(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value.
pub fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("50%\nx: y, z"), "50%25%0Ax: y, z");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // Control characters reach the log as pictures, never raw (a carriage return too).
        assert_eq!(data("`\u{1b}[2J` \r\t."), "`\u{241b}[2J` \u{240d}\t.");
    }
}
