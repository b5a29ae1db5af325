//! `--format gitlab`: a GitLab Code Quality report (a JSON array of Code Climate issues), shown
//! in merge requests when uploaded as `artifacts:reports:codequality`.
//!
//! Each unsuppressed finding is an issue with `description`, `check_name` (the rule id),
//! `fingerprint` ([`ci::fingerprint`], made unique within the report by hashing again with an
//! occurrence number when two findings share one), `severity` (error → major, warning → minor,
//! info → info; unreadable input → critical) and `location.path` + `location.lines`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::finding::Severity;
use crate::render::RunReport;
use crate::render::ci::{self, RunContext};
use crate::rule::Catalog;

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// The whole run as one Code Quality report.
pub fn render(report: &RunReport, _catalog: &Catalog, ctx: &RunContext) -> String {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut unique = |fingerprint: String| {
        let n = seen.entry(fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            fingerprint
        } else {
            ci::hex_sha256(&[&fingerprint, &n.to_string()])
        }
    };
    let mut issues = Vec::new();
    for file in &report.files {
        for e in &file.input_errors {
            let path = ctx.relative(&e.file);
            issues.push(json!({
                "description": e.message,
                "check_name": "input-error",
                "fingerprint": unique(ci::hex_sha256(&["joblint/v1", "input-error", &path, &e.message])),
                "severity": "critical",
                "location": {"path": path, "lines": {"begin": e.line.max(1)}},
            }));
        }
        for f in file.findings.iter().filter(|f| f.suppressed.is_none()) {
            let place = ctx.place(f);
            let lines = match place.region {
                Some((start, end)) => json!({"begin": start.line, "end": end.line.max(start.line)}),
                None => json!({"begin": 1}),
            };
            let mut description = format!("{} ({})", f.message, f.object_and_path(": "));
            if place.region.is_none()
                && let Some(template) = &f.object.template
            {
                description.push_str(&format!(" [rendered from {template}]"));
            }
            issues.push(json!({
                "description": description,
                "check_name": f.rule,
                "fingerprint": unique(ci::fingerprint(f, &place.file)),
                "severity": severity(f.severity),
                "categories": ["Bug Risk"],
                "location": {"path": place.file, "lines": lines},
            }));
        }
    }
    let mut text = serde_json::to_string_pretty(&Value::Array(issues)).unwrap_or_default();
    text.push('\n');
    text
}
