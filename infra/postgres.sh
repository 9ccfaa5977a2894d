#!/usr/bin/env bash
# Private PostgreSQL 15 cluster under var/pg: install, start, stop, status.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN="${HOTLINE_PG_BIN:-/usr/lib/postgresql/15/bin}"
PGDATA="$VAR/pg/data"
PG_LOG="$LOG_DIR/postgres.log"
DB_NAME="${HOTLINE_DB_NAME:-hotline}"
DB_USER="${HOTLINE_DB_USER:-hotline}"

# Random passwords, one per database role, kept 0600 under var/secrets (none is built in).
password_of() { secret_password "pg-$1"; }

# PostgreSQL refuses to run as root, so root runs it as the 'postgres' system user.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_installed() {
  [[ -x "$PG_BIN/pg_ctl" ]] || apt_install postgresql-15
  [[ -x "$PG_BIN/pg_ctl" ]] || fail "PostgreSQL 15 binaries not found in $PG_BIN"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres; }  # no login needed

TLS_DIR="$VAR/pg/tls"
make_tls() {
  make_certificate "$TLS_DIR"
  if [[ $(id -u) -eq 0 ]]; then chown -R postgres "$TLS_DIR"; fi
}

start() {
  ensure_installed
  if pg_ready; then
    # Ours only if our data directory says so: never reuse another cluster on the same port.
    [[ -f "$PGDATA/postmaster.pid" ]] && grep -qx "$PG_PORT" <(sed -n 4p "$PGDATA/postmaster.pid") \
      || fail "port $PG_PORT is held by another PostgreSQL (not $PGDATA); stop it or set HOTLINE_PG_PORT"
    log "postgres already running on $PG_PORT"; return 0
  fi
  mkdir -p "$VAR/pg"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$VAR/pg"; touch "$PG_LOG"; chown postgres "$PG_LOG"
    reach_for postgres "$VAR" "$LOG_DIR"
    runuser -u postgres -- test -w "$VAR/pg" \
      || fail "the postgres user cannot reach $VAR/pg (a parent directory is private); set HOTLINE_VAR_DIR elsewhere"
  fi
  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    log "initialising cluster in $PGDATA"
    # SCRAM passwords over TCP (the only way in: no Unix socket); the superuser's is random.
    local pwfile="$VAR/pg/.pw"
    (umask 077; password_of postgres >"$pwfile")
    [[ $(id -u) -eq 0 ]] && chown postgres "$pwfile"
    as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-host=scram-sha-256 \
      --auth-local=peer -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 || { rm -f "$pwfile"; fail "initdb failed; read $PG_LOG"; }
    rm -f "$pwfile"
  fi
  # HOTLINE_PG_TLS=1: TLS only (hostssl), a certificate for 127.0.0.1 from a CA of its own
  # (`postgres.sh ca` prints its path, for sslmode=verify-full&sslrootcert=…).
  local tls=""
  if [[ "${HOTLINE_PG_TLS:-0}" == 1 ]]; then
    make_tls
    tls="-c ssl=on -c ssl_cert_file=$TLS_DIR/server.crt -c ssl_key_file=$TLS_DIR/server.key"
    as_pg sed -i 's/^host\([[:space:]]\)/hostssl\1/' "$PGDATA/pg_hba.conf"
  fi
  # Connections: each process keeps a pool of 4 per store it opens (2 API workers open 9 stores
  # each, the audit sequencer 6, and `hotline migrate` run beside the services all of them again):
  # about 200 with two members per consumer group, so room for twice that.
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=400 -c fsync=on $tls" start >/dev/null \
    || fail "postgres did not start; read $PG_LOG"
  wait_until 60 "postgres" pg_ready || fail "postgres not ready after 60s; read $PG_LOG"
  private_var
  psql_admin() {
    PGPASSWORD="$(password_of postgres)" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres \
      -v ON_ERROR_STOP=1 -qtA "$@"
  }
  # The owner of the database: what `hotline` admin commands use; it creates the services' roles.
  if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" ]]; then
    psql_admin -c "CREATE ROLE \"$DB_USER\" LOGIN CREATEROLE PASSWORD '$(password_of "$DB_USER")'"
  fi
  # After an erasure the owner forces a checkpoint, so old WAL can be recycled sooner.
  psql_admin -c "GRANT pg_checkpoint TO \"$DB_USER\""
  if [[ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" ]]; then
    psql_admin -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
  fi
}

stop() {
  if [[ -f "$PGDATA/postmaster.pid" ]]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null || fail "postgres did not stop; read $PG_LOG"
    log "postgres stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) pg_ready && echo "postgres up on 127.0.0.1:$PG_PORT" || { echo "postgres down"; exit 1; } ;;
  url) echo "postgresql://$DB_USER:$(password_of "$DB_USER")@127.0.0.1:$PG_PORT/$DB_NAME" ;;
  ca) echo "$TLS_DIR/ca.crt" ;;
  admin-url) echo "postgresql://postgres:$(password_of postgres)@127.0.0.1:$PG_PORT/postgres" ;;
  *) echo "usage: $0 start|stop|status|url|admin-url" >&2; exit 2 ;;
esac
