//! Lints every real-world manifest of tests/data/corpus/ (copied byte for byte from
//! ../shared/corpus; sources and licences in SOURCES.tsv): no panic, the known edge cases behave,
//! and every finding over the whole corpus is pinned in a snapshot. A changed snapshot is a
//! changed behaviour: review each new finding by hand before accepting it.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use joblint::Linter;
use joblint::finding::FileReport;
use joblint::input::{self, Input};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus")
}

/// The corpus manifests, in name order (as `joblint lint` finds them in the directory).
fn corpus_files() -> Vec<PathBuf> {
    let (inputs, errors) = input::expand(
        &[corpus_dir().display().to_string()],
        &input::Walk::default(),
    );
    assert!(errors.is_empty(), "{errors:?}");
    inputs
        .into_iter()
        .filter_map(|input| match input {
            Input::File(path) => Some(path),
            Input::Stdin => None,
        })
        .collect()
}

fn lint_corpus() -> Vec<FileReport> {
    let linter = Linter::builtin().expect("built-in rules load");
    let dir = corpus_dir().display().to_string();
    let (inputs, errors) = input::expand(&[dir], &input::Walk::default());
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        inputs.len() >= 120,
        "the corpus has 124 manifests, found {}",
        inputs.len()
    );
    let mut reports = Vec::new();
    linter.lint_inputs(&inputs, |_, report| reports.push(report));
    reports
}

fn short(file: &str) -> &str {
    Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(file)
}

fn report_for<'a>(reports: &'a [FileReport], name: &str) -> &'a FileReport {
    reports
        .iter()
        .find(|r| r.file.contains(name))
        .unwrap_or_else(|| panic!("{name} not linted"))
}

#[test]
fn tab_indented_file_is_an_input_error_at_its_line() {
    let reports = lint_corpus();
    let r = report_for(&reports, "job-pod-failure-policy-ignore.yaml");
    assert_eq!(r.input_errors.len(), 1, "{:?}", r.input_errors);
    let e = &r.input_errors[0];
    assert_eq!(e.line, 24, "{e:?}");
    assert!(e.message.contains("invalid YAML"), "{e:?}");
}

#[test]
fn policies_that_mention_jobs_are_not_jobs() {
    let reports = lint_corpus();
    for name in ["check-autogen.yaml", "expand_cronjob_job_pod.yaml"] {
        let r = report_for(&reports, name);
        assert_eq!(r.objects, 0, "{name} has no Job or CronJob");
        assert!(r.findings.is_empty(), "{name}: {:?}", r.findings);
    }
}

#[test]
fn every_manifest_is_linted_and_findings_are_pinned() {
    let reports = lint_corpus();
    let mut out = String::new();
    let (mut objects, mut findings) = (0, 0);
    for r in &reports {
        objects += r.objects;
        for e in &r.input_errors {
            let _ = writeln!(
                out,
                "{}:{}:{} input-error {}",
                short(&e.file),
                e.line,
                e.column,
                e.message
            );
        }
        for f in &r.findings {
            findings += 1;
            let _ = writeln!(
                out,
                "{}:{}:{} {} {} {}{}",
                short(&f.location.file),
                f.location.start.line,
                f.location.start.column,
                f.severity,
                f.rule,
                f.path,
                if f.suppressed.is_some() {
                    " (suppressed)"
                } else {
                    ""
                }
            );
        }
    }
    assert!(
        objects >= 140,
        "the corpus holds about 150 Jobs and CronJobs, linted {objects}"
    );
    assert!(findings > 0);
    insta::assert_snapshot!("corpus_findings", out);
}

#[test]
fn stdin_and_files_agree() {
    // The same bytes through the Input::Stdin path and the file path give the same findings.
    let name = "ContainerSolutions__kubernetes-examples__Job__simple.yaml";
    let path = corpus_dir().join(name);
    let source = input::read(&Input::File(path.clone())).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(source.text, text);
}

/// The webhook lints objects decoded from JSON straight into a tree (`Linter::lint_tree_brief`,
/// which must agree with `Linter::lint_tree`; no text); the CLI lints text. Apart from what only
/// text has (the `schema` family, which reads the manifest as written, and `# joblint-ignore`
/// comments), both must find the same problems at the same paths.
#[test]
fn decoded_objects_get_the_findings_their_text_gets() {
    use joblint::source::Source;
    use joblint::yaml;

    let linter = Linter::builtin().expect("built-in rules load");
    let comparable = |f: &joblint::Finding| {
        !f.category.starts_with("schema")
            && !matches!(
                f.suppressed,
                Some(joblint::finding::Suppression::Comment { .. })
            )
    };
    let key = |document: usize, f: &joblint::Finding| {
        format!(
            "{document} {:?} {} {}: {}",
            f.severity, f.rule, f.path, f.message
        )
    };
    let mut compared = 0;
    for path in corpus_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let source = Source::new(path.display().to_string(), text);
        let mut want: Vec<String> = linter
            .lint_source(&source)
            .findings
            .iter()
            .filter(|f| comparable(f))
            .map(|f| key(f.object.document, f))
            .collect();
        let mut got = Vec::new();
        for doc in &yaml::parse(&source).documents {
            // As the webhook decodes an object: its JSON read straight into a tree.
            let json = doc.root.to_json().to_string();
            let tree: yaml::Node = serde_json::from_str(&json).unwrap();
            let decoded = linter.lint_tree("decoded", &tree);
            assert!(decoded.input_errors.is_empty(), "{}", path.display());
            // What the webhook itself runs: the same unsuppressed findings, in the same order.
            let brief = |rule: &str, severity, path: &str, message: &str| {
                format!("{rule} {severity:?} {path}: {message}")
            };
            let briefs: Vec<String> = linter
                .lint_tree_brief(&tree)
                .iter()
                .map(|b| brief(b.rule, b.severity, &b.path, &b.message))
                .collect();
            let unsuppressed: Vec<String> = decoded
                .findings
                .iter()
                .filter(|f| f.suppressed.is_none())
                .map(|f| brief(&f.rule, f.severity, &f.path, &f.message))
                .collect();
            assert_eq!(briefs, unsuppressed, "{}", path.display());
            got.extend(
                decoded
                    .findings
                    .iter()
                    .filter(|f| comparable(f))
                    .map(|f| key(doc.index, f)),
            );
        }
        want.sort();
        got.sort();
        assert_eq!(got, want, "{}", path.display());
        compared += want.len();
    }
    assert!(compared > 500, "only {compared} findings compared");
}

/// What kubectl shows for the corpus through the webhook (warn mode, so every finding is a
/// warning): each finding a whole line of at most 120 characters, never one cut with `...` (a
/// rule's short message stands in for a message too long for the line), with its path unless not
/// even the short message fits beside it.
#[test]
fn webhook_warnings_on_the_corpus_are_whole_lines() {
    use joblint::config::WebhookMode;
    use joblint::webhook::{AdmittedObject, Policy, review};
    use joblint::yaml;
    use kube::core::admission::{AdmissionRequest, AdmissionReview};

    let mut policy = Policy::load(None).expect("default policy");
    policy.webhook.mode = WebhookMode::Warn;
    let (mut warnings, mut without_path) = (0, 0);
    for path in corpus_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let source = joblint::source::Source::new(path.display().to_string(), text);
        for doc in &yaml::parse(&source).documents {
            let object = doc.root.to_json();
            let kind = object["kind"].as_str().unwrap_or_default();
            if object["apiVersion"] != "batch/v1" || !matches!(kind, "Job" | "CronJob") {
                continue;
            }
            let request = serde_json::json!({
                "apiVersion": "admission.k8s.io/v1",
                "kind": "AdmissionReview",
                "request": {
                    "uid": "u",
                    "kind": {"group": "batch", "version": "v1", "kind": kind},
                    "resource": {"group": "batch", "version": "v1", "resource": "jobs"},
                    "operation": "CREATE",
                    "userInfo": {},
                    "object": object,
                },
            });
            // Decoded from bytes, as the server does.
            let admission_review: AdmissionReview<AdmittedObject> =
                serde_json::from_slice(request.to_string().as_bytes()).unwrap();
            let request: AdmissionRequest<AdmittedObject> = admission_review.try_into().unwrap();
            let verdict = review::review(&request, &policy.linter, &policy.webhook);
            let lines = verdict.response.warnings.unwrap_or_default();
            assert!(verdict.response.allowed, "{}", path.display());
            // One line per finding (none merged as duplicates), the most severe first, in the
            // engine's order within a severity.
            assert_eq!(lines.len(), verdict.findings.len(), "{}", path.display());
            let mut findings: Vec<_> = verdict.findings.iter().collect();
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            for (line, finding) in lines.iter().zip(findings) {
                assert!(
                    line.chars().count() <= review::WARNING_MAX_CHARS && !line.ends_with("..."),
                    "{}: {line}",
                    path.display()
                );
                let prefix = format!("[{}] {}: ", finding.rule, finding.path);
                let short = finding.short_message.unwrap_or_default();
                let forms = [
                    format!("{prefix}{}", finding.message),
                    format!("{prefix}{short}"),
                    format!("[{}] {}", finding.rule, finding.message),
                    format!("[{}] {short}", finding.rule),
                ];
                assert!(forms.contains(line), "{}: {line}", path.display());
                assert!(
                    line.starts_with(&prefix)
                        || prefix.len() + short.len() > review::WARNING_MAX_CHARS,
                    "{}: {line}",
                    path.display()
                );
                warnings += 1;
                without_path += usize::from(!line.starts_with(&prefix));
            }
        }
    }
    assert!(warnings > 500, "only {warnings} warnings");
    // Short messages are sized so that the path stays (2 of over 1,000 lose it today).
    assert!(
        without_path * 100 <= warnings,
        "{without_path} of {warnings} warnings lost their path"
    );
}
