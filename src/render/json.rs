//! `--format json`: the stable schema documented in the README (version 1).

use serde::Serialize;

use crate::finding::{Finding, ObjectRef, Suppression};
use crate::render::RunReport;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    suppressed: Vec<JsonFinding<'a>>,
    input_errors: Vec<&'a crate::finding::InputError>,
    /// Files not linted, and why (kustomize patches, Helm chart templates).
    skipped: Vec<Skipped<'a>>,
}

#[derive(Serialize)]
struct Skipped<'a> {
    file: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    objects: usize,
    findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    suppressed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    category: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    path: &'a str,
    object: &'a ObjectRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_location: Option<TemplateLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a Suppression>,
}

/// Where in its Helm template a finding's line was written, in the finding's own terms.
#[derive(Serialize)]
struct TemplateLocation<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            rule: &f.rule,
            category: &f.category,
            severity: f.severity.as_str(),
            message: &f.message,
            help: f.help.as_deref(),
            file: &f.location.file,
            line: f.location.start.line,
            column: f.location.start.column,
            end_line: f.location.end.line,
            end_column: f.location.end.column,
            path: &f.path,
            object: &f.object,
            template_location: f.template_location.as_ref().map(|at| TemplateLocation {
                file: &at.file,
                line: at.start.line,
                column: at.start.column,
                end_line: at.end.line,
                end_column: at.end.column,
            }),
            suppressed: f.suppressed.as_ref(),
        }
    }
}

/// The whole run as one JSON document.
pub fn render(report: &RunReport) -> String {
    let all = report.files.iter().flat_map(|f| &f.findings);
    let s = &report.summary;
    let out = Output {
        version: 1,
        summary: Summary {
            files: s.files,
            objects: s.objects,
            findings: s.findings,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            suppressed: s.suppressed,
            skipped: s.skipped,
        },
        findings: all
            .clone()
            .filter(|f| f.suppressed.is_none())
            .map(JsonFinding::from)
            .collect(),
        suppressed: all
            .filter(|f| f.suppressed.is_some())
            .map(JsonFinding::from)
            .collect(),
        input_errors: report.files.iter().flat_map(|f| &f.input_errors).collect(),
        skipped: report
            .files
            .iter()
            .filter_map(|f| {
                let reason = f.skipped.as_deref()?;
                Some(Skipped {
                    file: &f.file,
                    reason,
                })
            })
            .collect(),
    };
    let mut text =
        serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}
