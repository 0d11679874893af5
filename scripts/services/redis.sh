#!/usr/bin/env bash
# Throwaway Redis on 127.0.0.1 from Debian's redis-server package: no persistence, temp dir, pid file.
#
# usage: scripts/services/redis.sh install|start|stop|status|env
#
# Environment (all optional):
#   REDIS_PORT            default 16379
#   REDIS_START_TIMEOUT   seconds to wait for PONG, default 20
#   SERVICES_DIR          state folder, default <repo>/.services
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SERVICES_DIR="${SERVICES_DIR:-$ROOT/.services}"
RDIR="$SERVICES_DIR/redis"
PORT="${REDIS_PORT:-16379}"
TIMEOUT="${REDIS_START_TIMEOUT:-20}"
PIDFILE="$RDIR/redis-$PORT.pid"
RUNFILE="$RDIR/redis-$PORT.rundir"

SERVICE=redis
PROCESS_PATTERN='redis-server'
# shellcheck source=common.sh
source "$HERE/common.sh"

ping_ok() { redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; }


cmd_install() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    log "$(redis-server --version | cut -d' ' -f1-3) already installed"; return 0
  fi
  command -v apt-get >/dev/null || die "redis-server missing and no apt-get; install Redis by hand"
  local sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
  log "installing redis-server with apt-get"
  # policy-rc.d 101 keeps the package's postinst from starting the system Redis on 6379 (no init here anyway)
  local prc=/usr/sbin/policy-rc.d created=0
  if [[ -z "$sudo" && ! -e "$prc" ]]; then printf '#!/bin/sh\nexit 101\n' > "$prc"; chmod +x "$prc"; created=1; fi
  # Non-interactive (CI has no stdin): no debconf prompts, wait for dpkg's lock instead of failing on it,
  # and `apt-get update` first (a fresh machine's package lists may be missing or stale).
  local apt=($sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=180 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  { "${apt[@]}" update -qq < /dev/null && "${apt[@]}" install -y -qq --no-install-recommends redis-server < /dev/null > /dev/null; } \
    || { (( created )) && rm -f "$prc"; die "apt-get install redis-server failed"; }
  (( created )) && rm -f "$prc"
  log "installed $(redis-server --version | cut -d' ' -f1-3)"
}

cmd_start() {
  local pid
  if pid="$(running_pid)"; then log "already running (pid $pid) on 127.0.0.1:$PORT"; echo "REDIS_URL=redis://127.0.0.1:$PORT"; return 0; fi
  cmd_install
  # leftovers of a crashed/killed run: drop the stale pid file and its temp dir
  if [[ -f "$RUNFILE" ]]; then local stale; stale="$(cat "$RUNFILE")"; case "$stale" in */alertsift-redis-*) rm -rf "$stale";; esac; fi
  rm -f "$PIDFILE" "$RUNFILE"
  ping_ok && die "something already answers on 127.0.0.1:$PORT (set REDIS_PORT)"
  mkdir -p "$RDIR"
  local run; run="$(mktemp -d "${TMPDIR:-/tmp}/alertsift-redis-$PORT.XXXXXX")"
  echo "$run" > "$RUNFILE"
  local t0=$SECONDS
  # --save "" + --appendonly no: nothing is written to disk; --daemonize writes the pid file itself
  redis-server --bind 127.0.0.1 --port "$PORT" --protected-mode yes --save "" --appendonly no \
    --dir "$run" --daemonize yes --pidfile "$PIDFILE" --logfile "$run/redis.log" \
    || die "redis-server failed to start (see $run/redis.log)"
  local deadline=$((SECONDS + TIMEOUT))
  until ping_ok; do
    (( SECONDS >= deadline )) && { tail -n 20 "$run/redis.log" >&2 || true; die "no PONG after ${TIMEOUT}s"; }
    sleep 0.1
  done
  # the pid file is written right after daemonizing; wait for it briefly
  for _ in $(seq 1 20); do [[ -s "$PIDFILE" ]] && break; sleep 0.1; done
  log "ready in $((SECONDS - t0))s: 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), dir $run)"
  echo "REDIS_URL=redis://127.0.0.1:$PORT"
}

cmd_stop() {
  local pid run=""
  [[ -f "$RUNFILE" ]] && run="$(cat "$RUNFILE")"
  if pid="$(running_pid)"; then
    log "stopping pid $pid"
    redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "still alive, SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  else
    log "not running on port $PORT"
  fi
  rm -f "$PIDFILE" "$RUNFILE"
  if [[ -n "$run" && -d "$run" ]]; then case "$run" in */alertsift-redis-*) rm -rf "$run";; esac; fi
  return 0
}

cmd_status() {
  local pid
  if pid="$(running_pid)" && ping_ok; then
    echo "redis: running pid $pid, REDIS_URL=redis://127.0.0.1:$PORT, dir $(cat "$RUNFILE" 2>/dev/null)"
  else
    echo "redis: not running (port $PORT)"; return 3
  fi
}

case "${1:-}" in
  install) cmd_install ;;
  start)   cmd_start ;;
  stop)    cmd_stop ;;
  status)  cmd_status ;;
  env)     echo "REDIS_URL=redis://127.0.0.1:$PORT" ;;
  *) echo "usage: $0 install|start|stop|status|env" >&2; exit 2 ;;
esac
