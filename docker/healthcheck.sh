#!/usr/bin/env bash
# Container health: GET /health on the role's status port answers 200 (no curl in the JRE image: bash's /dev/tcp).
set -euo pipefail
case "${ODYSSEY_ROLE:-}" in
  grid-node) port="${ODYSSEY_GRID_STATUS_PORT:-9102}" ;;
  edge-ingest) port="${ODYSSEY_INGEST_STATUS_PORT:-9101}" ;;
  ws-gateway) port="${ODYSSEY_GATEWAY_PORT:-8080}" ;;
  simulator) port="${ODYSSEY_SIM_STATUS_PORT:-9103}" ;;
  archiver) port="${ODYSSEY_ARCHIVER_STATUS_PORT:-9104}" ;;
  *) exit 1 ;;
esac
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
read -r _ status _ <&3
[ "$status" = "200" ]
