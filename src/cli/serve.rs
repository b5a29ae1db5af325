//! `joblint serve`: logging, the runtime and the signals around [`joblint::webhook::server`].

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use tracing::info;
use tracing_subscriber::EnvFilter;

use joblint::webhook::server::{ServeOptions, Server};

use super::{Outcome, json_lines, log_writer};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The server certificate chain (PEM); reloaded when the file changes.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,
    /// The private key of the certificate (PEM: PKCS#8, PKCS#1 or SEC1); reloaded with it.
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,
    /// Require client certificates signed by this CA (PEM) (mTLS).
    #[arg(long, value_name = "FILE")]
    pub client_ca: Option<PathBuf>,
    /// Address of the admission endpoint (HTTPS, `POST /validate`).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub addr: SocketAddr,
    /// Address of /healthz, /readyz and /metrics (plain HTTP).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:9090")]
    pub metrics_addr: SocketAddr,
    /// Config file (`.joblint.yaml` format, `webhook:` section included); reloaded on change.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// How often certificate, key and config files are checked for changes, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000, hide = true)]
    pub reload_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn run(args: ServeArgs) -> Result<Outcome> {
    // Dropped when `run` returns: writes out the log lines still queued.
    let _log_writer = init_logging(args.log_format);
    let mut opts = ServeOptions::new(args.tls_cert, args.tls_key);
    opts.addr = args.addr;
    opts.metrics_addr = args.metrics_addr;
    opts.client_ca = args.client_ca;
    opts.config = args.config;
    opts.reload_interval = Duration::from_millis(args.reload_interval_ms.max(50));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let server = Server::bind(opts).await?;
        info!(
            addr = %server.local_addr()?,
            metrics_addr = %server.metrics_addr()?,
            "listening"
        );
        let shutdown = shutdown_signal()?;
        server.run(shutdown).await;
        Ok(Outcome::Clean)
    })
}

/// Logs to stderr, a batch at a time, from a thread of its own (see [`log_writer`]).
fn init_logging(format: LogFormat) -> log_writer::FlushOnDrop {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = log_writer::batched_stderr();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Json => builder.event_format(json_lines::JsonLines).init(),
        LogFormat::Text => builder.with_ansi(false).init(),
    }
    guard
}

/// Completes on SIGTERM (the kubelet) or SIGINT (Ctrl-C).
fn shutdown_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => info!(signal = "SIGTERM", "shutdown signal"),
            _ = int.recv() => info!(signal = "SIGINT", "shutdown signal"),
        }
    })
}
