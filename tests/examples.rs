//! The manifests in examples/ (the README's first command lints them) say what they are:
//! examples/good gets no finding at all, and each examples/bad file gets at least the findings
//! listed in its comment header as `# expect: <rule> <line>:<col>`.

use std::path::{Path, PathBuf};

use joblint::Linter;
use joblint::finding::FileReport;
use joblint::source::Source;

fn linter() -> Linter {
    Linter::builtin().expect("built-in rules load")
}

fn manifests(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no manifests in {}", dir.display());
    files
}

fn lint(linter: &Linter, path: &Path) -> (String, FileReport) {
    let text = std::fs::read_to_string(path).expect("example is readable UTF-8");
    let report = linter.lint_source(&Source::new(path.display().to_string(), text.clone()));
    assert!(
        report.input_errors.is_empty(),
        "{}: {:?}",
        path.display(),
        report.input_errors
    );
    assert!(report.objects > 0, "{}: no Job or CronJob", path.display());
    (text, report)
}

/// Good examples follow every practice: no error, no warning, and no info either (none of the
/// advice applies to them, so there is no info to justify).
#[test]
fn good_examples_get_no_finding() {
    let linter = linter();
    for path in manifests("good") {
        let (_, report) = lint(&linter, &path);
        let found: Vec<String> = report
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{}:{}:{} {} {}[{}] {}",
                    path.display(),
                    f.location.start.line,
                    f.location.start.column,
                    f.severity.as_str(),
                    f.rule,
                    f.path,
                    f.message
                )
            })
            .collect();
        assert!(
            found.is_empty(),
            "findings on a good example:\n{}",
            found.join("\n")
        );
    }
}

/// `# expect: <rule> <line>:<col>` lines of a file's header.
fn expectations(text: &str) -> Vec<(String, usize, usize)> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("# expect:"))
        .map(|e| {
            let (rule, at) = e
                .trim()
                .split_once(' ')
                .expect("`# expect: <rule> <line>:<col>`");
            let (line, col) = at.trim().split_once(':').expect("`<line>:<col>`");
            (
                rule.to_owned(),
                line.parse().expect("line number"),
                col.parse().expect("column number"),
            )
        })
        .collect()
}

#[test]
fn bad_examples_get_the_findings_their_header_lists() {
    let linter = linter();
    let ids: Vec<String> = linter
        .catalog()
        .rules()
        .iter()
        .map(|r| r.meta.id.to_string())
        .collect();
    let mut problems = Vec::new();
    for path in manifests("bad") {
        let (text, report) = lint(&linter, &path);
        let expected = expectations(&text);
        if expected.is_empty() {
            problems.push(format!("{}: no `# expect:` lines", path.display()));
        }
        for (rule, line, col) in expected {
            if !ids.contains(&rule) {
                problems.push(format!("{}: unknown rule `{rule}`", path.display()));
            }
            let hit = report.findings.iter().any(|f| {
                *f.rule == *rule && f.location.start.line == line && f.location.start.column == col
            });
            if !hit {
                let got: Vec<String> = report
                    .findings
                    .iter()
                    .filter(|f| *f.rule == *rule)
                    .map(|f| format!("{}:{}", f.location.start.line, f.location.start.column))
                    .collect();
                problems.push(format!(
                    "{}: expected `{rule}` at {line}:{col}, found it at [{}]",
                    path.display(),
                    got.join(", ")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The chart's NOTES and the README point at this file.
#[test]
fn restart_always_example_is_an_error() {
    let linter = linter();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bad/job-restart-always.yaml");
    let (_, report) = lint(&linter, &path);
    assert!(
        report.findings.iter().any(|f| {
            &*f.rule == "api-restart-policy" && f.severity == joblint::Severity::Error
        })
    );
}
