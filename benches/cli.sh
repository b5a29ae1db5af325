#!/usr/bin/env bash
# Times the release binary end to end (process start, I/O, parallel linting, rendering):
#   1. the real-world corpus (tests/data/corpus, 124 files, 1.4 MB);
#   2. a generated stream of 10,000 Jobs and CronJobs in one file;
#   3. peak memory over 1x, 10x and 40x copies of the corpus, to show it does not grow with the
#      number of files.
# Needs hyperfine and GNU time (Debian packages `hyperfine`, `time`). Figures go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/joblint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work/stream.yaml" <<'PY'
import sys
out = []
for i in range(10_000):
    if i % 4 == 3:
        out.append(f"""---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report-{i}
spec:
  schedule: "{i % 60} 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: registry.example/report:1.{i}
""")
    else:
        out.append(f"""---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate-{i}
  annotations:
    joblint.dev/idempotent: "true"
spec:
  backoffLimit: {i % 8}
  ttlSecondsAfterFinished: 3600
  activeDeadlineSeconds: 600
  podReplacementPolicy: Failed
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example/migrate@sha256:0b6a0a5b8ef2e2fd1e3a9c06a2c7b0cc0d2b49f6a1a7d9c3b8a6f0e5c4d3b2a1
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
""")
open(sys.argv[1], "w").write("".join(out))
PY

for n in 1 10 40; do
    mkdir -p "$work/copies-$n"
    for i in $(seq 1 "$n"); do cp -r tests/data/corpus "$work/copies-$n/c$i"; done
done

echo "## end to end (hyperfine, release binary, --format json to /dev/null)"
hyperfine --warmup 3 --runs 20 -N --ignore-failure \
    "$bin lint --no-config --format json tests/data/corpus" \
    "$bin lint --no-config --format json $work/stream.yaml" \
    "$bin lint --no-config --format json --fail-on never $work/copies-10"

echo
echo "## peak resident memory (GNU time; human output streams, machine formats keep findings, not sources)"
for target in "tests/data/corpus" "$work/copies-10" "$work/copies-40" "$work/stream.yaml"; do
    files=$(find "$target" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | wc -l)
    for format in human json; do
        # joblint exits 2 on the corpus's invalid file; the figure is what matters here.
        rss=$( { /usr/bin/time -f '%M' "$bin" lint --no-config --color never --format "$format" --fail-on never "$target" >/dev/null || true; } 2>&1 | tail -1)
        echo "$target: $files files, --format $format: peak RSS ${rss} KiB"
    done
done
