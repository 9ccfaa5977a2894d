#!/usr/bin/env bash
# Apache Kafka 4.3.1 (KRaft, combined broker+controller) assembled from Maven Central.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION="4.3.1"
LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KDIR="$VAR/kafka"
PROPS="$KDIR/server.properties"
PIDFILE="$RUN_DIR/kafka.pid"
KLOG="$LOG_DIR/kafka.out"
# SASL/SCRAM for clients, each service its own principal (made by `hotline setup`); the
# administrator's password, like every other, is random and kept in var/secrets.
ADMIN_USER="hotline-admin"
admin_env() {
  export HOTLINE_KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT HOTLINE_KAFKA_SASL_MECHANISM=SCRAM-SHA-512
  export HOTLINE_KAFKA_SASL_USERNAME="$ADMIN_USER" HOTLINE_KAFKA_SASL_PASSWORD="$(secret_password kafka-admin)"
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
  mkdir -p "$KDIR/data"
  local pw; pw=$(secret_password kafka-admin)
  (umask 077; cat >"$PROPS" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.mechanism.controller.protocol=PLAIN
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$ADMIN_USER" password="$pw" user_$ADMIN_USER="$pw";
listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="$ADMIN_USER" password="$pw";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:$ADMIN_USER
allow.everyone.if.no.acl.found=false
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
  )
}

broker_ready() { (admin_env; "$ROOT/.venv/bin/python" -m services.common.kafka.admin ready); }

start() {
  fetch
  if pid_alive "$PIDFILE" && port_open "$KAFKA_PORT"; then log "kafka already running on $KAFKA_PORT"; return 0; fi
  ! port_open "$KAFKA_PORT" || fail "port $KAFKA_PORT is held by another process (not our Kafka); stop it or set HOTLINE_KAFKA_PORT"
  write_props
  if [[ ! -f "$KDIR/data/meta.properties" ]]; then
    local cid; cid=$(kjava kafka.tools.StorageTool random-uuid 2>>"$KLOG") || fail "StorageTool random-uuid failed; read $KLOG"
    kjava kafka.tools.StorageTool format -t "$cid" -c "$PROPS" --ignore-formatted \
      --add-scram "SCRAM-SHA-512=[name=$ADMIN_USER,password=$(secret_password kafka-admin)]" >>"$KLOG" 2>&1 \
      || fail "kafka storage format failed; read $KLOG"
  fi
  nohup java -Xmx512m -Xms256m -XX:+UseG1GC -cp "$LIBS/*" \
    -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.properties" -Dkafka.logs.dir="$LOG_DIR" \
    kafka.Kafka "$PROPS" >>"$KLOG" 2>&1 &
  echo $! >"$PIDFILE"
  wait_until 120 "kafka port" port_open "$KAFKA_PORT" || fail "kafka did not open $KAFKA_PORT in 120s; read $KLOG and $LOG_DIR/kafka-server.log"
  wait_until 60 "kafka metadata" broker_ready || fail "kafka metadata lists no broker; read $LOG_DIR/kafka-server.log"
  (admin_env; "$ROOT/.venv/bin/python" -m services.common.kafka.admin create-topics) || fail "topic creation failed"
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
  admin-env) admin_env; env | grep -E '^HOTLINE_KAFKA_(SECURITY_PROTOCOL|SASL_)' ;;
  status) port_open "$KAFKA_PORT" && echo "kafka up on 127.0.0.1:$KAFKA_PORT" || { echo "kafka down"; exit 1; } ;;
  *) echo "usage: $0 fetch|start|stop|status" >&2; exit 2 ;;
esac
