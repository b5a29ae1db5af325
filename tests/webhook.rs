//! The admission webhook, end to end: a real server on an ephemeral port over real TLS
//! (certificates made here with rcgen), talked to as kube-apiserver does — a rustls HTTPS client
//! POSTing AdmissionReview JSON (fixtures in tests/data/admission/) to `/validate?timeout=5s`.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use joblint::webhook::server::{ServeOptions, Server};

const TIMEOUT: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------------------------------------
// Certificates

struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        Ca {
            issuer: CertifiedIssuer::self_signed(params, key).unwrap(),
        }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// (certificate PEM, key PEM) for a server (`localhost`, 127.0.0.1) or a client.
    fn leaf(&self, name: &str, client: bool) -> (String, String) {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

fn der_of(pem: &str) -> Vec<u8> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .unwrap()
        .as_ref()
        .to_vec()
}

/// A temporary directory with the server's files.
struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }
    /// Replaces a file in one step, as the kubelet's symlink swap does.
    fn replace(&self, name: &str, text: &str) {
        let tmp = self.write(&format!("{name}.tmp"), text);
        std::fs::rename(tmp, self.path(name)).unwrap();
    }
}

/// The value of an unlabelled counter in a metrics text.
fn counter(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
}

// ---------------------------------------------------------------------------------------------
// The client (what kube-apiserver does)

#[derive(Clone)]
struct Client {
    addr: SocketAddr,
    connector: TlsConnector,
}

struct Answer {
    status: StatusCode,
    body: Vec<u8>,
    /// The certificate the server presented in this connection's handshake.
    server_cert: Vec<u8>,
    alpn: Option<Vec<u8>>,
    tls_version: Option<rustls::ProtocolVersion>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

fn client_config(ca_pem: &str, client_cert: Option<(&str, &str)>, alpn: &[&[u8]]) -> ClientConfig {
    client_config_for(ca_pem, client_cert, alpn, rustls::DEFAULT_VERSIONS)
}

/// [`client_config`] offering only the given TLS versions.
fn client_config_for(
    ca_pem: &str,
    client_cert: Option<(&str, &str)>,
    alpn: &[&[u8]],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> ClientConfig {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let builder = ClientConfig::builder_with_provider(joblint::webhook::tls::provider())
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match client_cert {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    // Like kube-apiserver's Go client: no session resumption, so every handshake is a full one
    // and shows the certificate the server holds at that moment.
    config.resumption = rustls::client::Resumption::disabled();
    config
}

impl Client {
    fn new(addr: SocketAddr, config: ClientConfig) -> Client {
        Client {
            addr,
            connector: TlsConnector::from(Arc::new(config)),
        }
    }

    /// One request on a new connection (so every call makes a new handshake).
    async fn post(&self, path: &str, body: Vec<u8>) -> Result<Answer, String> {
        let run = async {
            let tcp = TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let tls = self
                .connector
                .connect(ServerName::try_from("localhost").unwrap(), tcp)
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            let (_, session) = tls.get_ref();
            let server_cert = session
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.as_ref().to_vec())
                .unwrap_or_default();
            let alpn = session.alpn_protocol().map(<[u8]>::to_vec);
            let tls_version = session.protocol_version();
            let request = |uri: String| {
                Request::post(uri)
                    .header("host", "localhost")
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body.clone())))
                    .unwrap()
            };
            let response = if alpn.as_deref() == Some(b"h2") {
                let (mut sender, conn) =
                    hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                        .await
                        .map_err(|e| format!("h2 handshake: {e}"))?;
                tokio::spawn(conn);
                sender
                    .send_request(request(format!("https://localhost{path}")))
                    .await
            } else {
                let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
                    .await
                    .map_err(|e| format!("http1 handshake: {e}"))?;
                tokio::spawn(conn);
                sender.send_request(request(path.to_owned())).await
            }
            .map_err(|e| format!("request: {e}"))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("body: {e}"))?
                .to_bytes()
                .to_vec();
            Ok(Answer {
                status,
                body,
                server_cert,
                alpn,
                tls_version,
            })
        };
        tokio::time::timeout(TIMEOUT, run)
            .await
            .map_err(|_| "timed out".to_owned())?
    }

    async fn review(&self, review: &Value) -> Answer {
        let answer = self
            .post("/validate?timeout=5s", serde_json::to_vec(review).unwrap())
            .await
            .unwrap();
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        answer
    }
}

/// A plain-HTTP GET on the metrics address: (status, body).
async fn get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let run = async {
        let mut tcp = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        tcp.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        tcp.read_to_end(&mut out).await.map_err(|e| e.to_string())?;
        parse_http1(&out)
    };
    tokio::time::timeout(TIMEOUT, run)
        .await
        .map_err(|_| "timed out".to_owned())?
}

/// (status, body) of a whole HTTP/1.1 response with a Content-Length (or closed) body.
fn parse_http1(raw: &[u8]) -> Result<(u16, String), String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no header end in {text:?}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status in {head:?}"))?;
    Ok((status, body.to_owned()))
}

async fn wait_for(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < TIMEOUT {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

// ---------------------------------------------------------------------------------------------
// The server, in process

struct Running {
    addr: SocketAddr,
    metrics: SocketAddr,
    ca: Ca,
    files: Files,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

struct Setup {
    config: Option<String>,
    client_ca: Option<String>,
    /// Start without certificate files.
    no_cert: bool,
}

impl Setup {
    /// No grace delay on stop, so that tests do not wait for it (the SIGTERM test has one).
    const NO_GRACE: &str = "webhook:\n  shutdown-grace-seconds: 0\n";

    fn new() -> Setup {
        Setup {
            config: Some(no_grace("")),
            client_ca: None,
            no_cert: false,
        }
    }
    /// A config: `yaml`, with no grace delay unless it sets one.
    fn config(mut self, yaml: &str) -> Setup {
        self.config = Some(no_grace(yaml));
        self
    }
}

/// The tests pin the decisions on the two restartPolicy rules and the one error-level rule a
/// cluster can send an object for (starting-deadline-too-small); the catalogue itself is tested
/// elsewhere (`all_rules_deny_through_the_catalogue_rule` runs the whole of it).
const ONLY: &str =
    "only: [restart-policy-invalid, restart-policy-on-failure, starting-deadline-too-small]\n";

fn no_grace(yaml: &str) -> String {
    let yaml = if yaml.contains("only:") || yaml.contains("# all rules") {
        yaml.to_owned()
    } else {
        format!("{ONLY}{yaml}")
    };
    if yaml.contains("shutdown-grace-seconds") {
        yaml
    } else if yaml.contains("webhook:\n") {
        yaml.replacen("webhook:\n", Setup::NO_GRACE, 1)
    } else {
        format!("{yaml}{}", Setup::NO_GRACE)
    }
}

async fn start(setup: Setup) -> Running {
    let files = Files::new();
    let ca = Ca::new("joblint test CA");
    if !setup.no_cert {
        let (cert, key) = ca.leaf("joblint-webhook", false);
        files.write("tls.crt", &cert);
        files.write("tls.key", &key);
    }
    let mut opts = ServeOptions::new(files.path("tls.crt"), files.path("tls.key"));
    opts.addr = "127.0.0.1:0".parse().unwrap();
    opts.metrics_addr = "127.0.0.1:0".parse().unwrap();
    opts.reload_interval = Duration::from_millis(100);
    opts.config = setup
        .config
        .as_deref()
        .map(|c| files.write("joblint.yaml", c));
    opts.client_ca = setup.client_ca.as_deref().map(|c| files.write("ca.crt", c));
    let server = Server::bind(opts).await.unwrap();
    let addr = server.local_addr().unwrap();
    let metrics = server.metrics_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    Running {
        addr,
        metrics,
        ca,
        files,
        stop: Some(tx),
        task,
    }
}

impl Running {
    fn client(&self) -> Client {
        Client::new(
            self.addr,
            client_config(&self.ca.pem(), None, &[b"http/1.1"]),
        )
    }

    async fn metrics_text(&self) -> String {
        let (status, body) = get(self.metrics, "/metrics").await.unwrap();
        assert_eq!(status, 200);
        body
    }

    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(TIMEOUT, &mut self.task)
            .await
            .expect("server stops")
            .unwrap();
    }
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/admission")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The response of a review, after the checks every answer must pass: same apiVersion and
/// kind, the request's uid, a boolean `allowed`.
fn response_of(request: &Value, answer: &Answer) -> Value {
    let review = answer.json();
    assert_eq!(review["apiVersion"], "admission.k8s.io/v1", "{review}");
    assert_eq!(review["kind"], "AdmissionReview", "{review}");
    let response = review["response"].clone();
    assert_eq!(response["uid"], request["request"]["uid"], "uid echoed");
    assert!(response["allowed"].is_boolean(), "{response}");
    response
}

fn warnings(response: &Value) -> Vec<String> {
    response["warnings"]
        .as_array()
        .map(|w| w.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// The rule ids of the response's warnings, in order.
fn warning_rules(response: &Value) -> Vec<String> {
    warnings(response)
        .iter()
        .filter_map(|w| Some(w.strip_prefix('[')?.split_once(']')?.0.to_owned()))
        .collect()
}

fn assert_warning_shape(warnings: &[String]) {
    let total: usize = warnings.iter().map(String::len).sum();
    assert!(total <= 4096, "{total}");
    for w in warnings {
        assert!(w.chars().count() <= 120, "{w:?}");
        assert!(!w.chars().any(char::is_control), "{w:?}");
        assert!(!w.starts_with("Warning:"), "{w:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Decisions

const NOT_SET: &str =
    "restartPolicy is not set, so it defaults to Always, which a Job does not allow";
const ALWAYS: &str = "restartPolicy `Always` is not allowed for a Job (only Never or OnFailure)";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_rules_deny_through_the_catalogue_rule() {
    // The whole catalogue. The API-parity family is off in the webhook (kube-apiserver validates
    // before it calls validating webhooks), so the catalogue's restartPolicy rule is the one that
    // denies, and the catalogue's advice comes back as warnings.
    let server = start(Setup::new().config("# all rules\n")).await;
    let client = server.client();
    let request = fixture("job-create-no-restart-policy");
    let response = response_of(&request, &client.review(&request).await);
    assert_eq!(response["allowed"], false, "{response}");
    let message = response["status"]["message"].as_str().unwrap_or_default();
    assert_eq!(
        message,
        format!("[restart-policy-invalid] spec.template.spec.restartPolicy: {NOT_SET}"),
    );
    let warnings = warnings(&response);
    assert!(!warnings.is_empty(), "{response}");
    assert!(
        !warnings
            .iter()
            .any(|w| w.starts_with("[api-") || w.starts_with("[schema-")),
        "{warnings:?}"
    );
    assert_warning_shape(&warnings);
}

/// A Job and a CronJob that follow every practice, as kube-apiserver sends them (defaults filled
/// in; for the Job the generated name, selector and pod labels), draw nothing from the whole
/// default catalogue: what the apiserver adds must never look like a user's mistake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_follows_every_practice_draws_no_warning() {
    let server = start(Setup::new().config("# all rules\n")).await;
    for name in ["job-create-best-practice", "cronjob-create-best-practice"] {
        let request = fixture(name);
        let response = response_of(&request, &server.client().review(&request).await);
        assert_eq!(response["allowed"], true, "{name}: {response}");
        assert_eq!(response["warnings"], Value::Null, "{name}: {response}");
    }
    let request = fixture("job-create-best-practice");
    // The same object with the practices undone draws their warnings (the test can fail), the
    // warnings before the infos.
    let mut careless = request.clone();
    let object = &mut careless["request"]["object"];
    object["metadata"]["annotations"] = serde_json::json!({});
    if let Some(metadata) = object["metadata"].as_object_mut() {
        metadata.remove("generateName");
    }
    object["spec"]["podReplacementPolicy"] = Value::from("TerminatingOrFailed");
    object["spec"]["template"]["spec"]["containers"][0]["image"] =
        Value::from("registry.example/migrate:latest");
    let response = response_of(&careless, &server.client().review(&careless).await);
    assert_eq!(
        warning_rules(&response),
        [
            "mutable-image-tag",
            "replacement-overlap",
            "immutable-template-reapply",
            "retries-without-idempotency"
        ],
        "{response}"
    );
    server.stop().await;

    // `warn-on: warning` keeps the infos out of kubectl's output.
    let server = start(Setup::new().config("# all rules\nwebhook:\n  warn-on: warning\n")).await;
    let response = response_of(&careless, &server.client().review(&careless).await);
    assert_eq!(
        warning_rules(&response),
        ["mutable-image-tag", "replacement-overlap"],
        "{response}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixtures_are_judged_like_the_apiserver_expects() {
    let server = start(Setup::new()).await;
    let client = server.client();

    // Allowed without any warning.
    for name in [
        "job-create-clean",
        "cronjob-create-clean",
        "job-update-status",
        "job-create-cronjob-owned",
        "job-delete",
        "pod-create",
    ] {
        let request = fixture(name);
        let response = response_of(&request, &client.review(&request).await);
        assert_eq!(response["allowed"], true, "{name}: {response}");
        assert_eq!(response["warnings"], Value::Null, "{name}: {response}");
    }
    // Kinds other than batch's Job and CronJob, a custom resource named Job among them, are
    // allowed untouched, and counted under one `other` label value whatever the caller sent.
    for (group, kind) in [
        ("example.com", "Job"),
        ("", "Pod\",\nforged=\"1"),
        ("", &"K".repeat(10_000)),
    ] {
        let mut request = fixture("pod-create");
        request["request"]["kind"]["group"] = Value::from(group);
        request["request"]["kind"]["kind"] = Value::from(kind);
        let response = response_of(&request, &client.review(&request).await);
        assert_eq!(response["allowed"], true, "{group}/{kind}: {response}");
        assert_eq!(
            response["warnings"],
            Value::Null,
            "{group}/{kind}: {response}"
        );
    }

    // Denied, with the finding as `[rule-id] path: message`. Only the first can come from a
    // cluster as it is: kube-apiserver rejects a Job's restartPolicy Always or unset itself,
    // before it calls validating webhooks (the others test the denial's form).
    for (name, message, object_name) in [
        (
            "cronjob-create-deadline-too-small",
            "[starting-deadline-too-small] spec.startingDeadlineSeconds: startingDeadlineSeconds 5 is shorter than the CronJob controller's 10-second sync, so scheduled runs can be skipped every time".to_owned(),
            "nightly-report",
        ),
        (
            "job-create-no-restart-policy",
            format!("[restart-policy-invalid] spec.template.spec.restartPolicy: {NOT_SET}"),
            "db-migrate",
        ),
        (
            "job-create-dry-run",
            format!("[restart-policy-invalid] spec.template.spec.restartPolicy: {ALWAYS}"),
            "db-migrate",
        ),
        (
            "job-create-generate-name",
            format!("[restart-policy-invalid] spec.template.spec.restartPolicy: {NOT_SET}"),
            "db-migrate-x7k2p",
        ),
        (
            "cronjob-create-invalid",
            format!(
                "[restart-policy-invalid] spec.jobTemplate.spec.template.spec.restartPolicy: {ALWAYS}"
            ),
            "nightly-report",
        ),
        (
            "cronjob-update-introduces",
            format!(
                "[restart-policy-invalid] spec.jobTemplate.spec.template.spec.restartPolicy: {ALWAYS}"
            ),
            "nightly-report",
        ),
    ] {
        let request = fixture(name);
        let response = response_of(&request, &client.review(&request).await);
        assert_eq!(response["allowed"], false, "{name}: {response}");
        let status = &response["status"];
        assert_eq!(status["code"], 422, "{name}: {status}");
        assert_eq!(status["reason"], "Invalid", "{name}: {status}");
        assert_eq!(status["status"], "Failure", "{name}: {status}");
        assert_eq!(status["message"], message.as_str(), "{name}");
        assert_eq!(status["details"]["name"], object_name, "{name}: {status}");
        assert_warning_shape(&warnings(&response));
    }

    // Allowed with warnings: a warning-level finding, and on UPDATE an error the old object
    // already had (a metadata-only change must not be blocked by it). Each message with its
    // path is too long for a warning, so the rule's short message stands in.
    for (name, warning) in [
        (
            "job-create-on-failure",
            "[restart-policy-on-failure] spec.template.spec.restartPolicy: OnFailure loses the logs; use Never",
        ),
        (
            "cronjob-update-on-failure",
            "[restart-policy-on-failure] spec.jobTemplate.spec.template.spec.restartPolicy: OnFailure loses the logs; use Never",
        ),
        (
            "job-update-preexisting",
            "[restart-policy-invalid] spec.template.spec.restartPolicy: a Job needs restartPolicy Never or OnFailure",
        ),
    ] {
        let request = fixture(name);
        let response = response_of(&request, &client.review(&request).await);
        assert_eq!(response["allowed"], true, "{name}: {response}");
        let warnings = warnings(&response);
        assert_eq!(warnings, vec![warning.to_owned()], "{name}");
        assert_warning_shape(&warnings);
    }

    // Requests are counted by kind, operation, decision and dry run; findings by rule.
    let metrics = server.metrics_text().await;
    for line in [
        "joblint_admission_requests_total{kind=\"Job\",operation=\"CREATE\",decision=\"deny\",dry_run=\"true\"} 1",
        "joblint_admission_requests_total{kind=\"Job\",operation=\"CREATE\",decision=\"deny\",dry_run=\"false\"} 2",
        "joblint_admission_requests_total{kind=\"CronJob\",operation=\"UPDATE\",decision=\"deny\",dry_run=\"false\"} 1",
        "joblint_admission_requests_total{kind=\"other\",operation=\"CREATE\",decision=\"allow\",dry_run=\"false\"} 4",
        "joblint_admission_requests_total{kind=\"Job\",operation=\"DELETE\",decision=\"allow\",dry_run=\"false\"} 1",
        "joblint_admission_findings_total{rule=\"restart-policy-invalid\"} 6",
        "joblint_admission_findings_total{rule=\"restart-policy-on-failure\"} 2",
        "joblint_admission_findings_total{rule=\"starting-deadline-too-small\"} 1",
        "joblint_admission_requests_total{kind=\"CronJob\",operation=\"CREATE\",decision=\"deny\",dry_run=\"false\"} 2",
        "joblint_admission_review_duration_seconds_bucket{le=\"+Inf\"} 18",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line}\n{metrics}");
    }
    let kinds: BTreeSet<&str> = metrics
        .lines()
        .filter_map(|l| l.strip_prefix("joblint_admission_requests_total{kind=\""))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["CronJob", "Job", "other"]),
        "{metrics}"
    );
    assert!(metrics.contains("joblint_admission_review_duration_seconds_bucket{le=\"0.00025\"}"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warn_mode_never_denies() {
    let server = start(Setup::new().config("webhook:\n  mode: warn\n")).await;
    let request = fixture("cronjob-create-invalid");
    let response = response_of(&request, &server.client().review(&request).await);
    assert_eq!(response["allowed"], true, "{response}");
    assert_eq!(
        warnings(&response),
        vec![
            "[restart-policy-invalid] spec.jobTemplate.spec.template.spec.restartPolicy: a Job needs restartPolicy Never or OnFailure"
        ]
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_decides_exemptions_severity_and_opt_out() {
    // An exempt namespace is not linted at all.
    let server = start(Setup::new().config("webhook:\n  exempt-namespaces: [payments]\n")).await;
    let request = fixture("job-create-no-restart-policy");
    let response = response_of(&request, &server.client().review(&request).await);
    assert_eq!(response["allowed"], true);
    assert_eq!(response["warnings"], Value::Null);
    server.stop().await;

    // Per-rule severity as in the CLI: an error made a warning no longer denies.
    let server = start(Setup::new().config("rules:\n  restart-policy-invalid: warning\n")).await;
    let response = response_of(&request, &server.client().review(&request).await);
    assert_eq!(response["allowed"], true);
    assert_eq!(
        warnings(&response),
        // The message with its path is too long for a warning: the rule's short message.
        vec![
            "[restart-policy-invalid] spec.template.spec.restartPolicy: a Job needs restartPolicy Never or OnFailure"
        ]
    );
    server.stop().await;

    // CronJob-owned Jobs are linted when the config says so.
    let owned = fixture("job-create-cronjob-owned");
    let server = start(Setup::new().config("webhook:\n  allow-cronjob-owned-jobs: false\n")).await;
    let response = response_of(&owned, &server.client().review(&owned).await);
    assert_eq!(response["allowed"], false, "{response}");
    server.stop().await;

    // The joblint.dev/ignore annotation counts unless the config switches it off. Its names
    // are checked: a typo and a name that suppressed nothing come back as warnings.
    let mut annotated = fixture("job-create-no-restart-policy");
    annotated["request"]["object"]["metadata"]["annotations"]["joblint.dev/ignore"] =
        Value::from("restart-policy-invalid,ttl-mising,backoff-limit-too-high");
    let only = "only: [restart-policy-invalid, backoff-limit-too-high, ignore-unknown-rule, ignore-unused]\n";
    let server = start(Setup::new().config(only)).await;
    let response = response_of(&annotated, &server.client().review(&annotated).await);
    assert_eq!(response["allowed"], true, "{response}");
    assert_eq!(
        warnings(&response),
        [
            "[ignore-unknown-rule] metadata.annotations[joblint.dev/ignore]: unknown rule `ttl-mising` (did you mean `ttl-missing`?)",
            "[ignore-unused] metadata.annotations[joblint.dev/ignore]: `backoff-limit-too-high` suppresses nothing here",
        ],
        "{response}"
    );
    server.stop().await;
    let server = start(Setup::new().config(&format!(
        "{only}webhook:\n  allow-annotation-opt-out: false\n"
    )))
    .await;
    let response = response_of(&annotated, &server.client().review(&annotated).await);
    assert_eq!(response["allowed"], false, "{response}");
    assert_eq!(
        response["status"]["message"],
        format!("[restart-policy-invalid] spec.template.spec.restartPolicy: {NOT_SET}")
    );
    // Overruled, not left over: only the typo is reported.
    assert_eq!(
        warning_rules(&response),
        ["ignore-unknown-rule"],
        "{response}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_messages_with_control_characters_make_clean_lines() {
    // A restartPolicy value of 500 characters with control characters, which the finding's
    // message quotes.
    let mut request = fixture("job-create-clean");
    request["request"]["object"]["spec"]["template"]["spec"]["restartPolicy"] =
        Value::from(format!("Bad\n\tvalue\u{7}{}", "x".repeat(500)));
    // A denial line has the whole message, on one line.
    let server = start(Setup::new()).await;
    let response = response_of(&request, &server.client().review(&request).await);
    assert_eq!(response["allowed"], false);
    let message = response["status"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "[restart-policy-invalid] spec.template.spec.restartPolicy: restartPolicy `Bad value xxx"
        ) && !message.contains('\n')
            && message.len() > 500,
        "{message:?}"
    );
    server.stop().await;
    // A warning that long has the rule's short message instead.
    let server = start(Setup::new().config("webhook:\n  mode: warn\n")).await;
    let response = response_of(&request, &server.client().review(&request).await);
    assert_eq!(response["allowed"], true);
    let warnings = warnings(&response);
    assert_eq!(
        warnings,
        vec![
            "[restart-policy-invalid] spec.template.spec.restartPolicy: a Job needs restartPolicy Never or OnFailure"
        ]
    );
    assert_warning_shape(&warnings);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// HTTP: ALPN, limits, malformed input

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_and_http1_through_alpn() {
    let server = start(Setup::new()).await;
    let request = fixture("job-create-no-restart-policy");
    for (alpn, expected) in [(&b"h2"[..], &b"h2"[..]), (b"http/1.1", b"http/1.1")] {
        let client = Client::new(server.addr, client_config(&server.ca.pem(), None, &[alpn]));
        let answer = client.review(&request).await;
        assert_eq!(answer.alpn.as_deref(), Some(expected));
        assert_eq!(response_of(&request, &answer)["allowed"], false);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_1_2_and_1_3() {
    let server = start(Setup::new()).await;
    let request = fixture("job-create-clean");
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let config = client_config_for(&server.ca.pem(), None, &[b"http/1.1"], &[version]);
        let answer = Client::new(server.addr, config).review(&request).await;
        assert_eq!(answer.tls_version, Some(version.version));
        assert_eq!(response_of(&request, &answer)["allowed"], true);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_bodies() {
    let server = start(Setup::new().config("webhook:\n  max-body-bytes: 16384\n")).await;
    let client = server.client();

    for body in [
        &b"{not json"[..],
        b"[]",
        b"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}",
    ] {
        let answer = client
            .post("/validate?timeout=5s", body.to_vec())
            .await
            .unwrap();
        assert_eq!(answer.status, StatusCode::BAD_REQUEST);
        let status = answer.json();
        assert_eq!(status["kind"], "Status");
        assert_eq!(status["code"], 400);
        assert!(!status["message"].as_str().unwrap().is_empty());
    }

    // Over the limit: 413, also when the fixture is padded with a large annotation.
    let mut request = fixture("job-create-clean");
    request["request"]["object"]["metadata"]["annotations"]["pad"] =
        Value::from("x".repeat(20_000));
    let answer = client
        .post(
            "/validate?timeout=5s",
            serde_json::to_vec(&request).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.json()["code"], 413);

    // Under the limit is fine.
    request["request"]["object"]["metadata"]["annotations"]["pad"] = Value::from("x".repeat(4_000));
    let response = response_of(&request, &client.review(&request).await);
    assert_eq!(response["allowed"], true);

    // Other paths and methods are not admission endpoints.
    let answer = client.post("/mutate", b"{}".to_vec()).await.unwrap();
    assert_eq!(answer.status, StatusCode::NOT_FOUND);

    let metrics = server.metrics_text().await;
    assert!(
        metrics.contains(
            "joblint_admission_requests_total{kind=\"unknown\",operation=\"unknown\",decision=\"error\",dry_run=\"false\"} 4"
        ),
        "{metrics}"
    );
    // The process is still serving.
    assert_eq!(get(server.metrics, "/healthz").await.unwrap().0, 200);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Certificates

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_rotation_under_load_drops_no_request() {
    let server = start(Setup::new()).await;
    let old_cert = der_of(&std::fs::read_to_string(server.files.path("tls.crt")).unwrap());
    let request = Arc::new(fixture("job-create-clean"));
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let (new_cert, new_key) = server.ca.leaf("joblint-webhook-rotated", false);
    let new_der = der_of(&new_cert);

    // Two clients send requests back to back, each on a new connection, and record which
    // certificate each handshake saw.
    let mut loops = Vec::new();
    for _ in 0..2 {
        let client = server.client();
        let (stop, failures, done, request) = (
            stop.clone(),
            failures.clone(),
            done.clone(),
            request.clone(),
        );
        loops.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            let body = serde_json::to_vec(&*request).unwrap();
            while !stop.load(Ordering::SeqCst) {
                match client.post("/validate?timeout=5s", body.clone()).await {
                    Ok(a)
                        if a.status == StatusCode::OK
                            && a.json()["response"]["allowed"] == true =>
                    {
                        seen.push(a.server_cert)
                    }
                    _ => {
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                }
                done.fetch_add(1, Ordering::SeqCst);
            }
            seen
        }));
    }
    wait_for("some requests", async || done.load(Ordering::SeqCst) >= 20).await;

    // Rotate in place as a writer that is not atomic would: the key first (for a moment the
    // pair does not match), then the certificate.
    std::fs::write(server.files.path("tls.key"), &new_key).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::write(server.files.path("tls.crt"), &new_cert).unwrap();

    let client = server.client();
    let body = serde_json::to_vec(&*request).unwrap();
    wait_for("the new certificate", async || {
        client
            .post("/validate", body.clone())
            .await
            .is_ok_and(|a| a.server_cert == new_der)
    })
    .await;
    let after_switch = done.load(Ordering::SeqCst);
    wait_for("requests after the switch", async || {
        done.load(Ordering::SeqCst) >= after_switch + 20
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    for l in loops {
        let seen = l.await.unwrap();
        // Each client saw the old certificate, then only the new one.
        let first_new = seen
            .iter()
            .position(|c| *c == new_der)
            .expect("new cert seen");
        assert!(seen[..first_new].iter().all(|c| *c == old_cert));
        assert!(seen[first_new..].iter().all(|c| *c == new_der));
    }
    assert_eq!(failures.load(Ordering::SeqCst), 0, "failed requests");
    let metrics = server.metrics_text().await;
    assert!(
        metrics.contains("joblint_tls_certificate_reloads_total 1\n"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mismatched_or_half_written_pair_keeps_the_old_one() {
    let server = start(Setup::new()).await;
    let old_cert = der_of(&std::fs::read_to_string(server.files.path("tls.crt")).unwrap());
    let client = server.client();
    let request = fixture("job-create-clean");

    // A new certificate next to the old key: they do not match.
    let (new_cert, _new_key) = server.ca.leaf("other", false);
    server.files.replace("tls.crt", &new_cert);
    wait_for("the failed reload", async || {
        counter(
            &server.metrics_text().await,
            "joblint_tls_certificate_reload_failures_total",
        ) == 1
    })
    .await;
    let answer = client.review(&request).await;
    assert_eq!(answer.server_cert, old_cert);

    // A truncated certificate file (caught mid-write).
    server
        .files
        .replace("tls.crt", &new_cert[..new_cert.len() / 2]);
    wait_for("the second failed reload", async || {
        counter(
            &server.metrics_text().await,
            "joblint_tls_certificate_reload_failures_total",
        ) == 2
    })
    .await;
    let answer = client.review(&request).await;
    assert_eq!(answer.server_cert, old_cert);
    assert_eq!(response_of(&request, &answer)["allowed"], true);
    assert_eq!(get(server.metrics, "/readyz").await.unwrap().0, 200);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_until_a_valid_pair_is_loaded() {
    let mut setup = Setup::new();
    setup.no_cert = true;
    let server = start(setup).await;
    let (status, body) = get(server.metrics, "/readyz").await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(get(server.metrics, "/healthz").await.unwrap().0, 200);
    assert!(
        server
            .client()
            .post("/validate", b"{}".to_vec())
            .await
            .is_err()
    );

    let (cert, key) = server.ca.leaf("late", false);
    server.files.write("tls.key", &key);
    server.files.write("tls.crt", &cert);
    wait_for("readiness", async || {
        get(server.metrics, "/readyz")
            .await
            .is_ok_and(|(s, _)| s == 200)
    })
    .await;
    let request = fixture("job-create-clean");
    let answer = server.client().review(&request).await;
    assert_eq!(answer.server_cert, der_of(&cert));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_when_a_client_ca_is_set() {
    let client_ca = Ca::new("apiserver client CA");
    let mut setup = Setup::new();
    setup.client_ca = Some(client_ca.pem());
    let server = start(setup).await;
    let request = fixture("job-create-no-restart-policy");
    let ca = server.ca.pem();

    // Signed by the client CA: accepted.
    let (cert, key) = client_ca.leaf("kube-apiserver", true);
    let client = Client::new(
        server.addr,
        client_config(&ca, Some((&cert, &key)), &[b"h2", b"http/1.1"]),
    );
    let answer = client.review(&request).await;
    assert_eq!(response_of(&request, &answer)["allowed"], false);

    // No client certificate, or one from another CA: refused.
    let body = serde_json::to_vec(&request).unwrap();
    let anonymous = Client::new(server.addr, client_config(&ca, None, &[b"http/1.1"]));
    assert!(anonymous.post("/validate", body.clone()).await.is_err());
    let stranger_ca = Ca::new("someone else");
    let (cert, key) = stranger_ca.leaf("intruder", true);
    let stranger = Client::new(
        server.addr,
        client_config(&ca, Some((&cert, &key)), &[b"http/1.1"]),
    );
    assert!(stranger.post("/validate", body).await.is_err());
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Config reload

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_reloads_and_a_broken_one_keeps_the_last_good() {
    let server = start(Setup::new().config("webhook:\n  mode: enforce\n")).await;
    let client = server.client();
    let request = fixture("job-create-no-restart-policy");
    assert_eq!(
        response_of(&request, &client.review(&request).await)["allowed"],
        false
    );

    // A ConfigMap update swaps the file.
    server
        .files
        .replace("joblint.yaml", &no_grace("webhook:\n  mode: warn\n"));
    wait_for("warn mode", async || {
        response_of(&request, &client.review(&request).await)["allowed"] == true
    })
    .await;

    // A broken config is refused; warn mode stays.
    server
        .files
        .replace("joblint.yaml", &no_grace("webhook:\n  mode: sometimes\n"));
    wait_for("the failed reload", async || {
        server
            .metrics_text()
            .await
            .contains("joblint_config_reload_failures_total 1\n")
    })
    .await;
    assert_eq!(
        response_of(&request, &client.review(&request).await)["allowed"],
        true
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------
// SIGTERM, with the real binary

/// Reads the binary's JSON log lines from stderr on a thread.
fn log_lines(stderr: std::process::ChildStderr) -> std::sync::mpsc::Receiver<Value> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                if tx.send(v).is_err() {
                    break;
                }
            } else {
                eprintln!("joblint serve: {line}");
            }
        }
    });
    rx
}

fn wait_log(rx: &std::sync::mpsc::Receiver<Value>, message: &str) -> Value {
    let deadline = Instant::now() + TIMEOUT;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(v) if v["message"] == message => return v,
            Ok(_) => {}
            Err(e) => panic!("no `{message}` log line: {e}"),
        }
    }
    panic!("no `{message}` log line");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_keeps_serving_for_the_grace_delay_then_drains_and_exits_0() {
    let files = Files::new();
    let ca = Ca::new("joblint test CA");
    let (cert, key) = ca.leaf("joblint-webhook", false);
    let cert_path = files.write("tls.crt", &cert);
    let key_path = files.write("tls.key", &key);
    let config = files.write("joblint.yaml", "webhook:\n  shutdown-grace-seconds: 5\n");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_joblint"))
        .args(["serve", "--tls-cert"])
        .arg(&cert_path)
        .arg("--tls-key")
        .arg(&key_path)
        .args(["--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"])
        .arg("--config")
        .arg(&config)
        .args(["--log-format", "json"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let logs = log_lines(child.stderr.take().unwrap());
    let listening = wait_log(&logs, "listening");
    let addr: SocketAddr = listening["addr"].as_str().unwrap().parse().unwrap();
    let metrics: SocketAddr = listening["metrics_addr"].as_str().unwrap().parse().unwrap();
    wait_for("readiness", async || {
        get(metrics, "/readyz").await.is_ok_and(|(s, _)| s == 200)
    })
    .await;
    let client = Client::new(addr, client_config(&ca.pem(), None, &[b"http/1.1"]));

    // A request in flight: headers and half the body sent before SIGTERM.
    let request = fixture("job-create-no-restart-policy");
    let body = serde_json::to_vec(&request).unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = client
        .connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    let head = format!(
        "POST /validate?timeout=10s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes()).await.unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    tls.write_all(first).await.unwrap();
    tls.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_log(&logs, "shutdown signal");

    // Readiness turns false, but new requests are still answered during the grace delay.
    wait_for("readiness to fail", async || {
        get(metrics, "/readyz").await.is_ok_and(|(s, _)| s == 503)
    })
    .await;
    let answer = client.review(&request).await;
    assert_eq!(response_of(&request, &answer)["allowed"], false);
    // One log line per decision (at the default level): who, what and which rules, never the
    // object's content.
    let decision = wait_log(&logs, "admission review");
    for (field, expected) in [
        ("uid", "0b1e1c52-0002-4d0e-9a1b-000000000002"),
        ("kind", "Job"),
        ("namespace", "payments"),
        ("name", "db-migrate"),
        ("operation", "CREATE"),
        ("decision", "deny"),
        ("denied_by", "restart-policy-invalid"),
    ] {
        assert_eq!(decision[field], expected, "{field} in {decision}");
    }
    // Every rule that found something, sorted, comma-separated.
    let rules: Vec<&str> = decision["rules"]
        .as_str()
        .unwrap_or_default()
        .split(',')
        .collect();
    assert!(rules.contains(&"restart-policy-invalid"), "{decision}");
    assert!(rules.len() > 1 && rules.is_sorted(), "{decision}");
    assert!(
        !decision.to_string().contains("registry.example"),
        "{decision}"
    );

    // Once the server stops accepting, the request in flight still completes.
    wait_log(&logs, "stopped accepting; draining in-flight requests");
    tls.write_all(rest).await.unwrap();
    tls.flush().await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(TIMEOUT, tls.read_to_end(&mut raw))
        .await
        .expect("response in time")
        .unwrap_or_else(|e| panic!("read: {e}; got {}", String::from_utf8_lossy(&raw)));
    let (status, text) = parse_http1(&raw).unwrap();
    assert_eq!(status, 200, "{text}");
    let review: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(review["response"]["uid"], request["request"]["uid"]);
    assert_eq!(review["response"]["allowed"], false);

    // New connections are refused, and the process exits 0.
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "joblint serve did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
    assert!(TcpStream::connect(addr).await.is_err());
}
