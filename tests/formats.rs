//! The CI formats, driven through the real binary on the same fixtures (tests/data/formats/):
//! each test checks the exact places a CI system would show.
//!
//! The fixtures: jobs.yaml has a Job with `restartPolicy: OnFailure` at 9:22-9:31 (a warning) and
//! a CronJob named `report, 50% <daily>` with `restartPolicy: Always` at 31:26-31:32 (an error);
//! good.yaml is clean; broken.yaml does not parse (5:1). chart/ is a Helm chart whose Job renders
//! `restartPolicy: OnFailure` at 18:22 of the `helm template` output (rendered.yaml holds that
//! output, as a user would commit it); kustomize/ builds a Job `team-backfill`.
//!
//! Tests that need helm or kubectl fail under CI=true when the tool is missing, and print
//! "SKIPPED" otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const JOBS: &str = "tests/data/formats/jobs.yaml";
const GOOD: &str = "tests/data/formats/good.yaml";
const BROKEN: &str = "tests/data/formats/broken.yaml";
const CHART: &str = "tests/data/formats/chart";
const RENDERED: &str = "tests/data/formats/rendered.yaml";
const KUSTOMIZE: &str = "tests/data/formats/kustomize";

const ON_FAILURE_HELP: &str = "Use `restartPolicy: Never`, so that each retry is a new pod and failed pods stay for inspection until the Job's TTL removes them.";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn joblint_in(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_joblint"));
    // The fixtures pin the two restartPolicy rules' output; the rest of the catalogue is tested
    // elsewhere.
    if args.first() == Some(&"lint") {
        command.args([
            "lint",
            "--only",
            "restart-policy-on-failure,restart-policy-invalid",
        ]);
        command.args(&args[1..]);
    } else {
        command.args(args);
    }
    command
        .current_dir(dir)
        .env_remove("JOBLINT_HELM")
        .env_remove("JOBLINT_KUBECTL")
        .env("NO_COLOR", "1");
    for (k, v) in envs {
        command.env(k, v);
    }
    command.output().expect("joblint runs")
}

fn joblint(args: &[&str]) -> Output {
    joblint_in(root(), args, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", stdout(o), stderr(o)))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("joblint-formats-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// helm or kubectl as joblint would find them (env, PATH, .tools/bin of this checkout). Missing:
/// a failure under CI=true, else `None` with a SKIPPED note.
fn tool(name: &str, env_var: &str, test: &str) -> Option<PathBuf> {
    let from_env = std::env::var_os(env_var).map(PathBuf::from);
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(name));
    let local = root().join(".tools/bin").join(name);
    let found = from_env
        .into_iter()
        .chain(on_path)
        .chain([local])
        .find(|p| p.is_file());
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "{test}: {name} not found (CI=true): run scripts/fetch-tools.sh or set {env_var}"
            );
        }
        // Written to stderr directly: the test harness captures eprintln! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: {test}: {name} not found (run scripts/fetch-tools.sh or set {env_var})"
        );
    }
    found
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    // The validator does reject a broken log (a driver needs a name; lines start at 1).
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]});
    assert!(!validator.is_valid(&broken));
    let mut bad_region = log.clone();
    if let Some(r) = bad_region.pointer_mut("/runs/0/results/0/locations/0/physicalLocation/region")
    {
        r["startLine"] = serde_json::json!(0);
        assert!(!validator.is_valid(&bad_region));
    }
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema violations:\n{}",
        errors.join("\n")
    );
}

type Region = (u64, u64, u64, u64);

fn region(result: &Value) -> Region {
    let r = &result["locations"][0]["physicalLocation"]["region"];
    let n = |k: &str| r[k].as_u64().unwrap_or_else(|| panic!("no {k} in {r}"));
    (
        n("startLine"),
        n("startColumn"),
        n("endLine"),
        n("endColumn"),
    )
}

fn uri(result: &Value) -> &str {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
}

#[test]
fn sarif_is_valid_and_locates_each_finding() {
    let out = joblint(&["lint", "--format", "sarif", JOBS, GOOD, BROKEN]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let log = json(&out);
    assert_valid_sarif(&log);
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");

    // One descriptor per rule in the catalogue, generated from its rule file.
    let catalog = joblint::Catalog::builtin().unwrap();
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), catalog.rules().len());
    for (descriptor, rule) in rules.iter().zip(catalog.rules()) {
        let m = &rule.meta;
        assert_eq!(descriptor["id"], &*m.id);
        assert_eq!(descriptor["shortDescription"]["text"], m.summary.as_str());
        assert_eq!(
            descriptor["helpUri"],
            format!("{}/{}.md", joblint::docs::RULE_DOCS_BASE_URL, m.id).as_str()
        );
        assert_eq!(
            descriptor["defaultConfiguration"]["level"],
            match m.severity {
                joblint::Severity::Error => "error",
                joblint::Severity::Warning => "warning",
                joblint::Severity::Info => "note",
            }
        );
        assert!(
            descriptor["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .len()
                > 20
        );
        assert!(
            descriptor["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("docs/rules/")
        );
    }

    let results = run["results"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str, Region)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                uri(r),
                region(r),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("restart-policy-on-failure", "warning", JOBS, (9, 22, 9, 31)),
            ("restart-policy-invalid", "error", JOBS, (31, 26, 31, 32)),
        ]
    );
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
        let fp = r["partialFingerprints"]["joblint/v1"].as_str().unwrap();
        assert_eq!(fp.len(), 64);
    }
    assert_eq!(
        results[1]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "CronJob/report, 50% <daily>:spec.jobTemplate.spec.template.spec.restartPolicy"
    );

    let invocation = &run["invocations"][0];
    assert_eq!(invocation["exitCode"], 2);
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(uri(&notes[0]), BROKEN);
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 5, "startColumn": 1})
    );
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
}

#[test]
fn sarif_of_a_clean_run_is_successful() {
    let out = joblint(&["lint", "--format", "sarif", GOOD]);
    assert_eq!(out.status.code(), Some(0));
    let log = json(&out);
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(log["runs"][0]["invocations"][0]["exitCode"], 0);
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}

#[test]
fn fingerprints_survive_moved_lines_and_differ_between_findings() {
    let original = std::fs::read_to_string(root().join(JOBS)).unwrap();
    let before = scratch("fp-before");
    let after = scratch("fp-after");
    std::fs::write(before.join("jobs.yaml"), &original).unwrap();
    std::fs::write(
        after.join("jobs.yaml"),
        format!("# a comment\n# and another\n{original}"),
    )
    .unwrap();
    let fingerprints = |dir: &Path, format: &str| -> Vec<(String, u64)> {
        let out = joblint_in(dir, &["lint", "--format", format, "jobs.yaml"], &[]);
        let v = json(&out);
        if format == "sarif" {
            v["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["partialFingerprints"]["joblint/v1"]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                        region(r).0,
                    )
                })
                .collect()
        } else {
            v.as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["fingerprint"].as_str().unwrap().to_owned(),
                        i["location"]["lines"]["begin"].as_u64().unwrap(),
                    )
                })
                .collect()
        }
    };
    for format in ["sarif", "gitlab"] {
        let a = fingerprints(&before, format);
        let b = fingerprints(&after, format);
        assert_eq!(a.len(), 2, "{format}");
        assert_ne!(a[0].0, a[1].0, "{format}: two findings, two fingerprints");
        assert_eq!(
            a.iter().map(|x| &x.0).collect::<Vec<_>>(),
            b.iter().map(|x| &x.0).collect::<Vec<_>>(),
            "{format}: fingerprints must not depend on line numbers"
        );
        assert_eq!(
            (a[0].1 + 2, a[1].1 + 2),
            (b[0].1, b[1].1),
            "{format}: lines moved"
        );
    }
    // GitLab and SARIF agree on a finding's identity.
    assert_eq!(
        fingerprints(&before, "sarif"),
        fingerprints(&before, "gitlab")
    );
}

#[test]
fn github_annotations() {
    let out = joblint(&["lint", "--format", "github", JOBS, GOOD, BROKEN]);
    assert_eq!(out.status.code(), Some(2));
    let expected = [
        format!(
            "::warning file={JOBS},line=9,col=22,endLine=9,endColumn=31,title=joblint restart-policy-on-failure::restartPolicy OnFailure restarts containers in place and deletes the pod, logs included, once backoffLimit is reached (Job/migrate: spec.template.spec.restartPolicy)%0Ahelp: {ON_FAILURE_HELP}"
        ),
        format!(
            "::error file={JOBS},line=31,col=26,endLine=31,endColumn=32,title=joblint restart-policy-invalid::restartPolicy `Always` is not allowed for a Job (only Never or OnFailure) (CronJob/report, 50%25 <daily>: spec.jobTemplate.spec.template.spec.restartPolicy)%0Ahelp: Set `restartPolicy: Never` in the pod template spec."
        ),
        format!(
            "::error file={BROKEN},line=5,col=1,title=joblint input error::invalid YAML: while parsing a flow sequence, expected ',' or ']'"
        ),
    ];
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn github_escapes_properties() {
    let dir = scratch("gh-escape");
    let good = std::fs::read_to_string(root().join(JOBS)).unwrap();
    std::fs::write(dir.join("a:b,c.yaml"), good).unwrap();
    let out = joblint_in(&dir, &["lint", "--format", "github", "a:b,c.yaml"], &[]);
    let text = stdout(&out);
    assert!(
        text.lines()
            .all(|l| l.starts_with("::warning file=a%3Ab%2Cc.yaml,line=")
                || l.starts_with("::error file=a%3Ab%2Cc.yaml,line=")),
        "{text}"
    );
}

#[test]
fn junit_report() {
    let out = joblint(&["lint", "--format", "junit", JOBS, GOOD, BROKEN]);
    assert_eq!(out.status.code(), Some(2));
    let xml = stdout(&out);
    let lines: Vec<&str> = xml.lines().collect();
    assert_eq!(lines[0], r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    assert_eq!(
        lines[1],
        r#"<testsuites name="joblint" tests="4" failures="2" errors="1" skipped="0">"#
    );
    let expect_line = |needle: &str| {
        assert!(
            lines.iter().any(|l| l.trim() == needle),
            "missing line\n{needle}\nin\n{xml}"
        )
    };
    expect_line(&format!(
        r#"<testsuite name="{JOBS}" tests="2" failures="2" errors="0" skipped="0">"#
    ));
    expect_line(&format!(
        r#"<testcase name="Job/migrate [restart-policy-on-failure] spec.template.spec.restartPolicy" classname="{JOBS}">"#
    ));
    expect_line(&format!(
        r#"<testcase name="CronJob/report, 50% &lt;daily&gt; [restart-policy-invalid] spec.jobTemplate.spec.template.spec.restartPolicy" classname="{JOBS}">"#
    ));
    expect_line(&format!(
        r#"<testcase name="Job/clean" classname="{GOOD}"/>"#
    ));
    expect_line(&format!(
        r#"<testcase name="read and parse" classname="{BROKEN}">"#
    ));
    let failure = lines
        .iter()
        .find(|l| l.contains(r#"<failure type="restart-policy-invalid""#))
        .unwrap();
    assert!(
        failure.contains(&format!(
            ">{JOBS}:31:26: error [restart-policy-invalid] restartPolicy `Always` is not allowed for a Job (only Never or OnFailure)&#10;path: spec.jobTemplate.spec.template.spec.restartPolicy&#10;help: "
        )),
        "{failure}"
    );
    let failure = lines
        .iter()
        .find(|l| l.contains(r#"<failure type="restart-policy-on-failure""#))
        .unwrap();
    assert!(
        failure.contains(&format!(">{JOBS}:9:22: warning")),
        "{failure}"
    );
    assert!(failure.contains("Job&apos;s TTL"), "{failure}");
    let error = lines.iter().find(|l| l.contains("<error ")).unwrap();
    assert!(
        error.contains(&format!(
            ">{BROKEN}:5:1: invalid YAML: while parsing a flow sequence, expected &apos;,&apos; or &apos;]&apos;</error>"
        )),
        "{error}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 4);
    assert_eq!(xml.matches("</testcase>").count(), 3);
    assert_eq!(lines.last(), Some(&"</testsuites>"));
}

/// CI servers show one result per test case (Jenkins, Azure DevOps and GitHub's JUnit actions
/// only the first failure): each finding is its own test case, a suppressed one is skipped.
#[test]
fn junit_gives_each_finding_its_own_test_case() {
    let suppressed = "tests/data/cli/suppressed.yaml";
    // The whole catalogue (`joblint()` narrows it to the restartPolicy rules): several findings
    // per object.
    let out = Command::new(env!("CARGO_BIN_EXE_joblint"))
        .args(["lint", "--no-config", "--format", "junit", suppressed])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let xml = stdout(&out);
    let cases: Vec<&str> = xml.split("<testcase ").skip(1).collect();
    let results = |case: &str, tag: &str| case.matches(&format!("<{tag} ")).count();
    let (mut failures, mut skipped) = (0, 0);
    for case in &cases {
        let (f, s) = (results(case, "failure"), results(case, "skipped"));
        assert_eq!(f + s, 1, "one result per test case:\n{case}");
        failures += f;
        skipped += s;
    }
    // Both objects have the same findings; one is suppressed on each.
    assert_eq!(skipped, 2);
    assert!(failures >= 4, "{xml}");
    assert_eq!(failures % 2, 0, "{xml}");
    let totals = format!(
        r#"tests="{}" failures="{failures}" errors="0" skipped="2""#,
        cases.len()
    );
    assert!(
        xml.contains(&format!(r#"<testsuites name="joblint" {totals}>"#)),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(r#"<testsuite name="{suppressed}" {totals}>"#)),
        "{xml}"
    );
    for (object, why) in [
        (
            "suppressed-by-annotation",
            "joblint.dev/ignore annotation at metadata.annotations[joblint.dev/ignore]",
        ),
        (
            "suppressed-by-comment",
            "joblint-ignore comment for line 21: the tool restarts cleanly in place",
        ),
    ] {
        let case = format!(
            r#"<testcase name="Job/{object} [restart-policy-on-failure] spec.template.spec.restartPolicy" classname="{suppressed}">
      <skipped message="suppressed by {why}: warning: "#
        );
        assert!(xml.contains(&case), "missing\n{case}\nin\n{xml}");
    }
    let mut names: Vec<&str> = cases
        .iter()
        .map(|c| c.split('"').nth(1).unwrap_or_default())
        .collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "test case names are unique");
}

#[test]
fn gitlab_code_quality() {
    let out = joblint(&["lint", "--format", "gitlab", JOBS, GOOD, BROKEN]);
    assert_eq!(out.status.code(), Some(2));
    let issues = json(&out);
    let seen: Vec<(&str, &str, &str, u64)> = issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["check_name"].as_str().unwrap(),
                i["severity"].as_str().unwrap(),
                i["location"]["path"].as_str().unwrap(),
                i["location"]["lines"]["begin"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("restart-policy-on-failure", "minor", JOBS, 9),
            ("restart-policy-invalid", "major", JOBS, 31),
            ("input-error", "critical", BROKEN, 5),
        ]
    );
    assert_eq!(
        issues[1]["description"],
        "restartPolicy `Always` is not allowed for a Job (only Never or OnFailure) (CronJob/report, 50% <daily>: spec.jobTemplate.spec.template.spec.restartPolicy)"
    );
    let mut fps: Vec<&str> = issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), 3, "fingerprints are unique");
}

/// A finding on a `# joblint-ignore:` comment has no field path: the formats that name the
/// field name the object alone.
#[test]
fn findings_on_comments_name_the_object_alone() {
    let dir = scratch("comment");
    std::fs::write(
        dir.join("job.yaml"),
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: tidy\nspec:\n  backoffLimit: 0 # joblint-ignore: backof\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: busybox}]\n",
    )
    .unwrap();
    let run = |format: &str| {
        let out = joblint_in(
            &dir,
            &[
                "lint",
                "--only",
                "ignore-unknown-rule",
                "--format",
                format,
                "job.yaml",
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stdout(&out)
    };
    let message = "unknown rule `backof` (did you mean `backoff`?)";
    let github = run("github");
    assert!(
        github.starts_with(&format!(
            "::warning file=job.yaml,line=6,col=37,endLine=6,endColumn=43,title=joblint ignore-unknown-rule::{message} (Job/tidy)%0Ahelp: "
        )),
        "{github}"
    );
    let gitlab: Value = serde_json::from_str(&run("gitlab")).unwrap();
    assert_eq!(gitlab[0]["description"], format!("{message} (Job/tidy)"));
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    assert_valid_sarif(&sarif);
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "Job/tidy"
    );
    let junit = run("junit");
    assert!(
        junit.contains("<testcase name=\"Job/tidy [ignore-unknown-rule]\" classname=\"job.yaml\">")
            && junit.contains(&format!(
                ">job.yaml:6:37: warning [ignore-unknown-rule] {message}&#10;help: "
            )),
        "{junit}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_run_writes_several_formats() {
    let dir = scratch("several");
    let sarif = dir.join("out.sarif");
    let junit = dir.join("out.xml");
    let out = joblint(&[
        "lint",
        "--format",
        "human",
        "--format",
        &format!("sarif={}", sarif.display()),
        "--format",
        &format!("junit={}", junit.display()),
        JOBS,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let human = stdout(&out);
    assert!(human.contains(&format!("┌─ {JOBS}:9:22")), "{human}");
    assert!(
        human.contains("2 objects checked in 1 file: 1 error, 1 warning"),
        "{human}"
    );
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_eq!(log["runs"][0]["invocations"][0]["exitCode"], 1);
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"failures="2""#), "{xml}");

    // --output redirects the stdout format.
    let json_file = dir.join("out.json");
    let out = joblint(&[
        "lint",
        "--format",
        "json",
        "-o",
        json_file.to_str().unwrap(),
        JOBS,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn conflicting_outputs_are_usage_errors() {
    let out = joblint(&["lint", "--format", "json", "--format", "sarif", JOBS]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("2 formats would go to stdout; give all but one a file, as in `--format sarif=joblint.sarif`"),
        "{}",
        stderr(&out)
    );
    let out = joblint(&[
        "lint",
        "--format",
        "sarif=x.out",
        "--format",
        "junit=x.out",
        JOBS,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("x.out is named as the output of more than one format"));
    let out = joblint(&["lint", "--format", "yaml", JOBS]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown format `yaml`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn helm_template_output_names_the_template() {
    // Output rendered earlier and saved: reported in the rendered file, exact region, template
    // alongside.
    let out = joblint(&["lint", RENDERED]);
    assert_eq!(out.status.code(), Some(1));
    let human = stdout(&out);
    assert!(human.contains(&format!("┌─ {RENDERED}:18:22")), "{human}");
    // Saved output names no chart directory: no template line.
    assert!(
        human.contains("= template: batch/templates/job.yaml"),
        "{human}"
    );

    let out = joblint(&["lint", "--format", "sarif", RENDERED]);
    let log = json(&out);
    assert_valid_sarif(&log);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(uri(result), RENDERED);
    assert_eq!(region(result), (18, 22, 18, 31));
    assert_eq!(result["properties"]["template"], "batch/templates/job.yaml");

    let out = joblint(&["lint", "--format", "github", RENDERED]);
    assert!(stdout(&out).starts_with(&format!(
        "::warning file={RENDERED},line=18,col=22,endLine=18,endColumn=31,title=joblint restart-policy-on-failure::"
    )));
    assert!(stdout(&out).contains("%0Atemplate: batch/templates/job.yaml%0A"));
}

#[test]
fn helm_chart_is_rendered_and_reported_against_its_template() {
    let Some(helm) = tool(
        "helm",
        "JOBLINT_HELM",
        "helm_chart_is_rendered_and_reported_against_its_template",
    ) else {
        return;
    };
    let helm = helm.to_str().unwrap();
    let env = [("JOBLINT_HELM", helm)];
    let template = format!("{CHART}/templates/job.yaml");

    let out = joblint_in(root(), &["lint", "--helm", CHART], &env);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let human = stdout(&out);
    assert!(
        human.contains(&format!("┌─ {CHART} (helm template):18:22")),
        "{human}"
    );
    // The template's line, found through its literal text.
    assert!(
        human.contains(&format!("= template: {template}:8:7")),
        "{human}"
    );
    assert!(human.contains("1 object checked in 1 file"), "{human}");

    let out = joblint_in(
        root(),
        &["lint", "--helm", CHART, "--format", "sarif"],
        &env,
    );
    let log = json(&out);
    assert_valid_sarif(&log);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "restart-policy-on-failure");
    assert_eq!(uri(result), template);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 8, "startColumn": 7, "endLine": 8, "endColumn": 49})
    );
    assert_eq!(
        result["properties"]["renderedRegion"],
        serde_json::json!({"startLine": 18, "startColumn": 22, "endLine": 18, "endColumn": 31})
    );

    let out = joblint_in(
        root(),
        &["lint", "--helm", CHART, "--format", "github"],
        &env,
    );
    assert_eq!(
        stdout(&out).lines().next().unwrap(),
        format!(
            "::warning file={template},line=8,col=7,endLine=8,endColumn=49,title=joblint restart-policy-on-failure::restartPolicy OnFailure restarts containers in place and deletes the pod, logs included, once backoffLimit is reached (Job/release-name-nightly: spec.template.spec.restartPolicy)%0Atemplate: batch/templates/job.yaml%0Ahelp: {ON_FAILURE_HELP}"
        )
    );

    let out = joblint_in(
        root(),
        &["lint", "--helm", CHART, "--format", "gitlab"],
        &env,
    );
    let issues = json(&out);
    assert_eq!(issues[0]["location"]["path"], template.as_str());
    assert_eq!(
        issues[0]["location"]["lines"],
        serde_json::json!({"begin": 8, "end": 8})
    );

    let out = joblint_in(root(), &["lint", "--helm", CHART, "--format", "json"], &env);
    assert_eq!(
        json(&out)["findings"][0]["template_location"],
        serde_json::json!({"file": template, "line": 8, "column": 7, "end_line": 8, "end_column": 49})
    );

    // Values change what is rendered.
    let values = format!("{CHART}/values-never.yaml");
    let out = joblint_in(
        root(),
        &["lint", "--helm", CHART, "--values", &values],
        &env,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn kustomization_is_built_and_linted() {
    let Some(kubectl) = tool(
        "kubectl",
        "JOBLINT_KUBECTL",
        "kustomization_is_built_and_linted",
    ) else {
        return;
    };
    let env = [("JOBLINT_KUBECTL", kubectl.to_str().unwrap())];
    let out = joblint_in(
        root(),
        &["lint", "--kustomize", KUSTOMIZE, "--format", "github"],
        &env,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let line = stdout(&out);
    assert!(
        line.starts_with(&format!(
            "::warning file={KUSTOMIZE}/kustomization.yaml,title=joblint restart-policy-on-failure::restartPolicy OnFailure"
        )),
        "{line}"
    );
    assert!(
        line.contains("(Job/team-backfill: spec.template.spec.restartPolicy)"),
        "{line}"
    );
}

#[test]
fn missing_renderers_are_clear_errors() {
    let empty = scratch("no-tools");
    let chart = root().join(CHART);
    let chart = chart.to_str().unwrap();
    let path = [("PATH", empty.to_str().unwrap())];
    let out = joblint_in(&empty, &["lint", "--helm", chart], &path);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "joblint: --helm needs helm, which is not installed: looked on PATH and in .tools/bin/; install it or set JOBLINT_HELM to its path"
    );
    let kustomize = root().join(KUSTOMIZE);
    let out = joblint_in(
        &empty,
        &["lint", "--kustomize", kustomize.to_str().unwrap()],
        &path,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--kustomize needs kubectl, which is not installed"));

    let out = joblint_in(
        &empty,
        &["lint", "--helm", chart],
        &[
            ("PATH", empty.to_str().unwrap()),
            ("JOBLINT_HELM", "/no/such/helm"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("JOBLINT_HELM is set to /no/such/helm, which is not a file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = joblint(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = stdout(&out);
        assert!(text.len() > 500, "{shell}: {text}");
        assert!(text.contains("lint"), "{shell}");
        assert!(text.contains("--format"), "{shell}");
    }
    let out = joblint(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq \\(aq") || page.contains(".TH joblint"),
        "{page}"
    );
    assert!(page.contains(".TH joblint-lint"), "{page}");
    assert!(page.contains("\\-\\-helm"), "{page}");
}

#[test]
fn explain_points_to_the_rule_page() {
    let out = joblint(&["explain", "restart-policy-on-failure"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("# restart-policy-on-failure\n"), "{text}");
    assert!(text.ends_with(&format!(
        "Online: {}/restart-policy-on-failure.md\n",
        joblint::docs::RULE_DOCS_BASE_URL
    )));
}

#[test]
fn suppressed_findings_are_sarif_suppressions() {
    let dir = scratch("suppressed");
    let text = std::fs::read_to_string(root().join(JOBS)).unwrap().replace(
        "      restartPolicy: OnFailure\n",
        "      # joblint-ignore: restart-policy-on-failure retried by the caller\n      restartPolicy: OnFailure\n",
    );
    std::fs::write(dir.join("jobs.yaml"), text).unwrap();
    let out = joblint_in(&dir, &["lint", "--format", "sarif", "jobs.yaml"], &[]);
    let log = json(&out);
    assert_valid_sarif(&log);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "restart-policy-on-failure");
    assert_eq!(result["suppressions"][0]["kind"], "inSource");
    // The other formats leave it out.
    let out = joblint_in(&dir, &["lint", "--format", "github", "jobs.yaml"], &[]);
    assert!(
        !stdout(&out).contains("restart-policy-on-failure"),
        "{}",
        stdout(&out)
    );
}

/// A file a kustomization lists as a patch is not linted; SARIF says so in a note (a valid
/// notification that does not fail the run), GitHub as a notice on the file, JUnit as a skipped
/// test case.
#[test]
fn files_not_linted_are_noted_in_sarif_github_and_junit() {
    let dir = scratch("kustomize-patch");
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources: [job.yaml]\npatchesStrategicMerge:\n  - patch.yaml\n",
    )
    .unwrap();
    std::fs::copy(root().join(GOOD), dir.join("job.yaml")).unwrap();
    std::fs::write(
        dir.join("patch.yaml"),
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: x}\nspec: {template: {spec: {restartPolicy: Always}}}\n",
    )
    .unwrap();

    let out = joblint_in(&dir, &["lint", "--format", "sarif", "."], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = json(&out);
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["level"], "note");
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "patch.yaml"
    );
    let text = notes[0]["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("not linted: a kustomize patch (listed in kustomization.yaml)"),
        "{text}"
    );

    let out = joblint_in(&dir, &["lint", "--format", "github", "."], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let annotations = stdout(&out);
    assert!(
        annotations.starts_with(
            "::notice file=patch.yaml,title=joblint%3A not linted::a kustomize patch (listed in kustomization.yaml)"
        ),
        "{annotations}"
    );
    assert_eq!(annotations.lines().count(), 1, "{annotations}");

    let out = joblint_in(&dir, &["lint", "--format", "junit", "./patch.yaml"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let xml = stdout(&out);
    assert!(
        xml.contains(
            "<testsuites name=\"joblint\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\">"
        ) && xml.contains(
            "<testcase name=\"not linted\" classname=\"./patch.yaml\">\n      <skipped message=\"a kustomize patch (listed in kustomization.yaml), not a whole object;"
        ),
        "{xml}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
