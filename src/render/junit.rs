//! `--format junit`: JUnit XML, as CI servers (GitLab, Jenkins, Azure) show test reports.
//!
//! One `<testsuite>` per input file. In it, for each linted Job or CronJob: one `<testcase>` per
//! finding, named `Kind/name [rule-id] path`, holding its `<failure>` (or `<skipped>` when the
//! finding is suppressed); one passing `<testcase>` named `Kind/name` when it has none. Then one
//! `<testcase>` with an `<error>` per input error, and for a file not linted (a kustomize patch,
//! a Helm chart template) one `<testcase>` named `not linted` and `<skipped>`. The file, or the
//! helm template, is the class name. Each test case holds one result: Jenkins, Azure DevOps and
//! GitHub's JUnit report actions show only the first failure of a test case, and some parsers
//! reject a second.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::finding::{FileReport, Finding, InputError, ObjectRef};
use crate::render::RunReport;
use crate::rule::Catalog;

/// The whole run as one JUnit XML document.
pub fn render(report: &RunReport, _catalog: &Catalog) -> String {
    let suites: Vec<Suite> = report.files.iter().map(Suite::new).collect();
    let mut totals = Totals::default();
    for suite in &suites {
        totals.add(&suite.totals());
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"joblint\" {}>", totals.attributes());
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
    outcome: Outcome<'a>,
}

enum Outcome<'a> {
    Passed,
    /// An unsuppressed finding.
    Failure(&'a Finding),
    /// A suppressed finding.
    Skipped(&'a Finding),
    Error(&'a InputError),
    /// A file not linted, and why.
    NotLinted(&'a str),
}

/// The counts a `<testsuite>` and `<testsuites>` carry.
#[derive(Default)]
struct Totals {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
    }

    fn attributes(&self) -> String {
        format!(
            "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
            self.tests, self.failures, self.errors, self.skipped
        )
    }
}

impl<'a> Suite<'a> {
    fn new(report: &'a FileReport) -> Self {
        // Each object's findings, in report order (a stream can hold thousands of objects).
        let mut by_object: BTreeMap<(usize, Option<usize>), Vec<&Finding>> = BTreeMap::new();
        for f in &report.findings {
            by_object
                .entry((f.object.document, f.object.item))
                .or_default()
                .push(f);
        }
        let mut cases = Vec::new();
        for object in &report.linted {
            match by_object.remove(&(object.document, object.item)) {
                Some(findings) => {
                    cases.extend(findings.into_iter().map(|f| finding_case(&report.file, f)))
                }
                None => cases.push(Case {
                    name: object_name(object),
                    classname: classname(&report.file, object),
                    outcome: Outcome::Passed,
                }),
            }
        }
        // Every finding belongs to a linted object; should one not, it still gets its test case.
        for f in by_object.into_values().flatten() {
            cases.push(finding_case(&report.file, f));
        }
        if let Some(reason) = &report.skipped {
            cases.push(Case {
                name: "not linted".into(),
                classname: report.file.clone(),
                outcome: Outcome::NotLinted(reason),
            });
        }
        for e in &report.input_errors {
            cases.push(Case {
                name: "read and parse".into(),
                classname: report.file.clone(),
                outcome: Outcome::Error(e),
            });
        }
        Suite {
            file: &report.file,
            cases,
        }
    }

    fn totals(&self) -> Totals {
        let mut totals = Totals {
            tests: self.cases.len(),
            ..Totals::default()
        };
        for case in &self.cases {
            match case.outcome {
                Outcome::Passed => {}
                Outcome::Failure(_) => totals.failures += 1,
                Outcome::Skipped(_) | Outcome::NotLinted(_) => totals.skipped += 1,
                Outcome::Error(_) => totals.errors += 1,
            }
        }
        totals
    }

    fn write(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" {}>",
            escape(self.file),
            self.totals().attributes()
        );
        for case in &self.cases {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\"",
                escape(&case.name),
                escape(&case.classname)
            );
            let result = match case.outcome {
                Outcome::Passed => {
                    let _ = writeln!(out, "{open}/>");
                    continue;
                }
                Outcome::Failure(f) => format!(
                    "<failure type=\"{}\" message=\"{}\">{}</failure>",
                    escape(&f.rule),
                    escape(&format!("{}: {}", f.severity, f.message)),
                    escape(&failure_body(f))
                ),
                Outcome::Skipped(f) => format!(
                    "<skipped message=\"{}\"/>",
                    escape(&format!(
                        "suppressed by {}: {}: {}",
                        f.suppressed
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_default(),
                        f.severity,
                        f.message
                    ))
                ),
                Outcome::NotLinted(reason) => format!("<skipped message=\"{}\"/>", escape(reason)),
                Outcome::Error(e) => format!(
                    "<error type=\"input-error\" message=\"{}\">{}</error>",
                    escape(&e.message),
                    escape(&format!(
                        "{}:{}:{}: {}",
                        e.file, e.line, e.column, e.message
                    ))
                ),
            };
            let _ = writeln!(out, "{open}>\n      {result}\n    </testcase>");
        }
        out.push_str("  </testsuite>\n");
    }
}

/// The test case of one finding: `Kind/name [rule-id] path` (no path for one on a comment).
fn finding_case<'a>(file: &str, f: &'a Finding) -> Case<'a> {
    let mut name = object_name(&f.object);
    let _ = write!(name, " [{}]", f.rule);
    if !f.path.is_empty() {
        let _ = write!(name, " {}", f.path);
    }
    Case {
        name,
        classname: classname(file, &f.object),
        outcome: match f.suppressed {
            None => Outcome::Failure(f),
            Some(_) => Outcome::Skipped(f),
        },
    }
}

/// Where, what, and how to fix it: the failure's text.
fn failure_body(f: &Finding) -> String {
    let mut body = format!(
        "{}:{}:{}: {} [{}] {}",
        f.location.file,
        f.location.start.line,
        f.location.start.column,
        f.severity,
        f.rule,
        f.message,
    );
    if !f.path.is_empty() {
        let _ = write!(body, "\npath: {}", f.path);
    }
    if let Some(template) = &f.object.template {
        let _ = write!(body, "\ntemplate: {template}");
    }
    if let Some(help) = &f.help {
        let _ = write!(body, "\nhelp: {help}");
    }
    body
}

/// `Kind/name`, with the document's number when the object has no name.
fn object_name(o: &ObjectRef) -> String {
    let mut name = o.display_name();
    if o.name.is_none() {
        let _ = write!(name, " (document {})", o.document + 1);
    }
    name
}

fn classname(file: &str, o: &ObjectRef) -> String {
    o.template.clone().unwrap_or_else(|| file.to_owned())
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
