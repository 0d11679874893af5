#!/usr/bin/env bash
# Throwaway single-node Apache Kafka (KRaft, combined broker+controller) from Maven Central jars.
# No Docker, no tarball: `install` resolves the broker runtime with Maven into .services/kafka/lib.
#
# usage: scripts/services/kafka.sh install|start|stop|status|env|smoke
#
# Kafka version: 4.4.0 (org.apache.kafka:kafka_2.13:4.4.0, newest listed as resolving in the
# workplace's maven package list). kafkajs 2.2.4 was checked against it (docs/services.md, "Which
# Kafka"); test/integration/kafkaProtocol.test.ts repeats that check in CI. Override with
# KAFKA_VERSION=... (4.x only: logging is log4j2).
#
# Environment (all optional):
#   KAFKA_VERSION          default 4.4.0
#   KAFKA_PORT             client (PLAINTEXT) port, default 19092, bound to 127.0.0.1 only
#   KAFKA_CONTROLLER_PORT  KRaft controller port, default KAFKA_PORT+1
#   KAFKA_HEAP_OPTS        default "-Xms256m -Xmx512m"
#   KAFKA_START_TIMEOUT    seconds to wait for readiness, default 90
#   SERVICES_DIR           cache + state folder, default <repo>/.services
#   KAFKA_KEEP_RUN_DIR=1   keep the temp run dir (data + logs) after stop
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
SERVICES_DIR="${SERVICES_DIR:-$ROOT/.services}"
KDIR="$SERVICES_DIR/kafka"
LIB="$KDIR/lib"
PORT="${KAFKA_PORT:-19092}"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
HEAP="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
PIDFILE="$KDIR/kafka-$PORT.pid"
RUNFILE="$KDIR/kafka-$PORT.rundir"
MAVEN_DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

SERVICE=kafka
PROCESS_PATTERN='kafka.Kafka'
# shellcheck source=common.sh
source "$HERE/common.sh"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_install() {
  command -v java >/dev/null || die "java not found (need Java 17+)"
  if [[ -f "$LIB/.version" && "$(cat "$LIB/.version")" == "$KAFKA_VERSION" ]] && compgen -G "$LIB/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
    log "Kafka $KAFKA_VERSION jars already in $LIB ($(ls "$LIB" | wc -l) jars)"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install -y maven)"
  mkdir -p "$KDIR"
  local stage="$KDIR/lib.tmp.$$"
  rm -rf "$stage"
  log "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION (+ kafka-tools, log4j2) from Maven Central into $LIB"
  if ! mvn -B -f "$HERE/pom.xml" "-Dkafka.version=$KAFKA_VERSION" \
      "$MAVEN_DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime "-DoutputDirectory=$stage" > "$KDIR/install.log" 2>&1; then
    tail -n 40 "$KDIR/install.log" >&2; rm -rf "$stage"; die "maven could not resolve Kafka $KAFKA_VERSION (full log: $KDIR/install.log)"
  fi
  echo "$KAFKA_VERSION" > "$stage/.version"
  rm -rf "$LIB"; mv "$stage" "$LIB"
  log "installed $(ls "$LIB"/*.jar | wc -l) jars ($(du -sh "$LIB" | cut -f1))"
}

write_log4j2() { # $1 file, $2 level, $3 target: file path or "stderr"
  if [[ "$3" == stderr ]]; then
    cat > "$1" <<EOF
status = error
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $2
rootLogger.appenderRef.err.ref = ERR
EOF
  else
    cat > "$1" <<EOF
status = error
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $3
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = $2
rootLogger.appenderRef.file.ref = FILE
EOF
  fi
}

cluster_id() {
  # 22-char URL-safe base64 of 16 random bytes, never starting with '-' (would parse as an option)
  if command -v node >/dev/null; then
    node -e "let s;do{s=require('crypto').randomBytes(16).toString('base64url')}while(s[0]==='-');console.log(s)"
  else
    java -cp "$LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null
  fi
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then log "already running (pid $pid) on 127.0.0.1:$PORT"; echo "KAFKA_BROKERS=127.0.0.1:$PORT"; return 0; fi
  cmd_install
  # leftovers of a crashed/killed run: drop the stale pid file and its temp dir
  if [[ -f "$RUNFILE" ]]; then local stale; stale="$(cat "$RUNFILE")"; case "$stale" in */alertsift-kafka-*) rm -rf "$stale";; esac; fi
  rm -f "$PIDFILE" "$RUNFILE"
  port_open "$PORT" && die "port 127.0.0.1:$PORT is already in use (set KAFKA_PORT)"
  port_open "$CPORT" && die "port 127.0.0.1:$CPORT is already in use (set KAFKA_CONTROLLER_PORT)"
  mkdir -p "$KDIR"
  local run; run="$(mktemp -d "${TMPDIR:-/tmp}/alertsift-kafka-$PORT.XXXXXX")"
  mkdir -p "$run/data" "$run/logs" "$run/tmp"
  echo "$run" > "$RUNFILE"
  write_log4j2 "$run/log4j2.properties" INFO "$run/logs/server.log"
  write_log4j2 "$run/tools-log4j2.properties" WARN stderr
  cat > "$run/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$run/data
num.partitions=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
num.network.threads=2
num.io.threads=2
EOF
  local t0=$SECONDS cid; cid="$(cluster_id)"
  local tools_opts=(-Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "-Djava.io.tmpdir=$run/tmp" "-Dlog4j2.configurationFile=$run/tools-log4j2.properties")
  log "formatting KRaft storage in $run/data (cluster id $cid)"
  java "${tools_opts[@]}" -cp "$LIB/*" kafka.tools.StorageTool format -t "$cid" -c "$run/server.properties" --ignore-formatted > "$run/logs/format.log" 2>&1 \
    || { cat "$run/logs/format.log" >&2; die "storage format failed"; }
  # shellcheck disable=SC2086
  nohup java $HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Djava.io.tmpdir=$run/tmp" "-Dkafka.logs.dir=$run/logs" "-Dlog4j2.configurationFile=$run/log4j2.properties" \
    -cp "$LIB/*" kafka.Kafka "$run/server.properties" > "$run/logs/stdout.log" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$PIDFILE"
  log "started pid $pid, waiting up to ${TIMEOUT}s for readiness"
  local deadline=$((SECONDS + TIMEOUT))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$run/logs/stdout.log" "$run/logs/server.log" >&2 2>/dev/null || true
      rm -f "$PIDFILE"; die "broker exited during startup (logs in $run/logs)"
    fi
    if grep -qE 'Kafka Server started|Transitioning from RECOVERY to RUNNING' "$run/logs/server.log" 2>/dev/null && port_open "$PORT"; then
      break
    fi
    if (( SECONDS >= deadline )); then
      tail -n 40 "$run/logs/server.log" >&2 2>/dev/null || true
      die "broker not ready after ${TIMEOUT}s (pid $pid still running; logs in $run/logs; run '$0 stop')"
    fi
    sleep 0.2
  done
  log "ready in $((SECONDS - t0))s: 127.0.0.1:$PORT (pid $pid, run dir $run)"
  echo "KAFKA_BROKERS=127.0.0.1:$PORT"
}

cmd_stop() {
  local pid run=""
  [[ -f "$RUNFILE" ]] && run="$(cat "$RUNFILE")"
  if pid="$(running_pid)"; then
    log "stopping pid $pid (SIGTERM = graceful shutdown)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then log "still alive after 30s, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.5; fi
  else
    log "not running on port $PORT"
  fi
  rm -f "$PIDFILE" "$RUNFILE"
  if [[ -n "$run" && -d "$run" && "${KAFKA_KEEP_RUN_DIR:-0}" != 1 ]]; then
    case "$run" in */alertsift-kafka-*) rm -rf "$run";; esac
  fi
  return 0
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "kafka: running pid $pid, KAFKA_BROKERS=127.0.0.1:$PORT, run dir $(cat "$RUNFILE" 2>/dev/null), version $(cat "$LIB/.version" 2>/dev/null)"
  else
    echo "kafka: not running (port $PORT)"; return 3
  fi
}

# End-to-end check with Kafka's own CLI classes: create a topic, produce one message, consume it back.
cmd_smoke() {
  running_pid >/dev/null || die "not running; run '$0 start' first"
  local run; run="$(cat "$RUNFILE")"
  local topic="smoke-$(date +%s)-$RANDOM" msg="hello-from-alertsift-$RANDOM"
  local j=(java -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "-Djava.io.tmpdir=$run/tmp"
           "-Dlog4j2.configurationFile=$run/tools-log4j2.properties" -cp "$LIB/*")
  "${j[@]}" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" --create --topic "$topic" --partitions 1 --replication-factor 1 >&2
  echo "$msg" | "${j[@]}" org.apache.kafka.tools.ConsoleProducer --bootstrap-server "127.0.0.1:$PORT" --topic "$topic" >&2
  local got
  got="$("${j[@]}" org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "127.0.0.1:$PORT" --topic "$topic" \
         --from-beginning --max-messages 1 --timeout-ms 30000 2>/dev/null)"
  if [[ "$got" == "$msg" ]]; then log "smoke OK: topic $topic round-tripped '$msg'"; else die "smoke FAILED: expected '$msg', got '$got'"; fi
}

case "${1:-}" in
  install) cmd_install ;;
  start)   cmd_start ;;
  stop)    cmd_stop ;;
  status)  cmd_status ;;
  env)     echo "KAFKA_BROKERS=127.0.0.1:$PORT" ;;
  smoke)   cmd_smoke ;;
  *) echo "usage: $0 install|start|stop|status|env|smoke" >&2; exit 2 ;;
esac
