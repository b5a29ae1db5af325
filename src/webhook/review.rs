//! The admission policy: a pure function from an admission request to a response. No I/O, no
//! clock, no HTTP; the server calls [`review`] and sends what it returns.
//!
//! - Only batch Jobs and CronJobs on CREATE and UPDATE are linted; DELETE, CONNECT, any
//!   subresource (`status`), other kinds, exempt namespaces and (by default) Jobs owned by a
//!   CronJob are allowed untouched.
//! - In enforce mode, error findings deny with 422/Invalid and one `[rule-id] path: message` line
//!   each. On UPDATE only errors the update introduces deny: a finding whose (rule, path) the old
//!   object already had comes back as a warning instead.
//! - Every other finding at or above `warn-on` (default: all) is an AdmissionResponse warning,
//!   the most severe first: single-line, no control characters, at most 120 characters (the
//!   rule's short message stands in for a message too long for that), all of them within the
//!   apiserver's 4096-character budget.
//! - dryRun is judged like any other request.

use std::borrow::Cow;
use std::collections::BTreeSet;

use kube::core::Status;
use kube::core::admission::{AdmissionRequest, AdmissionResponse, Operation};
use kube::core::response::{StatusCause, StatusDetails, StatusSummary};

use super::AdmittedObject;
use crate::config::{WebhookConfig, WebhookMode};
use crate::finding::{Brief, Severity};
use crate::lint::Linter;
use crate::object::Kind;

/// The longest single warning we send (the apiserver asks for 120 where possible).
pub const WARNING_MAX_CHARS: usize = 120;
/// The apiserver's budget for all warnings of one response together.
pub const WARNINGS_MAX_TOTAL: usize = 4096;
/// Denial lines listed before the rest are summarised.
pub const DENIAL_MAX_LINES: usize = 20;

/// The outcome for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
        }
    }
}

/// Why a request was allowed without linting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// DELETE or CONNECT.
    Operation,
    /// A subresource such as `status`.
    Subresource,
    /// Not a batch Job or CronJob.
    Kind,
    /// The namespace is in `exempt-namespaces`.
    ExemptNamespace,
    /// A Job whose ownerReferences name a CronJob (the CronJob was checked).
    CronJobOwned,
    /// CREATE or UPDATE without an object (never sent by the apiserver).
    NoObject,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Operation => "operation",
            Skip::Subresource => "subresource",
            Skip::Kind => "kind",
            Skip::ExemptNamespace => "exempt-namespace",
            Skip::CronJobOwned => "cronjob-owned",
            Skip::NoObject => "no-object",
        }
    }
}

/// What [`review`] decided, with what the server needs for logs and metrics.
#[derive(Debug, Clone)]
pub struct Verdict<'l> {
    pub response: AdmissionResponse,
    pub decision: Decision,
    pub skipped: Option<Skip>,
    /// Unsuppressed findings on the object, in the engine's order.
    pub findings: Vec<Brief<'l>>,
    /// Rule ids of the findings that denied (empty when allowed).
    pub denied_by: Vec<String>,
}

/// Judges one admission request.
pub fn review<'l>(
    req: &AdmissionRequest<AdmittedObject>,
    linter: &'l Linter,
    config: &WebhookConfig,
) -> Verdict<'l> {
    let allow = |skip: Skip| Verdict {
        response: AdmissionResponse::from(req),
        decision: Decision::Allow,
        skipped: Some(skip),
        findings: Vec::new(),
        denied_by: Vec::new(),
    };
    if !matches!(req.operation, Operation::Create | Operation::Update) {
        return allow(Skip::Operation);
    }
    if req.sub_resource.as_deref().is_some_and(|s| !s.is_empty()) {
        return allow(Skip::Subresource);
    }
    if req.kind.group != "batch" || Kind::from_name(&req.kind.kind).is_none() {
        return allow(Skip::Kind);
    }
    if req
        .namespace
        .as_deref()
        .is_some_and(|ns| config.exempt_namespaces.iter().any(|e| e == ns))
    {
        return allow(Skip::ExemptNamespace);
    }
    let Some(object) = &req.object else {
        return allow(Skip::NoObject);
    };
    if req.kind.kind == "Job" && config.allow_cronjob_owned_jobs && owned_by_cronjob(object) {
        return allow(Skip::CronJobOwned);
    }

    let findings = linter.lint_tree_brief(&object.tree);
    let enforcing = config.mode == WebhookMode::Enforce;
    let has_errors = findings.iter().any(|f| f.severity == Severity::Error);
    // On UPDATE, the error findings the old object already had do not deny (the old object is
    // only linted when the new one has errors that could deny).
    let old_findings = match (&req.operation, &req.old_object) {
        (Operation::Update, Some(old)) if enforcing && has_errors => {
            linter.lint_tree_brief(&old.tree)
        }
        _ => Vec::new(),
    };
    let preexisting: BTreeSet<(&str, &str)> = old_findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule, f.path.as_str()))
        .collect();
    let denies = |f: &Brief| {
        enforcing
            && f.severity == Severity::Error
            && !preexisting.contains(&(f.rule, f.path.as_str()))
    };
    let (denying, mut warning): (Vec<&Brief>, Vec<&Brief>) =
        findings.iter().partition(|f| denies(f));
    warning.retain(|f| f.severity >= config.warn_on);
    // Errors that do not deny first, then warnings, then infos: kubectl shows them in this
    // order, and if the 4096-character budget runs out, advice is what is left out.
    warning.sort_by_key(|f| std::cmp::Reverse(f.severity));

    let mut response = AdmissionResponse::from(req);
    let warnings = warnings(warning.iter().map(|f| warning_line(f)));
    if !warnings.is_empty() {
        response.warnings = Some(warnings);
    }
    let mut denied_by: Vec<String> = denying.iter().map(|f| f.rule.to_string()).collect();
    denied_by.dedup();
    let decision = if denying.is_empty() {
        Decision::Allow
    } else {
        response.allowed = false;
        response.result = denial_status(req, &denying);
        Decision::Deny
    };
    Verdict {
        response,
        decision,
        skipped: None,
        findings,
        denied_by,
    }
}

fn owned_by_cronjob(object: &AdmittedObject) -> bool {
    object
        .metadata()
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.kind == "CronJob" && o.api_version.starts_with("batch/"))
}

/// `[rule-id] path: message`, the form of denial lines.
fn finding_line(f: &Brief) -> String {
    line(f.rule, &one_line(&f.path), &one_line(&f.message))
}

/// A finding as a warning: the first of `[rule-id] path: message`, `[rule-id] path: short
/// message`, `[rule-id] message` and `[rule-id] short message` that fits in
/// [`WARNING_MAX_CHARS`] (the rule's short message stands in for a long one), else the last one
/// cut. The lengths are worked out first, so only the chosen line is built.
fn warning_line(f: &Brief) -> String {
    let message = one_line(&f.message);
    let short = f.short_message.map(one_line);
    let path = one_line(&f.path);
    // What `one_line` borrows is printable ASCII: one byte per character.
    let chars = |s: &Cow<'_, str>| match s {
        Cow::Borrowed(s) => s.len(),
        Cow::Owned(s) => s.chars().count(),
    };
    let rule = f.rule.chars().count() + 3;
    let with_path = if path.is_empty() { 0 } else { chars(&path) + 2 };
    let short = short.as_ref().unwrap_or(&message);
    let candidates = [
        (&*path, &message, rule + with_path + chars(&message)),
        (&*path, short, rule + with_path + chars(short)),
        ("", &message, rule + chars(&message)),
        ("", short, rule + chars(short)),
    ];
    match candidates.iter().find(|c| c.2 <= WARNING_MAX_CHARS) {
        Some((path, text, _)) => line(f.rule, path, text),
        None => {
            let whole = line(f.rule, "", short);
            let ascii = whole.is_ascii();
            cut(whole, WARNING_MAX_CHARS, ascii)
        }
    }
}

/// `[rule] path: message`, or `[rule] message` without a path, in one allocation.
fn line(rule: &str, path: &str, message: &str) -> String {
    let path_parts: [&str; 2] = if path.is_empty() {
        ["", ""]
    } else {
        [path, ": "]
    };
    let parts = ["[", rule, "] ", path_parts[0], path_parts[1], message];
    let mut line = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        line.push_str(part);
    }
    line
}

/// Whether `s` has at most `max` characters (bytes first: most lines are ASCII).
fn fits(s: &str, max: usize) -> bool {
    s.len() <= max || (!s.is_ascii() && s.chars().nth(max).is_none())
}

/// Control characters (newlines included) become spaces and runs of whitespace collapse: the
/// apiserver drops a warning that contains any control character.
fn one_line(s: &str) -> Cow<'_, str> {
    if is_one_line(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

/// Whether `s` already is what [`one_line`] makes (most lines are): printable ASCII, single
/// spaces, none at either end. Written as folds without early exits over equal-length slices,
/// so that they vectorise (lines are short: a search would cost more to set up).
fn is_one_line(s: &str) -> bool {
    let bytes = s.as_bytes();
    let printable = bytes
        .iter()
        .fold(true, |ok, &b| ok & (b.wrapping_sub(b' ') < b'~' - b' ' + 1));
    let pairs = bytes.iter().zip(bytes.get(1..).unwrap_or_default());
    let double_space = pairs.fold(false, |found, (&a, &b)| found | ((a == b' ') & (b == b' ')));
    printable && !double_space && !bytes.starts_with(b" ") && !bytes.ends_with(b" ")
}

/// Cuts a line to `max` characters, marking the cut with `...`.
pub(super) fn shorten(s: String, max: usize) -> String {
    if fits(&s, max) {
        return s;
    }
    let ascii = s.is_ascii();
    cut(s, max, ascii)
}

/// [`shorten`] for a line known to be longer than `max` characters, and known to be ASCII or
/// not.
fn cut(s: String, max: usize, ascii: bool) -> String {
    // Room for `...`, and one character more to tell whether the cut falls between words.
    let keep = max.saturating_sub(3) + 1;
    let end = if ascii {
        keep.min(s.len())
    } else {
        s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i)
    };
    let mut out = s;
    out.truncate(end);
    // Cut at the last space when there is one in the second half, else mid-word.
    match out.rfind(' ') {
        Some(i) if i >= out.len() / 2 => out.truncate(i),
        _ => {
            out.pop();
        }
    }
    out.push_str("...");
    out
}

/// The warnings list from single-line warnings (see [`one_line`]): each one cut to
/// [`WARNING_MAX_CHARS`], identical ones once, and all of them within the apiserver's total
/// budget (a last warning says how many were left out).
fn warnings(lines: impl Iterator<Item = String>) -> Vec<String> {
    const RESERVE: usize = 64;
    let lines: Vec<String> = lines.map(|l| shorten(l, WARNING_MAX_CHARS)).collect();
    // Which lines to keep, decided over borrowed lines; the kept ones are then moved, not copied.
    let mut seen = BTreeSet::new();
    let mut total = 0;
    let mut left_out = 0;
    let keep: Vec<bool> = lines
        .iter()
        .map(|line| {
            if line.is_empty() || !seen.insert(line.as_str()) {
                return false;
            }
            if left_out > 0 || total + line.len() > WARNINGS_MAX_TOTAL - RESERVE {
                left_out += 1;
                return false;
            }
            total += line.len();
            true
        })
        .collect();
    let mut out: Vec<String> = lines
        .into_iter()
        .zip(keep)
        .filter_map(|(line, keep)| keep.then_some(line))
        .collect();
    if left_out > 0 {
        out.push(format!(
            "joblint: {left_out} more finding{} not shown",
            if left_out == 1 { "" } else { "s" }
        ));
    }
    out
}

/// The object's name for messages and logs: the request's; on a CREATE with generateName (the
/// request's name is empty) the name generated for the object, else its generateName.
pub fn object_name(req: &AdmissionRequest<AdmittedObject>) -> &str {
    if !req.name.is_empty() {
        return &req.name;
    }
    let Some(object) = &req.object else {
        return "";
    };
    let meta = object.metadata();
    meta.name
        .as_deref()
        .filter(|n| !n.is_empty())
        .or(meta.generate_name.as_deref())
        .unwrap_or_default()
}

/// 422/Invalid with one `[rule-id] path: message` line per denying finding.
fn denial_status(req: &AdmissionRequest<AdmittedObject>, denying: &[&Brief]) -> Status {
    let mut lines: Vec<String> = denying
        .iter()
        .take(DENIAL_MAX_LINES)
        .map(|f| finding_line(f))
        .collect();
    if denying.len() > DENIAL_MAX_LINES {
        lines.push(format!(
            "and {} more errors (run `joblint lint` on the manifest to see them all)",
            denying.len() - DENIAL_MAX_LINES
        ));
    }
    let name = object_name(req).to_owned();
    Status {
        status: Some(StatusSummary::Failure),
        code: 422,
        message: lines.join("\n"),
        metadata: None,
        reason: "Invalid".to_owned(),
        details: Some(StatusDetails {
            name,
            group: req.kind.group.clone(),
            kind: req.kind.kind.clone(),
            causes: denying
                .iter()
                .map(|f| StatusCause {
                    reason: "FieldValueInvalid".to_owned(),
                    message: format!("[{}] {}", f.rule, one_line(&f.message)),
                    field: f.path.clone(),
                })
                .collect(),
            uid: String::new(),
            retry_after_seconds: 0,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_removes_control_characters() {
        assert_eq!(one_line("a\nb\t c\u{7}d\r\n"), "a b c d");
        assert_eq!(one_line("  "), "");
        assert_eq!(one_line("a  b "), "a b");
        assert_eq!(one_line("a \u{7f}b"), "a b");
        assert_eq!(one_line(" a"), "a");
        assert_eq!(one_line("\u{e9}t\u{e9}\u{a0}x"), "\u{e9}t\u{e9} x");
        assert!(matches!(one_line("a b `c`: d"), Cow::Borrowed(_)));
    }

    #[test]
    fn shorten_marks_the_cut() {
        assert_eq!(shorten("abc".to_owned(), 5), "abc");
        let long = "é".repeat(200);
        let cut = shorten(long, WARNING_MAX_CHARS);
        assert_eq!(cut.chars().count(), WARNING_MAX_CHARS);
        assert!(cut.ends_with("..."));
        assert_eq!(shorten("aaaa bbbb cccc".to_owned(), 12), "aaaa bbbb...");
        assert_eq!(shorten("aaaa bbbbbbbbb".to_owned(), 12), "aaaa bbbb...");
        assert_eq!(
            shorten("aa bbbbbbbbbbbbbbbbb".to_owned(), 12),
            "aa bbbbbb..."
        );
    }

    fn brief<'a>(rule: &'a str, path: &str, message: &str, short: Option<&'a str>) -> Brief<'a> {
        Brief {
            rule,
            category: "c",
            severity: Severity::Warning,
            message: message.to_owned(),
            short_message: short,
            path: path.to_owned(),
            offset: 0,
        }
    }

    #[test]
    fn a_warning_is_the_first_form_that_fits() {
        let long = "long ".repeat(30).trim_end().to_owned();
        let medium = "m ".repeat(40).trim_end().to_owned();
        let long_rule = "r".repeat(60);
        let long_short = "s ".repeat(70);
        let accented = "\u{e9} ".repeat(70);
        let deep = "spec.jobTemplate.spec.template.spec.containers[0].image";
        let cases: [(&str, &str, &str, Option<&str>, String); 6] = [
            // The message with its path.
            (
                "rule-x",
                "spec.a",
                "m",
                Some("s"),
                "[rule-x] spec.a: m".into(),
            ),
            // The short message with the path.
            (
                "rule-x",
                "spec.a",
                &long,
                Some("s"),
                "[rule-x] spec.a: s".into(),
            ),
            // The message without the path: there is no short one.
            ("rule-x", deep, &medium, None, format!("[rule-x] {medium}")),
            // The short message without the path.
            (
                &long_rule,
                deep,
                &long,
                Some("short"),
                format!("[{long_rule}] short"),
            ),
            // Nothing fits: the short message, cut.
            (
                "rule-x",
                "spec.a",
                &long,
                Some(&long_short),
                format!("[rule-x] {}...", "s ".repeat(54).trim_end()),
            ),
            // Nothing fits and there is no short message: the message, cut.
            (
                "rule-x",
                "spec.a",
                &accented,
                None,
                format!("[rule-x] {}...", "\u{e9} ".repeat(54).trim_end()),
            ),
        ];
        for (rule, path, message, short, expected) in cases {
            let line = warning_line(&brief(rule, path, message, short));
            assert_eq!(line, expected);
            assert!(line.chars().count() <= WARNING_MAX_CHARS, "{line}");
        }
    }

    #[test]
    fn warnings_stay_within_the_budget() {
        let lines = (0..200).map(|i| format!("[rule-{i}] spec.x: {}", "y".repeat(100)));
        let out = warnings(lines);
        let total: usize = out.iter().map(String::len).sum();
        assert!(total <= WARNINGS_MAX_TOTAL, "{total}");
        assert!(out.iter().all(|w| w.chars().count() <= WARNING_MAX_CHARS));
        let last = out.last().map(String::as_str).unwrap_or("");
        assert!(last.starts_with("joblint: ") && last.ends_with("more findings not shown"));
    }

    #[test]
    fn warnings_are_deduplicated() {
        let out = warnings(["[a] x: y".to_owned(), "[a] x: y".to_owned()].into_iter());
        assert_eq!(out, vec!["[a] x: y".to_owned()]);
    }
}
