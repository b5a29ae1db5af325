//! Counters and the latency histogram of the webhook, rendered in the Prometheus text format
//! (version 0.0.4). Label sets are small and bounded (kinds the webhook is registered for,
//! operations, decisions, rule ids), so plain maps under a mutex are enough.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds (from 0.25 ms).
pub const LATENCY_BUCKETS: [f64; 15] = [
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The labels of one admission request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequestLabels {
    pub kind: String,
    pub operation: String,
    /// allow, deny or error.
    pub decision: &'static str,
    pub dry_run: bool,
}

#[derive(Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// What each admission request updates, under one lock (one lock taken per request).
#[derive(Default)]
struct Admission {
    requests: BTreeMap<RequestLabels, u64>,
    findings: BTreeMap<String, u64>,
    latency: Histogram,
}

#[derive(Default)]
pub struct Metrics {
    admission: Mutex<Admission>,
    cert_reloads: AtomicU64,
    cert_reload_failures: AtomicU64,
    config_reloads: AtomicU64,
    config_reload_failures: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    /// A request that was not reviewed (malformed, too large, an internal error).
    pub fn request(&self, labels: RequestLabels, elapsed: Duration) {
        self.admission(labels, std::iter::empty(), elapsed);
    }

    /// A request, with the rule ids of its unsuppressed findings (one per finding).
    pub fn admission<'a>(
        &self,
        labels: RequestLabels,
        findings: impl Iterator<Item = &'a str>,
        elapsed: Duration,
    ) {
        let mut a = lock(&self.admission);
        *a.requests.entry(labels).or_default() += 1;
        for rule in findings {
            match a.findings.get_mut(rule) {
                Some(n) => *n += 1,
                None => {
                    a.findings.insert(rule.to_owned(), 1);
                }
            }
        }
        let secs = elapsed.as_secs_f64();
        let h = &mut a.latency;
        h.count += 1;
        h.sum += secs;
        if let Some(i) = LATENCY_BUCKETS.iter().position(|&le| secs <= le) {
            h.buckets[i] += 1;
        }
    }

    pub fn cert_reloaded(&self) {
        self.cert_reloads.fetch_add(1, Ordering::Relaxed);
    }

    pub fn cert_reload_failed(&self) {
        self.cert_reload_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub fn config_reloaded(&self) {
        self.config_reloads.fetch_add(1, Ordering::Relaxed);
    }

    pub fn config_reload_failed(&self) {
        self.config_reload_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let a = lock(&self.admission);
        header(
            &mut out,
            "joblint_admission_requests_total",
            "counter",
            "Admission requests by kind, operation, decision (allow, deny, error) and dry run.",
        );
        for (l, n) in &a.requests {
            let _ = writeln!(
                out,
                "joblint_admission_requests_total{{kind=\"{}\",operation=\"{}\",decision=\"{}\",dry_run=\"{}\"}} {n}",
                escape(&l.kind),
                escape(&l.operation),
                l.decision,
                l.dry_run
            );
        }
        header(
            &mut out,
            "joblint_admission_findings_total",
            "counter",
            "Unsuppressed findings on reviewed objects, by rule.",
        );
        for (rule, n) in &a.findings {
            let _ = writeln!(
                out,
                "joblint_admission_findings_total{{rule=\"{}\"}} {n}",
                escape(rule)
            );
        }
        header(
            &mut out,
            "joblint_admission_review_duration_seconds",
            "histogram",
            "Time from receiving an admission request to the response, in seconds.",
        );
        {
            let h = &a.latency;
            let mut cumulative = 0;
            for (le, n) in LATENCY_BUCKETS.iter().zip(h.buckets.iter()) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "joblint_admission_review_duration_seconds_bucket{{le=\"{le}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "joblint_admission_review_duration_seconds_bucket{{le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "joblint_admission_review_duration_seconds_sum {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "joblint_admission_review_duration_seconds_count {}",
                h.count
            );
        }
        for (name, help, value) in [
            (
                "joblint_tls_certificate_reloads_total",
                "Certificate and key pairs loaded from disk after a change.",
                &self.cert_reloads,
            ),
            (
                "joblint_tls_certificate_reload_failures_total",
                "Changed certificate or key files that could not be loaded (the old pair kept serving).",
                &self.cert_reload_failures,
            ),
            (
                "joblint_config_reloads_total",
                "Config files loaded after a change.",
                &self.config_reloads,
            ),
            (
                "joblint_config_reload_failures_total",
                "Changed config files that could not be loaded (the last good config stayed).",
                &self.config_reload_failures,
            ),
        ] {
            header(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        out
    }
}

fn header(out: &mut String, name: &str, ty: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {ty}");
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_cumulative_buckets() {
        let m = Metrics::default();
        let labels = RequestLabels {
            kind: "Job".into(),
            operation: "CREATE".into(),
            decision: "deny",
            dry_run: false,
        };
        m.request(labels.clone(), Duration::from_micros(100));
        m.admission(
            labels,
            ["a", "a", "b\"c"].into_iter(),
            Duration::from_millis(3),
        );
        let text = m.render();
        assert!(text.contains("joblint_admission_requests_total{kind=\"Job\",operation=\"CREATE\",decision=\"deny\",dry_run=\"false\"} 2"), "{text}");
        assert!(
            text.contains("joblint_admission_review_duration_seconds_bucket{le=\"0.00025\"} 1")
        );
        assert!(text.contains("joblint_admission_review_duration_seconds_bucket{le=\"0.005\"} 2"));
        assert!(text.contains("joblint_admission_review_duration_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("joblint_admission_findings_total{rule=\"a\"} 2"));
        assert!(text.contains("joblint_admission_findings_total{rule=\"b\\\"c\"} 1"));
    }
}
