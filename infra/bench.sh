#!/usr/bin/env bash
# make bench: the load generator against a stub, then each wiring fresh and alone (the distributed
# one on its own ports and var/bench/stack, stopped after; the embedded one in var/bench/embedded),
# the figures against docs/bench/baseline.json; then the statistics over 100,000 seeded reports
# (make bench-stats alone: tests/bench/bench_stats.py). Exits non-zero when the budget is exceeded.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/infra/python.sh"
cd "$ROOT"
budget=0
"$ROOT/.venv/bin/python" -m tests.bench.bench_pipeline "$@" || budget=$?
"$ROOT/.venv/bin/python" -m tests.bench.bench_stats
exit "$budget"
