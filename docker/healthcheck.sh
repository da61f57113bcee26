#!/usr/bin/env bash
# Container health: GET <path> on the role's status port answers 200 (no curl in the JRE image: bash's /dev/tcp).
# The path defaults to /health/ready (the role's dependencies: what Compose's service_healthy waits on); pass
# /health/live to ask only whether the process is making progress.
set -euo pipefail
path="${1:-/health/ready}"
case "${ODYSSEY_ROLE:-}" in
  grid-node) port="${ODYSSEY_GRID_STATUS_PORT:-9102}" ;;
  edge-ingest) port="${ODYSSEY_INGEST_STATUS_PORT:-9101}" ;;
  ws-gateway) port="${ODYSSEY_GATEWAY_PORT:-8080}" ;;
  simulator) port="${ODYSSEY_SIM_STATUS_PORT:-9103}" ;;
  archiver) port="${ODYSSEY_ARCHIVER_STATUS_PORT:-9104}" ;;
  mavlink-edge) port="${ODYSSEY_MAVLINK_STATUS_PORT:-9105}" ;;
  *) echo "unknown ODYSSEY_ROLE '${ODYSSEY_ROLE:-}'" >&2; exit 1 ;;
esac
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
# A process that accepts but never answers must not hold the check: the status line or nothing within 3 s.
read -r -t 3 _ status _ <&3
[ "$status" = "200" ]
