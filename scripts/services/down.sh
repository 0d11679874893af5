#!/usr/bin/env bash
# Stop the throwaway Kafka and Redis started by up.sh and delete their temp dirs. Safe to run twice.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rc=0
"$HERE/kafka.sh" stop || rc=1
"$HERE/redis.sh" stop || rc=1
exit $rc
