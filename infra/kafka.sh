#!/usr/bin/env bash
# Apache Kafka 4.3.1 (KRaft, combined broker+controller) assembled from Maven Central.
# HOTLINE_KAFKA_BROKERS=3 makes a cluster of three (replication factor 3, min.insync.replicas 2):
# node N listens on HOTLINE_KAFKA_PORT+2(N-1), its controller on HOTLINE_KAFKA_CONTROLLER_PORT+2(N-1).
# HOTLINE_KAFKA_TLS=1: clients and brokers speak SASL_SSL, with a certificate for 127.0.0.1 from a
# CA of its own (`kafka.sh ca` prints its path, for HOTLINE_KAFKA_SSL_CAFILE).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION="4.3.1"
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
BROKERS="${HOTLINE_KAFKA_BROKERS:-1}"
[[ "$BROKERS" =~ ^[1-9]$ ]] || fail "HOTLINE_KAFKA_BROKERS must be 1 to 9"
REPLICAS=$(( BROKERS < 3 ? BROKERS : 3 ))
MIN_ISR=$(( REPLICAS < 2 ? 1 : 2 ))
KLOG="$LOG_DIR/kafka.out"
CLUSTER_ID_FILE="$VAR/kafka/cluster.id"

# Node 1 keeps the single broker's layout (var/kafka, run/kafka.pid); others are numbered.
client_port() { echo $(( KAFKA_PORT + 2 * ($1 - 1) )); }
controller_port() { echo $(( KAFKA_CONTROLLER_PORT + 2 * ($1 - 1) )); }
node_dir() { if (( $1 == 1 )); then echo "$VAR/kafka"; else echo "$VAR/kafka/node-$1"; fi; }
node_pidfile() { if (( $1 == 1 )); then echo "$RUN_DIR/kafka.pid"; else echo "$RUN_DIR/kafka-$1.pid"; fi; }
bootstrap_servers() {
  local out="" n
  for n in $(seq 1 "$BROKERS"); do out+="${out:+,}127.0.0.1:$(client_port "$n")"; done
  echo "$out"
}
export HOTLINE_KAFKA_BOOTSTRAP_SERVERS="${HOTLINE_KAFKA_BOOTSTRAP_SERVERS:-$(bootstrap_servers)}"
# SASL/SCRAM for clients, each service its own principal (made by `hotline migrate`); the
# administrator's password, like every other, is random and kept in var/secrets.
ADMIN_USER="hotline-admin"
TLS_DIR="$VAR/kafka/tls"
if [[ "${HOTLINE_KAFKA_TLS:-0}" == 1 ]]; then PROTOCOL=SASL_SSL; else PROTOCOL=SASL_PLAINTEXT; fi
LISTENER=$(tr '[:upper:]' '[:lower:]' <<<"$PROTOCOL")
admin_env() {
  export HOTLINE_KAFKA_SECURITY_PROTOCOL=$PROTOCOL HOTLINE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512
  export HOTLINE_KAFKA_SASL_USERNAME="$ADMIN_USER" HOTLINE_KAFKA_SASL_PASSWORD="$(secret_password kafka-admin)"
  if [[ $PROTOCOL == SASL_SSL ]]; then export HOTLINE_KAFKA_SSL_CAFILE="$TLS_DIR/ca.crt"; fi
}

ensure_java() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
}

fetch() {
  ensure_java
  if [[ -f "$LIBS/.complete" ]]; then return 0; fi
  log "fetching Kafka $KAFKA_VERSION runtime jars from Maven Central into $LIBS"
  rm -rf "$LIBS"; mkdir -p "$LIBS"
  mvn -q -B -f "$ROOT/infra/kafka/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" >"$LOG_DIR/kafka-fetch.log" 2>&1 \
    || fail "maven could not fetch Kafka; read $LOG_DIR/kafka-fetch.log"
  ls "$LIBS"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null || fail "kafka_2.13 jar missing after fetch"
  touch "$LIBS/.complete"
}

kjava() { java -Xmx512m -Xms128m -cp "$LIBS/*" -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR" "$@"; }

write_props() {
  local node="$1" dir; dir=$(node_dir "$1")
  local props="$dir/server.properties" port; port=$(client_port "$node")
  local cport; cport=$(controller_port "$node")
  mkdir -p "$dir/data"
  local pw; pw=$(secret_password kafka-admin)
  local tls=""
  if [[ $PROTOCOL == SASL_SSL ]]; then
    make_certificate "$TLS_DIR"
    # Brokers check each other's certificate too (inter-broker traffic is on this listener).
    tls="ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/server.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.crt
ssl.endpoint.identification.algorithm=https"
  fi
  local voters="" n
  for n in $(seq 1 "$BROKERS"); do voters+="${voters:+,}$n@127.0.0.1:$(controller_port "$n")"; done
  (umask 077; cat >"$props" <<PROPS
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$voters
listeners=$PROTOCOL://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$PROTOCOL://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=$PROTOCOL
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,$PROTOCOL:$PROTOCOL
$tls
sasl.mechanism.controller.protocol=PLAIN
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$ADMIN_USER" password="$pw" user_$ADMIN_USER="$pw";
listener.name.$LISTENER.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.$LISTENER.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$pw";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$ADMIN_USER
allow.everyone.if.no.acl.found=false
log.dirs=$dir/data
num.partitions=${HOTLINE_KAFKA_PARTITIONS:-2}
default.replication.factor=$REPLICAS
min.insync.replicas=$MIN_ISR
offsets.topic.replication.factor=$REPLICAS
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=$REPLICAS
transaction.state.log.min.isr=$MIN_ISR
share.coordinator.state.topic.replication.factor=$REPLICAS
share.coordinator.state.topic.min.isr=$MIN_ISR
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=-1
# The log cleaner (compacted topics: the groups' offsets, the audit checkpoints) keeps its map of
# keys in the heap: 128 MiB by default, two thirds of a county broker's live heap (#31). 16 MiB
# maps about 600,000 keys a pass; a topic with more is cleaned in more passes.
log.cleaner.dedupe.buffer.size=16777216
PROPS
  )
}

broker_ready() { (admin_env; "$ROOT/.venv/bin/python" -m services.common.kafka.topics ready "$BROKERS"); }

cluster_id() {
  if [[ ! -s "$CLUSTER_ID_FILE" ]]; then
    mkdir -p "$(dirname "$CLUSTER_ID_FILE")"
    kjava kafka.tools.StorageTool random-uuid 2>>"$KLOG" >"$CLUSTER_ID_FILE" || fail "StorageTool random-uuid failed; read $KLOG"
  fi
  cat "$CLUSTER_ID_FILE"
}

start_node() {
  local node="$1" dir; dir=$(node_dir "$1")
  local pidfile; pidfile=$(node_pidfile "$node")
  local port; port=$(client_port "$node")
  if pid_alive "$pidfile" && port_open "$port"; then log "kafka node $node already running on $port"; return 0; fi
  ! port_open "$port" || fail "port $port is held by another process (not our Kafka); stop it or set HOTLINE_KAFKA_PORT"
  write_props "$node"
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local cid
    # A single broker made before cluster.id was kept has its own id in meta.properties.
    cid=$(cluster_id)
    kjava kafka.tools.StorageTool format -t "$cid" -c "$dir/server.properties" --ignore-formatted \
      --add-scram "SCRAM-SHA-512=[name=$ADMIN_USER,password=$(secret_password kafka-admin)]" >>"$KLOG" 2>&1 \
      || fail "kafka storage format failed; read $KLOG"
  fi
  # A county's broker holds little: a heap of 64 MiB grown to 256 at most (512 from 256 before:
  # its PSS 425 → about 395 MiB under 15 reports/s, its collector's time 0.15 s in 20 s, #31).
  # The serial collector, which the JVM itself picks for a small machine: on a heap this small
  # G1's regions and remembered sets cost more than they save (PSS after 600 reports 230 MiB
  # against 237–264 with G1, the same CPU per report, three runs each, #31).
  nohup java -Xmx256m -Xms64m -XX:+UseSerialGC -cp "$LIBS/*" \
    -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR" \
    kafka.Kafka "$dir/server.properties" >>"$KLOG" 2>&1 &
  echo $! >"$pidfile"
}

start() {
  fetch
  local n
  for n in $(seq 1 "$BROKERS"); do start_node "$n"; done
  for n in $(seq 1 "$BROKERS"); do
    wait_until 120 "kafka port" port_open "$(client_port "$n")" \
      || fail "kafka node $n did not open $(client_port "$n") in 120s; read $KLOG and $LOG_DIR/kafka-server.log"
  done
  wait_until 90 "kafka metadata" broker_ready || fail "kafka metadata lists fewer than $BROKERS broker(s); read $LOG_DIR/kafka-server.log"
  (admin_env; HOTLINE_KAFKA_REPLICAS="$REPLICAS" "$ROOT/.venv/bin/python" -m services.common.kafka.topics create-topics) \
    || fail "topic creation failed"
  private_var
}

stop_node() {
  local pidfile; pidfile=$(node_pidfile "$1")
  if pid_alive "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    # The listening sockets can outlive the pid by a moment: a start right after must not
    # mistake them for another program's.
    wait_until 30 "kafka node $1 ports closed" ports_closed "$1" || true
    log "kafka node $1 stopped"
  fi
  rm -f "$pidfile"
}

ports_closed() { ! port_open "$(client_port "$1")" && ! port_open "$(controller_port "$1")"; }

stop() {
  local n
  # All at once: a node left alone without its controller quorum would wait out its timeout.
  for n in $(seq 1 "$BROKERS"); do
    if pid_alive "$(node_pidfile "$n")"; then kill "$(cat "$(node_pidfile "$n")")" || true; fi
  done
  for n in $(seq "$BROKERS" -1 1); do stop_node "$n"; done
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  # One node of a cluster (make chaos): kill-node N kills it at once (kill -9), start-node N.
  kill-node) pid=$(cat "$(node_pidfile "${2:?node}")") && kill -9 "$pid" && rm -f "$(node_pidfile "$2")" ;;
  start-node) start_node "${2:?node}"; wait_until 120 "kafka port" port_open "$(client_port "$2")" ;;
  stop-node) stop_node "${2:?node}" ;;
  bootstrap) bootstrap_servers ;;
  ca) echo "$TLS_DIR/ca.crt" ;;
  admin-env) admin_env; env | grep -E '^HOTLINE_KAFKA_(SECURITY_PROTOCOL|SASL_|SSL_CAFILE)' ;;
  status) port_open "$KAFKA_PORT" && echo "kafka up on $(bootstrap_servers)" || { echo "kafka down"; exit 1; } ;;
  *) echo "usage: $0 fetch|start|stop|status|bootstrap|ca|admin-env|kill-node N|stop-node N|start-node N" >&2; exit 2 ;;
esac
