//! The `schema` family on fixtures the API server accepts and rejects (tests/data/schema/): each
//! rejected fixture yields exactly the listed findings, at the JSON path and line:col of the
//! offending node (the key of an unknown field, the value of a wrong type), all severity error in
//! category `schema`; accepted fixtures yield none.

use std::path::Path;

use joblint::finding::FileReport;
use joblint::source::Source;
use joblint::{Linter, Severity};

fn lint(file: &str) -> FileReport {
    let linter = Linter::builtin().expect("built-in rules load");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/schema")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("fixture exists");
    let report = linter.lint_source(&Source::new(file, text));
    assert!(
        report.input_errors.is_empty(),
        "{file}: {:?}",
        report.input_errors
    );
    report
}

/// The schema findings of a fixture as `rule line:col path: message`.
fn schema_findings(file: &str) -> Vec<String> {
    let report = lint(file);
    report
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("schema-"))
        .map(|f| {
            assert_eq!(&*f.category, "schema", "{}", f.rule);
            assert_eq!(f.severity, Severity::Error, "{}", f.rule);
            format!(
                "{} {}:{} {}: {}",
                f.rule, f.location.start.line, f.location.start.column, f.path, f.message
            )
        })
        .collect()
}

fn assert_findings(file: &str, expected: &[&str]) {
    let actual = schema_findings(file);
    assert_eq!(actual, expected, "{file}: got\n{}", actual.join("\n"));
}

#[test]
fn accepted_fixtures_have_no_schema_finding() {
    for file in ["job-accepted.yaml", "cronjob-accepted.yaml"] {
        let report = lint(file);
        assert_eq!(report.objects, 1, "{file}");
        assert_findings(file, &[]);
    }
}

#[test]
fn job_unknown_fields_point_at_the_key() {
    assert_findings(
        "job-unknown-fields.yaml",
        &[
            "schema-unknown-field 5:3 metadata.label: unknown field `label` in ObjectMeta; did you mean `labels`?",
            "schema-unknown-field 8:3 spec.ttlSecondAfterFinished: unknown field `ttlSecondAfterFinished` in JobSpec; did you mean `ttlSecondsAfterFinished`?",
            "schema-unknown-field 9:3 spec.restartPolicy: unknown field `restartPolicy` in JobSpec; `restartPolicy` belongs in spec.template.spec",
            "schema-unknown-field 12:7 spec.template.spec.RestartPolicy: unknown field `RestartPolicy` in PodSpec; did you mean `restartPolicy`?",
            "schema-unknown-field 16:11 spec.template.spec.containers[0].privileged: unknown field `privileged` in Container; `privileged` belongs in spec.template.spec.containers[*].securityContext",
            "schema-unknown-field 18:13 spec.template.spec.containers[0].resources.limit: unknown field `limit` in ResourceRequirements; did you mean `limits`?",
            "schema-unknown-field 22:11 spec.template.spec.initContainers[0].runAsNonRoot: unknown field `runAsNonRoot` in Container; `runAsNonRoot` belongs in spec.template.spec.initContainers[*].securityContext",
        ],
    );
}

#[test]
fn cronjob_unknown_fields_point_at_the_key() {
    assert_findings(
        "cronjob-unknown-fields.yaml",
        &[
            "schema-unknown-field 7:3 spec.backoffLimit: unknown field `backoffLimit` in CronJobSpec; `backoffLimit` belongs in spec.jobTemplate.spec",
            "schema-unknown-field 12:11 spec.jobTemplate.spec.template.spec.restartpolicy: unknown field `restartpolicy` in PodSpec; did you mean `restartPolicy`?",
            "schema-unknown-field 17:15 spec.jobTemplate.spec.template.spec.containers[0].ImagePullPolicy: unknown field `ImagePullPolicy` in Container; did you mean `imagePullPolicy`?",
            "schema-unknown-field 18:15 spec.jobTemplate.spec.template.spec.containers[0].frobnicate: unknown field `frobnicate` in Container",
        ],
    );
}

#[test]
fn job_wrong_types_point_at_the_value() {
    assert_findings(
        "job-wrong-types.yaml",
        &[
            "schema-wrong-type 6:17 spec.backoffLimit: found the string \"6\" where an integer (int32) is expected",
            "schema-wrong-type 7:16 spec.completions: the integer 3000000000 is out of the int32 range (-2147483648 to 2147483647)",
            "schema-wrong-type 8:16 spec.parallelism: found the number 1.5 where an integer (int32) is expected",
            "schema-wrong-type 9:26 spec.activeDeadlineSeconds: the number 99999999999999999999 is out of the int64 range (-9223372036854775808 to 9223372036854775807)",
            "schema-wrong-type 10:12 spec.suspend: found the string \"false\" where a boolean is expected",
            "schema-wrong-type 17:20 spec.template.spec.containers[0].command: found the string \"/bin/report\" where a list is expected",
            "schema-wrong-type 19:30 spec.template.spec.containers[0].ports[0].containerPort: found the string \"8080\" where an integer (int32) is expected",
            "schema-wrong-type 22:20 spec.template.spec.containers[0].resources.requests[cpu]: found the boolean true where a quantity (a string such as 500m or 1Gi, or a number) is expected",
            "schema-wrong-type 24:29 spec.template.spec.containers[0].livenessProbe.httpGet.port: found the number 1.5 where an integer or a string is expected",
            "schema-wrong-type 26:13 spec.template.spec.containers[0].volumeMounts: found an object where a list is expected",
        ],
    );
}

#[test]
fn cronjob_wrong_types_point_at_the_value() {
    assert_findings(
        "cronjob-wrong-types.yaml",
        &[
            "schema-wrong-type 5:11 metadata.labels: found a list where a map (key: value entries) is expected",
            "schema-wrong-type 7:13 spec.schedule: found a list where a string is expected",
            "schema-wrong-type 8:31 spec.successfulJobsHistoryLimit: the integer 2147483648 is out of the int32 range (-2147483648 to 2147483647)",
            "schema-wrong-type 17:20 spec.jobTemplate.spec.template.spec.containers[0].env: found an object where a list is expected",
        ],
    );
}

#[test]
fn quoted_numbers_get_a_remove_the_quotes_help() {
    let report = lint("job-wrong-types.yaml");
    let backoff = report
        .findings
        .iter()
        .find(|f| f.path == "spec.backoffLimit")
        .expect("backoffLimit finding");
    assert_eq!(backoff.help.as_deref(), Some("remove the quotes: 6"));
}

#[test]
fn job_yaml11_values_name_what_kubectl_reads() {
    assert_findings(
        "job-yaml11.yaml",
        &[
            "schema-yaml11-coercion 6:14 metadata.labels[version]: `1.10` is read as the number 1.1 by kubectl; quote it: \"1.10\"",
            "schema-yaml11-coercion 7:13 metadata.labels[canary]: `yes` is read as the boolean true by kubectl (YAML 1.1); quote it: \"yes\"",
            "schema-yaml11-coercion 9:23 metadata.annotations[example.com/mode]: `0755` is read as the octal number 493 by kubectl (YAML 1.1); quote it: \"0755\"",
            "schema-yaml11-coercion 15:14 spec.template.spec.nodeSelector[gpu]: `true` is read as the boolean true by kubectl; quote it: \"true\"",
            "schema-yaml11-coercion 19:26 spec.template.spec.containers[0].args[1]: `8080` is read as the number 8080 by kubectl; quote it: \"8080\"",
            "schema-yaml11-coercion 19:41 spec.template.spec.containers[0].args[3]: `on` is read as the boolean true by kubectl (YAML 1.1); quote it: \"on\"",
            "schema-yaml11-coercion 22:22 spec.template.spec.containers[0].env[0].value: `yes` is read as the boolean true by kubectl (YAML 1.1); quote it: \"yes\"",
            "schema-yaml11-coercion 24:22 spec.template.spec.containers[0].env[1].value: `1e3` is read as the number 1000 by kubectl; quote it: \"1e3\"",
            // An explicit tag is no reading accident: it is reported as a plain wrong type.
            "schema-wrong-type 26:22 spec.template.spec.containers[0].env[2].value: found the integer 7 where a string is expected",
        ],
    );
}

#[test]
fn cronjob_yaml11_values_name_what_kubectl_reads() {
    assert_findings(
        "cronjob-yaml11.yaml",
        &[
            "schema-yaml11-coercion 7:13 spec.timeZone: `2024` is read as the number 2024 by kubectl; quote it: \"2024\"",
            "schema-yaml11-coercion 13:34 spec.jobTemplate.spec.template.metadata.annotations[example.com/enabled]: `off` is read as the boolean false by kubectl (YAML 1.1); quote it: \"off\"",
            "schema-yaml11-coercion 21:26 spec.jobTemplate.spec.template.spec.containers[0].env[0].value: `n` is read as the boolean false by kubectl (YAML 1.1); quote it: \"n\"",
        ],
    );
}

#[test]
fn a_node_gets_a_coercion_or_a_wrong_type_never_both() {
    let files = [
        "job-wrong-types.yaml",
        "cronjob-wrong-types.yaml",
        "job-yaml11.yaml",
        "cronjob-yaml11.yaml",
    ];
    for file in files {
        let report = lint(file);
        let mut seen = std::collections::BTreeSet::new();
        for f in report
            .findings
            .iter()
            .filter(|f| &*f.rule == "schema-wrong-type" || &*f.rule == "schema-yaml11-coercion")
        {
            assert!(
                seen.insert((f.location.span.start, f.location.span.end)),
                "{file}: two type findings at {}",
                f.path
            );
        }
    }
}

#[test]
fn job_duplicate_keys_label_both_places() {
    assert_findings(
        "job-duplicate-keys.yaml",
        &[
            "schema-duplicate-key 7:5 metadata.labels[app]: mapping key `app` is already defined at line 6",
            "schema-duplicate-key 19:15 spec.template.spec.containers[0].env[0].value: mapping key `value` is already defined at line 18",
            "schema-duplicate-key 20:3 spec.backoffLimit: mapping key `backoffLimit` is already defined at line 9",
        ],
    );
    let report = lint("job-duplicate-keys.yaml");
    let label = report
        .findings
        .iter()
        .find(|f| f.path == "spec.backoffLimit")
        .and_then(|f| f.labels.first())
        .expect("the first occurrence is labelled");
    assert_eq!(
        (label.location.start.line, label.location.start.column),
        (9, 3)
    );
    assert_eq!(label.message, "`backoffLimit` first defined here");
}

#[test]
fn cronjob_duplicate_keys_label_both_places() {
    assert_findings(
        "cronjob-duplicate-keys.yaml",
        &[
            "schema-duplicate-key 15:3 spec.schedule: mapping key `schedule` is already defined at line 6",
        ],
    );
}

#[test]
fn job_required_fields_after_defaulting() {
    assert_findings(
        "job-required.yaml",
        &[
            // `action` and `operator` are also API validation errors: the api finding stands for
            // both (see `api_findings_replace_schema_findings_on_the_same_field`).
            "schema-required-field 14:11 spec.template.spec.containers[0].name: required field `name` is missing in Container",
            "schema-required-field 16:15 spec.template.spec.containers[0].env[0].name: required field `name` is missing in EnvVar",
            "schema-required-field 18:15 spec.template.spec.containers[0].ports[0].containerPort: required field `containerPort` is missing in ContainerPort",
            "schema-required-field 24:1 spec.template: required field `template` is missing in JobSpec",
            "schema-required-field 33:5 spec.template.spec.containers: required field `containers` is missing in PodSpec",
        ],
    );
}

#[test]
fn api_findings_replace_schema_findings_on_the_same_field() {
    let report = lint("job-required.yaml");
    for path in [
        "spec.podFailurePolicy.rules[0].action",
        "spec.podFailurePolicy.rules[0].onExitCodes.operator",
    ] {
        let at: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.path == path)
            .map(|f| &*f.category)
            .collect();
        assert!(
            !at.is_empty() && at.iter().all(|c| *c == "api"),
            "{path}: {at:?}"
        );
    }
}

#[test]
fn cronjob_required_fields_after_defaulting() {
    assert_findings(
        "cronjob-required.yaml",
        &[
            "schema-required-field 5:1 spec.schedule: required field `schedule` is missing in CronJobSpec",
            "schema-required-field 19:1 spec.jobTemplate: required field `jobTemplate` is missing in CronJobSpec",
        ],
    );
}

#[test]
fn defaulted_and_unchecked_fields_are_not_required() {
    // onPodConditions without status (defaulted to True), imagePullSecrets `{}` (a warning only),
    // no metadata at all (the name rule belongs to the api family), podFailurePolicy without rules.
    let text = "apiVersion: batch/v1\nkind: Job\nspec:\n  podFailurePolicy: {}\n  template:\n    spec:\n      restartPolicy: Never\n      imagePullSecrets: [{}]\n      containers: [{name: a, image: b}]\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      podFailurePolicy:\n        rules:\n          - action: Ignore\n            onPodConditions: [{type: DisruptionTarget}]\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: a, image: b}]\n";
    let report = Linter::builtin()
        .expect("built-in rules load")
        .lint_source(&Source::new("t.yaml", text));
    assert_eq!(report.objects, 2);
    let schema: Vec<_> = report
        .findings
        .iter()
        .filter(|f| &*f.category == "schema")
        .map(|f| format!("{} {}", f.rule, f.path))
        .collect();
    assert!(schema.is_empty(), "{schema:?}");
}

#[test]
fn duplicates_in_large_mappings_are_found() {
    // 20 000 labels (the hashed path), one key three times: two findings, each pointing back at
    // the first occurrence, and the value walked is the last one. (That the hashed path costs a
    // few steps per key is counted in the unit test `occurrences_cost_a_few_steps_per_key`.)
    let mut text =
        String::from("apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: big\n  labels:\n");
    for i in 0..20_000 {
        text.push_str(&format!("    k{i}: v\n"));
    }
    text.push_str("    k7: \"x\"\n    k7: yes\n");
    text.push_str("spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: a, image: b}]\n");
    let linter = Linter::builtin().expect("built-in rules load");
    let report = linter.lint_source(&Source::new("big.yaml", text));
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| &*f.category == "schema")
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f.rule, f.location.start.line, f.path, f.message
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "schema-duplicate-key 20006 metadata.labels[k7]: mapping key `k7` is already defined at line 13",
            "schema-duplicate-key 20007 metadata.labels[k7]: mapping key `k7` is already defined at line 13",
            "schema-yaml11-coercion 20007 metadata.labels[k7]: `yes` is read as the boolean true by kubectl (YAML 1.1); quote it: \"yes\"",
        ]
    );
}

#[test]
fn a_boolean_key_says_how_it_was_read() {
    let text = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: a\n          image: b\n          y: 1\n";
    let report = Linter::builtin()
        .expect("built-in rules load")
        .lint_source(&Source::new("t.yaml", text));
    let found: Vec<_> = report
        .findings
        .iter()
        .filter(|f| &*f.category == "schema")
        .map(|f| {
            format!(
                "{} {}:{} {}: {}",
                f.rule, f.location.start.line, f.location.start.column, f.path, f.message
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "schema-unknown-field 11:11 spec.template.spec.containers[0].true: unknown field `true` in Container (the key `y` is read as the boolean true)"
        ]
    );
}
