//! The HTTPS server around [`review`](super::review::review): it reads the body (within the
//! limit), parses the AdmissionReview, calls the policy and sends its answer. It holds no policy.
//!
//! - Admission (`POST /validate`) on TLS only: rustls, TLS 1.2/1.3, ALPN h2 and http/1.1.
//! - Certificate, key and config files are polled for changes; a pair or config that does not
//!   load keeps the previous one in service and is logged.
//! - Metrics address (plain HTTP): `/healthz`, `/readyz`, `/metrics`.
//! - Shutdown: readiness turns false, the server keeps answering for the grace delay, then stops
//!   accepting and drains in-flight requests.

use std::cell::RefCell;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use kube::core::admission::{AdmissionRequest, AdmissionReview, Operation};
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tracing::{Level, debug, error, info, warn};

use super::metrics::{Metrics, RequestLabels};
use super::review::{self, Verdict};
use super::tls::{self, CertStore, PairPaths, TlsError};
use super::{AdmittedObject, Policy, PolicyError};
use crate::object::Kind;

/// How `joblint serve` was asked to run.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The admission (TLS) address.
    pub addr: SocketAddr,
    /// The plain-HTTP address of /healthz, /readyz and /metrics.
    pub metrics_addr: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    /// When set, clients must present a certificate signed by this CA.
    pub client_ca: Option<PathBuf>,
    /// The config file (`.joblint.yaml` format); defaults apply without one.
    pub config: Option<PathBuf>,
    /// How often the certificate, key and config files are checked for changes.
    pub reload_interval: Duration,
    /// The longest wait for in-flight requests after the grace delay.
    pub drain_timeout: Duration,
}

impl ServeOptions {
    pub fn new(tls_cert: PathBuf, tls_key: PathBuf) -> Self {
        ServeOptions {
            addr: SocketAddr::from(([0, 0, 0, 0], 8443)),
            metrics_addr: SocketAddr::from(([0, 0, 0, 0], 9090)),
            tls_cert,
            tls_key,
            client_ca: None,
            config: None,
            reload_interval: Duration::from_secs(2),
            drain_timeout: Duration::from_secs(20),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("config {}", path.display())]
    Policy {
        path: PathBuf,
        #[source]
        source: PolicyError,
    },
    #[error("default config")]
    DefaultPolicy(#[source] PolicyError),
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// State shared by the handlers and the reload task.
struct Shared {
    /// Identifies this server among others in the process (tests run several), for the
    /// threads' cached policies.
    id: u64,
    policy: RwLock<Arc<Policy>>,
    /// Bumped on each config reload.
    generation: AtomicU64,
    metrics: Metrics,
    certs: Arc<CertStore>,
    /// False until the listeners are up, and again from the shutdown signal on.
    accepting: AtomicBool,
}

thread_local! {
    /// This worker thread's copy of the current policy: (server id, generation, policy). With
    /// it, a request reads one atomic that changes only on reloads, instead of taking the lock
    /// and a reference count that both worker threads write (their cache line would bounce
    /// between cores on every request).
    static POLICY: RefCell<Option<(u64, u64, Arc<Policy>)>> = const { RefCell::new(None) };
}

impl Shared {
    fn new(policy: Policy, metrics: Metrics, certs: Arc<CertStore>) -> Shared {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Shared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            policy: RwLock::new(Arc::new(policy)),
            generation: AtomicU64::new(0),
            metrics,
            certs,
            accepting: AtomicBool::new(false),
        }
    }

    /// Runs `f` with the current policy (not re-entrant: `f` must not call it again).
    fn with_policy<R>(&self, f: impl FnOnce(&Policy) -> R) -> R {
        let generation = self.generation.load(Ordering::Acquire);
        POLICY.with(|cell| {
            let mut cached = cell.borrow_mut();
            let policy = match &mut *cached {
                Some((id, g, policy)) if *id == self.id && *g == generation => policy,
                stale => &mut stale.insert((self.id, generation, self.policy())).2,
            };
            f(policy)
        })
    }

    fn policy(&self) -> Arc<Policy> {
        match self.policy.read() {
            Ok(p) => p.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set_policy(&self, policy: Policy) {
        let policy = Arc::new(policy);
        match self.policy.write() {
            Ok(mut p) => *p = policy,
            Err(poisoned) => *poisoned.into_inner() = policy,
        }
        // After the write: a thread that sees the new generation reads the new policy.
        self.generation.fetch_add(1, Ordering::Release);
    }
}

/// A bound, not yet running, server.
pub struct Server {
    shared: Arc<Shared>,
    listener: TcpListener,
    metrics_listener: TcpListener,
    tls: Arc<ServerConfig>,
    opts: ServeOptions,
    pair_fingerprint: Option<u64>,
    config_fingerprint: Option<u64>,
}

impl Server {
    /// Loads the config and the client CA (errors stop here), tries the certificate pair (a
    /// missing or broken pair is logged and /readyz fails until a good one appears), and binds
    /// both addresses.
    pub async fn bind(opts: ServeOptions) -> Result<Server, ServeError> {
        let policy = load_policy(opts.config.as_deref())?;
        let config_fingerprint = opts.config.as_deref().and_then(file_fingerprint);
        let certs = Arc::new(CertStore::default());
        let pair = PairPaths {
            cert: opts.tls_cert.clone(),
            key: opts.tls_key.clone(),
        };
        let provider = tls::provider();
        let pair_fingerprint = match pair.read() {
            Ok(bytes) => {
                match pair.parse(&bytes, &provider) {
                    Ok(certified) => certs.set(certified),
                    Err(e) => {
                        error!(error = %chain(&e), "no valid certificate yet; /readyz fails until one loads")
                    }
                }
                Some(fingerprint(&bytes.cert, &bytes.key))
            }
            Err(e) => {
                error!(error = %chain(&e), "no valid certificate yet; /readyz fails until one loads");
                None
            }
        };
        let tls = Arc::new(tls::server_config(
            certs.clone(),
            opts.client_ca.as_deref(),
        )?);
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|source| ServeError::Bind { addr, source })
        };
        let listener = bind(opts.addr).await?;
        let metrics_listener = bind(opts.metrics_addr).await?;
        Ok(Server {
            shared: Arc::new(Shared::new(policy, Metrics::default(), certs)),
            listener,
            metrics_listener,
            tls,
            opts,
            pair_fingerprint,
            config_fingerprint,
        })
    }

    /// The bound admission address (the port is known here when asked for port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn metrics_addr(&self) -> std::io::Result<SocketAddr> {
        self.metrics_listener.local_addr()
    }

    /// Serves until `shutdown` completes, then: readiness false, keep serving for the config's
    /// `shutdown-grace-seconds`, stop accepting, drain in-flight requests (at most
    /// `drain_timeout`), return.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let Server {
            shared,
            listener,
            metrics_listener,
            tls,
            opts,
            pair_fingerprint,
            config_fingerprint,
        } = self;

        let metrics_app = Router::new()
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics))
            .with_state(shared.clone());
        let metrics_task = tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics_listener, metrics_app).await {
                error!(error = %chain(&e), "metrics server stopped");
            }
        });
        let reload_task = tokio::spawn(watch_files(
            shared.clone(),
            opts.clone(),
            pair_fingerprint,
            config_fingerprint,
        ));

        let app = Router::new()
            .route("/validate", post(validate))
            .with_state(shared.clone());
        let acceptor = TlsAcceptor::from(tls);
        let graceful = GracefulShutdown::new();
        shared.accepting.store(true, Ordering::SeqCst);

        tokio::pin!(shutdown);
        let accept = |graceful: &GracefulShutdown, conn: std::io::Result<_>| match conn {
            Ok((tcp, peer)) => {
                serve_connection(tcp, peer, acceptor.clone(), app.clone(), graceful);
            }
            Err(e) => {
                warn!(error = %chain(&e), "accept failed");
            }
        };
        loop {
            tokio::select! {
                conn = listener.accept() => accept(&graceful, conn),
                () = &mut shutdown => break,
            }
        }
        shared.accepting.store(false, Ordering::SeqCst);
        let grace = Duration::from_secs(shared.policy().webhook.shutdown_grace_seconds);
        info!(
            grace_seconds = grace.as_secs(),
            "shutdown requested: not ready, still serving for the grace delay"
        );
        let deadline = tokio::time::Instant::now() + grace;
        loop {
            tokio::select! {
                conn = listener.accept() => accept(&graceful, conn),
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        drop(listener);
        info!(
            connections = graceful.count(),
            "stopped accepting; draining in-flight requests"
        );
        if tokio::time::timeout(opts.drain_timeout, graceful.shutdown())
            .await
            .is_err()
        {
            warn!(
                timeout_seconds = opts.drain_timeout.as_secs(),
                "drain timed out; closing the remaining connections"
            );
        }
        reload_task.abort();
        metrics_task.abort();
        info!("stopped");
    }
}

fn load_policy(path: Option<&Path>) -> Result<Policy, ServeError> {
    Policy::load(path).map_err(|source| match path {
        Some(path) => ServeError::Policy {
            path: path.to_path_buf(),
            source,
        },
        None => ServeError::DefaultPolicy(source),
    })
}

/// One TLS connection: handshake (bounded), then HTTP/1.1 or HTTP/2, tracked for draining.
fn serve_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    app: Router,
    graceful: &GracefulShutdown,
) {
    let watcher = graceful.watcher();
    tokio::spawn(async move {
        let _ = tcp.set_nodelay(true);
        let stream = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
        {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                debug!(%peer, error = %chain(&e), "TLS handshake failed");
                return;
            }
            Err(_) => {
                debug!(%peer, "TLS handshake timed out");
                return;
            }
        };
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new());
        builder.http2().timer(TokioTimer::new());
        let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
        if let Err(e) = watcher.watch(conn).await {
            debug!(%peer, error = %chain(&*e), "connection ended with an error");
        }
    });
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    if !shared.accepting.load(Ordering::SeqCst) {
        (StatusCode::SERVICE_UNAVAILABLE, "not accepting requests\n").into_response()
    } else if !shared.certs.is_loaded() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "no valid TLS certificate loaded\n",
        )
            .into_response()
    } else {
        (StatusCode::OK, "ready\n").into_response()
    }
}

async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        shared.metrics.render(),
    )
        .into_response()
}

/// `POST /validate`: body within the limit → AdmissionReview → [`review::review`] → JSON.
async fn validate(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let limit = shared.with_policy(|p| p.webhook.max_body_bytes);
    // The request itself, not the `HeaderMap` extractor (which copies every header).
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return failure(
            &shared,
            started,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body over the limit of {limit} bytes (webhook.max-body-bytes)"),
        );
    }
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return failure(
                &shared,
                started,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body over the limit of {limit} bytes (webhook.max-body-bytes)"),
            );
        }
        Err(e) => {
            return failure(
                &shared,
                started,
                StatusCode::BAD_REQUEST,
                format!("cannot read the request body: {e}"),
            );
        }
    };
    guarded(&shared, started, || {
        shared.with_policy(|policy| decide(&shared, policy, &bytes, started))
    })
}

/// Runs `answer`; a panic in it (a bug in the engine) answers this request with a 500 and
/// leaves the process serving.
fn guarded(shared: &Shared, started: Instant, answer: impl FnOnce() -> Response) -> Response {
    match std::panic::catch_unwind(AssertUnwindSafe(answer)) {
        Ok(response) => response,
        Err(_) => failure(
            shared,
            started,
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error while reviewing the request".to_owned(),
        ),
    }
}

fn decide(shared: &Shared, policy: &Policy, bytes: &[u8], started: Instant) -> Response {
    let review: AdmissionReview<AdmittedObject> = match serde_json::from_slice(bytes) {
        Ok(review) => review,
        Err(e) => return failure(shared, started, StatusCode::BAD_REQUEST, malformed(&e)),
    };
    let request: AdmissionRequest<AdmittedObject> = match review.try_into() {
        Ok(request) => request,
        Err(_) => {
            return failure(
                shared,
                started,
                StatusCode::BAD_REQUEST,
                "AdmissionReview has no request".to_owned(),
            );
        }
    };
    let verdict = review::review(&request, &policy.linter, &policy.webhook);
    record(shared, &request, &verdict, started);
    // Sized for a few warnings: `to_vec` would start at 128 bytes and grow three times.
    let mut body = Vec::with_capacity(1024);
    let body = match serde_json::to_writer(&mut body, &verdict.response.into_review()) {
        Ok(()) => body,
        Err(e) => {
            return failure(
                shared,
                started,
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("cannot encode the response: {e}"),
            );
        }
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The longest error message (before its location) that a 400 carries and logs: serde's
/// messages quote the offending value, which can be megabytes of a hostile body.
const MAX_ERROR_CHARS: usize = 300;

/// Why a body is not an AdmissionReview: serde's message, cut, and where in the body.
fn malformed(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let location = match e.line() {
        0 => String::new(),
        line => format!(" at line {line} column {}", e.column()),
    };
    let bare = message.strip_suffix(&location).unwrap_or(&message);
    let bare = review::shorten(bare.to_owned(), MAX_ERROR_CHARS);
    format!("malformed AdmissionReview: {bare}{location}")
}

fn operation_str(op: &Operation) -> &'static str {
    match op {
        Operation::Create => "CREATE",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
        Operation::Connect => "CONNECT",
    }
}

/// Metrics and the one log line of a decision (never the object's content).
fn record(
    shared: &Shared,
    request: &AdmissionRequest<AdmittedObject>,
    verdict: &Verdict,
    started: Instant,
) {
    let operation = operation_str(&request.operation);
    let decision = verdict.decision.as_str();
    // The kind label takes a bounded set of values: the request's kind is whatever the caller
    // sent, and each new value would be a series kept for the life of the process. The log
    // line below names the kind itself.
    let kind = match Kind::from_name(&request.kind.kind) {
        Some(kind) if request.kind.group == "batch" => kind.as_str(),
        _ => "other",
    };
    shared.metrics.admission(
        RequestLabels {
            kind,
            operation,
            decision,
            dry_run: request.dry_run,
        },
        verdict.findings.iter().map(|f| f.rule),
        started.elapsed(),
    );
    if !tracing::enabled!(Level::INFO) {
        return;
    }
    let mut rules: Vec<&str> = verdict.findings.iter().map(|f| f.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    // Rule lists as comma-separated strings, which log pipelines split and grep; every field a
    // `&str` so that no value goes through `fmt` (this line is written on every request).
    info!(
        uid = bounded(&request.uid),
        kind = bounded(&request.kind.kind),
        namespace = bounded(request.namespace.as_deref().unwrap_or("")),
        name = bounded(review::object_name(request)),
        operation,
        dry_run = request.dry_run,
        decision,
        skipped = verdict.skipped.map(|s| s.as_str()).unwrap_or(""),
        rules = rules.join(",").as_str(),
        denied_by = verdict.denied_by.join(",").as_str(),
        "admission review"
    );
}

/// The longest string from a request that a log line carries, in bytes: the apiserver's are far
/// shorter (a name at most 253, a uid 36), a hostile caller's can be as long as the body.
const MAX_LOG_FIELD: usize = 256;

/// `s` cut to [`MAX_LOG_FIELD`] bytes, at a character boundary.
fn bounded(s: &str) -> &str {
    let mut end = s.len().min(MAX_LOG_FIELD);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A non-200 answer (the apiserver applies failurePolicy): a JSON Status, a metric, a log line.
fn failure(shared: &Shared, started: Instant, code: StatusCode, message: String) -> Response {
    shared.metrics.request(
        RequestLabels {
            kind: "unknown",
            operation: "unknown",
            decision: "error",
            dry_run: false,
        },
        started.elapsed(),
    );
    warn!(status = code.as_u16(), error = %message, "admission request not reviewed");
    let body = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Failure",
        "code": code.as_u16(),
        "reason": code.canonical_reason().unwrap_or("Error").replace(' ', ""),
        "message": message,
    });
    (
        code,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// An error and its sources, `: `-separated, for log lines.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn fingerprint(a: &[u8], b: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    a.hash(&mut h);
    b.hash(&mut h);
    h.finish()
}

fn file_fingerprint(path: &Path) -> Option<u64> {
    std::fs::read(path).ok().map(|b| fingerprint(&b, &[]))
}

/// Polls the pair and the config by content (robust to the symlink swaps of Secret and
/// ConfigMap volumes). A change that loads replaces the old one; one that does not is logged
/// and counted, and the old one keeps serving.
async fn watch_files(
    shared: Arc<Shared>,
    opts: ServeOptions,
    mut pair_seen: Option<u64>,
    mut config_seen: Option<u64>,
) {
    let pair = PairPaths {
        cert: opts.tls_cert.clone(),
        key: opts.tls_key.clone(),
    };
    let provider = tls::provider();
    let mut interval = tokio::time::interval(opts.reload_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    loop {
        interval.tick().await;
        match pair.read() {
            Ok(bytes) => {
                let seen = Some(fingerprint(&bytes.cert, &bytes.key));
                if seen != pair_seen {
                    pair_seen = seen;
                    match pair.parse(&bytes, &provider) {
                        Ok(certified) => {
                            shared.certs.set(certified);
                            shared.metrics.cert_reloaded();
                            info!(cert = %pair.cert.display(), "certificate reloaded");
                        }
                        Err(e) => {
                            shared.metrics.cert_reload_failed();
                            warn!(error = %chain(&e), "certificate not reloaded; the previous pair keeps serving");
                        }
                    }
                }
            }
            Err(e) => {
                if pair_seen.is_some() {
                    pair_seen = None;
                    shared.metrics.cert_reload_failed();
                    warn!(error = %chain(&e), "certificate not reloaded; the previous pair keeps serving");
                }
            }
        }
        if let Some(path) = &opts.config {
            let seen = file_fingerprint(path);
            if seen != config_seen {
                config_seen = seen;
                match Policy::load(Some(path)) {
                    Ok(policy) => {
                        shared.set_policy(policy);
                        shared.metrics.config_reloaded();
                        info!(config = %path.display(), "config reloaded");
                    }
                    Err(e) => {
                        shared.metrics.config_reload_failed();
                        warn!(config = %path.display(), error = %chain(&e), "config not reloaded; the last good config stays");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        let shared = Shared::new(
            Policy::load(None).unwrap(),
            Metrics::default(),
            Arc::new(CertStore::default()),
        );
        shared.accepting.store(true, Ordering::SeqCst);
        shared
    }

    #[test]
    fn a_panic_becomes_a_500_for_that_request() {
        let shared = shared();
        let response = guarded(&shared, Instant::now(), || panic!("bug in a check"));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let response = guarded(&shared, Instant::now(), || StatusCode::OK.into_response());
        assert_eq!(response.status(), StatusCode::OK);
        assert!(shared.metrics.render().contains(
            "joblint_admission_requests_total{kind=\"unknown\",operation=\"unknown\",decision=\"error\",dry_run=\"false\"} 1"
        ));
    }

    /// Replaces a value, removes a key or cuts the text: one mutation of an admission request.
    fn mangle(review: &serde_json::Value, next: &mut impl FnMut(usize) -> usize) -> Vec<u8> {
        use serde_json::{Value, json};
        fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
            let children: Vec<(String, &Value)> = match v {
                Value::Object(map) => map
                    .iter()
                    .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
                    .collect(),
                Value::Array(items) => items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
                _ => Vec::new(),
            };
            for (key, child) in children {
                let child_at = format!("{at}/{key}");
                pointers(child, child_at.clone(), out);
                out.push(child_at);
            }
        }
        let mut all = Vec::new();
        pointers(review, String::new(), &mut all);
        let mut deep = json!(0);
        for _ in 0..200 {
            deep = json!([deep]);
        }
        let replacements = [
            Value::Null,
            json!([]),
            json!({}),
            json!(-5),
            json!(3.5),
            json!(true),
            json!(""),
            json!("x\n\u{7}\u{202e}y"),
            json!(u64::MAX),
            json!("é".repeat(3_000)),
            json!([1, {"a": "b"}]),
            deep,
        ];
        let mut review = review.clone();
        match next(4) {
            0 => {
                let text = serde_json::to_vec(&review).unwrap_or_default();
                let mut text = text[..next(text.len() + 1)].to_vec();
                let tails: [&[u8]; 4] = [b"", b"}", b"\"", b"\xff"];
                text.extend_from_slice(tails[next(tails.len())]);
                return text;
            }
            1 => {
                // Remove a key (or an item).
                let at = &all[next(all.len())];
                let (parent, key) = at.rsplit_once('/').unwrap_or(("", at));
                let key = key.replace("~1", "/").replace("~0", "~");
                match review.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.shift_remove(&key);
                    }
                    Some(Value::Array(items)) if !items.is_empty() => {
                        items.remove(key.parse::<usize>().unwrap_or(0).min(items.len() - 1));
                    }
                    _ => {}
                }
            }
            _ => {
                for _ in 0..1 + next(3) {
                    let at = &all[next(all.len())];
                    if let Some(v) = review.pointer_mut(at) {
                        *v = replacements[next(replacements.len())].clone();
                    }
                }
            }
        }
        serde_json::to_vec(&review).unwrap_or_default()
    }

    /// Malformed admission requests are normal input: mangled copies of every admission fixture
    /// (values of other types, keys removed, bodies cut short) each get a 200 that echoes the
    /// request's uid with well-formed warnings, or a 400 with a Status; never a 500 or a panic.
    #[test]
    fn mangled_admission_requests_get_an_answer() {
        use serde_json::Value;
        let shared = shared();
        let policy = Policy::load(None).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/admission");
        let mut fixtures: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        fixtures.sort();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n.max(1) as u64) as usize
        };
        let (mut ok, mut bad) = (0, 0);
        for path in &fixtures {
            let review: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            for round in 0..40 {
                let body = mangle(&review, &mut next);
                let context = || {
                    format!(
                        "{}#{round}: {}",
                        path.display(),
                        String::from_utf8_lossy(&body)
                    )
                };
                let response = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    decide(&shared, &policy, &body, Instant::now())
                }))
                .unwrap_or_else(|_| panic!("panic on {}", context()));
                let status = response.status();
                let bytes = runtime
                    .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
                    .unwrap();
                let answer: Value = serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("{e}: the answer to {} is not JSON", context()));
                match status {
                    StatusCode::OK => {
                        ok += 1;
                        let sent: Value = serde_json::from_slice(&body).unwrap();
                        let response = &answer["response"];
                        assert_eq!(response["uid"], sent["request"]["uid"], "{}", context());
                        let warnings: Vec<&str> = response["warnings"]
                            .as_array()
                            .map(|w| w.iter().map(|w| w.as_str().unwrap()).collect())
                            .unwrap_or_default();
                        assert!(
                            warnings.iter().map(|w| w.len()).sum::<usize>() <= 4096
                                && warnings.iter().all(|w| !w.chars().any(char::is_control)),
                            "{warnings:?} for {}",
                            context()
                        );
                        if response["allowed"] == false {
                            assert_eq!(response["status"]["code"], 422, "{}", context());
                        } else {
                            assert_eq!(response["allowed"], true, "{}", context());
                        }
                    }
                    StatusCode::BAD_REQUEST => {
                        bad += 1;
                        assert_eq!(answer["kind"], "Status", "{}", context());
                        assert_eq!(answer["code"], 400, "{}", context());
                        let message = answer["message"].as_str().unwrap_or_default();
                        assert!(
                            !message.is_empty() && message.chars().count() < 400,
                            "{message} for {}",
                            context()
                        );
                    }
                    other => panic!("{other} for {}", context()),
                }
            }
        }
        // Both kinds of answer were exercised, many times each.
        assert!(ok > 150 && bad > 150, "{ok} answered, {bad} refused");
    }

    #[test]
    fn log_fields_are_bounded() {
        assert_eq!(bounded("db-migrate"), "db-migrate");
        let long = format!("a{}", "é".repeat(200));
        assert_eq!(
            bounded(&long).len(),
            255,
            "cut before the character that would cross"
        );
        assert!(long.starts_with(bounded(&long)));
    }

    #[test]
    fn fingerprints_follow_content() {
        assert_eq!(fingerprint(b"a", b"b"), fingerprint(b"a", b"b"));
        assert_ne!(fingerprint(b"a", b"b"), fingerprint(b"ab", b""));
    }
}
