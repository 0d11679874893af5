# Shared by kafka.sh and redis.sh (sourced, not run). The caller sets SERVICE (log prefix), PIDFILE and
# PROCESS_PATTERN (what the service's command line contains) before using these.

log() { echo "[$SERVICE] $*" >&2; }
die() { echo "[$SERVICE] ERROR: $*" >&2; exit 1; }

# Prints the pid if our service is alive; guards against a recycled pid by checking the command line.
running_pid() {
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "$PROCESS_PATTERN" || return 1
  echo "$pid"
}
