//! Load benchmark of `joblint serve` on loopback, next to a floor: a minimal always-allow
//! axum + rustls admission endpoint (same TLS, same HTTP stack, same AdmissionReview decoding,
//! no linting). Both run as child processes (the floor is this benchmark re-executed with
//! `--floor-server`), so neither shares a process with the load generator.
//!
//! For each server:
//! - throughput: `CONNECTIONS` keep-alive HTTP/1.1 connections in a closed loop for `SECS`
//!   seconds per round; requests/s, p50, p99 of the median round;
//! - fixed rate: 1,000 requests/s for `SECS` seconds (open loop; latency counted from the
//!   scheduled send time, so queueing is not hidden); p50, p99, max;
//! - the CPU time the hypervisor took from this virtual machine during the fixed-rate run
//!   (`steal` in `/proc/stat`), which explains most latency spikes on a shared machine;
//! - resident memory of the server process after both runs (VmRSS, and the peak VmHWM);
//! - the server's CPU time per request in each throughput round (all its threads, from
//!   `/proc/PID/task/*/schedstat`): a steadier measure than throughput, which also depends on
//!   how the two cores were shared with the load generator; and the load generator's own CPU
//!   time per request (it shares the two cores with the server).
//!
//! The throughput runs alternate between the two servers for several rounds; the ratio is the
//! median of the rounds' ratios (each compares runs seconds apart on a noisy machine).
//!
//! Run: `cargo bench --bench webhook_load` (env: JOBLINT_BENCH_SECS, default 5;
//! JOBLINT_BENCH_CONNECTIONS, default 4; JOBLINT_BENCH_ROUNDS, default 3;
//! JOBLINT_BENCH_FLOOR=dynamic for a floor that decodes objects as kube's `DynamicObject`;
//! JOBLINT_BENCH_FLOOR=review for the floor plus joblint's review and nothing else of `joblint
//! serve`, a probe that tells the review's cost under load from the server's;
//! JOBLINT_BENCH_SERVE_LOG=warn to run `joblint serve` without its decision logs, which it
//! otherwise writes as deployed: info level, JSON, into a pipe).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

// The allocator of the joblint binary (src/main.rs): the floor differs from `joblint serve`
// only by not linting.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--floor-server") {
        let dir = PathBuf::from(&args[i + 1]);
        floor_server(&dir);
        return;
    }
    if !args.iter().any(|a| a == "--bench") {
        // Built and run by `cargo test --all-targets` (without `--bench`): nothing to do.
        return;
    }
    let secs: u64 = env_or("JOBLINT_BENCH_SECS", 5);
    let connections: usize = env_or("JOBLINT_BENCH_CONNECTIONS", 4);
    let rounds: usize = env_or("JOBLINT_BENCH_ROUNDS", 3);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(Duration::from_secs(secs), connections, rounds.max(1)));
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// Servers

struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let dir = tempfile::tempdir().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();
    std::fs::write(dir.path().join("tls.crt"), cert.pem()).unwrap();
    std::fs::write(dir.path().join("tls.key"), key.serialize_pem()).unwrap();
    Pki {
        ca_pem: ca.pem(),
        dir,
    }
}

fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

struct ServerProcess {
    name: &'static str,
    child: Child,
    /// The process that reads the server's logs, if they are kept.
    drain: Option<Child>,
    addr: SocketAddr,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The drain ends when the server's end of the pipe closes.
        if let Some(drain) = &mut self.drain {
            let _ = drain.wait();
        }
    }
}

/// `joblint serve` as the chart deploys it: the default log level (info: one line per
/// decision) in JSON, written to a pipe that another process drains, as a container runtime
/// does. `JOBLINT_BENCH_SERVE_LOG=warn` turns the decision logs off (what the benchmark did
/// before session 9), to tell their cost.
fn start_joblint(pki: &Pki) -> ServerProcess {
    let addr = free_port();
    let metrics = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_joblint"));
    command
        .arg("serve")
        .arg("--tls-cert")
        .arg(pki.dir.path().join("tls.crt"))
        .arg("--tls-key")
        .arg(pki.dir.path().join("tls.key"))
        .args([
            "--addr",
            &addr.to_string(),
            "--metrics-addr",
            &metrics.to_string(),
            "--log-format",
            "json",
        ])
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Ok(level) = std::env::var("JOBLINT_BENCH_SERVE_LOG") {
        command.env("RUST_LOG", level);
    }
    let mut child = command.spawn().unwrap();
    let log = child.stderr.take().unwrap();
    let drain = Command::new("cat")
        .stdin(Stdio::from(log))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    ServerProcess {
        name: "joblint serve",
        child,
        drain: Some(drain),
        addr,
    }
}

fn start_floor(pki: &Pki) -> ServerProcess {
    let addr = free_port();
    std::fs::write(pki.dir.path().join("floor.addr"), addr.to_string()).unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .arg("--floor-server")
        .arg(pki.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    ServerProcess {
        name: match floor() {
            Floor::Admitted => "floor (always allow)",
            Floor::Dynamic => "floor (always allow, DynamicObject)",
            Floor::ReviewOnly => "floor + joblint's review only (probe)",
        },
        child,
        drain: None,
        addr,
    }
}

/// What the floor server does (`JOBLINT_BENCH_FLOOR`).
enum Floor {
    /// The default: decode the object the way joblint does, allow.
    Admitted,
    /// `dynamic`: decode the object as kube's `DynamicObject`, as a minimal kube-rs webhook
    /// would, allow.
    Dynamic,
    /// `review`: decode as joblint does and answer with joblint's review (a probe, not a floor).
    ReviewOnly,
}

fn floor() -> Floor {
    match std::env::var("JOBLINT_BENCH_FLOOR").as_deref() {
        Ok("dynamic") => Floor::Dynamic,
        Ok("review") => Floor::ReviewOnly,
        _ => Floor::Admitted,
    }
}

/// The floor: axum + rustls (ring), h2/http1.1 ALPN, parse the AdmissionReview as joblint does
/// (kube's types with the object decoded straight into joblint's tree), allow.
fn floor_server(dir: &Path) {
    use axum::Router;
    use axum::body::Bytes as AxumBytes;
    use axum::routing::post;
    use hyper_util::server::conn::auto;
    use hyper_util::service::TowerToHyperService;
    use joblint::webhook::AdmittedObject;
    use kube::core::admission::{AdmissionRequest, AdmissionResponse, AdmissionReview};
    use rustls::pki_types::PrivateKeyDer;

    let addr: SocketAddr = std::fs::read_to_string(dir.join("floor.addr"))
        .unwrap()
        .parse()
        .unwrap();
    let certs = CertificateDer::pem_file_iter(dir.join("tls.crt"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("tls.key")).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(joblint::webhook::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));

    /// Decodes the review with `T` as the object's type and answers with `respond`'s response.
    fn answer<T>(
        body: &[u8],
        respond: impl FnOnce(&AdmissionRequest<T>) -> AdmissionResponse,
    ) -> axum::response::Response
    where
        T: kube::core::Resource + serde::de::DeserializeOwned,
    {
        use axum::response::IntoResponse;
        let Ok(review) = serde_json::from_slice::<AdmissionReview<T>>(body) else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        let Ok(req): Result<AdmissionRequest<T>, _> = review.try_into() else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        let body = serde_json::to_vec(&respond(&req).into_review()).unwrap();
        ([("content-type", "application/json")], body).into_response()
    }
    async fn allow_admitted(body: AxumBytes) -> axum::response::Response {
        answer::<AdmittedObject>(&body, |req| AdmissionResponse::from(req))
    }
    /// Not a floor but a probe: the floor plus joblint's review, without the rest of `joblint
    /// serve` (metrics, logs, body limit, config reloads), to tell the review's cost under load
    /// from the server's.
    async fn review_only(body: AxumBytes) -> axum::response::Response {
        use joblint::webhook::{Policy, review};
        static POLICY: std::sync::LazyLock<Policy> =
            std::sync::LazyLock::new(|| Policy::load(None).expect("default policy"));
        answer::<AdmittedObject>(&body, |req| {
            review::review(req, &POLICY.linter, &POLICY.webhook).response
        })
    }
    async fn allow_dynamic(body: AxumBytes) -> axum::response::Response {
        answer::<kube::core::DynamicObject>(&body, |req| AdmissionResponse::from(req))
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let app = match floor() {
            Floor::Admitted => Router::new().route("/validate", post(allow_admitted)),
            Floor::Dynamic => Router::new().route("/validate", post(allow_dynamic)),
            Floor::ReviewOnly => Router::new().route("/validate", post(review_only)),
        };
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                let _ = tcp.set_nodelay(true);
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), TowerToHyperService::new(app))
                    .await;
            });
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Load

async fn connect(addr: SocketAddr, connector: &TlsConnector) -> Option<Sender> {
    let tcp = TcpStream::connect(addr).await.ok()?;
    let _ = tcp.set_nodelay(true);
    let tls = connector
        .connect(ServerName::try_from("localhost").ok()?, tcp)
        .await
        .ok()?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .ok()?;
    tokio::spawn(conn);
    Some(sender)
}

async fn send(sender: &mut Sender, body: &Bytes) -> bool {
    let request = Request::post("/validate?timeout=5s")
        .header("host", "localhost")
        .header("content-type", "application/json")
        .body(Full::new(body.clone()))
        .unwrap();
    if sender.ready().await.is_err() {
        return false;
    }
    match sender.send_request(request).await {
        Ok(response) => {
            let ok = response.status() == StatusCode::OK;
            ok && response.into_body().collect().await.is_ok()
        }
        Err(_) => false,
    }
}

async fn wait_until_up(addr: SocketAddr, connector: &TlsConnector) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if connect(addr, connector).await.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {addr} did not come up");
}

struct Stats {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    max_lag: Duration,
}

impl Stats {
    fn pct(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[i - 1]
    }
    fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Closed loop: each connection sends its next request when the previous one is answered.
async fn throughput(
    addr: SocketAddr,
    connector: &TlsConnector,
    bodies: &[Bytes],
    connections: usize,
    duration: Duration,
) -> Stats {
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for c in 0..connections {
        let mut sender = connect(addr, connector).await.expect("connect");
        let bodies = bodies.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut i = c;
            while Instant::now() < deadline {
                let body = &bodies[i % bodies.len()];
                i += 1;
                let t = Instant::now();
                if send(&mut sender, body).await {
                    latencies.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (latencies, errors, Duration::ZERO)
        }));
    }
    collect(tasks, start).await
}

/// Open loop at `rate` requests/s over a pool of connections. Latency counts from the send;
/// `max_lag` is how late the latest send started after its scheduled time (tokio's timer has
/// 1 ms resolution; a lag well above that would mean requests queued for a free connection).
async fn fixed_rate(
    addr: SocketAddr,
    connector: &TlsConnector,
    bodies: &[Bytes],
    rate: u64,
    duration: Duration,
) -> Stats {
    const POOL: usize = 16;
    let start = Instant::now();
    let total = rate * duration.as_secs();
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let (tx, rx) = async_channel(total as usize);
    let mut tasks = Vec::new();
    for _ in 0..POOL {
        let mut sender = connect(addr, connector).await.expect("connect");
        let rx = rx.clone();
        let bodies = bodies.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut lag = Duration::ZERO;
            while let Some((i, scheduled)) = rx.recv().await {
                tokio::time::sleep_until(scheduled).await;
                let sent = tokio::time::Instant::now();
                lag = lag.max(sent - scheduled);
                if send(&mut sender, &bodies[i % bodies.len()]).await {
                    latencies.push(sent.elapsed());
                } else {
                    errors += 1;
                }
            }
            (latencies, errors, lag)
        }));
    }
    let base = tokio::time::Instant::now() + Duration::from_millis(20);
    for i in 0..total as usize {
        tx.send((i, base + interval * i as u32)).await;
    }
    drop(tx);
    collect(tasks, start).await
}

async fn collect(
    tasks: Vec<tokio::task::JoinHandle<(Vec<Duration>, usize, Duration)>>,
    start: Instant,
) -> Stats {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut max_lag = Duration::ZERO;
    for t in tasks {
        let (l, e, lag) = t.await.unwrap();
        latencies.extend(l);
        errors += e;
        max_lag = max_lag.max(lag);
    }
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    Stats {
        requests: latencies.len(),
        errors,
        elapsed,
        latencies,
        max_lag,
    }
}

/// A multi-consumer queue (tokio's mpsc has one consumer): a Mutex around the receiver.
fn async_channel<T: Send + 'static>(cap: usize) -> (Tx<T>, Rx<T>) {
    let (tx, rx) = tokio::sync::mpsc::channel(cap.max(1));
    (Tx(tx), Rx(Arc::new(tokio::sync::Mutex::new(rx))))
}

struct Tx<T>(tokio::sync::mpsc::Sender<T>);
impl<T> Tx<T> {
    async fn send(&self, v: T) {
        let _ = self.0.send(v).await;
    }
}

struct Rx<T>(Arc<tokio::sync::Mutex<tokio::sync::mpsc::Receiver<T>>>);
impl<T> Clone for Rx<T> {
    fn clone(&self) -> Self {
        Rx(self.0.clone())
    }
}
impl<T> Rx<T> {
    async fn recv(&self) -> Option<T> {
        self.0.lock().await.recv().await
    }
}

/// CPU time a process has used so far, all its threads (each thread's `schedstat` counts its
/// time on a CPU in nanoseconds; finer than the clock ticks of `/proc/PID/stat`).
fn cpu_time(pid: u32) -> Duration {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Duration::ZERO;
    };
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    Duration::from_nanos(ns)
}

/// CPU time the hypervisor has taken from this virtual machine so far, all CPUs: the `steal`
/// column of `/proc/stat`, in USER_HZ ticks (1/100 s). Latency spikes of both servers in the
/// same run come with steal.
fn steal_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let ticks = stat
        .lines()
        .next()
        .and_then(|cpu| cpu.split_whitespace().nth(8))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// (VmRSS, VmHWM) of a process, in KiB.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn run(duration: Duration, connections: usize, rounds: usize) {
    let pki = pki();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap())
        .unwrap();
    let mut client = rustls::ClientConfig::builder_with_provider(joblint::webhook::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    client.alpn_protocols = vec![b"http/1.1".to_vec()];
    let connector = TlsConnector::from(Arc::new(client));

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/admission");
    let bodies: Vec<Bytes> = [
        "job-create-clean",
        "job-create-no-restart-policy",
        "cronjob-create-clean",
        "cronjob-update-on-failure",
    ]
    .iter()
    .map(|n| Bytes::from(std::fs::read(fixtures.join(format!("{n}.json"))).unwrap()))
    .collect();

    println!(
        "webhook load benchmark: {rounds} rounds of {} s per server, alternating, {connections} connections (closed loop); then 1,000 req/s (open loop) for {} s each",
        duration.as_secs(),
        duration.as_secs()
    );
    println!(
        "requests: 4 AdmissionReview fixtures in turn (Job/CronJob CREATE, CronJob UPDATE; 1 of 4 denied)\n"
    );
    let servers = [start_floor(&pki), start_joblint(&pki)];
    for server in &servers {
        wait_until_up(server.addr, &connector).await;
        let _ = throughput(
            server.addr,
            &connector,
            &bodies,
            connections,
            Duration::from_secs(1),
        )
        .await;
    }
    // The machine is noisy: the two servers take turns, and each round's ratio compares runs
    // seconds apart.
    let mut runs: [Vec<Stats>; 2] = [Vec::new(), Vec::new()];
    // The server's CPU time per answered request, each round: less noisy than throughput, since
    // it does not depend on how the cores were shared with the load generator and other work.
    let mut cpu: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    // The load generator's own CPU time per request: it shares the two cores with the server.
    let mut client_cpu: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (i, server) in servers.iter().enumerate() {
            let before = cpu_time(server.child.id());
            let client_before = cpu_time(std::process::id());
            let stats = throughput(server.addr, &connector, &bodies, connections, duration).await;
            let used = cpu_time(server.child.id()).saturating_sub(before);
            let client_used = cpu_time(std::process::id()).saturating_sub(client_before);
            cpu[i].push(used / stats.requests.max(1) as u32);
            client_cpu[i].push(client_used / stats.requests.max(1) as u32);
            runs[i].push(stats);
        }
    }
    let ratios: Vec<f64> = (0..rounds)
        .map(|r| 100.0 * runs[1][r].rate() / runs[0][r].rate().max(1.0))
        .collect();

    println!(
        "| server | throughput (median round) | p50 | p99 | errors | at 1,000 req/s: p50 | p99 | max | send lag | errors | CPU steal | RSS after | peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (server, runs) in servers.iter().zip(&mut runs) {
        let steal = steal_time();
        let f = fixed_rate(server.addr, &connector, &bodies, 1000, duration).await;
        let steal = steal_time().saturating_sub(steal);
        let (rss, hwm) = memory_kib(server.child.id());
        runs.sort_by(|a, b| a.rate().total_cmp(&b.rate()));
        let t = &runs[runs.len() / 2];
        println!(
            "| {} | {:.0} req/s | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} MiB | {:.1} MiB |",
            server.name,
            t.rate(),
            ms(t.pct(0.50)),
            ms(t.pct(0.99)),
            runs.iter().map(|r| r.errors).sum::<usize>(),
            ms(f.pct(0.50)),
            ms(f.pct(0.99)),
            ms(f.latencies.last().copied().unwrap_or_default()),
            ms(f.max_lag),
            f.errors,
            ms(steal),
            rss as f64 / 1024.0,
            hwm as f64 / 1024.0,
        );
    }
    let micros = |d: &Duration| d.as_secs_f64() * 1e6;
    for (i, server) in servers.iter().enumerate() {
        for (what, cpu) in [("server", &cpu[i]), ("load generator", &client_cpu[i])] {
            let mut sorted: Vec<f64> = cpu.iter().map(micros).collect();
            sorted.sort_by(f64::total_cmp);
            println!(
                "{}: {what} CPU time per request {:.1} µs (median round; each round: {})",
                server.name,
                sorted[sorted.len() / 2],
                cpu.iter()
                    .map(|d| format!("{:.1}", micros(d)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "\njoblint serve throughput: {:.0}% of the floor (median of the rounds; each round: {})",
        sorted[sorted.len() / 2],
        ratios
            .iter()
            .map(|r| format!("{r:.0}%"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}
