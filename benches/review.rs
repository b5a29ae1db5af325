//! The webhook's per-request work without the network: decoding an AdmissionReview (what the
//! always-allow floor of `benches/webhook_load.rs` also does), the whole review (decode,
//! lint, decide), and the review alone of requests decoded beforehand. `cargo bench --bench review`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use joblint::webhook::{AdmittedObject, Policy, review};
use kube::core::admission::{AdmissionRequest, AdmissionReview};

const FIXTURES: [&str; 4] = [
    "job-create-clean",
    "job-create-no-restart-policy",
    "cronjob-create-clean",
    "cronjob-update-on-failure",
];

fn decode(body: &[u8]) -> AdmissionRequest<AdmittedObject> {
    let review: AdmissionReview<AdmittedObject> = serde_json::from_slice(body).expect("fixture");
    review.try_into().expect("request")
}

fn bench(c: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/admission");
    let bodies: Vec<Vec<u8>> = FIXTURES
        .iter()
        .map(|n| std::fs::read(dir.join(format!("{n}.json"))).expect("fixture"))
        .collect();
    let policy = Policy::load(None).expect("default policy");
    let mut group = c.benchmark_group("review (4 fixtures)");
    group.bench_function("decode only (the floor's work)", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(decode(body));
            }
        })
    });
    group.bench_function("decode + review", |b| {
        b.iter(|| {
            for body in &bodies {
                let request = decode(body);
                black_box(review::review(&request, &policy.linter, &policy.webhook));
            }
        })
    });
    let requests: Vec<_> = bodies.iter().map(|b| decode(b)).collect();
    group.bench_function("review only (decoded before)", |b| {
        b.iter(|| {
            for request in &requests {
                black_box(review::review(request, &policy.linter, &policy.webhook));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

// The allocator of the joblint binary (src/main.rs), so that the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
