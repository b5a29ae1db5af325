//! Which line of a Helm template a line of `helm template` output came from, when that can be
//! told for certain.
//!
//! Helm keeps no map from output to template, and a template is text with Go actions
//! (`{{ ... }}`) in it, so the line is found by matching: a template line that holds no action
//! must equal the output line; one that does must start with the same literal text (indentation
//! included), end with its literal tail, and hold its other literal pieces in order, the actions
//! standing for anything. A line that starts with an action (`{{- include ... | nindent 4 }}`)
//! matches nothing: it could be any line. Only a line matched by exactly one template line is
//! placed; a line from a helper template, from a values block (`toYaml`), or one that several
//! template lines could have written (both branches of an `if`) is not.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::finding::{FileReport, Location};
use crate::source::{Source, Span};

/// Gives the findings of `helm template` output, rendered by joblint from the chart in
/// `chart_dir`, the line of their template where [`find`] can tell it. Each template named by a
/// `# Source:` comment is read once; one that cannot be read places nothing.
pub fn locate(report: &mut FileReport, rendered: &Source, chart_dir: &Path) {
    let mut templates: HashMap<String, Option<Source>> = HashMap::new();
    for finding in &mut report.findings {
        let Some(name) = finding.object.template.as_deref() else {
            continue;
        };
        let template = templates.entry(name.to_owned()).or_insert_with(|| {
            let path = template_path(chart_dir, name);
            let text = std::fs::read_to_string(&path).ok()?;
            Some(Source::new(path.display().to_string(), text))
        });
        let Some(template) = template else {
            continue;
        };
        let line = rendered.line_text(finding.location.start.line);
        finding.template_location =
            find(line, &template.text).map(|span| Box::new(Location::new(template, span)));
    }
}

/// The byte span, in `template`, of the one line that can have written `rendered` (without its
/// indentation and line break), or `None` when no line or more than one can have.
pub fn find(rendered: &str, template: &str) -> Option<Span> {
    let rendered = rendered.trim_end();
    if rendered.trim_start().is_empty() {
        return None;
    }
    let mut found = None;
    let mut start = 0;
    for line in template.split_inclusive('\n') {
        let text = line.trim_end();
        if can_write(text, rendered) {
            if found.is_some() {
                return None;
            }
            let indent = text.len() - text.trim_start().len();
            found = Some(start + indent..start + text.len());
        }
        start += line.len();
    }
    found
}

/// Whether the template line `template` can have written the output line `rendered`.
fn can_write(template: &str, rendered: &str) -> bool {
    if !template.contains("{{") {
        return template == rendered;
    }
    // A line with an action has a head (the text before it) and a tail (the text after the last).
    let pieces = literal_pieces(template);
    let [head, middle @ .., tail] = pieces.as_slice() else {
        return false;
    };
    // A line that starts with an action could be any line.
    if head.trim().is_empty() || !rendered.starts_with(head) {
        return false;
    }
    let mut rest = &rendered[head.len()..];
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.ends_with(tail)
}

/// The literal text around a line's actions: the piece before the first action, the pieces
/// between them, and the piece after the last one (each possibly empty). `{{-` and `-}}` trim
/// the whitespace beside them, as Go templates do. An action left open ends the line.
fn literal_pieces(line: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = line;
    let mut trim_start = false;
    loop {
        let Some(open) = rest.find("{{") else {
            pieces.push(trimmed(rest, trim_start, false));
            return pieces;
        };
        let trim_end = rest[open + 2..].starts_with('-');
        pieces.push(trimmed(&rest[..open], trim_start, trim_end));
        let Some(close) = rest[open..].find("}}") else {
            pieces.push("");
            return pieces;
        };
        let close = open + close;
        trim_start = rest[..close].ends_with('-') && close > open + 2;
        rest = &rest[close + 2..];
    }
}

fn trimmed(piece: &str, start: bool, end: bool) -> &str {
    let piece = if start { piece.trim_start() } else { piece };
    if end { piece.trim_end() } else { piece }
}

/// A `# Source: chart/templates/job.yaml` path resolved under the chart directory: the first
/// component is the chart's name, the rest is relative to the chart (subcharts included).
pub fn template_path(chart_dir: &Path, template: &str) -> PathBuf {
    let mut parts = template.split('/');
    parts.next();
    let mut path = chart_dir.to_path_buf();
    for part in parts {
        path.push(part);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include \"app.fullname\" . }}-nightly
  labels:
    {{- include \"app.labels\" . | nindent 4 }}
spec:
  backoffLimit: {{ .Values.backoffLimit }}
  template:
    spec:
      {{- if .Values.debug }}
      restartPolicy: {{ .Values.restartPolicy }}
      {{- else }}
      restartPolicy: Never
      {{- end }}
      containers:
        - name: job
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"
          {{- with .Values.resources }}
          resources: {{- toYaml . | nindent 12 }}
          {{- end }}
";

    fn line_of(rendered: &str) -> Option<String> {
        find(rendered, TEMPLATE).map(|span| TEMPLATE[span].to_owned())
    }

    #[test]
    fn lines_are_found_through_their_literal_text() {
        assert_eq!(
            line_of("  name: release-name-app-nightly").as_deref(),
            Some("name: {{ include \"app.fullname\" . }}-nightly")
        );
        assert_eq!(
            line_of("  backoffLimit: 3").as_deref(),
            Some("backoffLimit: {{ .Values.backoffLimit }}")
        );
        assert_eq!(
            line_of("          image: \"registry.example/app:1.2\"").as_deref(),
            Some("image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"")
        );
        assert_eq!(line_of("spec:").as_deref(), Some("spec:"));
        // Indentation tells the pod template's spec from the Job's.
        assert_eq!(line_of("    spec:").as_deref(), Some("spec:"));
        let pod_spec = TEMPLATE.find("\n    spec:").unwrap() + 5;
        assert_eq!(find("    spec:", TEMPLATE), Some(pod_spec..pod_spec + 5));
        // `-}}` trims what follows it.
        assert_eq!(
            line_of("          resources:").as_deref(),
            Some("resources: {{- toYaml . | nindent 12 }}")
        );
    }

    #[test]
    fn lines_that_cannot_be_told_apart_are_not_placed() {
        // Either branch of the `if` can have written it.
        assert_eq!(line_of("      restartPolicy: Never"), None);
        // Only the first branch can have.
        assert_eq!(
            line_of("      restartPolicy: OnFailure").as_deref(),
            Some("restartPolicy: {{ .Values.restartPolicy }}")
        );
        // From a helper (`include` at the start of a line matches nothing).
        assert_eq!(line_of("    app.kubernetes.io/name: app"), None);
        // From a values block.
        assert_eq!(line_of("              memory: 1Gi"), None);
        // Other indentation, other text, blank lines.
        assert_eq!(line_of("backoffLimit: 3"), None);
        assert_eq!(line_of("  backoffLimits: 3"), None);
        assert_eq!(line_of("   "), None);
        assert_eq!(line_of("  image: \"x:1\""), None);
    }

    #[test]
    fn literal_pieces_follow_go_trimming() {
        assert_eq!(literal_pieces("a: {{ x }}"), ["a: ", ""]);
        assert_eq!(literal_pieces("a: {{- x }}  b"), ["a:", "  b"]);
        assert_eq!(literal_pieces("a: {{ x -}}  b"), ["a: ", "b"]);
        assert_eq!(literal_pieces("{{ x }}:{{ y }}"), ["", ":", ""]);
        assert_eq!(literal_pieces("a: {{ x"), ["a: ", ""]);
    }

    #[test]
    fn template_paths_resolve_under_the_chart() {
        assert_eq!(
            template_path(Path::new("charts/app"), "app/templates/job.yaml"),
            PathBuf::from("charts/app/templates/job.yaml")
        );
        assert_eq!(
            template_path(Path::new("c"), "app/charts/sub/templates/x.yaml"),
            PathBuf::from("c/charts/sub/templates/x.yaml")
        );
    }
}
