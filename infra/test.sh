#!/usr/bin/env bash
# make test: private PostgreSQL and Kafka on test ports, every test, then stop what was started.
export HOTLINE_VAR_DIR="${HOTLINE_TEST_VAR_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/var/test}"
export HOTLINE_PG_PORT="${HOTLINE_TEST_PG_PORT:-25433}"
export HOTLINE_KAFKA_PORT="${HOTLINE_TEST_KAFKA_PORT:-29094}"
export HOTLINE_KAFKA_CONTROLLER_PORT="${HOTLINE_TEST_KAFKA_CONTROLLER_PORT:-29095}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

started=()
cleanup() {
  for ((i=${#started[@]}-1; i>=0; i--)); do "$ROOT/infra/${started[i]}.sh" stop || true; done
}
trap cleanup EXIT

"$ROOT/infra/python.sh"
# The browser tests drive Debian's Chromium; a CJK font makes their screenshots readable.
[[ -x /usr/bin/chromium ]] || apt_install chromium
command -v promtool >/dev/null || apt_install prometheus  # checks the alert rules and scrape config
fc-list 2>/dev/null | grep -qiE "wqy|noto.*cjk" || apt_install fonts-wqy-microhei
t0=$SECONDS
if ! "$ROOT/infra/postgres.sh" status >/dev/null 2>&1; then
  "$ROOT/infra/postgres.sh" start; started+=(postgres)
fi
log "postgres up in $((SECONDS - t0))s"
t1=$SECONDS
if ! "$ROOT/infra/kafka.sh" status >/dev/null 2>&1; then
  "$ROOT/infra/kafka.sh" start; started+=(kafka)
fi
log "kafka up in $((SECONDS - t1))s"

HOTLINE_TEST_PG_ADMIN_URL="$("$ROOT/infra/postgres.sh" admin-url)"
export HOTLINE_TEST_PG_ADMIN_URL
export HOTLINE_TEST_KAFKA="127.0.0.1:$HOTLINE_KAFKA_PORT"
# The test broker's administrator, under names the services' settings do not read.
while IFS='=' read -r key value; do export "HOTLINE_TEST_${key#HOTLINE_}=$value"; done \
  < <("$ROOT/infra/kafka.sh" admin-env)
cd "$ROOT"
log "lint: ruff, mypy and the import contracts"
"$ROOT/.venv/bin/ruff" check -q services projections tests || fail "ruff found problems (make lint)"
"$ROOT/.venv/bin/mypy" services projections >/dev/null || { "$ROOT/.venv/bin/mypy" services projections; fail "mypy found problems"; }
"$ROOT/.venv/bin/lint-imports" --no-cache >/dev/null || { "$ROOT/.venv/bin/lint-imports" --no-cache; fail "an import breaks the layer contracts (make lint)"; }
# The slowest tests, in the log: where make test's time goes. Named tests (ARGS) run as asked.
if (($#)); then
  "$ROOT/.venv/bin/pytest" --durations=25 "$@"
  exit
fi
# The unit tests, the browser modules and the other embedded ones are self-contained (in-memory
# stores, or an embedded server on the module's own ports and var), so they run in parallel, a
# module per worker (HOTLINE_TEST_WORKERS, one more than the cores by default, at most 4: a browser
# module waits on its pages about half the time, so two workers kept two cores 60 % busy; three
# took 388 s where two took 544, stop 57); the longest module is named first so that it starts first. The integration tests share the test PostgreSQL
# and Kafka, and the distributed ones start whole stacks: those run one at a time.
embedded=(tests/e2e/test_schemathesis.py tests/e2e/test_session_end.py tests/e2e/test_embedded.py)
workers="${HOTLINE_TEST_WORKERS:-$(($(nproc) + 1))}"
((workers > 4)) && workers=4
log "unit, browser and embedded tests on $workers workers"
rc=0
"$ROOT/.venv/bin/pytest" --durations=15 -n "$workers" --dist loadfile \
  "${embedded[@]}" tests/unit tests/e2e/test_browser_*.py || rc=1
log "integration and whole-wiring tests, one at a time"
"$ROOT/.venv/bin/pytest" --durations=15 tests/integration tests/e2e --ignore-glob='tests/e2e/test_browser_*.py' \
  "${embedded[@]/#/--ignore=}" || rc=1
((rc == 0)) || fail "tests failed (see each run's summary above)"
