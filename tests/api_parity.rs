//! API parity: each fixture in tests/data/api/rejected/ is a manifest kube-apiserver 1.33-1.35
//! rejects on create. Its `# expect: <rule> <path> <line>:<col>` comments list every `api`
//! finding it must produce (the server's field path and the offending node), no more and no
//! fewer; `# kube-version: X` pins the modelled version. Fixtures in accepted/ are manifests the
//! server accepts: no `api` finding, on every supported version. The real binary is run with
//! `--format json`, so the test sees what users and CI see.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const VERSIONS: [&str; 3] = ["1.33", "1.34", "1.35"];

fn data(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/api")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// The findings of one run of `joblint lint --format json`.
fn lint(file: &Path, version: &str, extra: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_joblint"))
        .args([
            "lint",
            "--no-config",
            "--format",
            "json",
            "--kube-version",
            version,
        ])
        .args(extra)
        .arg(file)
        .output()
        .expect("joblint runs");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: JSON output: {e}", file.display()));
    assert_eq!(
        report["input_errors"],
        Value::Array(vec![]),
        "{}",
        file.display()
    );
    report["findings"].as_array().cloned().unwrap_or_default()
}

fn header<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# ")?.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
        .collect()
}

/// `rule path line:col` of each api finding, checking category and severity on the way.
fn api_findings(findings: &[Value], file: &Path) -> Vec<String> {
    let mut out: Vec<String> = findings
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("api-")))
        .map(|f| {
            assert_eq!(f["category"], "api", "{}: {f}", file.display());
            assert_eq!(f["severity"], "error", "{}: {f}", file.display());
            format!(
                "{} {} {}:{}",
                f["rule"].as_str().unwrap(),
                f["path"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn rejected_fixtures_report_the_servers_errors() {
    let mut problems = Vec::new();
    for file in data("rejected") {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut expected: Vec<String> = header(&text, "expect")
            .into_iter()
            .map(str::to_owned)
            .collect();
        expected.sort();
        assert!(
            !expected.is_empty(),
            "{}: a rejected fixture needs `# expect:` lines",
            file.display()
        );
        let pinned = header(&text, "kube-version");
        let versions: Vec<&str> = if pinned.is_empty() {
            VERSIONS.to_vec()
        } else {
            pinned
        };
        for version in versions {
            let actual = api_findings(&lint(&file, version, &[]), &file);
            if actual != expected {
                problems.push(format!(
                    "{} (kube {version}):\n  expected: {expected:#?}\n  actual:   {actual:#?}",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn accepted_fixtures_have_no_api_finding() {
    let mut problems = Vec::new();
    for file in data("accepted") {
        let text = std::fs::read_to_string(&file).unwrap();
        let pinned = header(&text, "kube-version");
        let versions: Vec<&str> = if pinned.is_empty() {
            VERSIONS.to_vec()
        } else {
            pinned
        };
        for version in versions {
            let findings = lint(&file, version, &[]);
            let api = api_findings(&findings, &file);
            if !api.is_empty() {
                let messages: Vec<&str> = findings
                    .iter()
                    .filter(|f| f["category"] == "api")
                    .filter_map(|f| f["message"].as_str())
                    .collect();
                problems.push(format!(
                    "{} (kube {version}): {api:?} {messages:?}",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The pinned-version fixtures differ only in the version: C13 applies to 1.33 alone.
#[test]
fn cronjob_condition_status_depends_on_the_version() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/api/rejected/cronjob-pod-condition-status-1.33.yaml");
    let path = "spec.jobTemplate.spec.podFailurePolicy.rules[0].onPodConditions[0].status";
    for (version, flagged) in [("1.33", true), ("1.34", false), ("1.35", false)] {
        let findings = lint(&file, version, &[]);
        let found = findings
            .iter()
            .any(|f| f["rule"] == "api-cronjob-fields" && f["path"] == path);
        assert_eq!(found, flagged, "kube {version}");
    }
}

/// The catalogue's restart-policy-invalid and api-restart-policy report the same field: only the
/// API error is kept, and the catalogue rule still works when the API rule is off.
#[test]
fn restart_policy_is_reported_once_as_the_api_error() {
    let path = "spec.template.spec.restartPolicy";
    for fixture in [
        "job-restart-policy-unset.yaml",
        "job-restart-policy-once.yaml",
    ] {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/api/rejected")
            .join(fixture);
        let rules_at = |findings: &[Value]| -> Vec<String> {
            findings
                .iter()
                .filter(|f| f["path"] == path)
                .map(|f| f["rule"].as_str().unwrap().to_owned())
                .collect()
        };
        let both = rules_at(&lint(&file, "1.35", &[]));
        assert!(
            both.iter().all(|r| r == "api-restart-policy") && !both.is_empty(),
            "{fixture}: {both:?}"
        );
        let catalogue_only = rules_at(&lint(&file, "1.35", &["--disable", "api-restart-policy"]));
        assert_eq!(catalogue_only, ["restart-policy-invalid"], "{fixture}");
    }
}

/// Messages follow the apiserver's `<type>: <value>: <detail>` with the linter's lowercase start.
#[test]
fn messages_read_like_the_servers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/api/rejected");
    let cases = [
        (
            "job-restart-policy-once.yaml",
            "unsupported value: \"Once\": supported values: \"OnFailure\", \"Never\"",
        ),
        (
            "job-restart-policy-once.yaml",
            "unsupported value: \"Once\": supported values: \"Always\", \"OnFailure\", \"Never\"",
        ),
        (
            "job-name-64.yaml",
            "invalid value: \"nightly-report-for-the-finance-department-of-the-northern-region\": must be no more than 63 characters",
        ),
        (
            "job-indexed-dotted-name.yaml",
            "invalid value: \"shard.v2\": will not able to create pod with invalid DNS label: shard.v2-3",
        ),
        (
            "cronjob-name-53.yaml",
            "invalid value: \"nightly-report-for-the-finance-department-north-regio\": must be no more than 52 characters",
        ),
        (
            "cronjob-schedule-sunday-7.yaml",
            "invalid value: \"0 3 * * 7\": end of range (7) above maximum (6): 7",
        ),
        (
            "cronjob-schedule-tz.yaml",
            "invalid value: \"CRON_TZ=Bad/Zone 0 3 * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        ),
        (
            "cronjob-time-zone-local.yaml",
            "invalid value: \"Local\": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
        ),
        (
            "job-selector-not-generated.yaml",
            "invalid value: {\"matchLabels\":{\"app\":\"report\"}}: `selector` not auto-generated",
        ),
        (
            "job-success-policy.yaml",
            "invalid value: \"0,3-5\": error parsing succeededIndexes: too large index: \"5\"",
        ),
        (
            "job-pod-failure-policy-rules.yaml",
            "invalid value: specifying one of OnExitCodes and OnPodConditions is required",
        ),
        (
            "cronjob-v1beta1.yaml",
            "no matches for kind \"CronJob\" in version \"batch/v1beta1\" (batch/v1beta1 CronJob was removed in Kubernetes 1.25)",
        ),
    ];
    for (fixture, message) in cases {
        let findings = lint(&dir.join(fixture), "1.35", &[]);
        assert!(
            findings.iter().any(|f| f["message"] == message),
            "{fixture}: no finding says {message:?}; got {:#?}",
            findings.iter().map(|f| &f["message"]).collect::<Vec<_>>()
        );
    }
}
