#!/usr/bin/env bash
# Starts the role named by ODYSSEY_ROLE (or the first argument). exec: the JVM replaces this shell as the container's
# main process, so the SIGTERM of `docker stop` or Kubernetes reaches it and it stops cleanly.
set -euo pipefail
role="${1:-${ODYSSEY_ROLE:-}}"
# Arguments after the role go to the process (e.g. `archiver --init-roles`, the database's init step).
[ $# -eq 0 ] || shift
case "$role" in
  grid-node|edge-ingest|ws-gateway|simulator|archiver|mavlink-edge) ;;
  *) echo "set ODYSSEY_ROLE to one of: grid-node edge-ingest ws-gateway simulator archiver mavlink-edge (got '$role')" >&2; exit 2 ;;
esac
# Keys the grid must not hold (docs/operations.md, "Keys") come from a Secret as ODYSSEY_GATEWAY_KEY and
# ODYSSEY_COMMAND_KEY (hex). Every process reads keys only from owner-only files (SecretFile: a Secret volume is
# group-readable in Kubernetes, which it refuses), so each is written to one on the tmpfs /tmp, named by its *_FILE
# setting, and taken out of the environment. A placeholder is written as given and refused by the process at start.
for key in ODYSSEY_GATEWAY_KEY ODYSSEY_COMMAND_KEY; do
  file_var="${key}_FILE"
  if [ -n "${!key:-}" ] && [ -z "${!file_var:-}" ]; then
    (umask 077 && mkdir -p /tmp/odyssey-keys && printf '%s\n' "${!key}" > "/tmp/odyssey-keys/${key,,}")
    export "$file_var=/tmp/odyssey-keys/${key,,}"
  fi
  unset "$key"
done
# The drones' link keys (the key file's lines: `<drone id> <64 hex digits>`, docs/operations.md "Drone keys") come the
# same way, as ODYSSEY_DRONE_KEYS, and go to an owner-only file named by the role's own setting (ingest verifies with
# them, the simulated drones sign with them, the MAVLink edge verifies its vehicles' MAVLink signatures with them).
if [ -n "${ODYSSEY_DRONE_KEYS:-}" ]; then
  case "$role" in
    edge-ingest) file_var=ODYSSEY_INGEST_DRONE_KEYS ;;
    simulator) file_var=ODYSSEY_SIM_DRONE_KEYS ;;
    mavlink-edge) file_var=ODYSSEY_MAVLINK_DRONE_KEYS ;;
    *) file_var="" ;;
  esac
  if [ -n "$file_var" ] && [ -z "${!file_var:-}" ]; then
    (umask 077 && mkdir -p /tmp/odyssey-keys && printf '%s\n' "$ODYSSEY_DRONE_KEYS" > /tmp/odyssey-keys/drone-keys)
    export "$file_var=/tmp/odyssey-keys/drone-keys"
  fi
fi
unset ODYSSEY_DRONE_KEYS
exec java -jar "/opt/odyssey/odyssey-$role.jar" "$@"
