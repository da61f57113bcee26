#!/usr/bin/env bash
# Starts the role named by ODYSSEY_ROLE (or the first argument). exec: the JVM replaces this shell as the container's
# main process, so the SIGTERM of `docker stop` or Kubernetes reaches it and it stops cleanly.
set -euo pipefail
role="${1:-${ODYSSEY_ROLE:-}}"
case "$role" in
  grid-node|edge-ingest|ws-gateway|simulator|archiver) ;;
  *) echo "set ODYSSEY_ROLE to one of: grid-node edge-ingest ws-gateway simulator archiver (got '$role')" >&2; exit 2 ;;
esac
exec java -jar "/opt/odyssey/odyssey-$role.jar"
