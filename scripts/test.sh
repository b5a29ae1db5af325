#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (helm, kubectl,
# kubernetes-validate, pre-commit; idempotent) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fetch-tools.sh
python3 -m pip install --quiet --disable-pip-version-check "pre-commit==4.7.0"
export PATH="$PWD/.tools/bin:$PATH"
cargo test --locked "$@"
