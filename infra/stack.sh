#!/usr/bin/env bash
# Distributed wiring: PostgreSQL, Kafka and one OS process per service (make up / make down).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOTLINE="$ROOT/.venv/bin/hotline"
STACK_ENV="$VAR/stack.env"
API_PORT="${HOTLINE_PORT:-8000}"

# name:arguments of each service process, from the one list the CLI keeps (`hotline processes`).
services() {
  [[ -x "$HOTLINE" ]] || return 0
  "$HOTLINE" processes
}

# Existing servers (#16): given HOTLINE_DATABASE_URL (the database owner's, TLS options in its
# query) and HOTLINE_KAFKA_BOOTSTRAP_SERVERS with the Kafka administrator's HOTLINE_KAFKA_* settings,
# `make up` starts only the services, after checking it can reach both; they are kept in
# var/external.env (0600) for later `make up`s, and `make down` leaves the servers running.
EXTERNAL_ENV="$VAR/external.env"
# NAME=value lines, each value quoted for `source` (a URL's `?a=1&b=2` would end at the `&`).
quoted() { local line; while IFS= read -r line; do [[ -n "$line" ]] || continue; printf '%s=%q\n' "${line%%=*}" "${line#*=}"; done; }

external() {
  if [[ -n "${HOTLINE_DATABASE_URL:-}" && -n "${HOTLINE_KAFKA_BOOTSTRAP_SERVERS:-}" ]]; then
    mkdir -p "$VAR"
    (umask 077; env | grep -E '^HOTLINE_(DATABASE_URL|KAFKA_BOOTSTRAP_SERVERS|KAFKA_SECURITY_PROTOCOL|KAFKA_SASL_[A-Z]+|KAFKA_SSL_CAFILE|KAFKA_REPLICAS)=' \
      | quoted >"$EXTERNAL_ENV")
  fi
  [[ -f "$EXTERNAL_ENV" ]]
}

check_external() {
  (set -a; source "$EXTERNAL_ENV"; set +a
   "$ROOT/.venv/bin/python" -c 'import os, psycopg; psycopg.connect(os.environ["HOTLINE_DATABASE_URL"], connect_timeout=10).close()' \
     >>"$LOG_DIR/setup.log" 2>&1 || fail "cannot reach PostgreSQL at HOTLINE_DATABASE_URL; read $LOG_DIR/setup.log"
   "$ROOT/.venv/bin/python" -m services.common.kafka.topics ready 1 \
     || fail "cannot reach Kafka at $HOTLINE_KAFKA_BOOTSTRAP_SERVERS as its administrator"
   "$ROOT/.venv/bin/python" -m services.common.kafka.topics create-topics) \
    || fail "the existing servers are not usable"
  log "existing PostgreSQL and Kafka reachable"
}

write_env() {
  local db_url servers kafka_admin tmp="$STACK_ENV.tmp"
  if [[ -f "$EXTERNAL_ENV" ]]; then
    db_url=$(source "$EXTERNAL_ENV"; printf '%s' "$HOTLINE_DATABASE_URL")
    servers=$(source "$EXTERNAL_ENV"; printf '%s' "$HOTLINE_KAFKA_BOOTSTRAP_SERVERS")
    kafka_admin=$(set -a; source "$EXTERNAL_ENV"; env | grep -E '^HOTLINE_KAFKA_(SECURITY_PROTOCOL|SASL_|SSL_CAFILE)' || true)
  else
    db_url=$("$ROOT/infra/postgres.sh" url)
    servers=$("$ROOT/infra/kafka.sh" bootstrap)
    kafka_admin=$("$ROOT/infra/kafka.sh" admin-env)
  fi
  {
    echo "HOTLINE_API_URL=http://127.0.0.1:$API_PORT"
    echo "KAFKA_BOOTSTRAP_SERVERS=$servers"
    echo "HOTLINE_KAFKA_BOOTSTRAP_SERVERS=$servers"
    printf 'HOTLINE_DATABASE_URL=%q\n' "$db_url"
    echo "HOTLINE_PORT=$API_PORT"
    echo "HOTLINE_VAR_DIR=$VAR"
    # The Kafka administrator (reads every topic): for `hotline` commands and operators (§5).
    printf '%s\n' "$kafka_admin" | quoted; printf '%s\n' "$kafka_admin" | sed 's/^HOTLINE_//' | quoted
    # Settings that tests or operators pass to `make up` travel to the services; keys given
    # here override var/secrets (each service still gets only its own, see start_service).
    env | grep -E '^HOTLINE_(ACK_SLA_SECONDS|ENVIRONMENT|TOKEN_TTL_SECONDS|LOG_LEVEL|TRUSTED_PROXIES|FAULT_INJECTION|CONSUMERS|API_WORKERS|PUBLIC_URL|METRICS_BASE_PORT|RELEASE|WEBHOOK_TIMEOUT_SECONDS|WEBHOOK_CONCURRENCY|WEBHOOK_ALLOWED_NETWORKS|SESSION_IDLE_MINUTES|METRICS_ALLOWED_NETWORKS)=' || true
    # The roles that log in with a second factor (contract §10), set even when empty.
    env | grep -E '^HOTLINE_TOTP_ROLES=' || true
    # Days a closed case's reporter waits for a callback (回访, §13): the callbacks consumer's.
    env | grep -E '^HOTLINE_CALLBACK_DAYS=' || true
    # How far back the caller history reaches (来电弹屏, §13): the API's (it notes and looks up).
    env | grep -E '^HOTLINE_CALLER_HISTORY_DAYS=' || true
    # The suite of new sealed data, keyed hashes and audit entries (国密, §14): every process's.
    env | grep -E '^HOTLINE_CRYPTO_SUITE=' || true
    # The supervisors' webhook and its secret: for the notify process only (`hotline keys env`).
    env | grep -E '^HOTLINE_SUPERVISOR_WEBHOOK(_SECRET|_FORMAT)?=' || true
    env | grep -E '^HOTLINE_(EVENT|DATA|HASH|RECEIPT|TOKEN|AUDIT)_KEY=' || true
  } >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$STACK_ENV"
}

# gather_keys NAME...: each service's var/run/NAME.env, `hotline keys env --process NAME`, all in one
# Python process: a `hotline` command spends ~2.5 s importing, fourteen of them one after another
# were most of what `make up` took (and of each kind's step in `make roll`).
gather_keys() {
  (( $# )) || return 0
  (umask 077; set -a; source "$STACK_ENV"; set +a; "$ROOT/.venv/bin/python" - "$RUN_DIR" "$@" <<'PY'
import contextlib, sys
from pathlib import Path
from services.cli.main import main
for name in sys.argv[2:]:
    with open(Path(sys.argv[1]) / f"{name}.env", "w") as out, contextlib.redirect_stdout(out):
        code = main(["keys", "env", "--process", name])
    if code != 0:
        sys.exit(f"could not gather the keys of {name}")
PY
  ) || fail "could not gather the keys of $*"
}

# Names of these name:arguments entries whose service is not running (what start_service starts).
not_running() {
  local entry
  for entry in "$@"; do pid_alive "$RUN_DIR/${entry%%:*}.pid" || printf '%s\n' "${entry%%:*}"; done
}

start_service() {
  local name="$1" cmd="$2" pidfile="$RUN_DIR/$1.pid" keys="$RUN_DIR/$1.env"
  if pid_alive "$pidfile"; then return 0; fi
  # Least privilege: this service's environment holds its own keys and no others (gather_keys
  # wrote them before), and it does not read var/secrets (HOTLINE_KEY_FILES=false).
  [[ -f "$keys" ]] || fail "no keys gathered for $name"
  # setsid: each service leads its own process group, so `down` stops it and its children.
  # A service that dies (not one that was asked to stop) is restarted after a pause; it then
  # resumes from its tracked position, so a crash loses nothing.
  # shellcheck disable=SC2086
  setsid bash -c "set -a; source <(grep -v -e '_KEY=' -e '^HOTLINE_DATABASE_URL=' -e '^HOTLINE_KAFKA_S' -e '^KAFKA_S' -e '^HOTLINE_SUPERVISOR_WEBHOOK' '$STACK_ENV'); source '$keys'; HOTLINE_KEY_FILES=false; HOTLINE_CONSUMER_INSTANCE='$name'; set +a
    while true; do
      '$HOTLINE' $cmd; rc=\$?
      [ \$rc -eq 0 ] && exit 0
      echo '{\"event\": \"service exited; restarting in 2s\", \"service\": \"$name\", \"rc\": '\$rc'}'
      sleep 2
    done" >>"$LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  log "started $name (pid $(cat "$pidfile"), log var/log/$name.log)"
}

api_ready() { curl -fsS "http://127.0.0.1:$API_PORT/readyz" >/dev/null; }

# Whether a process answers /healthz (its own port; the API's on the API port) with the release
# var/stack.env names (any release when it names none).
answers_release() {
  local name="$1" want port url
  want=$(unset HOTLINE_RELEASE; source "$STACK_ENV"; printf '%s' "${HOTLINE_RELEASE:-}")
  if [[ $name == api ]]; then
    url="http://127.0.0.1:$API_PORT/healthz"
  else
    port=$(grep '^HOTLINE_METRICS_PORT=' "$RUN_DIR/$name.env" | cut -d= -f2-)
    url="http://127.0.0.1:$port/healthz"
  fi
  curl -fsS -m 2 "$url" 2>/dev/null | "$ROOT/.venv/bin/python" -c \
    'import json, sys; want = sys.argv[1]; got = json.load(sys.stdin)["release"]; sys.exit(0 if not want or got == want else 1)' \
    "$want"
}

# make roll (#16): migrations first, then one process kind at a time, consumers before producers
# of a message: its processes stopped (SIGTERM: each finishes the message in hand and commits its
# position) and started again; the next kind waits until these answer /healthz with the new
# release. A stopped
# consumer's partitions wait for it (static membership) and the outboxes keep what a stopped
# relay has not published, so nothing is lost; while the API restarts, clients retry with their
# Idempotency-Key (a second API host behind a balancer hides even that).
ROLL_ORDER=(projection-desk notify callbacks dispatch triage scheduler audit relay api)
roll() {
  [[ -f "$STACK_ENV" ]] || fail "no stack to roll (make up first)"
  if [[ -n "${HOTLINE_RELEASE:-}" ]]; then
    (umask 077; { grep -v '^HOTLINE_RELEASE=' "$STACK_ENV"; printf 'HOTLINE_RELEASE=%q\n' "$HOTLINE_RELEASE"; } >"$STACK_ENV.tmp")
    mv "$STACK_ENV.tmp" "$STACK_ENV"
  fi
  (set -a; source "$STACK_ENV"; set +a; "$HOTLINE" migrate) >>"$LOG_DIR/setup.log" 2>&1 \
    || fail "migrations failed; read $LOG_DIR/setup.log (nothing was restarted)"
  local entries entry kind name i; mapfile -t entries < <(services)
  # Every process's keys at once, before the first is stopped (a running one read its own at start).
  gather_keys "${entries[@]%%:*}"
  for kind in "${ROLL_ORDER[@]}"; do
    local names=() commands=() t0=$SECONDS
    for entry in "${entries[@]}"; do
      name=${entry%%:*}
      [[ $name == "$kind" || $name == "$kind"-* ]] || continue
      names+=("$name"); commands+=("${entry#*:}")
    done
    (( ${#names[@]} )) || continue
    # Processes of this kind the settings no longer list (three relays become one, a group
    # scaled down): stopped with the others and not started again, their keys file removed.
    local retired=(); mapfile -t retired < <(retired_names "$kind" "${names[@]}")
    stop_services "${names[@]}" "${retired[@]}"
    forget "${retired[@]}"
    for i in "${!names[@]}"; do start_service "${names[i]}" "${commands[i]}"; done
    for name in "${names[@]}"; do
      wait_until 90 "$name answering with its release" answers_release "$name" \
        || fail "$name did not come back within 90s; read var/log/$name.log (the roll stopped here)"
    done
    log "$kind replaced in $((SECONDS - t0))s: ${names[*]}${retired[*]:+ (retired: ${retired[*]})}"
  done
  log "rolled: every process runs ${HOTLINE_RELEASE:-the installed release}"
}

up() {
  "$ROOT/infra/python.sh"
  if external; then
    check_external
  else
    "$ROOT/infra/postgres.sh" start
    "$ROOT/infra/kafka.sh" start
  fi
  write_env
  (set -a; source "$STACK_ENV"; set +a; "$HOTLINE" migrate) >>"$LOG_DIR/setup.log" 2>&1 \
    || fail "table setup failed; read $LOG_DIR/setup.log"
  local demo=""
  if [[ "${HOTLINE_ENVIRONMENT:-development}" != production ]]; then
    demo=$(set -a; source "$STACK_ENV"; set +a; "$HOTLINE" demo-users 2>>"$LOG_DIR/setup.log") \
      || fail "demo users failed; read $LOG_DIR/setup.log"
  fi
  start_all
  private_var  # what a server made with its own modes before this run, too
  [[ -n "$demo" ]] && printf '%s\n' "$demo"
  log "stack up: $(grep HOTLINE_API_URL "$STACK_ENV")"
}

# Every listed service that is not running, started; returns once the API answers /readyz.
start_all() {
  local entries entry missing; mapfile -t entries < <(services)
  (( ${#entries[@]} )) || fail "hotline processes listed nothing"
  mapfile -t missing < <(not_running "${entries[@]}")
  gather_keys "${missing[@]}"
  for entry in "${entries[@]}"; do start_service "${entry%%:*}" "${entry#*:}"; done
  wait_until 90 "api /readyz" api_ready || {
    curl -sS "http://127.0.0.1:$API_PORT/readyz" >&2 || true
    fail "/readyz did not answer 200 within 90s; read var/log/*.log"
  }
}

# make restart: every service stopped, then all started again at once under the settings given now
# (var/stack.env written anew: HOTLINE_CRYPTO_SUITE=sm for the switch of §14, a rotated key);
# PostgreSQL, Kafka, the tables and the demo accounts as they are (`make down && make up` without
# stopping the servers and without what `make up` checks and sets up once).
restart() {
  [[ -f "$STACK_ENV" ]] || fail "no stack to restart (make up first)"
  stop_services $(started_names)
  rm -f "$RUN_DIR"/*.env  # start_all gathers the keys of the processes listed now, no others
  external || true  # the existing servers' settings, when given again
  write_env
  start_all
  log "stack restarted: $(grep HOTLINE_API_URL "$STACK_ENV")"
}

stop_pidfile() {
  local pidfile="$1" pid
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# Stops these services at once (each may take its grace period), and returns when all have.
stop_services() {
  local name pids=()
  for name in "$@"; do
    [[ -f "$RUN_DIR/$name.pid" ]] || continue
    { stop_pidfile "$RUN_DIR/$name.pid"; log "stopped $name"; } &
    pids+=($!)
  done
  (( ${#pids[@]} == 0 )) || wait "${pids[@]}"
}

# Every service this var/ started (each has its keys file), whatever HOTLINE_CONSUMERS says now.
started_names() {
  local keys
  for keys in "$RUN_DIR"/*.env; do [[ -e "$keys" ]] && basename "$keys" .env; done
  return 0
}

# Started names of this kind (the kind itself, or kind-*) that are not among the names given.
retired_names() {
  local kind="$1" name; shift
  for name in $(started_names); do
    [[ $name == "$kind" || $name == "$kind"-* ]] || continue
    [[ " $* " == *" $name "* ]] || printf '%s\n' "$name"
  done
}

# A retired process's keys file goes with it (its keys are nobody's now).
forget() {
  local name
  for name in "$@"; do rm -f "$RUN_DIR/$name.env" "$RUN_DIR/$name.pid"; log "retired $name"; done
}

down() {
  stop_services $(started_names)
  if [[ -f "$EXTERNAL_ENV" ]]; then
    log "the existing PostgreSQL and Kafka are left running"
    rm -f "$EXTERNAL_ENV"
  else
    "$ROOT/infra/kafka.sh" stop
    "$ROOT/infra/postgres.sh" stop
  fi
  rm -f "$STACK_ENV"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  roll) roll ;;
  restart) restart ;;
  *) echo "usage: $0 up|down|roll|restart" >&2; exit 2 ;;
esac
