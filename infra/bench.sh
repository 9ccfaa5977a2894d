#!/usr/bin/env bash
# make bench: bring the distributed stack up (if not already), measure, leave it running.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/infra/stack.sh" up >/dev/null
cd "$ROOT"
"$ROOT/.venv/bin/python" -m tests.bench.bench_pipeline "$@"
