#!/usr/bin/env bash
# Start the throwaway Kafka (KRaft) and Redis used for "production mode", then print connection strings.
# usage: scripts/services/up.sh          (ports: KAFKA_PORT=19092, REDIS_PORT=16379 by default)
# Consume the output with e.g.:  eval "$(scripts/services/up.sh | grep '^[A-Z_]*=')"  or  export $(scripts/services/up.sh)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kafka_env="$("$HERE/kafka.sh" start)"
if ! redis_env="$("$HERE/redis.sh" start)"; then
  "$HERE/kafka.sh" stop || true
  echo "[up] redis failed to start; kafka stopped again" >&2; exit 1
fi
echo "$kafka_env"
echo "$redis_env"
