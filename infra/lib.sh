#!/usr/bin/env bash
# Shared helpers for the infra scripts: paths, logging, bounded waits.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="${HOTLINE_VAR_DIR:-$ROOT/var}"
RUN_DIR="$VAR/run"
LOG_DIR="$VAR/log"
# HOME may be unset in CI: fall back to the account's home from the password database.
HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
export HOME
CACHE_DIR="${HOTLINE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hotline}"
export PATH="$PATH:/usr/sbin:/sbin"
# Ports below the kernel's ephemeral range (32768+), so a client socket never holds them.
PG_PORT="${HOTLINE_PG_PORT:-25432}"
KAFKA_PORT="${HOTLINE_KAFKA_PORT:-29092}"
KAFKA_CONTROLLER_PORT="${HOTLINE_KAFKA_CONTROLLER_PORT:-29093}"
# Nothing under var/ is for other users of the machine (contract §10): what these scripts and the
# servers they start (Kafka, PostgreSQL, the services) create is private to its owner.
umask 077
mkdir -p "$RUN_DIR" "$LOG_DIR" "$CACHE_DIR"
chmod o-rwx "$VAR" "$RUN_DIR" "$LOG_DIR"

# private_var: "other" loses every bit under var/ (files made before, or by a third party's umask).
private_var() { chmod -R o-rwx "$VAR" 2>/dev/null || true; }

# reach_for USER DIR...: USER (PostgreSQL's system account, when root runs it) may pass through
# each DIR and every private folder above it inside the repository's var/, by group, not "other".
reach_for() {
  local user="$1" top dir; shift
  top="$(realpath -m "$ROOT/var")"
  for dir in "$@"; do
    dir="$(realpath -m "$dir")"
    while [[ -d "$dir" ]]; do
      if [[ "$(stat -c %U "$dir")" == root ]]; then chgrp "$user" "$dir" && chmod g+x,o-rwx "$dir"; fi
      [[ "$dir" == "$top" || "$dir" == / || "$dir" != "$top"/* ]] && break
      dir="$(dirname "$dir")"
    done
  done
}

# secret_password NAME: a random password in var/secrets/NAME.password (0600), made on first use.
secret_password() {
  local file="$VAR/secrets/$1.password"
  if [[ ! -s "$file" ]]; then
    mkdir -p "$VAR/secrets"; chmod 700 "$VAR/secrets"
    (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$file")
  fi
  cat "$file"
}

log() { printf '[infra] %s\n' "$*" >&2; }
fail() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# wait_until SECONDS DESCRIPTION COMMAND...: poll COMMAND until it succeeds or time runs out.
wait_until() {
  local limit="$1" what="$2"; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= deadline )); then return 1; fi
    sleep 0.5
  done
  log "$what ready after $((SECONDS - deadline + limit))s"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { local f="$1"; [[ -f "$f" ]] && kill -0 "$(cat "$f")" 2>/dev/null; }

apt_install() {
  if ! command -v apt-get >/dev/null; then fail "apt-get not found; install $* by hand"; fi
  log "installing $* with apt-get"
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null \
    || fail "apt-get install $* failed"
}

# A CA of its own and a server certificate it signed for 127.0.0.1, under DIR (ca.crt,
# server.crt, server.key; server.pem holds key and certificate for Kafka's PEM keystore):
# for the TLS of the servers an operator would run, in tests.
make_certificate() {
  local dir="$1"
  [[ -f "$dir/server.pem" ]] && return 0
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=hotline test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" >/dev/null 2>&1 || fail "openssl could not make the CA"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$dir/server.key" \
    -out "$dir/server.csr" >/dev/null 2>&1 || fail "openssl could not make the server key"
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 30 -extfile "$dir/san.ext" -out "$dir/server.crt" >/dev/null 2>&1 \
    || fail "openssl could not sign the server certificate"
  (umask 077; cat "$dir/server.key" "$dir/server.crt" >"$dir/server.pem")
  chmod 600 "$dir/server.key" "$dir/ca.key"
  chmod 640 "$dir/ca.crt"
}
