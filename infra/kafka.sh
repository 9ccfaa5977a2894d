#!/usr/bin/env bash
# Apache Kafka 4.3.1 (KRaft, combined broker+controller) assembled from Maven Central.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION="4.3.1"
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KDIR="$VAR/kafka"
PROPS="$KDIR/server.properties"
PIDFILE="$RUN_DIR/kafka.pid"
KLOG="$LOG_DIR/kafka.out"

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
  mkdir -p "$KDIR/data"
  cat >"$PROPS" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KDIR/data
num.partitions=6
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=-1
PROPS
}

broker_ready() { "$ROOT/.venv/bin/python" -m services.common.kafka.admin ready; }

start() {
  fetch
  if pid_alive "$PIDFILE" && port_open "$KAFKA_PORT"; then log "kafka already running on $KAFKA_PORT"; return 0; fi
  ! port_open "$KAFKA_PORT" || fail "port $KAFKA_PORT is held by another process (not our Kafka); stop it or set HOTLINE_KAFKA_PORT"
  write_props
  if [[ ! -f "$KDIR/data/meta.properties" ]]; then
    local cid; cid=$(kjava kafka.tools.StorageTool random-uuid 2>>"$KLOG") || fail "StorageTool random-uuid failed; read $KLOG"
    kjava kafka.tools.StorageTool format -t "$cid" -c "$PROPS" --ignore-formatted >>"$KLOG" 2>&1 \
      || fail "kafka storage format failed; read $KLOG"
  fi
  nohup java -Xmx512m -Xms256m -XX:+UseG1GC -cp "$LIBS/*" \
    -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR" \
    kafka.Kafka "$PROPS" >>"$KLOG" 2>&1 &
  echo $! >"$PIDFILE"
  wait_until 120 "kafka port" port_open "$KAFKA_PORT" || fail "kafka did not open $KAFKA_PORT in 120s; read $KLOG and $LOG_DIR/kafka-server.log"
  wait_until 60 "kafka metadata" broker_ready || fail "kafka metadata lists no broker; read $LOG_DIR/kafka-server.log"
  "$ROOT/.venv/bin/python" -m services.common.kafka.admin create-topics || fail "topic creation failed"
}

stop() {
  if pid_alive "$PIDFILE"; then
    local pid; pid=$(cat "$PIDFILE")
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "kafka stopped"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) port_open "$KAFKA_PORT" && echo "kafka up on 127.0.0.1:$KAFKA_PORT" || { echo "kafka down"; exit 1; } ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
