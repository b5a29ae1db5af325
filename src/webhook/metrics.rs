//! Counters and the latency histogram of the webhook, rendered in the Prometheus text format
//! (version 0.0.4). Label sets are small and bounded (`Job`, `CronJob`, `other` and `unknown`;
//! operations, decisions, rule ids), so plain maps are enough.
//!
//! Each thread that records requests has a shard of its own, which `/metrics` adds up: the
//! worker threads never write the same memory per request (one shared lock and map made their
//! cache lines travel between cores on every request).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds (from 0.25 ms).
pub const LATENCY_BUCKETS: [f64; 15] = [
    0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The labels of one admission request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RequestLabels {
    /// `Job` or `CronJob`; `other` for any other kind, `unknown` for a request not decoded.
    pub kind: &'static str,
    pub operation: &'static str,
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

/// What each admission request updates: one shard per recording thread, or their sum.
#[derive(Default)]
struct Admission {
    requests: BTreeMap<RequestLabels, u64>,
    findings: BTreeMap<String, u64>,
    latency: Histogram,
}

impl Admission {
    fn add(&mut self, other: &Admission) {
        for (labels, n) in &other.requests {
            *self.requests.entry(labels.clone()).or_default() += n;
        }
        for (rule, n) in &other.findings {
            *self.findings.entry(rule.clone()).or_default() += n;
        }
        let (h, o) = (&mut self.latency, &other.latency);
        h.count += o.count;
        h.sum += o.sum;
        for (b, n) in h.buckets.iter_mut().zip(o.buckets) {
            *b += n;
        }
    }
}

type Shard = Arc<Mutex<Admission>>;

thread_local! {
    /// This thread's shard of each [`Metrics`] it has recorded into, by [`Metrics::id`] (tests
    /// run several servers in one process).
    static SHARDS: RefCell<Vec<(u64, Shard)>> = const { RefCell::new(Vec::new()) };
}

pub struct Metrics {
    /// Identifies these metrics among others in the process, for the threads' shards.
    id: u64,
    /// Every thread's shard (a thread's lock is uncontended except while `/metrics` renders).
    shards: Mutex<Vec<Shard>>,
    cert_reloads: AtomicU64,
    cert_reload_failures: AtomicU64,
    config_reloads: AtomicU64,
    config_reload_failures: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Default for Metrics {
    fn default() -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Metrics {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            shards: Mutex::default(),
            cert_reloads: AtomicU64::default(),
            cert_reload_failures: AtomicU64::default(),
            config_reloads: AtomicU64::default(),
            config_reload_failures: AtomicU64::default(),
        }
    }
}

impl Metrics {
    /// Runs `f` on this thread's shard, made (and registered for rendering) on first use.
    fn with_shard(&self, f: impl FnOnce(&mut Admission)) {
        SHARDS.with(|shards| {
            let mut shards = shards.borrow_mut();
            let shard = match shards.iter().position(|(id, _)| *id == self.id) {
                Some(i) => &shards[i].1,
                None => {
                    let shard = Shard::default();
                    lock(&self.shards).push(shard.clone());
                    shards.push((self.id, shard));
                    &shards[shards.len() - 1].1
                }
            };
            f(&mut lock(shard));
        });
    }

    /// The shards added up.
    fn total(&self) -> Admission {
        let mut total = Admission::default();
        for shard in lock(&self.shards).iter() {
            total.add(&lock(shard));
        }
        total
    }

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
        self.with_shard(|a| {
            *a.requests.entry(labels).or_default() += 1;
            // Rule ids are borrowed: a key is copied only the first time a rule is counted.
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
        });
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
        let a = self.total();
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
                l.kind, l.operation, l.decision, l.dry_run
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
            kind: "Job",
            operation: "CREATE",
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

    /// Each thread records into a shard of its own; `/metrics` shows their sum, and two
    /// `Metrics` in one process (one per server) stay apart.
    #[test]
    fn threads_shards_add_up() {
        let (m, other) = (Metrics::default(), Metrics::default());
        let labels = |decision| RequestLabels {
            kind: "CronJob",
            operation: "UPDATE",
            decision,
            dry_run: true,
        };
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    for _ in 0..10 {
                        m.admission(labels("allow"), ["r"].into_iter(), Duration::from_millis(1));
                    }
                    m.request(labels("error"), Duration::from_secs(20));
                    other.request(labels("error"), Duration::from_secs(20));
                });
            }
        });
        let text = m.render();
        for expected in [
            "joblint_admission_requests_total{kind=\"CronJob\",operation=\"UPDATE\",decision=\"allow\",dry_run=\"true\"} 30\n",
            "joblint_admission_requests_total{kind=\"CronJob\",operation=\"UPDATE\",decision=\"error\",dry_run=\"true\"} 3\n",
            "joblint_admission_findings_total{rule=\"r\"} 30\n",
            "joblint_admission_review_duration_seconds_bucket{le=\"0.001\"} 30\n",
            "joblint_admission_review_duration_seconds_bucket{le=\"10\"} 30\n",
            "joblint_admission_review_duration_seconds_bucket{le=\"+Inf\"} 33\n",
            "joblint_admission_review_duration_seconds_count 33\n",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        assert!(
            other
                .render()
                .contains("joblint_admission_review_duration_seconds_count 3\n")
        );
    }
}
