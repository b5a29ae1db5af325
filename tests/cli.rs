//! Drives the real `joblint` binary: exact locations, JSON output, stdin, directories, Lists,
//! multi-document and JSON inputs, suppression, configuration and exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn data(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
        .display()
        .to_string()
}

fn joblint_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_joblint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("joblint starts");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(pipe);
    let out = child.wait_with_output().expect("joblint runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs in an empty directory, so that no `.joblint.yaml` of the checkout is picked up.
fn joblint(args: &[&str], stdin: Option<&str>) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    joblint_in(dir.path(), args, stdin)
}

/// Writes `files` (path relative to `root`, text) under `root`, creating their directories.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("a file in a directory")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

/// (rule, file name, line, column, path, object name) of every finding of the given rules.
fn located(v: &Value, rules: &[&str]) -> Vec<(String, String, u64, u64, String, String)> {
    v["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter(|f| rules.contains(&f["rule"].as_str().unwrap_or("")))
        .map(|f| {
            let file = f["file"].as_str().unwrap_or("");
            let name = Path::new(file)
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(file);
            (
                f["rule"].as_str().unwrap_or("").to_owned(),
                name.to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["path"].as_str().unwrap_or("").to_owned(),
                f["object"]["name"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

const RESTART: &[&str] = &[
    "restart-policy-invalid",
    "api-restart-policy",
    "restart-policy-on-failure",
];

fn t(
    rule: &str,
    file: &str,
    line: u64,
    col: u64,
    path: &str,
    name: &str,
) -> (String, String, u64, u64, String, String) {
    (
        rule.into(),
        file.into(),
        line,
        col,
        path.into(),
        name.into(),
    )
}

#[test]
fn multi_document_file_gives_exact_locations() {
    let run = joblint(&["lint", "--format", "json", &data("cli/multi.yaml")], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = json(&run);
    let found = located(&v, RESTART);
    // The unset restartPolicy is reported at the key of its parent (`spec:` of the pod template).
    assert!(
        found.iter().any(|f| f.1 == "multi.yaml"
            && (f.2, f.3) == (8, 5)
            && f.4 == "spec.template.spec.restartPolicy"
            && f.5 == "defaults-to-always"),
        "{found:?}"
    );
    assert!(
        found.contains(&t(
            "restart-policy-on-failure",
            "multi.yaml",
            23,
            26,
            "spec.jobTemplate.spec.template.spec.restartPolicy",
            "on-failure"
        )),
        "{found:?}"
    );
    let first = &v["findings"][0];
    assert_eq!(first["object"]["document"], 0);
    assert_eq!(
        v["summary"]["objects"], 2,
        "the ConfigMap is counted apart, not linted"
    );
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["version"], 1);
    // end positions cover the underlined text
    let on_failure = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "restart-policy-on-failure")
        .unwrap();
    assert_eq!(
        (
            on_failure["end_line"].as_u64(),
            on_failure["end_column"].as_u64()
        ),
        (Some(23), Some(35))
    );
}

#[test]
fn list_items_are_linted_with_their_own_location() {
    let run = joblint(&["lint", "--format", "json", &data("cli/list.yaml")], None);
    let v = json(&run);
    assert_eq!(v["summary"]["objects"], 2);
    let found = located(&v, RESTART);
    assert!(
        found.iter().any(|f| (f.2, f.3) == (20, 26)
            && f.5 == "second"
            && f.4 == "spec.template.spec.restartPolicy"),
        "{found:?}"
    );
    assert!(found.iter().all(|f| f.5 != "first"), "{found:?}");
    let second = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["object"]["name"] == "second")
        .unwrap();
    assert_eq!(second["object"]["item"], 1);
}

#[test]
fn json_input_files() {
    let run = joblint(&["lint", "--format", "json", &data("cli/job.json")], None);
    let found = located(&json(&run), RESTART);
    assert_eq!(
        found,
        vec![t(
            "restart-policy-on-failure",
            "job.json",
            8,
            26,
            "spec.template.spec.restartPolicy",
            "from-json"
        )]
    );
}

#[test]
fn stdin_is_linted_as_stdin() {
    let text = std::fs::read_to_string(data("cli/multi.yaml")).unwrap();
    let run = joblint(&["lint", "--format", "json", "-"], Some(&text));
    let v = json(&run);
    let found = located(&v, &["restart-policy-on-failure"]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "<stdin>");
    assert_eq!((found[0].2, found[0].3), (23, 26));
}

#[test]
fn directories_are_walked_skipping_hidden_and_excluded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let job = std::fs::read_to_string(data("cli/job.json")).unwrap();
    let files = [
        "a/job.json",
        "a/b/job.yml",
        ".hidden/job.yaml",
        "vendor/job.yaml",
        "notes.txt",
    ];
    write_tree(root, &files.map(|rel| (rel, job.as_str())));
    let run = joblint_in(
        root,
        &["lint", "--format", "json", "--exclude", "vendor/**", "."],
        None,
    );
    let v = json(&run);
    let mut files: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_owned())
        .collect();
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        vec!["./a/b/job.yml", "./a/job.json"],
        "{}",
        run.stderr
    );
    assert_eq!(v["summary"]["files"], 2);
}

/// What git ignores is not walked (as ripgrep and ruff do), unless `--no-ignore`; hidden files
/// are skipped either way, and a file named explicitly is always read.
#[test]
fn directories_are_walked_skipping_what_git_ignores() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let job = std::fs::read_to_string(data("cli/job.json")).unwrap();
    let files = [
        "a/job.yaml",
        "build/job.yaml",
        "generated/job.yaml",
        ".pipeline.yaml",
    ];
    write_tree(root, &files.map(|rel| (rel, job.as_str())));
    // A repository (`.gitignore` counts only inside one) and a plain `.ignore` file.
    std::fs::create_dir(root.join(".git")).unwrap();
    write_tree(
        root,
        &[(".gitignore", "build/\n"), (".ignore", "generated/\n")],
    );
    let linted = |args: &[&str]| {
        let mut all = vec!["lint", "--format", "json"];
        all.extend(args);
        let run = joblint_in(root, &all, None);
        let mut files: Vec<String> = json(&run)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["file"].as_str().unwrap().to_owned())
            .collect();
        files.dedup();
        files
    };
    assert_eq!(linted(&["."]), ["./a/job.yaml"]);
    assert_eq!(
        linted(&["--no-ignore", "."]),
        ["./a/job.yaml", "./build/job.yaml", "./generated/job.yaml"]
    );
    assert_eq!(linted(&["build/job.yaml"]), ["build/job.yaml"]);
}

#[test]
fn exit_codes() {
    let good = data("cli/list.yaml");
    // findings at or above fail-on → 1
    assert_eq!(joblint(&["lint", &good], None).code, 1);
    // nothing reaches fail-on → 0
    assert_eq!(
        joblint(&["lint", "--fail-on", "never", &good], None).code,
        0
    );
    // an unreadable path → 2, and the other inputs are still linted
    let run = joblint(
        &["lint", "--format", "json", "/no/such/file.yaml", &good],
        None,
    );
    assert_eq!(run.code, 2);
    let v = json(&run);
    assert_eq!(v["summary"]["objects"], 2);
    assert_eq!(v["input_errors"][0]["file"], "/no/such/file.yaml");
    // usage errors → 2
    assert_eq!(joblint(&["lint"], None).code, 2);
    assert_eq!(
        joblint(&["lint", "--fail-on", "sometimes", &good], None).code,
        2
    );
    assert_eq!(
        joblint(&["lint", "--disable", "no-such-rule", &good], None).code,
        2
    );
}

#[test]
fn invalid_yaml_is_reported_and_earlier_documents_still_linted() {
    let run = joblint(
        &["lint", "--format", "json", &data("cli/broken.yaml")],
        None,
    );
    assert_eq!(run.code, 2);
    let v = json(&run);
    let err = &v["input_errors"][0];
    assert_eq!(err["line"], 15, "{err}");
    assert!(
        err["message"].as_str().unwrap().starts_with("invalid YAML"),
        "{err}"
    );
    let found = located(&v, &["restart-policy-on-failure"]);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].5, "before-the-error");
}

#[test]
fn non_utf8_input_is_located_and_the_run_continues() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        b"apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    let run = joblint(
        &[
            "lint",
            "--format",
            "json",
            bad.to_str().unwrap(),
            &data("cli/job.json"),
        ],
        None,
    );
    assert_eq!(run.code, 2);
    let v = json(&run);
    assert_eq!(v["input_errors"][0]["line"], 4);
    assert_eq!(v["input_errors"][0]["column"], 12);
    assert_eq!(v["summary"]["objects"], 1);
}

/// A manifest's control characters never reach the terminal: raw ones are an error where they
/// stand (as kubectl has it), escaped ones (`\e` in a double-quoted string) reach messages as
/// their pictures; the run goes on with the other files.
#[test]
fn control_characters_are_errors_and_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.yaml");
    std::fs::write(
        &raw,
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: \"a\u{1b}]0;owned\u{7}\"\n",
    )
    .unwrap();
    let escaped = dir.path().join("escaped.yaml");
    std::fs::write(
        &escaped,
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: m, image: \"busybox\\e[2J\"}]\n",
    )
    .unwrap();
    let run = joblint(
        &[
            "lint",
            "--no-config",
            "--only",
            "mutable-image-tag",
            raw.to_str().unwrap(),
            escaped.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(!run.stdout.contains('\u{7}'), "{:?}", run.stdout);
    for expected in [
        "error: invalid YAML: control character U+001B is not allowed in YAML",
        "raw.yaml:4:11",
        "4 │   name: \"a?]0;owned?\"",
        "  │           ^ here",
        "image `busybox\u{241b}[2J` has no tag",
        "joblint: 1 object checked in 2 files: 0 errors, 1 warning, 0 infos; 1 input error",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected:?} in\n{}",
            run.stdout
        );
    }
}

/// A Job copied from a cluster (`kubectl get job -o yaml`) carries its generated selector and
/// labels, which kube-apiserver rejects on create: the findings say where they came from.
#[test]
fn a_job_copied_from_a_cluster_is_told_apart() {
    let uid = "3f1d7d1e-8e0b-4a43-9a38-2b8f1a7c9e10";
    let manifest = |selector_uid: &str| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: db-migrate\n  uid: {uid}\nspec:\n  selector:\n    matchLabels:\n      batch.kubernetes.io/controller-uid: {selector_uid}\n  template:\n    metadata:\n      labels:\n        batch.kubernetes.io/controller-uid: {selector_uid}\n        batch.kubernetes.io/job-name: db-migrate\n        controller-uid: {selector_uid}\n        job-name: db-migrate\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: registry.example/migrate:1.0\n"
        )
    };
    let helps = |text: &str| -> Vec<(String, String)> {
        let run = joblint(
            &["lint", "--format", "json", "--only", "api-selector", "-"],
            Some(text),
        );
        json(&run)["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap_or_default().to_owned();
                (path, f["help"].as_str().unwrap_or_default().to_owned())
            })
            .collect()
    };
    let copied = helps(&manifest(uid));
    let paths: Vec<&str> = copied.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.selector",
            "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]",
            "spec.template.metadata.labels[controller-uid]"
        ]
    );
    assert!(
        copied
            .iter()
            .all(|(_, help)| help.contains("copied from a cluster")),
        "{copied:?}"
    );
    // The same selector and labels written by hand (another uid) get the general advice.
    let written = helps(&manifest("0c0ffee0-0000-4000-8000-000000000000"));
    assert_eq!(written.len(), 3, "{written:?}");
    assert!(
        written
            .iter()
            .all(|(_, help)| !help.contains("copied from a cluster")),
        "{written:?}"
    );
}

/// `--enable`, `--disable`, `--only` and the config's `rules:` take a category (`api`, `ttl`, ...)
/// for all its rules; a rule's own setting wins over its category's.
#[test]
fn rules_are_chosen_by_category_too() {
    // A Job read back from a cluster: the api family judges it as a create would.
    let live = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  uid: 3f1d7d1e-8e0b-4a43-9a38-2b8f1a7c9e10\nspec:\n  selector:\n    matchLabels:\n      batch.kubernetes.io/controller-uid: \"3f1d7d1e-8e0b-4a43-9a38-2b8f1a7c9e10\"\n  template:\n    metadata:\n      labels:\n        batch.kubernetes.io/controller-uid: \"3f1d7d1e-8e0b-4a43-9a38-2b8f1a7c9e10\"\n        batch.kubernetes.io/job-name: j\n        controller-uid: \"3f1d7d1e-8e0b-4a43-9a38-2b8f1a7c9e10\"\n        job-name: j\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: c\n          image: app:1.0\n";
    let rules = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["lint", "--format", "json"];
        all.extend_from_slice(args);
        all.push("-");
        let run = joblint(&all, Some(live));
        let mut rules: Vec<String> = json(&run)["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{}{}", run.stdout, run.stderr))
            .iter()
            .map(|f| f["rule"].as_str().unwrap_or_default().to_owned())
            .collect();
        rules.sort();
        rules.dedup();
        rules
    };
    let everything = rules(&[]);
    assert!(
        everything.contains(&"api-selector".to_owned()),
        "{everything:?}"
    );
    assert!(
        everything.contains(&"ttl-missing".to_owned()),
        "{everything:?}"
    );

    let audit = rules(&["--disable", "api"]);
    assert!(!audit.iter().any(|r| r.starts_with("api-")), "{audit:?}");
    assert!(audit.contains(&"ttl-missing".to_owned()), "{audit:?}");
    let one_back = rules(&["--disable", "api", "--enable", "api-selector"]);
    assert!(
        one_back.contains(&"api-selector".to_owned()),
        "{one_back:?}"
    );
    assert_eq!(rules(&["--only", "ttl"]), ["ttl-missing"]);

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("joblint.yaml");
    std::fs::write(
        &config,
        "rules:\n  api: off\n  api-selector: info\n  ttl: off\n",
    )
    .unwrap();
    let configured = rules(&["--config", config.to_str().unwrap()]);
    assert!(
        configured.contains(&"api-selector".to_owned()),
        "{configured:?}"
    );
    assert!(
        !configured
            .iter()
            .any(|r| r.starts_with("ttl-") || (r.starts_with("api-") && r != "api-selector")),
        "{configured:?}"
    );

    // A category takes no parameters; a misspelt one is an unknown name, with a suggestion.
    std::fs::write(
        &config,
        "rules:\n  ttl:\n    params:\n      minimum-seconds: 60\n",
    )
    .unwrap();
    let run = joblint(
        &["lint", "--config", config.to_str().unwrap(), "-"],
        Some(live),
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(":3:5: /rules/ttl: unknown key params"),
        "{}",
        run.stderr
    );
    let run = joblint(&["lint", "--disable", "apii", "-"], Some(live));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("(did you mean `api`?)"),
        "{}",
        run.stderr
    );
}

#[test]
fn suppressions_are_counted_not_dropped() {
    let run = joblint(
        &["lint", "--format", "json", &data("cli/suppressed.yaml")],
        None,
    );
    let v = json(&run);
    assert!(
        located(&v, &["restart-policy-on-failure"]).is_empty(),
        "{}",
        run.stdout
    );
    let suppressed: Vec<&Value> = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "restart-policy-on-failure")
        .collect();
    assert_eq!(suppressed.len(), 2);
    assert_eq!(suppressed[0]["suppressed"]["by"], "annotation");
    assert_eq!(suppressed[1]["suppressed"]["by"], "comment");
    assert_eq!(
        suppressed[1]["suppressed"]["reason"],
        "the tool restarts cleanly in place"
    );
    assert!(v["summary"]["suppressed"].as_u64().unwrap() >= 2);
}

#[test]
fn config_file_is_discovered_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(
        dir.path().join(".joblint.yaml"),
        "rules:\n  restart-policy-on-failure: error\nfail-on: error\n",
    )
    .unwrap();
    let run = joblint_in(
        &sub,
        &["lint", "--format", "json", &data("cli/job.json")],
        None,
    );
    let v = json(&run);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "restart-policy-on-failure")
        .unwrap();
    assert_eq!(f["severity"], "error");
    assert_eq!(run.code, 1);
    // --disable on the command line wins over the config
    let run = joblint_in(
        &sub,
        &[
            "lint",
            "--format",
            "json",
            "--disable",
            "restart-policy-on-failure",
            &data("cli/job.json"),
        ],
        None,
    );
    assert!(located(&json(&run), &["restart-policy-on-failure"]).is_empty());
}

#[test]
fn config_mistakes_are_reported_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg.yaml");
    let lint_with = |config: &str| {
        std::fs::write(&cfg, config).unwrap();
        joblint(
            &[
                "lint",
                "--config",
                cfg.to_str().unwrap(),
                &data("cli/job.json"),
            ],
            None,
        )
    };

    let run =
        lint_with("fail-on: warning\nrules:\n  restart-policy-on-failure:\n    severity: fatal\n");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cfg.yaml:4:15"), "{}", run.stderr);

    let run = lint_with("rules:\n  restart-policy-on-failur: off\n");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cfg.yaml:2:3"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("did you mean `restart-policy-on-failure`"),
        "{}",
        run.stderr
    );

    let run = lint_with("exclude: vendor\nunknown-key: 1\n");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cfg.yaml:1:10"), "{}", run.stderr);

    // Every value that would do, not two of them and a count.
    let run = lint_with("rules:\n  ttl-missing: warn\n");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "cfg.yaml:2:16: /rules/ttl-missing: \"warn\" is not one of \"off\", \"error\", \"warning\", \"info\", true, false"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn config_schema_is_printed() {
    let run = joblint(&["config", "schema"], None);
    assert_eq!(run.code, 0);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(v["properties"]["rules"]["properties"]["restart-policy-on-failure"].is_object());
    jsonschema::validator_for(&v).expect("the printed schema is a valid JSON Schema");
}

#[test]
fn custom_rules_point_at_the_failing_node() {
    let run = joblint(
        &[
            "lint",
            "--format",
            "json",
            "--rules-dir",
            &data("custom-rules"),
            &data("cli/job.json"),
        ],
        None,
    );
    let v = json(&run);
    let found = located(&v, &["container-memory-limit", "require-team-label"]);
    assert!(
        found.contains(&t(
            "container-memory-limit",
            "job.json",
            9,
            25,
            "spec.template.spec.containers[0].resources",
            "from-json"
        )),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "require-team-label" && f.4 == "metadata.labels"),
        "{found:?}"
    );
}

#[test]
fn rules_and_explain_come_from_the_rule_files() {
    let run = joblint(&["rules"], None);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("restart-policy-on-failure ")),
        "{}",
        run.stdout
    );
    let run = joblint(&["explain", "restart-policy-on-failure"], None);
    assert_eq!(run.code, 0);
    let rule = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules/restart-policy-on-failure.yaml"),
    )
    .unwrap();
    assert!(
        rule.contains("kubernetes/kubernetes#54870")
            && run.stdout.contains("kubernetes/kubernetes#54870")
    );
    for (name, said) in [
        (
            "no-such-rule",
            "unknown rule `no-such-rule` (see `joblint rules`)",
        ),
        (
            "ttl-mising",
            "unknown rule `ttl-mising` (did you mean `ttl-missing`?)",
        ),
        (
            "ttl",
            "`ttl` is a category, not a rule; its rules: cronjob-ttl-vs-history, gitops-ttl-recreate, ttl-missing, ttl-too-short",
        ),
    ] {
        let run = joblint(&["explain", name], None);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains(said), "{}", run.stderr);
    }
}

#[test]
fn human_output_is_what_the_user_sees() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("cli/multi.yaml"), dir.path().join("multi.yaml")).unwrap();
    let run = joblint_in(
        dir.path(),
        &["lint", "--color", "never", "multi.yaml"],
        None,
    );
    insta::assert_snapshot!("human_multi", run.stdout);
}

/// A kustomize overlay: `base/` holds a whole Job, `overlays/prod/` a patch of it.
fn kustomize_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The repository root: kustomizations are looked for up to here.
    std::fs::create_dir(root.join(".git")).unwrap();
    let files = [
        ("base/kustomization.yaml", "resources:\n  - job.yaml\n"),
        (
            "base/job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: backfill\nspec:\n  template:\n    spec:\n      restartPolicy: OnFailure\n      containers:\n        - name: main\n          image: busybox:1.36\n",
        ),
        (
            "overlays/prod/kustomization.yaml",
            "resources:\n  - ../../base\npatches:\n  - path: patches/job.yaml\n",
        ),
        // Only what the overlay changes: no restartPolicy, no container name, no schedule.
        (
            "overlays/prod/patches/job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: backfill\nspec:\n  template:\n    spec:\n      containers:\n        - image: busybox:1.37\n",
        ),
    ];
    write_tree(root, &files);
    dir
}

#[test]
fn kustomize_patches_are_not_linted_as_whole_objects() {
    let tree = kustomize_tree();
    let root = tree.path();
    let run = joblint_in(root, &["lint", "--format", "json", "."], None);
    let v = json(&run);
    let files: std::collections::BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["./base/job.yaml"].into(), "{}", run.stdout);
    assert_eq!(v["summary"]["skipped"], 1);
    // The two kustomizations and the base Job were read.
    assert_eq!(v["summary"]["files"], 3);
    let skipped = &v["skipped"][0];
    assert_eq!(skipped["file"], "./overlays/prod/patches/job.yaml");
    assert_eq!(
        skipped["reason"],
        "a kustomize patch (listed in overlays/prod/kustomization.yaml), not a whole object; \
         lint what it builds into with `joblint lint --kustomize overlays/prod`"
    );

    // As pre-commit runs it: the changed patch file named on its own.
    let run = joblint_in(root, &["lint", "overlays/prod/patches/job.yaml"], None);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "note: overlays/prod/patches/job.yaml: not linted: a kustomize patch (listed in \
         overlays/prod/kustomization.yaml), not a whole object; lint what it builds into with \
         `joblint lint --kustomize overlays/prod`\n\
         joblint: 0 objects checked in 0 files: no problems; 1 file not linted\n"
    );

    // The same file is linted where no kustomization lists it.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir(elsewhere.path().join(".git")).unwrap();
    std::fs::copy(
        root.join("overlays/prod/patches/job.yaml"),
        elsewhere.path().join("job.yaml"),
    )
    .unwrap();
    let run = joblint_in(
        elsewhere.path(),
        &["lint", "--format", "json", "job.yaml"],
        None,
    );
    let v = json(&run);
    assert_eq!(v["summary"]["skipped"], 0);
    assert!(
        v["summary"]["errors"].as_u64().unwrap() > 0,
        "{}",
        run.stdout
    );
}

#[test]
fn helm_chart_templates_are_not_linted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    let files = [
        (
            "charts/app/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        ),
        ("charts/app/values.yaml", "image: busybox:1.36\n"),
        (
            "charts/app/templates/job.yaml",
            "{{- if .Values.enabled }}\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}\n{{- end }}\n",
        ),
        (
            "charts/app/templates/cron.yaml",
            "{{- include \"app.cron\" . }}\n",
        ),
    ];
    write_tree(root, &files);
    // A directory walk, and pre-commit naming the changed template.
    for (arg, templates) in [(".", 2), ("charts/app/templates/job.yaml", 1)] {
        let run = joblint_in(root, &["lint", "--format", "json", arg], None);
        assert_eq!(run.code, 0, "{arg}: {}{}", run.stdout, run.stderr);
        let v = json(&run);
        assert_eq!(v["input_errors"], serde_json::json!([]), "{arg}");
        assert_eq!(v["summary"]["skipped"], templates, "{arg}");
        assert_eq!(
            v["skipped"][0]["reason"],
            "a template of the Helm chart charts/app, not YAML until rendered; lint what it \
             renders with `joblint lint --helm charts/app`",
            "{arg}"
        );
    }
    // People are told once per chart.
    let run = joblint_in(root, &["lint", "."], None);
    assert_eq!(
        run.stdout,
        "note: ./charts/app/templates/cron.yaml and 1 more: not linted: a template of the Helm \
         chart charts/app, not YAML until rendered; lint what it renders with `joblint lint \
         --helm charts/app`\n\
         joblint: 0 objects checked in 2 files: no problems; 2 files not linted\n"
    );
}
