//! Findings: what the engine hands to renderers. Nothing here knows how a finding is shown.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::object::Object;
use crate::source::{LineCol, Source, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            _ => Err(format!(
                "unknown severity `{s}` (expected error, warning or info)"
            )),
        }
    }
}

/// The lowest severity that makes a run fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    #[default]
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
            FailOn::Never => false,
        }
    }
}

impl FromStr for FailOn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "error" => Ok(FailOn::Error),
            "warning" => Ok(FailOn::Warning),
            "info" => Ok(FailOn::Info),
            "never" => Ok(FailOn::Never),
            _ => Err(format!(
                "unknown fail-on level `{s}` (expected error, warning, info or never)"
            )),
        }
    }
}

/// A place in a file: the byte span and its 1-based start and end positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: Arc<str>,
    #[serde(skip)]
    pub span: Span,
    pub start: LineCol,
    pub end: LineCol,
}

impl Location {
    pub fn new(source: &Source, span: Span) -> Self {
        Location {
            file: source.name.clone(),
            start: source.line_col(span.start),
            end: source.line_col(span.end),
            span,
        }
    }
}

/// Which object a finding belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub document: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    /// The template a rendered document came from (`# Source:` comments in `helm template` output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

impl ObjectRef {
    pub fn new(object: &Object<'_>, template: Option<String>) -> Self {
        ObjectRef {
            api_version: object.api_version.to_owned(),
            kind: object.kind.as_str().to_owned(),
            name: object.name.or(object.generate_name).map(str::to_owned),
            namespace: object.namespace.map(str::to_owned),
            document: object.document,
            item: object.item,
            template,
        }
    }

    /// `Job/name` (or `Job/<generateName>` or `Job`) for messages.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) => format!("{}/{}", self.kind, name),
            None => self.kind.clone(),
        }
    }
}

/// A secondary place a finding refers to (the other side of a conflict).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub message: String,
    pub path: String,
    pub location: Location,
}

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "by")]
pub enum Suppression {
    /// The `joblint.dev/ignore` annotation at this path.
    Annotation { path: String },
    /// A `# joblint-ignore:` comment that applies to this line (a trailing comment on it, or a
    /// comment on the lines just above).
    Comment { line: usize, reason: Option<String> },
}

/// Why a finding is suppressed, as reports state it: "joblint.dev/ignore annotation at
/// metadata.annotations", "joblint-ignore comment for line 3: reason".
impl std::fmt::Display for Suppression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Suppression::Annotation { path } => {
                write!(f, "joblint.dev/ignore annotation at {path}")
            }
            Suppression::Comment { line, reason } => {
                write!(f, "joblint-ignore comment for line {line}")?;
                match reason {
                    Some(reason) => write!(f, ": {reason}"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Shared with the rule (findings are many, rules few).
    pub rule: Arc<str>,
    pub category: Arc<str>,
    pub severity: Severity,
    pub message: String,
    /// How to fix it.
    pub help: Option<Arc<str>>,
    /// Why it matters (the first sentence of the rule's rationale).
    #[serde(skip)]
    pub why: Option<Arc<str>>,
    /// The field path, relative to the object, in the API server's notation; empty for a
    /// finding on a comment.
    pub path: String,
    pub location: Location,
    pub labels: Vec<Label>,
    /// Shared by the findings of one object.
    pub object: Arc<ObjectRef>,
    /// The line of the Helm template that wrote the finding's line, when joblint rendered the
    /// chart and the line can be told ([`crate::template_lines`]). Boxed: few findings have one,
    /// and every finding is moved when they are sorted (inline, it cost a stream of 2,000
    /// objects 1.2% more instructions, in memcpy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template_location: Option<Box<Location>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// `Job/name: spec.field` for messages: the object, and the field path when the finding is
    /// on a field.
    pub fn object_and_path(&self, separator: &str) -> String {
        match self.path.as_str() {
            "" => self.object.display_name(),
            path => format!("{}{separator}{path}", self.object.display_name()),
        }
    }
}

/// A finding as the admission webhook reports it: which rule, how serious, where and what.
/// [`crate::Linter::lint_tree_brief`] makes these without the location, object and labels a
/// [`Finding`] carries for renderers (a review makes a few per request, thousands per second).
/// The rule's texts are borrowed from the linter, not shared through its reference counts:
/// those would be written by every worker thread of the webhook for every finding, and their
/// cache lines would move between cores.
#[derive(Debug, Clone, PartialEq)]
pub struct Brief<'l> {
    pub rule: &'l str,
    pub category: &'l str,
    pub severity: Severity,
    pub message: String,
    /// The rule's short message (for warnings that the message would make too long).
    pub short_message: Option<&'l str>,
    /// The field path, relative to the object, in the API server's notation.
    pub path: String,
    /// Where in the tree's text the finding points (0 for a tree decoded from JSON): briefs are
    /// in the order of this offset, then of the rule, as findings are.
    pub offset: usize,
}

/// Input that could not be read or parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[serde(skip)]
    pub span: Option<Span>,
}

/// Everything one input produced.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub file: String,
    /// Jobs and CronJobs linted.
    pub objects: usize,
    /// Objects of other kinds, counted and skipped.
    pub other_objects: usize,
    /// The Jobs and CronJobs linted, in document order (JUnit lists each as a test case).
    pub linted: Vec<Arc<ObjectRef>>,
    /// Findings, suppressed ones included, sorted by position.
    pub findings: Vec<Finding>,
    pub input_errors: Vec<InputError>,
    /// Why the file was not linted (a kustomize patch, a Helm chart template), if it was not.
    pub skipped: Option<String>,
}

/// Totals over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub objects: usize,
    pub other_objects: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
    pub input_errors: usize,
    /// Files not linted (kustomize patches, Helm chart templates); not counted in `files`.
    pub skipped: usize,
}

impl Summary {
    pub fn add(&mut self, report: &FileReport) {
        if report.skipped.is_some() {
            self.skipped += 1;
            return;
        }
        self.files += 1;
        self.objects += report.objects;
        self.other_objects += report.other_objects;
        self.input_errors += report.input_errors.len();
        for f in &report.findings {
            if f.suppressed.is_some() {
                self.suppressed += 1;
                continue;
            }
            self.findings += 1;
            match f.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Info => self.infos += 1,
            }
        }
    }

    /// Whether any unsuppressed finding reaches `fail_on`.
    pub fn fails(&self, fail_on: FailOn) -> bool {
        (self.errors > 0 && fail_on.fails(Severity::Error))
            || (self.warnings > 0 && fail_on.fails(Severity::Warning))
            || (self.infos > 0 && fail_on.fails(Severity::Info))
    }
}
