//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and other SARIF viewers read it.
//!
//! - One `reportingDescriptor` per rule in the catalogue, generated from its rule file; built-in
//!   rules link to their page (`docs/rules/<id>.md`, [`crate::docs::rule_url`]).
//! - Regions are 1-based; columns count Unicode code points (`columnKind: unicodeCodePoints`) and
//!   `endColumn` is exclusive, as SARIF defines it.
//! - Artifact URIs are relative to the working directory (`uriBaseId: %SRCROOT%`, resolved by
//!   `originalUriBaseIds`).
//! - `partialFingerprints["joblint/v1"]` is [`ci::fingerprint`]: rule, file, object, field path;
//!   no line numbers.
//! - Suppressed findings are kept, with an `inSource` suppression.
//! - Unreadable input is a `toolExecutionNotification` of the invocation, which also records the
//!   exit code; the run is `executionSuccessful` unless some input could not be read.
//! - The `# Source:` template of `helm template` output is in `properties.template`; when the
//!   finding is reported against the template (rendered by joblint), the region in the rendered
//!   text is in `properties.renderedRegion`, and the location's region is the template's line
//!   when it can be told.

use serde_json::{Map, Value, json};

use crate::finding::{Finding, InputError, Severity};
use crate::render::RunReport;
use crate::render::ci::{self, Place, RunContext};
use crate::rule::{Catalog, Rule};
use crate::source::LineCol;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
const INFORMATION_URI: &str = "https://github.com/joblint/joblint";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The whole run as one SARIF log.
pub fn render(report: &RunReport, catalog: &Catalog, ctx: &RunContext) -> String {
    let rules: Vec<Value> = catalog.rules().iter().map(|r| descriptor(r)).collect();
    let results: Vec<Value> = report
        .files
        .iter()
        .flat_map(|f| &f.findings)
        .map(|f| result(f, catalog, ctx))
        .collect();
    let notifications: Vec<Value> = report
        .files
        .iter()
        .flat_map(|f| &f.input_errors)
        .map(|e| notification(e, ctx))
        .chain(report.files.iter().filter_map(|f| {
            let reason = f.skipped.as_deref()?;
            Some(skipped_notification(&f.file, reason, ctx))
        }))
        .collect();
    let mut invocation = json!({
        "executionSuccessful": report.summary.input_errors == 0,
        "exitCode": ctx.exit_code,
        "toolExecutionNotifications": notifications,
    });
    let mut run = json!({
        "tool": {"driver": {
            "name": "joblint",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(base) = &ctx.base_dir {
        let uri = directory_uri(&base.display().to_string());
        invocation["workingDirectory"] = json!({ "uri": uri });
        run["originalUriBaseIds"] = json!({ SRCROOT: { "uri": uri } });
    }
    run["invocations"] = json!([invocation]);
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

/// A rule's reportingDescriptor, from its rule file.
fn descriptor(rule: &Rule) -> Value {
    let m = &rule.meta;
    let mut markdown = one_paragraph(&m.remediation);
    if rule.builtin {
        markdown.push_str(&format!("\n\n[{}]({})", m.id, crate::docs::rule_url(&m.id)));
    }
    let mut d = json!({
        "id": m.id,
        "name": pascal_case(&m.id),
        "shortDescription": {"text": m.summary},
        "fullDescription": {"text": one_paragraph(&m.rationale)},
        "help": {"text": one_paragraph(&m.remediation), "markdown": markdown},
        "defaultConfiguration": {"level": level(m.severity)},
        "properties": {"category": m.category, "tags": [m.category]},
    });
    if rule.builtin {
        d["helpUri"] = json!(crate::docs::rule_url(&m.id));
    }
    d
}

fn result(f: &Finding, catalog: &Catalog, ctx: &RunContext) -> Value {
    let place = ctx.place(f);
    let mut location = physical(&place);
    location["logicalLocations"] = json!([{
        "fullyQualifiedName": f.object_and_path(":"),
        "kind": "object",
    }]);
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [location],
        "partialFingerprints": {"joblint/v1": ci::fingerprint(f, &place.file)},
    });
    if let Some(index) = catalog.rules().iter().position(|r| r.meta.id == f.rule) {
        r["ruleIndex"] = json!(index);
    }
    let related: Vec<Value> = f
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut loc = physical(&Place {
                file: place.file.clone(),
                region: place.region.map(|_| (l.location.start, l.location.end)),
            });
            loc["id"] = json!(i + 1);
            loc["message"] = json!({ "text": l.message });
            loc
        })
        .collect();
    if !related.is_empty() {
        r["relatedLocations"] = json!(related);
    }
    let mut props = Map::new();
    props.insert("fieldPath".into(), json!(f.path));
    props.insert("object".into(), json!(f.object));
    if let Some(template) = &f.object.template {
        props.insert("template".into(), json!(template));
    }
    if ctx.is_generated(&f.location.file) {
        props.insert("renderedSource".into(), json!(f.location.file));
        props.insert(
            "renderedRegion".into(),
            region(f.location.start, f.location.end),
        );
    }
    if let Some(help) = &f.help {
        props.insert("help".into(), json!(help));
    }
    r["properties"] = Value::Object(props);
    if let Some(s) = &f.suppressed {
        r["suppressions"] = json!([{"kind": "inSource", "justification": s.to_string()}]);
    }
    r
}

fn physical(place: &Place) -> Value {
    let mut artifact = json!({ "uri": uri_reference(&place.file) });
    if !place.file.starts_with('/') {
        artifact["uriBaseId"] = json!(SRCROOT);
    }
    let mut physical = json!({ "artifactLocation": artifact });
    if let Some((start, end)) = place.region {
        physical["region"] = region(start, end);
    }
    json!({ "physicalLocation": physical })
}

fn region(start: LineCol, end: LineCol) -> Value {
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line.max(start.line),
        "endColumn": if end.line > start.line { end.column } else { end.column.max(start.column) },
    })
}

fn notification(e: &InputError, ctx: &RunContext) -> Value {
    let file = ctx.relative(&e.file);
    let mut n = json!({
        "level": "error",
        "message": {"text": e.message},
        "descriptor": {"id": "input-error"},
    });
    let mut loc = physical(&Place { file, region: None });
    loc["physicalLocation"]["region"] =
        json!({"startLine": e.line.max(1), "startColumn": e.column.max(1)});
    n["locations"] = json!([loc]);
    n
}

/// A file not linted (a kustomize patch, a Helm chart template): a note, not a failure of the run.
fn skipped_notification(file: &str, reason: &str, ctx: &RunContext) -> Value {
    let file = ctx.relative(file);
    json!({
        "level": "note",
        "message": {"text": format!("not linted: {reason}")},
        "descriptor": {"id": "skipped"},
        "locations": [physical(&Place { file, region: None })],
    })
}

/// `restart-policy-on-failure` → `RestartPolicyOnFailure` (SARIF's readable rule name).
fn pascal_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect()
}

/// A rule file's multi-line text as one paragraph per blank line, lines joined.
fn one_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A path as a URI reference: unreserved characters and `/` kept, everything else
/// percent-encoded as UTF-8.
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// An absolute directory as a `file://` URI ending in `/`.
fn directory_uri(dir: &str) -> String {
    let dir = dir.replace('\\', "/");
    let mut uri = String::from("file://");
    if !dir.starts_with('/') {
        uri.push('/');
    }
    uri.push_str(&uri_reference(&dir));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded() {
        assert_eq!(uri_reference("a b/é#.yaml"), "a%20b/%C3%A9%23.yaml");
        assert_eq!(directory_uri("/work/x y"), "file:///work/x%20y/");
        assert_eq!(
            pascal_case("restart-policy-invalid"),
            "RestartPolicyInvalid"
        );
    }
}
