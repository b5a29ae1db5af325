//! Renders `charts/joblint` with the real helm binary and checks what a cluster operator relies on:
//! the webhook reaches the Service and the container that serves `/validate`, the apiserver can trust
//! the certificate, the webhook never sees kube-system or its own namespace, only Jobs and CronJobs are
//! intercepted, the pods run under the restricted Pod Security Standard, bad values are refused, every
//! object is valid Kubernetes 1.34, and `joblint lint` finds nothing wrong with the chart itself.
//!
//! helm comes from `JOBLINT_HELM`, then `.tools/bin/helm`, then PATH; kubernetes-validate from
//! `JOBLINT_KUBERNETES_VALIDATE`, then `.tools/bin`, then PATH. `scripts/fetch-tools.sh` installs both.
//! When one is missing a test fails under `CI=true` and skips (saying so on stderr) elsewhere.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize;
use serde_yaml::Value;

const RELEASE: &str = "joblint";
const NAMESPACE: &str = "joblint-system";
/// The admission path of `joblint serve`.
const ADMISSION_PATH: &str = "/validate";
/// Kubernetes version whose schemas every rendered object must satisfy.
const KUBE_SCHEMA_VERSION: &str = "1.34.0";
/// Kinds from CRDs (cert-manager, Prometheus Operator) that kubernetes-validate has no schema for.
const CRD_KINDS: [&str; 3] = ["Certificate", "Issuer", "ServiceMonitor"];

/// A CA certificate standing in for the one an operator brings in existingSecret mode.
const GIVEN_CA_PEM: &str =
    "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIUJoblintTestCA\n-----END CERTIFICATE-----\n";

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn chart_dir() -> PathBuf {
    repo_root().join("charts").join("joblint")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Looks for a tool in `env_var`, then `.tools/bin/`, then PATH. When it is missing, fails under
/// `CI=true` and otherwise prints why the calling test skips and returns None.
fn find_tool(env_var: &str, name: &str) -> Option<PathBuf> {
    let from_env = std::env::var_os(env_var).map(PathBuf::from);
    if let Some(path) = &from_env {
        assert!(
            path.is_file(),
            "${env_var} is set to {}, which is not a file",
            path.display()
        );
    }
    let local = Some(repo_root().join(".tools").join("bin").join(name));
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    });
    let found = [from_env, local, on_path]
        .into_iter()
        .flatten()
        .find(|candidate| candidate.is_file());
    if found.is_none() {
        let hint = format!(
            "{name} not found (${env_var}, .tools/bin/{name}, PATH), run scripts/fetch-tools.sh"
        );
        assert!(!in_ci(), "CI=true and {hint}");
        // Straight to the process's stderr: the test harness captures eprintln! of passing tests.
        let _ = writeln!(std::io::stderr(), "SKIPPED: {hint}");
    }
    found
}

fn helm() -> Option<Helm> {
    find_tool("JOBLINT_HELM", "helm").map(Helm)
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

struct Helm(PathBuf);

impl Helm {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.0)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.0.display()))
    }

    fn template_output(&self, values: &[&str]) -> Output {
        let chart = chart_dir();
        let chart = chart.to_str().expect("chart path is UTF-8");
        let mut args = vec!["template", RELEASE, chart, "--namespace", NAMESPACE];
        args.extend_from_slice(values);
        self.run(&args)
    }

    /// `helm template` with extra arguments (`--set ...`); the rendered text, or a panic with helm's error.
    fn template_text(&self, values: &[&str]) -> String {
        let output = self.template_output(values);
        assert!(
            output.status.success(),
            "helm template {values:?} failed:\n{}",
            stderr_of(&output)
        );
        String::from_utf8(output.stdout).expect("helm prints UTF-8")
    }

    fn template(&self, values: &[&str]) -> Rendered {
        Rendered::parse(&self.template_text(values))
    }

    /// `helm template` that must fail; returns helm's error message.
    fn template_error(&self, values: &[&str]) -> String {
        let output = self.template_output(values);
        assert!(
            !output.status.success(),
            "helm template {values:?} should have failed but rendered:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        stderr_of(&output)
    }
}

/// The three certificate modes and a set of non-default values, as `helm template` arguments.
fn scenarios() -> Vec<(&'static str, Vec<String>)> {
    let set = |pairs: &[&str]| -> Vec<String> {
        pairs
            .iter()
            .flat_map(|pair| ["--set".to_string(), (*pair).to_string()])
            .collect()
    };
    let ca_bundle = format!(
        "certificates.existingSecret.caBundle={}",
        base64(GIVEN_CA_PEM)
    );
    vec![
        ("self-signed (defaults)", Vec::new()),
        ("cert-manager", set(&["certificates.mode=certManager"])),
        (
            "cert-manager with a ClusterIssuer",
            set(&[
                "certificates.mode=certManager",
                "certificates.certManager.issuerRef.name=corp-ca",
                "certificates.certManager.issuerRef.kind=ClusterIssuer",
            ]),
        ),
        (
            "existing secret",
            set(&[
                "certificates.mode=existingSecret",
                "certificates.secretName=corp-webhook-tls",
                &ca_bundle,
            ]),
        ),
        ("non-default", non_default_values()),
    ]
}

fn non_default_values() -> Vec<String> {
    [
        "webhook.failurePolicy=Ignore",
        "webhook.timeoutSeconds=3",
        "webhook.operations={CREATE}",
        "webhook.namespaceSelector.excludeNamespaces={ci,kube-system}",
        "webhook.namespaceSelector.optOutLabel.value=",
        "config.webhook.mode=warn",
        "config.webhook.warnOn=warning",
        "config.webhook.allowCronJobOwnedJobs=false",
        "config.rules.ttl-missing=off",
        "config.rules.backoff-limit-too-high.severity=error",
        "config.rules.backoff-limit-too-high.params.max=6",
        "networkPolicy.enabled=true",
        "metrics.serviceMonitor.enabled=true",
        "replicaCount=3",
        "service.port=8443",
        "containerPorts.https=9443",
        "containerPorts.metrics=9091",
        "logFormat=text",
        "priorityClassName=system-cluster-critical",
        "clientCA.configMapName=apiserver-client-ca",
        "fullnameOverride=lint-hook",
    ]
    .iter()
    .flat_map(|pair| ["--set".to_string(), (*pair).to_string()])
    .collect()
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The objects of one `helm template` run.
struct Rendered {
    objects: Vec<Value>,
}

impl Rendered {
    fn parse(text: &str) -> Self {
        let objects = serde_yaml::Deserializer::from_str(text)
            .map(|doc| Value::deserialize(doc).expect("helm renders valid YAML"))
            .filter(|doc| !doc.is_null())
            .collect();
        Rendered { objects }
    }

    fn all(&self, kind: &str) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|o| str_at(o, &["kind"]) == Some(kind))
            .collect()
    }

    /// The only object of `kind`.
    fn one(&self, kind: &str) -> &Value {
        let found = self.all(kind);
        assert_eq!(
            found.len(),
            1,
            "expected exactly one {kind}, found {}",
            found.len()
        );
        found[0]
    }

    fn named(&self, kind: &str, name: &str) -> &Value {
        self.all(kind)
            .into_iter()
            .find(|o| str_at(o, &["metadata", "name"]) == Some(name))
            .unwrap_or_else(|| panic!("no {kind} named {name}"))
    }

    fn kinds(&self) -> BTreeSet<&str> {
        self.objects
            .iter()
            .filter_map(|o| str_at(o, &["kind"]))
            .collect()
    }
}

fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(*key))
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(value, path).and_then(Value::as_str)
}

fn seq_at<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    at(value, path)
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn strings_at<'a>(value: &'a Value, path: &[&str]) -> Vec<&'a str> {
    seq_at(value, path)
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

fn base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The webhook entry of the ValidatingWebhookConfiguration (the chart ships exactly one).
fn the_webhook(r: &Rendered) -> &Value {
    let webhooks = seq_at(r.one("ValidatingWebhookConfiguration"), &["webhooks"]);
    assert_eq!(webhooks.len(), 1, "one webhook expected");
    &webhooks[0]
}

fn the_container(deployment: &Value) -> &Value {
    let containers = seq_at(deployment, &["spec", "template", "spec", "containers"]);
    assert_eq!(containers.len(), 1, "one container expected");
    &containers[0]
}

/// The value following `flag` in the container's args.
fn arg_value<'a>(container: &'a Value, flag: &str) -> Option<&'a str> {
    let args = strings_at(container, &["args"]);
    args.iter()
        .position(|a| *a == flag)
        .and_then(|i| args.get(i + 1).copied())
}

fn container_port(container: &Value, name: &str) -> u64 {
    seq_at(container, &["ports"])
        .iter()
        .find(|p| str_at(p, &["name"]) == Some(name))
        .and_then(|p| at(p, &["containerPort"]))
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("container has no port named {name}"))
}

/// The port number in an `--addr`-style value `0.0.0.0:PORT`.
fn listen_port(addr: &str) -> u64 {
    addr.rsplit_once(':')
        .and_then(|(_, port)| port.parse().ok())
        .unwrap_or_else(|| panic!("no port in listen address {addr}"))
}

fn volume_secret(deployment: &Value, volume: &str) -> String {
    seq_at(deployment, &["spec", "template", "spec", "volumes"])
        .iter()
        .find(|v| str_at(v, &["name"]) == Some(volume))
        .and_then(|v| str_at(v, &["secret", "secretName"]))
        .unwrap_or_else(|| panic!("no secret volume named {volume}"))
        .to_string()
}

fn mount_path<'a>(container: &'a Value, volume: &str) -> &'a str {
    seq_at(container, &["volumeMounts"])
        .iter()
        .find(|m| str_at(m, &["name"]) == Some(volume))
        .and_then(|m| str_at(m, &["mountPath"]))
        .unwrap_or_else(|| panic!("volume {volume} is not mounted"))
}

/// The joblint.yaml the server reads, from the ConfigMap the Deployment mounts.
fn server_config(r: &Rendered) -> Value {
    let deployment = r.one("Deployment");
    let config_map_name = seq_at(deployment, &["spec", "template", "spec", "volumes"])
        .iter()
        .find(|v| str_at(v, &["name"]) == Some("config"))
        .and_then(|v| str_at(v, &["configMap", "name"]))
        .expect("a config volume from a ConfigMap");
    let text = str_at(
        r.named("ConfigMap", config_map_name),
        &["data", "joblint.yaml"],
    )
    .expect("ConfigMap has joblint.yaml");
    serde_yaml::from_str(text).expect("joblint.yaml is YAML")
}

/// Checks that hold for every set of values.
fn check_invariants(r: &Rendered, scenario: &str) {
    check_webhook_reaches_the_server(r, scenario);
    check_server_contract(r, scenario);
    check_interception(r, scenario);
    check_namespace_exclusions(r, scenario);
    check_pod_security(r, scenario);
    check_availability(r, scenario);
}

/// clientConfig -> Service -> container port -> `--addr`, and the admission path.
fn check_webhook_reaches_the_server(r: &Rendered, scenario: &str) {
    let webhook = the_webhook(r);
    let deployment = r.one("Deployment");
    let container = the_container(deployment);
    let pod = at(deployment, &["spec", "template"]).expect("pod template");
    let target = at(webhook, &["clientConfig", "service"]).expect("clientConfig.service");
    assert!(
        at(webhook, &["clientConfig", "url"]).is_none(),
        "{scenario}: url and service both set"
    );
    let service_name = str_at(target, &["name"]).expect("service name");
    let service = r.named("Service", service_name);
    assert_eq!(
        str_at(target, &["namespace"]),
        Some(NAMESPACE),
        "{scenario}"
    );
    assert_eq!(
        str_at(service, &["metadata", "namespace"]),
        Some(NAMESPACE),
        "{scenario}"
    );
    assert_eq!(
        str_at(target, &["path"]),
        Some(ADMISSION_PATH),
        "{scenario}"
    );
    let webhook_port = at(target, &["port"])
        .and_then(Value::as_u64)
        .expect("clientConfig port");
    let service_port = seq_at(service, &["spec", "ports"])
        .iter()
        .find(|p| at(p, &["port"]).and_then(Value::as_u64) == Some(webhook_port))
        .unwrap_or_else(|| panic!("{scenario}: Service {service_name} has no port {webhook_port}"));
    let https_port = match at(service_port, &["targetPort"]) {
        Some(Value::String(name)) => container_port(container, name),
        Some(Value::Number(n)) => n.as_u64().expect("port number"),
        other => panic!("{scenario}: unexpected targetPort {other:?}"),
    };
    let addr = arg_value(container, "--addr").expect("--addr");
    assert_eq!(
        listen_port(addr),
        https_port,
        "{scenario}: --addr and the Service's target port"
    );
    for (key, value) in at(service, &["spec", "selector"])
        .and_then(Value::as_mapping)
        .expect("Service selector")
    {
        assert_eq!(
            at(pod, &["metadata", "labels"]).and_then(|l| l.get(key)),
            Some(value),
            "{scenario}: Service selector {key:?} does not select the pods"
        );
    }
}

/// The server's command line, the files it reads, its probes and its shutdown grace.
fn check_server_contract(r: &Rendered, scenario: &str) {
    let deployment = r.one("Deployment");
    let container = the_container(deployment);
    let pod = at(deployment, &["spec", "template"]).expect("pod template");
    assert_eq!(
        strings_at(container, &["args"]).first(),
        Some(&"serve"),
        "{scenario}"
    );
    assert_eq!(
        arg_value(container, "--tls-cert"),
        Some("/etc/joblint/tls/tls.crt")
    );
    assert_eq!(
        arg_value(container, "--tls-key"),
        Some("/etc/joblint/tls/tls.key")
    );
    assert_eq!(
        arg_value(container, "--config"),
        Some("/etc/joblint/config/joblint.yaml")
    );
    assert_eq!(mount_path(container, "tls"), "/etc/joblint/tls");
    assert_eq!(mount_path(container, "config"), "/etc/joblint/config");
    let metrics_port = container_port(container, "metrics");
    let metrics_addr = arg_value(container, "--metrics-addr").expect("--metrics-addr");
    assert_eq!(listen_port(metrics_addr), metrics_port, "{scenario}");
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        assert_eq!(
            str_at(container, &[probe, "httpGet", "path"]),
            Some(path),
            "{scenario}"
        );
        assert_eq!(
            str_at(container, &[probe, "httpGet", "port"]),
            Some("metrics"),
            "{scenario}"
        );
    }
    let config = server_config(r);
    let grace = at(&config, &["webhook", "shutdown-grace-seconds"])
        .and_then(Value::as_u64)
        .expect("shutdown-grace-seconds");
    let termination = at(pod, &["spec", "terminationGracePeriodSeconds"])
        .and_then(Value::as_u64)
        .expect("terminationGracePeriodSeconds");
    assert!(
        termination > grace,
        "{scenario}: terminationGracePeriodSeconds {termination} <= grace {grace}"
    );
}

/// Only CREATE/UPDATE of batch/v1 jobs and cronjobs, with the fixed webhook contract fields.
fn check_interception(r: &Rendered, scenario: &str) {
    let webhook = the_webhook(r);
    assert_eq!(
        strings_at(webhook, &["admissionReviewVersions"]),
        ["v1"],
        "{scenario}"
    );
    assert_eq!(
        str_at(webhook, &["sideEffects"]),
        Some("None"),
        "{scenario}"
    );
    assert_eq!(
        str_at(webhook, &["matchPolicy"]),
        Some("Equivalent"),
        "{scenario}"
    );
    let rules = seq_at(webhook, &["rules"]);
    assert_eq!(rules.len(), 1, "{scenario}: one rule expected");
    assert_eq!(
        strings_at(&rules[0], &["apiGroups"]),
        ["batch"],
        "{scenario}"
    );
    assert_eq!(
        strings_at(&rules[0], &["apiVersions"]),
        ["v1"],
        "{scenario}"
    );
    let resources = strings_at(&rules[0], &["resources"]);
    assert!(!resources.is_empty(), "{scenario}: no resources");
    assert!(
        resources.iter().all(|r| ["jobs", "cronjobs"].contains(r)),
        "{scenario}: intercepts {resources:?}"
    );
    let operations = strings_at(&rules[0], &["operations"]);
    assert!(
        !operations.is_empty() && operations.iter().all(|o| ["CREATE", "UPDATE"].contains(o)),
        "{scenario}: operations {operations:?}"
    );
}

/// Never kube-system, never the webhook's own namespace.
fn check_namespace_exclusions(r: &Rendered, scenario: &str) {
    let webhook = the_webhook(r);
    let excluded: Vec<&str> = seq_at(webhook, &["namespaceSelector", "matchExpressions"])
        .iter()
        .filter(|e| {
            str_at(e, &["key"]) == Some("kubernetes.io/metadata.name")
                && str_at(e, &["operator"]) == Some("NotIn")
        })
        .flat_map(|e| strings_at(e, &["values"]))
        .collect();
    for namespace in ["kube-system", NAMESPACE] {
        assert!(
            excluded.contains(&namespace),
            "{scenario}: {namespace} not excluded: {excluded:?}"
        );
    }
}

/// The restricted Pod Security Standard, no API token, requests and limits.
fn check_pod_security(r: &Rendered, scenario: &str) {
    let deployment = r.one("Deployment");
    let container = the_container(deployment);
    let pod = at(deployment, &["spec", "template"]).expect("pod template");
    let pod_spec = at(pod, &["spec"]).expect("pod spec");
    assert_eq!(
        at(pod_spec, &["automountServiceAccountToken"]),
        Some(&Value::Bool(false))
    );
    assert_eq!(
        str_at(pod_spec, &["securityContext", "seccompProfile", "type"]),
        Some("RuntimeDefault"),
        "{scenario}"
    );
    assert_eq!(
        at(pod_spec, &["securityContext", "runAsNonRoot"]),
        Some(&Value::Bool(true))
    );
    let user = at(pod_spec, &["securityContext", "runAsUser"]).and_then(Value::as_u64);
    assert!(
        user.is_some_and(|uid| uid != 0),
        "{scenario}: runAsUser {user:?}"
    );
    let sc = at(container, &["securityContext"]).expect("container securityContext");
    assert_eq!(
        at(sc, &["allowPrivilegeEscalation"]),
        Some(&Value::Bool(false)),
        "{scenario}"
    );
    assert_eq!(
        at(sc, &["readOnlyRootFilesystem"]),
        Some(&Value::Bool(true)),
        "{scenario}"
    );
    assert_eq!(
        at(sc, &["runAsNonRoot"]),
        Some(&Value::Bool(true)),
        "{scenario}"
    );
    assert_eq!(
        strings_at(sc, &["capabilities", "drop"]),
        ["ALL"],
        "{scenario}"
    );
    assert!(
        at(sc, &["capabilities", "add"]).is_none(),
        "{scenario}: capabilities added"
    );
    assert_eq!(
        str_at(sc, &["seccompProfile", "type"]),
        Some("RuntimeDefault"),
        "{scenario}"
    );
    for kind in ["requests", "limits"] {
        for resource in ["cpu", "memory"] {
            assert!(
                at(container, &["resources", kind, resource]).is_some(),
                "{scenario}: no {kind}.{resource}"
            );
        }
    }
    if let Some(account) = r.all("ServiceAccount").first() {
        assert_eq!(
            at(account, &["automountServiceAccountToken"]),
            Some(&Value::Bool(false))
        );
    }
}

/// At least two replicas spread over nodes, and a PDB over the same pods.
fn check_availability(r: &Rendered, scenario: &str) {
    let deployment = r.one("Deployment");
    let replicas = at(deployment, &["spec", "replicas"])
        .and_then(Value::as_u64)
        .expect("replicas");
    assert!(replicas >= 2, "{scenario}: {replicas} replica(s)");
    let pod_spec = at(deployment, &["spec", "template", "spec"]).expect("pod spec");
    assert!(
        !seq_at(pod_spec, &["topologySpreadConstraints"]).is_empty()
            || at(pod_spec, &["affinity", "podAntiAffinity"]).is_some(),
        "{scenario}: pods are not spread"
    );
    let pdb = r.one("PodDisruptionBudget");
    assert_eq!(
        at(pdb, &["spec", "selector"]),
        at(deployment, &["spec", "selector"]),
        "{scenario}: the PDB selects other pods than the Deployment"
    );
}

#[test]
fn app_version_follows_the_crate_version() {
    let chart: Value = serde_yaml::from_str(
        &fs::read_to_string(chart_dir().join("Chart.yaml")).expect("Chart.yaml"),
    )
    .expect("Chart.yaml is YAML");
    assert_eq!(
        str_at(&chart, &["appVersion"]),
        Some(env!("CARGO_PKG_VERSION")),
        "Chart.yaml appVersion must equal the version in Cargo.toml"
    );
    let values: Value = serde_yaml::from_str(
        &fs::read_to_string(chart_dir().join("values.yaml")).expect("values.yaml"),
    )
    .expect("values.yaml is YAML");
    assert_eq!(
        str_at(&values, &["image", "tag"]),
        Some(""),
        "the default image tag must stay empty so that it follows appVersion"
    );

    let Some(helm) = helm() else { return };
    let rendered = helm.template(&[]);
    let image = str_at(the_container(rendered.one("Deployment")), &["image"]).expect("image");
    assert_eq!(image, format!("joblint:{}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn helm_lint_passes_for_every_scenario() {
    let Some(helm) = helm() else { return };
    let chart = chart_dir();
    for (scenario, values) in scenarios() {
        let mut args = vec![
            "lint",
            "--strict",
            chart.to_str().expect("UTF-8 path"),
            "--namespace",
            NAMESPACE,
        ];
        args.extend(as_strs(&values));
        let output = helm.run(&args);
        assert!(
            output.status.success(),
            "helm lint failed for {scenario}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            stderr_of(&output)
        );
    }
}

#[test]
fn every_scenario_keeps_the_invariants() {
    let Some(helm) = helm() else { return };
    for (scenario, values) in scenarios() {
        check_invariants(&helm.template(&as_strs(&values)), scenario);
    }
}

#[test]
fn defaults_are_what_the_issue_asks_for() {
    let Some(helm) = helm() else { return };
    let r = helm.template(&[]);
    let webhook = the_webhook(&r);
    assert_eq!(str_at(webhook, &["failurePolicy"]), Some("Fail"));
    assert_eq!(
        at(webhook, &["timeoutSeconds"]).and_then(Value::as_u64),
        Some(5)
    );
    assert_eq!(
        strings_at(&seq_at(webhook, &["rules"])[0], &["operations"]),
        ["CREATE", "UPDATE"]
    );
    assert_eq!(
        strings_at(&seq_at(webhook, &["rules"])[0], &["resources"]),
        ["jobs", "cronjobs"]
    );
    assert_eq!(
        at(r.one("Deployment"), &["spec", "replicas"]).and_then(Value::as_u64),
        Some(2)
    );

    let opt_out = seq_at(webhook, &["namespaceSelector", "matchExpressions"])
        .iter()
        .find(|e| str_at(e, &["key"]) == Some("joblint.dev/webhook"))
        .expect("the opt-out label is in the namespaceSelector");
    assert_eq!(str_at(opt_out, &["operator"]), Some("NotIn"));
    assert_eq!(strings_at(opt_out, &["values"]), ["disabled"]);

    // CronJob-owned Jobs are skipped by a CEL condition that survives a null object (DELETE) and
    // objects without ownerReferences.
    let conditions = seq_at(webhook, &["matchConditions"]);
    assert_eq!(conditions.len(), 1);
    let expression = str_at(&conditions[0], &["expression"]).expect("expression");
    for needed in [
        "object == null",
        "has(object.metadata.ownerReferences)",
        "r.kind == 'CronJob'",
    ] {
        assert!(
            expression.contains(needed),
            "matchCondition lacks {needed}: {expression}"
        );
    }

    let config = server_config(&r);
    assert_eq!(str_at(&config, &["webhook", "mode"]), Some("enforce"));
    assert_eq!(str_at(&config, &["webhook", "warn-on"]), Some("info"));
    assert_eq!(
        at(&config, &["webhook", "allow-cronjob-owned-jobs"]),
        Some(&Value::Bool(true))
    );
    assert_eq!(str_at(&config, &["kube-version"]), Some("1.35"));

    let container = the_container(r.one("Deployment"));
    assert_eq!(arg_value(container, "--log-format"), Some("json"));
    assert_eq!(arg_value(container, "--client-ca"), None);
    let kinds = r.kinds();
    for absent in ["NetworkPolicy", "ServiceMonitor", "Certificate", "Issuer"] {
        assert!(!kinds.contains(absent), "{absent} rendered by default");
    }
}

#[test]
fn self_signed_mode_puts_its_ca_in_the_webhook() {
    let Some(helm) = helm() else { return };
    let r = helm.template(&[]);
    let webhook = the_webhook(&r);
    let ca_bundle = str_at(webhook, &["clientConfig", "caBundle"]).expect("caBundle");
    let secret_name = volume_secret(r.one("Deployment"), "tls");
    let secret = r.named("Secret", &secret_name);
    assert_eq!(str_at(secret, &["type"]), Some("kubernetes.io/tls"));
    assert_eq!(
        str_at(secret, &["data", "ca.crt"]),
        Some(ca_bundle),
        "caBundle is not the Secret's CA"
    );
    for key in ["tls.crt", "tls.key"] {
        assert!(
            str_at(secret, &["data", key]).is_some_and(|v| !v.is_empty()),
            "Secret lacks {key}"
        );
    }
    assert!(
        ca_bundle.starts_with(&base64("-----BEGIN CERTIFICATE-----")[..20]),
        "caBundle is not a base64 PEM"
    );
    let vwc = r.one("ValidatingWebhookConfiguration");
    assert!(
        at(
            vwc,
            &["metadata", "annotations", "cert-manager.io/inject-ca-from"]
        )
        .is_none()
    );
}

#[test]
fn cert_manager_mode_injects_the_ca_from_the_certificate() {
    let Some(helm) = helm() else { return };
    for (values, issuer) in [
        (vec!["--set", "certificates.mode=certManager"], "joblint-ca"),
        (
            vec![
                "--set",
                "certificates.mode=certManager",
                "--set",
                "certificates.certManager.issuerRef.name=corp-ca",
                "--set",
                "certificates.certManager.issuerRef.kind=ClusterIssuer",
            ],
            "corp-ca",
        ),
    ] {
        let r = helm.template(&values);
        let vwc = r.one("ValidatingWebhookConfiguration");
        let inject = str_at(
            vwc,
            &["metadata", "annotations", "cert-manager.io/inject-ca-from"],
        )
        .expect("cainjector annotation");
        let (namespace, certificate_name) = inject.split_once('/').expect("namespace/name");
        assert_eq!(namespace, NAMESPACE);
        assert!(
            str_at(the_webhook(&r), &["clientConfig", "caBundle"]).is_none(),
            "caBundle set by hand"
        );
        assert!(r.all("Secret").is_empty(), "cert-manager owns the Secret");

        let certificate = r.named("Certificate", certificate_name);
        assert_eq!(
            str_at(certificate, &["spec", "secretName"]),
            Some(volume_secret(r.one("Deployment"), "tls").as_str()),
            "the pods mount another Secret than the Certificate writes"
        );
        let service =
            str_at(the_webhook(&r), &["clientConfig", "service", "name"]).expect("service");
        let dns_names = strings_at(certificate, &["spec", "dnsNames"]);
        assert!(
            dns_names.contains(&format!("{service}.{NAMESPACE}.svc").as_str()),
            "{dns_names:?}"
        );
        assert_eq!(
            str_at(certificate, &["spec", "issuerRef", "name"]),
            Some(issuer)
        );
    }
}

#[test]
fn existing_secret_mode_uses_the_given_secret_and_ca() {
    let Some(helm) = helm() else { return };
    let pem_value = format!("certificates.existingSecret.caBundle={GIVEN_CA_PEM}");
    let b64_value = format!(
        "certificates.existingSecret.caBundle={}",
        base64(GIVEN_CA_PEM)
    );
    // The CA may be given as PEM or already base64-encoded; the caBundle is the same.
    for ca_value in [&pem_value, &b64_value] {
        let r = helm.template(&[
            "--set",
            "certificates.mode=existingSecret",
            "--set",
            "certificates.secretName=corp-webhook-tls",
            "--set",
            ca_value,
        ]);
        assert_eq!(
            str_at(the_webhook(&r), &["clientConfig", "caBundle"]),
            Some(base64(GIVEN_CA_PEM).as_str())
        );
        assert_eq!(
            volume_secret(r.one("Deployment"), "tls"),
            "corp-webhook-tls"
        );
        let kinds = r.kinds();
        for absent in ["Secret", "Certificate", "Issuer"] {
            assert!(
                !kinds.contains(absent),
                "{absent} rendered in existingSecret mode"
            );
        }
    }

    let error = helm.template_error(&[
        "--set",
        "certificates.mode=existingSecret",
        "--set",
        "certificates.secretName=x",
    ]);
    assert!(
        error.contains("certificates.existingSecret.caBundle is required"),
        "{error}"
    );
    let error = helm.template_error(&[
        "--set",
        "certificates.mode=existingSecret",
        "--set",
        &b64_value,
    ]);
    assert!(
        error.contains("certificates.secretName is required"),
        "{error}"
    );
}

#[test]
fn non_default_values_reach_the_objects() {
    let Some(helm) = helm() else { return };
    let r = helm.template(&as_strs(&non_default_values()));
    let webhook = the_webhook(&r);
    assert_eq!(str_at(webhook, &["failurePolicy"]), Some("Ignore"));
    assert_eq!(
        at(webhook, &["timeoutSeconds"]).and_then(Value::as_u64),
        Some(3)
    );
    assert_eq!(
        strings_at(&seq_at(webhook, &["rules"])[0], &["operations"]),
        ["CREATE"]
    );
    assert!(
        at(webhook, &["matchConditions"]).is_none(),
        "CronJob-owned Jobs must be sent"
    );
    assert_eq!(
        str_at(webhook, &["clientConfig", "service", "name"]),
        Some("lint-hook")
    );
    assert_eq!(
        at(webhook, &["clientConfig", "service", "port"]).and_then(Value::as_u64),
        Some(8443)
    );

    let expressions = seq_at(webhook, &["namespaceSelector", "matchExpressions"]);
    let excluded = strings_at(&expressions[0], &["values"]);
    assert_eq!(
        excluded,
        ["kube-system", NAMESPACE, "ci"],
        "extra exclusions, no duplicates"
    );
    let opt_out = &expressions[1];
    assert_eq!(
        str_at(opt_out, &["operator"]),
        Some("DoesNotExist"),
        "empty value: presence opts out"
    );

    let config = server_config(&r);
    assert_eq!(str_at(&config, &["webhook", "mode"]), Some("warn"));
    assert_eq!(str_at(&config, &["webhook", "warn-on"]), Some("warning"));
    assert_eq!(
        at(&config, &["webhook", "allow-cronjob-owned-jobs"]),
        Some(&Value::Bool(false))
    );
    assert_eq!(str_at(&config, &["rules", "ttl-missing"]), Some("off"));
    assert_eq!(
        str_at(&config, &["rules", "backoff-limit-too-high", "severity"]),
        Some("error")
    );
    assert_eq!(
        at(
            &config,
            &["rules", "backoff-limit-too-high", "params", "max"]
        )
        .and_then(Value::as_u64),
        Some(6)
    );

    let deployment = r.one("Deployment");
    assert_eq!(
        at(deployment, &["spec", "replicas"]).and_then(Value::as_u64),
        Some(3)
    );
    assert_eq!(
        str_at(
            deployment,
            &["spec", "template", "spec", "priorityClassName"]
        ),
        Some("system-cluster-critical")
    );
    let container = the_container(deployment);
    assert_eq!(arg_value(container, "--addr"), Some("0.0.0.0:9443"));
    assert_eq!(arg_value(container, "--metrics-addr"), Some("0.0.0.0:9091"));
    assert_eq!(arg_value(container, "--log-format"), None);
    assert_eq!(
        arg_value(container, "--client-ca"),
        Some("/etc/joblint/client-ca/ca.crt")
    );
    assert_eq!(mount_path(container, "client-ca"), "/etc/joblint/client-ca");

    let policy = r.one("NetworkPolicy");
    let ingress_ports: Vec<&str> = seq_at(policy, &["spec", "ingress"])
        .iter()
        .flat_map(|rule| seq_at(rule, &["ports"]))
        .filter_map(|p| str_at(p, &["port"]))
        .collect();
    assert_eq!(ingress_ports, ["https", "metrics"]);
    let monitor = r.one("ServiceMonitor");
    let metrics_service = r.named("Service", "lint-hook-metrics");
    for (key, value) in at(monitor, &["spec", "selector", "matchLabels"])
        .and_then(Value::as_mapping)
        .expect("ServiceMonitor selector")
    {
        assert_eq!(
            at(metrics_service, &["metadata", "labels"]).and_then(|l| l.get(key)),
            Some(value)
        );
    }
    // Only the metrics Service carries the metrics label, so the ServiceMonitor selects one Service.
    assert!(
        at(
            r.named("Service", "lint-hook"),
            &["metadata", "labels", "joblint.dev/service"]
        )
        .is_none()
    );
}

#[test]
fn config_changes_roll_the_pods_unless_hot_reload_is_chosen() {
    let Some(helm) = helm() else { return };
    let checksum = |values: &[&str]| {
        let r = helm.template(values);
        str_at(
            r.one("Deployment"),
            &[
                "spec",
                "template",
                "metadata",
                "annotations",
                "checksum/config",
            ],
        )
        .map(str::to_string)
    };
    let default = checksum(&[]).expect("checksum/config annotation");
    let warn =
        checksum(&["--set", "config.webhook.mode=warn"]).expect("checksum/config annotation");
    assert_ne!(
        default, warn,
        "a config change must change the pod template"
    );
    assert_eq!(checksum(&["--set", "config.rolloutOnChange=false"]), None);
}

#[test]
fn bad_values_are_refused() {
    let Some(helm) = helm() else { return };
    // (value, the field the error must name). Helm 4 names it as a JSON pointer
    // (/webhook/failurePolicy), Helm 3 as a dotted path (webhook.failurePolicy).
    let schema_errors = [
        ("webhook.failurePolicy=Sometimes", "webhook.failurePolicy"),
        ("replicaCount=two", "replicaCount"),
        ("certificates.mode=vault", "certificates.mode"),
        ("config.webhook.mode=audit", "config.webhook.mode"),
        ("config.webhook.warnOn=loud", "config.webhook.warnOn"),
        ("webhook.timeoutSeconds=31", "webhook.timeoutSeconds"),
        ("webhook.resources={pods}", "webhook.resources"),
        ("webhook.operations={DELETE}", "webhook.operations"),
        ("webhook.matchPolicy=Fuzzy", "webhook.matchPolicy"),
        ("webhook.sideEffects=Some", "webhook.sideEffects"),
        ("config.rules.ttl-missing=loud", "config.rules"),
        ("replicaCuont=3", "replicaCuont"),
    ];
    for (value, field) in schema_errors {
        let error = helm.template_error(&["--set", value]);
        let pointer = format!("/{}", field.replace('.', "/"));
        assert!(
            error.contains("schema") && (error.contains(field) || error.contains(&pointer)),
            "--set {value}: expected a schema error naming {field}, got:\n{error}"
        );
    }
    let error = helm.template_error(&["--set", "terminationGracePeriodSeconds=5"]);
    assert!(
        error.contains("must exceed config.webhook.shutdownGraceSeconds"),
        "{error}"
    );
}

#[test]
fn rendered_objects_are_valid_kubernetes() {
    let Some(helm) = helm() else { return };
    let Some(validator) = find_tool("JOBLINT_KUBERNETES_VALIDATE", "kubernetes-validate") else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chart-kubernetes-validate");
    fs::create_dir_all(&dir).expect("temp dir");
    for (index, (scenario, values)) in scenarios().into_iter().enumerate() {
        let r = helm.template(&as_strs(&values));
        let (custom, core): (Vec<&Value>, Vec<&Value>) = r
            .objects
            .iter()
            .partition(|o| str_at(o, &["kind"]).is_some_and(|k| CRD_KINDS.contains(&k)));
        if !custom.is_empty() {
            let kinds: BTreeSet<&str> =
                custom.iter().filter_map(|o| str_at(o, &["kind"])).collect();
            let _ = writeln!(
                std::io::stderr(),
                "{scenario}: not schema-checked (CRD kinds kubernetes-validate does not know): {kinds:?}"
            );
        }
        let file = dir.join(format!("scenario-{index}.yaml"));
        let text: String = core
            .iter()
            .map(|o| format!("---\n{}", serde_yaml::to_string(o).expect("serialize")))
            .collect();
        fs::write(&file, text).expect("write rendered objects");
        let output = Command::new(&validator)
            .args(["--strict", "--quiet", "-k", KUBE_SCHEMA_VERSION])
            .arg(&file)
            .output()
            .expect("run kubernetes-validate");
        assert!(
            output.status.success(),
            "{scenario}: objects do not validate against Kubernetes {KUBE_SCHEMA_VERSION}:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            stderr_of(&output)
        );
    }
}

/// The joblint.yaml each scenario renders is a config joblint accepts (its schema and rule names),
/// so that no chart value can give the server a config it refuses at start.
#[test]
fn the_rendered_config_is_one_joblint_accepts() {
    let Some(helm) = helm() else { return };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chart-joblint-config");
    fs::create_dir_all(&dir).expect("temp dir");
    for (index, (scenario, values)) in scenarios().into_iter().enumerate() {
        let r = helm.template(&as_strs(&values));
        let file = dir.join(format!("joblint-{index}.yaml"));
        let text = serde_yaml::to_string(&server_config(&r)).expect("config as YAML");
        fs::write(&file, text).expect("write the rendered config");
        let output = Command::new(env!("CARGO_BIN_EXE_joblint"))
            .args(["lint", "--config"])
            .arg(&file)
            .arg("-")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run joblint");
        assert!(
            output.status.success(),
            "{scenario}: joblint refuses the rendered config {}:\n{}",
            file.display(),
            stderr_of(&output)
        );
    }
}

/// joblint must not find anything wrong in its own chart (dogfooding): the rendered chart on stdin.
#[test]
fn joblint_lints_its_own_chart_clean() {
    let Some(helm) = helm() else { return };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chart-joblint-lint");
    fs::create_dir_all(&dir).expect("temp dir");
    for (index, (scenario, values)) in scenarios().into_iter().enumerate() {
        let file = dir.join(format!("scenario-{index}.yaml"));
        fs::write(&file, helm.template_text(&as_strs(&values))).expect("write the rendered chart");
        let output = Command::new(env!("CARGO_BIN_EXE_joblint"))
            .args(["lint", "--format", "json", "-"])
            .stdin(fs::File::open(&file).expect("open the rendered chart"))
            .output()
            .expect("run joblint");
        assert!(
            output.status.success(),
            "{scenario}: joblint lint --format json - < {} exited with {}:\n{}{}",
            file.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            stderr_of(&output)
        );
    }
}

/// Every value in values.yaml has a row in the chart README (a value is documented by its own row or
/// by a row for the object holding it).
#[test]
fn every_value_is_documented_in_the_readme() {
    let readme = fs::read_to_string(chart_dir().join("README.md")).expect("chart README.md");
    let values: Value = serde_yaml::from_str(
        &fs::read_to_string(chart_dir().join("values.yaml")).expect("values.yaml"),
    )
    .expect("values.yaml is YAML");
    let mut undocumented = Vec::new();
    collect_undocumented(&values, "", &readme, &mut undocumented);
    assert!(
        undocumented.is_empty(),
        "values missing from charts/joblint/README.md: {undocumented:?}"
    );
}

fn collect_undocumented(value: &Value, path: &str, readme: &str, missing: &mut Vec<String>) {
    if !path.is_empty() && readme.contains(&format!("| `{path}` |")) {
        return;
    }
    match value.as_mapping() {
        Some(mapping) if !mapping.is_empty() => {
            for (key, child) in mapping {
                let key = key.as_str().expect("string keys");
                let child_path = if path.is_empty() {
                    key.to_string()
                } else {
                    format!("{path}.{key}")
                };
                collect_undocumented(child, &child_path, readme, missing);
            }
        }
        _ => missing.push(path.to_string()),
    }
}

/// The matchConditions the chart renders, evaluated on AdmissionRequests the apiserver would send.
/// This uses cel-rust, not the apiserver's cel-go, so it checks the logic and the null/missing-field
/// guards, not the apiserver's type checking against the OpenAPI schema.
#[test]
fn match_conditions_skip_only_cronjob_owned_jobs() {
    let Some(helm) = helm() else { return };
    let rendered = helm.template(&[]);
    let conditions: Vec<cel::Program> = seq_at(the_webhook(&rendered), &["matchConditions"])
        .iter()
        .map(|c| {
            let expression = str_at(c, &["expression"]).expect("expression");
            cel::Program::compile(expression)
                .unwrap_or_else(|e| panic!("matchCondition does not compile: {e}\n{expression}"))
        })
        .collect();
    assert!(!conditions.is_empty(), "no matchConditions rendered");
    // The apiserver sends a request only when every condition is true.
    let sent = |resource: &str, operation: &str, object: serde_json::Value| -> bool {
        let mut context = cel::Context::default();
        let request = serde_json::json!({
            "resource": {"group": "batch", "version": "v1", "resource": resource},
            "operation": operation,
        });
        context.add_variable("request", request).expect("request");
        context.add_variable("object", object).expect("object");
        conditions.iter().all(|program| {
            match program.execute(&context).expect("the condition evaluates") {
                cel::Value::Bool(value) => value,
                other => panic!("matchCondition returned {other:?}, not a bool"),
            }
        })
    };
    let owned_by = |api_version: &str, kind: &str, controller: Option<bool>| {
        let mut owner =
            serde_json::json!({"apiVersion": api_version, "kind": kind, "name": "o", "uid": "1"});
        if let Some(controller) = controller {
            owner["controller"] = serde_json::Value::Bool(controller);
        }
        serde_json::json!({"metadata": {"name": "j", "ownerReferences": [owner]}})
    };
    let plain = serde_json::json!({"metadata": {"name": "j"}});

    assert!(sent("jobs", "CREATE", plain.clone()), "a plain Job");
    assert!(
        sent("cronjobs", "CREATE", plain.clone()),
        "a CronJob without ownerReferences"
    );
    assert!(
        sent("jobs", "DELETE", serde_json::Value::Null),
        "object is null on DELETE"
    );
    assert!(
        !sent(
            "jobs",
            "CREATE",
            owned_by("batch/v1", "CronJob", Some(true))
        ),
        "a CronJob's Job"
    );
    assert!(
        !sent(
            "jobs",
            "UPDATE",
            owned_by("batch/v1", "CronJob", Some(true))
        ),
        "a CronJob's Job"
    );
    assert!(
        sent("jobs", "CREATE", owned_by("batch/v1", "CronJob", None)),
        "not the controller"
    );
    assert!(
        sent(
            "jobs",
            "CREATE",
            owned_by("example.io/v1", "CronJob", Some(true))
        ),
        "another group's CronJob"
    );
    assert!(
        sent(
            "jobs",
            "CREATE",
            owned_by("argoproj.io/v1alpha1", "Workflow", Some(true))
        ),
        "another owner"
    );
    assert!(
        sent(
            "cronjobs",
            "UPDATE",
            owned_by("batch/v1", "CronJob", Some(true))
        ),
        "a CronJob is always sent"
    );
}
