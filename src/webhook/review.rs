//! The admission policy: a pure function from an admission request to a response. No I/O, no
//! clock, no HTTP; the server calls [`review`] and sends what it returns.
//!
//! - Only batch Jobs and CronJobs on CREATE and UPDATE are linted; DELETE, CONNECT, any
//!   subresource (`status`), other kinds, exempt namespaces and (by default) Jobs owned by a
//!   CronJob are allowed untouched.
//! - In enforce mode, error findings deny with 422/Invalid and one `[rule-id] path: message` line
//!   each. On UPDATE only errors the update introduces deny: a finding whose (rule, path) the old
//!   object already had comes back as a warning instead.
//! - Every other finding is an AdmissionResponse warning: single-line, no control characters,
//!   at most 120 characters, all of them within the apiserver's 4096-character budget.
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
pub struct Verdict {
    pub response: AdmissionResponse,
    pub decision: Decision,
    pub skipped: Option<Skip>,
    /// Unsuppressed findings on the object, in the engine's order.
    pub findings: Vec<Brief>,
    /// Rule ids of the findings that denied (empty when allowed).
    pub denied_by: Vec<String>,
}

/// Judges one admission request.
pub fn review(
    req: &AdmissionRequest<AdmittedObject>,
    linter: &Linter,
    config: &WebhookConfig,
) -> Verdict {
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
        .map(|f| (&*f.rule, f.path.as_str()))
        .collect();
    let denies = |f: &Brief| {
        enforcing
            && f.severity == Severity::Error
            && !preexisting.contains(&(&*f.rule, f.path.as_str()))
    };
    let (denying, warning): (Vec<&Brief>, Vec<&Brief>) = findings.iter().partition(|f| denies(f));

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
        response.result = denial_status(req, object, &denying);
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
    line(
        &f.rule,
        &one_line(&f.path),
        &one_line(&f.message),
        usize::MAX,
    )
}

/// A finding as a warning: `[rule-id] path: message` when that fits in
/// [`WARNING_MAX_CHARS`], else `[rule-id] message` (messages name the field), else cut. The
/// lengths are worked out first, so only the chosen line is built, and an ASCII line that needs
/// cutting only as far as the cut.
fn warning_line(f: &Brief) -> String {
    let message = one_line(&f.message);
    let path = one_line(&f.path);
    // What `one_line` returns unchanged is printable ASCII already.
    let is_ascii = |s: &Cow<'_, str>| matches!(s, Cow::Borrowed(_)) || s.is_ascii();
    let ascii = f.rule.is_ascii() && is_ascii(&path) && is_ascii(&message);
    let chars = |s: &str| if ascii { s.len() } else { s.chars().count() };
    let short = chars(&f.rule) + 3 + chars(&message);
    let full = if path.is_empty() {
        short
    } else {
        short + chars(&path) + 2
    };
    let (path, length) = if full > WARNING_MAX_CHARS && short <= WARNING_MAX_CHARS {
        ("", short)
    } else {
        (&*path, full)
    };
    if length <= WARNING_MAX_CHARS {
        line(&f.rule, path, &message, usize::MAX)
    } else {
        // `cut` keeps at most `cut_keep` characters: in ASCII, bytes.
        let limit = if ascii {
            cut_keep(WARNING_MAX_CHARS)
        } else {
            usize::MAX
        };
        cut(
            line(&f.rule, path, &message, limit),
            WARNING_MAX_CHARS,
            ascii,
        )
    }
}

/// `[rule] path: message`, or `[rule] message` without a path, in one allocation; only its
/// first `limit` bytes when the parts are ASCII (`usize::MAX`: all of it).
fn line(rule: &str, path: &str, message: &str, limit: usize) -> String {
    let path_parts: [&str; 2] = if path.is_empty() {
        ["", ""]
    } else {
        [path, ": "]
    };
    let parts = ["[", rule, "] ", path_parts[0], path_parts[1], message];
    let length: usize = parts.iter().map(|p| p.len()).sum();
    let mut line = String::with_capacity(length.min(limit) + 3);
    for part in parts {
        let room = limit - line.len();
        if part.len() <= room {
            line.push_str(part);
        } else {
            // Only reached for ASCII parts, where every byte offset is a character boundary.
            line.push_str(part.get(..room).unwrap_or(part));
            break;
        }
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
fn shorten(s: String, max: usize) -> String {
    if fits(&s, max) {
        return s;
    }
    let ascii = s.is_ascii();
    cut(s, max, ascii)
}

/// How many characters [`cut`] looks at: room for `...`, and one more to tell whether the
/// cut falls between words.
fn cut_keep(max: usize) -> usize {
    max.saturating_sub(3) + 1
}

/// [`shorten`] for a line known to be longer than `max` characters, and known to be ASCII or
/// not.
fn cut(s: String, max: usize, ascii: bool) -> String {
    let keep = cut_keep(max);
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

/// 422/Invalid with one `[rule-id] path: message` line per denying finding.
fn denial_status(
    req: &AdmissionRequest<AdmittedObject>,
    object: &AdmittedObject,
    denying: &[&Brief],
) -> Status {
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
    let name = if req.name.is_empty() {
        object
            .metadata()
            .name
            .clone()
            .or_else(|| object.metadata().generate_name.clone())
            .unwrap_or_default()
    } else {
        req.name.clone()
    };
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

    #[test]
    fn a_line_built_to_a_limit_is_the_whole_line_cut_there() {
        let message = "word ".repeat(40);
        let whole = line("rule-x", "spec.a", &message, usize::MAX);
        assert_eq!(whole, format!("[rule-x] spec.a: {message}"));
        assert_eq!(line("rule-x", "", "m", usize::MAX), "[rule-x] m");
        for limit in [0, 1, 7, 8, 16, 118, whole.len(), whole.len() + 5] {
            let part = line("rule-x", "spec.a", &message, limit);
            assert_eq!(part, whole[..limit.min(whole.len())], "{limit}");
        }
        let keep = cut_keep(WARNING_MAX_CHARS);
        assert_eq!(
            cut(
                line("rule-x", "spec.a", &message, keep),
                WARNING_MAX_CHARS,
                true
            ),
            cut(whole, WARNING_MAX_CHARS, true)
        );
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
