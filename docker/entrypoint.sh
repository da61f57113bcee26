#!/usr/bin/env bash
# Starts the role named by ODYSSEY_ROLE (or the first argument) as PID 1's only child, so SIGTERM reaches the JVM.
set -euo pipefail
role="${1:-${ODYSSEY_ROLE:-}}"
case "$role" in
  grid-node|edge-ingest|ws-gateway|simulator|archiver) ;;
  *) echo "set ODYSSEY_ROLE to one of: grid-node edge-ingest ws-gateway simulator archiver (got '$role')" >&2; exit 2 ;;
esac
exec java -jar "/opt/odyssey/odyssey-$role.jar"
