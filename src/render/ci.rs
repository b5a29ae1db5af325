//! What the CI formats (SARIF, JUnit, GitHub, GitLab) share: the run's context, where a finding is
//! reported, and stable fingerprints.
//!
//! Where a finding is reported:
//! - a file read from disk (including `helm template` output saved to a file): that file, at the
//!   exact region; the template named by its `# Source:` comment is carried alongside;
//! - output that joblint rendered itself (`--helm`, `--kustomize`): the rendered text exists on no
//!   disk, so the finding is reported against the template file inside the chart when the
//!   `# Source:` comment names one, at the template's line when it can be told
//!   ([`crate::template_lines`]), otherwise against the chart's `Chart.yaml` or the
//!   `kustomization.yaml`, without a line region (lines of the rendered text would be wrong there).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::finding::Finding;
use crate::source::LineCol;
use crate::template_lines::template_path;

/// Facts about the run that are not in the findings.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    /// Paths are shown relative to this directory (the working directory).
    pub base_dir: Option<PathBuf>,
    /// The exit code the run ends with.
    pub exit_code: i32,
    /// Sources joblint rendered by running a tool, by source name.
    pub generated: BTreeMap<String, Generated>,
}

/// A source produced by `helm template` or `kubectl kustomize`.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The chart directory, under which `# Source:` template paths resolve.
    pub chart_dir: Option<PathBuf>,
    /// The file to report against when no template is known.
    pub anchor: PathBuf,
}

/// Where a finding is reported in a CI format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// A path relative to the base directory when possible, with `/` separators.
    pub file: String,
    /// Start and end (exclusive) positions; absent when lines would be meaningless.
    pub region: Option<(LineCol, LineCol)>,
}

impl RunContext {
    /// Where `finding` is reported.
    pub fn place(&self, finding: &Finding) -> Place {
        let loc = &finding.location;
        match self.generated.get(&*loc.file) {
            None => Place {
                file: self.relative(&loc.file),
                region: Some((loc.start, loc.end)),
            },
            Some(generated) => {
                if let Some(at) = &finding.template_location {
                    return Place {
                        file: self.relative(&at.file),
                        region: Some((at.start, at.end)),
                    };
                }
                let template = finding.object.template.as_deref().and_then(|t| {
                    generated
                        .chart_dir
                        .as_ref()
                        .map(|dir| template_path(dir, t))
                });
                let file = template.unwrap_or_else(|| generated.anchor.clone());
                Place {
                    file: self.relative(&file.display().to_string()),
                    region: None,
                }
            }
        }
    }

    /// Whether `file` names a source joblint rendered itself.
    pub fn is_generated(&self, file: &str) -> bool {
        self.generated.contains_key(file)
    }

    /// `file` relative to the base directory when it lies inside it; `./` dropped, `/` separators.
    pub fn relative(&self, file: &str) -> String {
        let path = Path::new(file);
        let path = match &self.base_dir {
            Some(base) if path.is_absolute() => path.strip_prefix(base).unwrap_or(path),
            _ => path,
        };
        let parts: Vec<String> = path
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if path.is_absolute() {
            path.display().to_string().replace('\\', "/")
        } else if parts.is_empty() {
            file.to_owned()
        } else {
            parts.join("/")
        }
    }
}

/// A fingerprint that survives edits elsewhere in the file: SHA-256 (hex) over the rule, the
/// reported file, the object's kind, namespace and name, and the field path. Line numbers are
/// left out on purpose, so a finding keeps its identity when lines move.
pub fn fingerprint(finding: &Finding, file: &str) -> String {
    let o = &finding.object;
    hex_sha256(&[
        "joblint/v1",
        &finding.rule,
        file,
        &o.kind,
        o.namespace.as_deref().unwrap_or(""),
        o.name.as_deref().unwrap_or(""),
        &finding.path,
    ])
}

/// SHA-256 (lowercase hex) of the parts, each followed by a NUL so that no two lists collide.
pub fn hex_sha256(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let mut out = String::with_capacity(64);
    for byte in hasher.finalize() {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let ctx = RunContext {
            base_dir: Some(PathBuf::from("/repo")),
            ..RunContext::default()
        };
        assert_eq!(ctx.relative("./a/b.yaml"), "a/b.yaml");
        assert_eq!(ctx.relative("/repo/a/b.yaml"), "a/b.yaml");
        assert_eq!(ctx.relative("/elsewhere/b.yaml"), "/elsewhere/b.yaml");
        assert_eq!(ctx.relative("<stdin>"), "<stdin>");
    }

    /// Output joblint rendered from a chart: placed at the template's line when it can be told,
    /// else at the template file without a region.
    #[test]
    fn rendered_findings_are_placed_in_their_template() {
        use crate::source::Source;
        let chart = std::env::temp_dir().join(format!("joblint-ci-place-{}", std::process::id()));
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        let rendered = |policy: &str| {
            Source::new(
                "c (helm template)",
                format!(
                    "---\n# Source: app/templates/job.yaml\napiVersion: batch/v1\nkind: Job\nmetadata: {{name: j}}\nspec:\n  template:\n    spec:\n      restartPolicy: {policy}\n"
                ),
            )
        };
        let ctx = RunContext {
            generated: BTreeMap::from([(
                "c (helm template)".to_owned(),
                Generated {
                    chart_dir: Some(chart.clone()),
                    anchor: chart.join("Chart.yaml"),
                },
            )]),
            ..RunContext::default()
        };
        let linter = crate::Linter::builtin().unwrap();
        let place_of = |template: &str, policy: &str| {
            std::fs::write(chart.join("templates/job.yaml"), template).unwrap();
            let source = rendered(policy);
            let mut report = linter.lint_source(&source);
            crate::template_lines::locate(&mut report, &source, &chart);
            let finding = report
                .findings
                .iter()
                .find(|f| &*f.rule == "restart-policy-on-failure")
                .expect("restart-policy-on-failure");
            ctx.place(finding)
        };
        let file = chart.join("templates/job.yaml").display().to_string();
        let branches = |other: &str| {
            format!(
                "kind: Job\nspec:\n  template:\n    spec:\n      {{{{- if .Values.x }}}}\n      restartPolicy: {{{{ .Values.policy }}}}\n      {{{{- else }}}}\n      restartPolicy: {other}\n      {{{{- end }}}}\n"
            )
        };
        // Only the first branch can have written `OnFailure`: its line.
        let line = |column| LineCol { line: 6, column };
        assert_eq!(
            place_of(&branches("Never"), "OnFailure"),
            Place {
                file: file.clone(),
                region: Some((line(7), line(42)))
            }
        );
        // Either branch can have: the file, no line.
        assert_eq!(
            place_of(&branches("OnFailure"), "OnFailure"),
            Place { file, region: None }
        );
        std::fs::remove_dir_all(&chart).unwrap();
    }

    #[test]
    fn sha256_is_the_standard_one() {
        // `printf '\0' | sha256sum`: one empty part is a single NUL byte.
        assert_eq!(
            hex_sha256(&[""]),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }
}
