#!/usr/bin/env bash
# make chaos: a stream of reports through `make up` (own ports, var/chaos/stack) while faults are
# injected one at a time; prints the table and writes var/chaos/latest.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/infra/python.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m tests.chaos.run "$@"
