#!/bin/sh
# Usage: run-from-copy.sh TEMPLATE PROGRAM [ARGS...]
# Runs PROGRAM on a copy of the config TEMPLATE kept in the /data volume. Sentinels rewrite their config with their
# state, and a failover makes the nodes rewrite theirs (CONFIG REWRITE after REPLICAOF), so the file must be writable
# and outlive the container. The copy is made only when absent: after a restart the rewritten state wins, and an
# edited template takes effect on a fresh volume (`docker compose down -v`).
# TANDEM_DATA names another directory than /data (the tests run the script outside a container).
set -eu
template=$1
program=$2
shift 2
copy=${TANDEM_DATA:-/data}/$(basename "$template")
if [ ! -f "$copy" ]; then
  cp "$template" "$copy"
fi
exec "$program" "$copy" "$@"
