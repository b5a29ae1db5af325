//! `--format junit`: JUnit XML, as CI servers (GitLab, Jenkins, Azure) show test reports.
//!
//! One `<testsuite>` per input file; in it one `<testcase>` per linted Job or CronJob (named
//! `Kind/name`, the file or the helm template as its class name) with one `<failure>` per
//! unsuppressed finding, and one `<testcase>` with an `<error>` per input error.

use std::fmt::Write;

use crate::finding::{FileReport, Finding, InputError, ObjectRef};
use crate::render::RunReport;
use crate::rule::Catalog;

/// The whole run as one JUnit XML document.
pub fn render(report: &RunReport, _catalog: &Catalog) -> String {
    let suites: Vec<Suite> = report.files.iter().map(Suite::new).collect();
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().map(Suite::failures).sum();
    let errors: usize = suites.iter().map(Suite::errors).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"joblint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for suite in &suites {
        suite.write(&mut out);
    }
    out.push_str("</testsuites>\n");
    out
}

struct Suite<'a> {
    file: &'a str,
    cases: Vec<Case<'a>>,
}

struct Case<'a> {
    name: String,
    classname: String,
    failures: Vec<&'a Finding>,
    error: Option<&'a InputError>,
}

impl<'a> Suite<'a> {
    fn new(report: &'a FileReport) -> Self {
        let mut cases: Vec<(Option<&ObjectRef>, Case<'a>)> = report
            .linted
            .iter()
            .map(|o| (Some(&**o), object_case(&report.file, o)))
            .collect();
        for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
            let same = |o: &ObjectRef| o.document == f.object.document && o.item == f.object.item;
            match cases.iter_mut().find(|(o, _)| o.is_some_and(same)) {
                Some((_, case)) => case.failures.push(f),
                None => {
                    let mut case = object_case(&report.file, &f.object);
                    case.failures.push(f);
                    cases.push((None, case));
                }
            }
        }
        for e in &report.input_errors {
            cases.push((
                None,
                Case {
                    name: "read and parse".into(),
                    classname: report.file.clone(),
                    failures: Vec::new(),
                    error: Some(e),
                },
            ));
        }
        Suite {
            file: &report.file,
            cases: cases.into_iter().map(|(_, c)| c).collect(),
        }
    }

    fn failures(&self) -> usize {
        self.cases.iter().map(|c| c.failures.len()).sum()
    }

    fn errors(&self) -> usize {
        self.cases.iter().filter(|c| c.error.is_some()).count()
    }

    fn write(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
            escape(self.file),
            self.cases.len(),
            self.failures(),
            self.errors()
        );
        for case in &self.cases {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\"",
                escape(&case.name),
                escape(&case.classname)
            );
            if case.failures.is_empty() && case.error.is_none() {
                let _ = writeln!(out, "{open}/>");
                continue;
            }
            let _ = writeln!(out, "{open}>");
            for f in &case.failures {
                let mut body = format!(
                    "{}:{}:{}: {} [{}] {}\npath: {}",
                    f.location.file,
                    f.location.start.line,
                    f.location.start.column,
                    f.severity,
                    f.rule,
                    f.message,
                    f.path
                );
                if let Some(template) = &f.object.template {
                    let _ = write!(body, "\ntemplate: {template}");
                }
                if let Some(help) = &f.help {
                    let _ = write!(body, "\nhelp: {help}");
                }
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    escape(&f.rule),
                    escape(&format!("{}: {}", f.severity, f.message)),
                    escape(&body)
                );
            }
            if let Some(e) = case.error {
                let _ = writeln!(
                    out,
                    "      <error type=\"input-error\" message=\"{}\">{}</error>",
                    escape(&e.message),
                    escape(&format!(
                        "{}:{}:{}: {}",
                        e.file, e.line, e.column, e.message
                    ))
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
}

fn object_case<'a>(file: &str, o: &ObjectRef) -> Case<'a> {
    let mut name = o.display_name();
    if o.name.is_none() {
        let _ = write!(name, " (document {})", o.document + 1);
    }
    Case {
        name,
        classname: o.template.clone().unwrap_or_else(|| file.to_owned()),
        failures: Vec::new(),
        error: None,
    }
}

/// Text for XML attributes and content: the five predefined entities, and characters XML 1.0
/// cannot carry at all (most C0 controls) replaced by U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push('\t'),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("a<b>&\"c\"'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;\u{FFFD}&#10;"
        );
    }
}
