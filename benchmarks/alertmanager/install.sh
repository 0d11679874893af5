#!/bin/sh
# Installs Debian's Prometheus Alertmanager (0.25 on bookworm) for benchmarks/alertmanager-compare.ts,
# if it is not installed yet. Needs root (apt-get). The Debian package also installs a systemd unit;
# the benchmark never uses it: it starts its own instance on 127.0.0.1 with a temporary storage path.
set -eu
BIN=/usr/bin/prometheus-alertmanager
if [ -x "$BIN" ]; then
  "$BIN" --version 2>&1 | head -1
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install.sh: run as root (apt-get install prometheus-alertmanager)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q prometheus-alertmanager
# Do not leave a system instance listening on :9093 where the package manages to start one.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus-alertmanager 2>/dev/null; then
  systemctl stop prometheus-alertmanager || true
  systemctl disable prometheus-alertmanager || true
fi
"$BIN" --version 2>&1 | head -1
