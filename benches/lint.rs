//! Engine throughput: the real-world corpus and a generated stream of 10,000 Jobs, in memory
//! (no I/O), so that parser and rule costs show. `cargo bench --bench lint`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use joblint::Linter;
use joblint::input::{self, Input};
use joblint::source::Source;

fn linter() -> Linter {
    Linter::builtin().expect("built-in rules load")
}

fn corpus() -> Vec<Source> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let (inputs, errors) = input::expand(&[dir.display().to_string()], &input::Walk::default());
    assert!(errors.is_empty(), "{errors:?}");
    inputs
        .into_iter()
        .filter_map(|input| match input {
            Input::File(p) => Some(Source::new(
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap_or_default(),
            )),
            Input::Stdin => None,
        })
        .collect()
}

/// `count` Jobs and CronJobs in one multi-document stream, varied enough to exercise every rule.
pub fn generated_stream(count: usize) -> String {
    let mut out = String::new();
    for i in 0..count {
        if i % 4 == 3 {
            out.push_str(&format!(
                "---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report-{i}\n  namespace: batch\nspec:\n  schedule: \"{} 3 * * *\"\n  concurrencyPolicy: Forbid\n  jobTemplate:\n    spec:\n      backoffLimit: 2\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n            - name: report\n              image: registry.example/report:1.{i}\n              args: [\"--day\", \"yesterday\"]\n",
                i % 60
            ));
        } else {
            out.push_str(&format!(
                "---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate-{i}\n  labels: {{app: migrate, shard: \"{}\"}}\n  annotations:\n    joblint.dev/idempotent: \"true\"\nspec:\n  backoffLimit: {}\n  ttlSecondsAfterFinished: 3600\n  activeDeadlineSeconds: 600\n  podReplacementPolicy: Failed\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: registry.example/migrate@sha256:0b6a0a5b8ef2e2fd1e3a9c06a2c7b0cc0d2b49f6a1a7d9c3b8a6f0e5c4d3b2a1\n          env:\n            - {{name: SHARD, value: \"{}\"}}\n          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n            limits: {{memory: 256Mi}}\n",
                i % 16,
                i % 8,
                i % 16
            ));
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let linter = linter();
    let corpus = corpus();
    let bytes: usize = corpus.iter().map(|s| s.text.len()).sum();
    let mut group = c.benchmark_group("lint");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("corpus (124 files, sequential)", |b| {
        b.iter(|| {
            for s in &corpus {
                black_box(linter.lint_source(s));
            }
        })
    });
    let stream = Source::new("stream.yaml", generated_stream(10_000));
    group.throughput(Throughput::Bytes(stream.text.len() as u64));
    group.sample_size(10);
    group.bench_function("generated stream (10,000 objects)", |b| {
        b.iter(|| black_box(linter.lint_source(&stream)))
    });
    group.bench_function("parse only: generated stream (10,000 objects)", |b| {
        b.iter(|| black_box(joblint::yaml::parse(&stream)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

// The allocator of the joblint binary (src/main.rs), so that the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
