#!/usr/bin/env bash
# Checks of the launcher against real processes, each on ports, a cluster name and a data directory of its own:
#
#   scripts/launcher-check.sh cluster-kill   ./odyssey cluster --mavlink (a mixed fleet: some drones fly as MAVLink
#                                            vehicles through the MAVLink edge): kill -9 one grid member and one ingest
#                                            node; the launcher reports each death in one line, the others keep serving
#                                            (every drone, MAVLink ones included, still moving through the gateway), and
#                                            Ctrl-C (sent through a terminal) still stops every process
#   scripts/launcher-check.sh db-password    ./odyssey up --db-url against the machine's PostgreSQL with password
#                                            authentication, its roles made by archiver --init-roles: the history
#                                            API answers with archived data as odyssey_history, no password is on a
#                                            process's command line and none but the init step holds the superuser's
#   scripts/launcher-check.sh all            both
#
# Needs the jars (./odyssey build), node, and for db-password the Debian PostgreSQL (./odyssey test installs it).
# LAUNCHER=path/to/odyssey checks another launcher in the same directory (e.g. an older one, to see a check fail).
# Prints what it did and what it counted; exit 0 when every check passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAUNCHER=${LAUNCHER:-$ROOT/odyssey}
WORK=$(mktemp -d /tmp/odyssey-launcher-check.XXXXXX)
BASE=$((30000 + RANDOM % 8000))
LOGS=/tmp/odyssey-launcher-check-logs
FAILED=0
CLEANUP=()

log() { printf '[launcher-check] %s\n' "$*"; }
fail() { printf '[launcher-check] FAILED: %s\n' "$*"; FAILED=1; }

cleanup() {
  local step
  for step in "${CLEANUP[@]}"; do
    eval "$step" || true
  done
  # The stacks' logs, for whoever looks into a failure (or at what the launcher printed).
  mkdir -p "$LOGS"
  cp "$WORK"/*.log "$LOGS"/ 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Waits up to $2 seconds for the file $1 to contain the extended regex $3.
await_line() {
  local file=$1 timeout=$2 pattern=$3 deadline=$((SECONDS + $2))
  until grep -Eq -- "$pattern" "$file" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

# GET with a bearer token; prints the status code, then the body.
get() {
  node -e '
    fetch(process.argv[1], {headers: {Authorization: "Bearer " + process.argv[2]}, signal: AbortSignal.timeout(30000)})
      .then(async r => { console.log(r.status); console.log(await r.text()); })
      .catch(e => { console.log(0); console.log(String(e)); });' "$1" "$2"
}

# Each drone's sequence number as the gateway has it: "id seq" lines.
drone_sequences() {
  get "$1/api/v1/drones?limit=1000" "$2" | tail -n +2 | node -e '
    let text = ""; process.stdin.on("data", d => text += d).on("end", () => {
      try { for (const d of JSON.parse(text).drones) console.log(d.id + " " + d.seq); } catch (e) { }
    });'
}

# After a failed check: SIGTERM to the launcher and to the roles it started (should it be gone already), and a wait
# (bounded) until they have stopped, before their data directory is removed.
stop_launcher() {
  local launcher=$1 pid_file=$2 pids="" pid deadline=$((SECONDS + 60))
  [ ! -s "$pid_file" ] || pids=$(awk '{print $2}' "$pid_file")
  kill -TERM "$launcher" 2>/dev/null || true
  sleep 1
  for pid in $pids; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in $launcher $pids; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
      sleep 0.5
    done
  done
}

pid_of() {
  awk -v role="$2" '$1 == role {print $2}' "$1"
}

# --- cluster-kill --------------------------------------------------------------------------------------------------

check_cluster_kill() {
  local port=$BASE data="$WORK/cluster-data" out="$WORK/cluster.log" ctl="$WORK/cluster.ctl" drones=40 mavlink=4
  log "cluster-kill: ./odyssey cluster with $drones drones ($mavlink of them MAVLink vehicles) on port $port (grid $((BASE + 20))-$((BASE + 22)), ingest udp $((BASE + 1))-$((BASE + 2)), MAVLink udp $((BASE + 50)))"
  mkfifo "$ctl"
  # In a terminal of its own (script), so that a Ctrl-C typed into it reaches the launcher as it would from a user.
  # A job started in the background of a script has SIGINT ignored, and a shell cannot trap a signal ignored on
  # entry: env gives the launcher SIGINT's default back, as a terminal's shell would.
  script -qfec "env --default-signal=INT '$LAUNCHER' cluster --no-build --drones $drones --port $port --ingest-port $((BASE + 1)) \
    --grid-port $((BASE + 20)) --status-base $((BASE + 100)) --db-port $((BASE + 30)) \
    --mavlink $mavlink --mavlink-port $((BASE + 50)) \
    --cluster launcher-check-$$ --data-dir '$data'" /dev/null < "$ctl" > "$out" 2>&1 &
  local terminal=$!
  exec 3> "$ctl"
  CLEANUP+=("stop_launcher $terminal '$data/launcher.pids'")
  if ! await_line "$out" 300 'Odyssey is up'; then
    tail -n 30 "$out"
    fail "the cluster did not come up within 300 s"
    return
  fi
  local token pids="$WORK/cluster.pids"
  token=$(awk -F: '$1 == "operator" {print $3}' "$data/tokens")
  cp "$data/launcher.pids" "$pids"
  log "up: $(tr '\n' ' ' < "$pids")"
  [ -n "$(pid_of "$pids" mavlink-edge)" ] || fail "no mavlink-edge process with --mavlink"
  local url="http://127.0.0.1:$port"
  local deadline=$((SECONDS + 120))
  until [ "$(drone_sequences "$url" "$token" | wc -l)" -ge $drones ]; do
    [ $SECONDS -lt $deadline ] || { fail "the gateway never showed all $drones drones"; break; }
    sleep 1
  done

  local grid ingest
  grid=$(pid_of "$pids" grid-node-2)
  ingest=$(pid_of "$pids" edge-ingest-2)
  log "kill -9 grid-node-2 (pid $grid) and edge-ingest-2 (pid $ingest)"
  kill -KILL "$grid" "$ingest"
  await_line "$out" 20 "grid-node-2 \\(pid $grid\\) exited: killed by SIGKILL \\(exit status 137\\)" \
    && log "the launcher said: $(grep -E "grid-node-2 \\(pid $grid\\) exited" "$out" | tr -d '\r')" \
    || fail "no line saying grid-node-2 (pid $grid) was killed"
  await_line "$out" 20 "edge-ingest-2 \\(pid $ingest\\) exited: killed by SIGKILL" \
    && log "the launcher said: $(grep -E "edge-ingest-2 \\(pid $ingest\\) exited" "$out" | tr -d '\r')" \
    || fail "no line saying edge-ingest-2 (pid $ingest) was killed"

  # The rest keeps serving: every other process runs, and every drone moves on through the gateway (the drones of
  # the killed ingest node fail over to the other within Aeron's ~5 s connection timeout).
  local role pid alive=0
  while read -r role pid; do
    [ "$pid" = "$grid" ] || [ "$pid" = "$ingest" ] || { kill -0 "$pid" 2>/dev/null && alive=$((alive + 1)) || fail "$role (pid $pid) stopped"; }
  done < "$pids"
  log "$alive other processes still running"
  sleep 15
  drone_sequences "$url" "$token" | sort > "$WORK/before"
  sleep 5
  drone_sequences "$url" "$token" | sort > "$WORK/after"
  local moving
  moving=$(join "$WORK/before" "$WORK/after" | awk '$3 > $2' | wc -l)
  log "drones whose telemetry moved on in 5 s after the kills: $moving of $drones"
  [ "$moving" -eq $drones ] || fail "only $moving of $drones drones moved on after the kills"
  grep -q "every process has exited\|stopping" "$out" && fail "the launcher began to stop after the kills"

  # A process asked to stop (SIGTERM, as an operator's `kill` does) stops cleanly, and the launcher says so rather
  # than calling it killed.
  local edge
  edge=$(pid_of "$pids" mavlink-edge)
  log "kill -TERM mavlink-edge (pid $edge)"
  kill -TERM "$edge"
  await_line "$out" 40 "mavlink-edge \\(pid $edge\\) exited: stopped by SIGTERM \\(exit status 143\\)" \
    && log "the launcher said: $(grep -E "mavlink-edge \\(pid $edge\\) exited" "$out" | tr -d '\r')" \
    || fail "no line saying mavlink-edge (pid $edge) was stopped by SIGTERM: $(grep -E "mavlink-edge \\(pid $edge\\) exited" "$out" | tr -d '\r')"

  log "Ctrl-C in the launcher's terminal"
  printf '\003' >&3
  if await_line "$out" 90 '\[odyssey\] stopped'; then
    wait "$terminal" 2>/dev/null || true
    local left=0
    while read -r role pid; do
      if kill -0 "$pid" 2>/dev/null; then
        fail "$role (pid $pid) still runs after Ctrl-C"
        left=$((left + 1))
      fi
    done < "$pids"
    [ $left -gt 0 ] || log "Ctrl-C stopped every process"
    grep -q 'ws-gateway\] .*stopped' "$out" || fail "the gateway did not log that it stopped"
  else
    fail "the launcher did not stop within 90 s of Ctrl-C"
  fi
  exec 3>&-
}

# --- db-password ---------------------------------------------------------------------------------------------------

check_db_password() {
  local initdb pg_bin
  initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  [ -n "$initdb" ] || { fail "db-password needs the Debian PostgreSQL (./odyssey test installs it)"; return; }
  pg_bin=$(dirname "$initdb")
  local pg_dir="$WORK/pg" pg_port=$((BASE + 40)) password run_as=()
  password="check-$(head -c 12 /dev/urandom | base64 | tr -d '/+=')"
  mkdir -p "$pg_dir"
  printf '%s\n' "$password" > "$WORK/pwfile"
  if [ "$(id -u)" -eq 0 ]; then
    # initdb refuses root: run PostgreSQL as its own user.
    chown postgres "$pg_dir" "$WORK/pwfile"
    chmod 755 "$WORK"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -A scram-sha-256 --pwfile "$WORK/pwfile" >/dev/null
  "${run_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" \
    -l "$pg_dir/server.log" -w start >/dev/null
  CLEANUP+=("${run_as[*]} '$pg_bin/pg_ctl' -D '$pg_dir/data' -m fast -w stop >/dev/null")
  log "db-password: PostgreSQL on 127.0.0.1:$pg_port, password authentication (scram-sha-256) for every connection"

  # The init step, as docs/operations.md ("Database") tells a user with a database of their own: the superuser makes
  # the archiver's and the history API's roles, then nothing uses it.
  local archiver_password history_password db_url="jdbc:postgresql://127.0.0.1:$pg_port/postgres"
  archiver_password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  history_password=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  if ! ODYSSEY_ARCHIVER_DB_URL="$db_url" ODYSSEY_ARCHIVER_DB_ADMIN_USER=postgres \
      ODYSSEY_ARCHIVER_DB_ADMIN_PASSWORD="$password" ODYSSEY_ARCHIVER_DB_PASSWORD="$archiver_password" \
      ODYSSEY_ARCHIVER_HISTORY_DB_PASSWORD="$history_password" \
      java -jar "$ROOT/archiver/target/odyssey-archiver.jar" --init-roles > "$WORK/init-roles.log" 2>&1; then
    tail -n 20 "$WORK/init-roles.log"
    fail "archiver --init-roles failed"
    return
  fi
  log "db-password: archiver --init-roles made odyssey_archiver and odyssey_history"

  local port=$((BASE + 50)) data="$WORK/up-data" out="$WORK/up.log"
  ODYSSEY_ARCHIVER_DB_PASSWORD="$archiver_password" ODYSSEY_GATEWAY_DB_PASSWORD="$history_password" \
    "$LAUNCHER" up --no-build --drones 5 --port $port \
    --ingest-port $((BASE + 51)) --grid-port $((BASE + 60)) --status-base $((BASE + 200)) \
    --cluster "launcher-check-db-$$" --data-dir "$data" --db-url "$db_url" \
    > "$out" 2>&1 &
  local launcher=$!
  CLEANUP+=("stop_launcher $launcher '$data/launcher.pids'")
  if ! await_line "$out" 240 'Odyssey is up'; then
    tail -n 30 "$out"
    fail "the stack did not come up within 240 s"
    return
  fi
  local token from to status answer deadline=$((SECONDS + 60))
  token=$(awk -F: '$1 == "operator" {print $3}' "$data/tokens")
  from=$(date -u -d '-10 min' +%FT%TZ)
  # The archiver writes within a second or two; the history API then reads drone 1's frames back.
  while :; do
    to=$(date -u -d '+1 min' +%FT%TZ)
    answer=$(get "http://127.0.0.1:$port/api/v1/history/drones/1/track?from=$from&to=$to" "$token")
    status=$(head -n 1 <<< "$answer")
    if [ "$status" = 200 ] && [[ "$answer" =~ \"frames\":([1-9][0-9]*) ]]; then
      log "history API: HTTP 200, drone 1's track with ${BASH_REMATCH[1]} frames read back from the password-protected database"
      break
    fi
    if [ $SECONDS -ge $deadline ]; then
      fail "history API did not answer with drone 1's archived frames: HTTP $status $(tail -n +2 <<< "$answer" | head -c 300)"
      break
    fi
    sleep 1
  done
  local pid leaked=0
  for pid in $(awk '{print $2}' "$data/launcher.pids"); do
    for secret in "$password" "$archiver_password" "$history_password"; do
      if tr '\0' ' ' < "/proc/$pid/cmdline" | grep -F "$secret" >/dev/null; then
        fail "a database password is on the command line of pid $pid"
        leaked=1
      fi
    done
    # Least privilege: no process but the init step ever held the superuser's password.
    if tr '\0' '\n' < "/proc/$pid/environ" | grep -F "$password" >/dev/null; then
      fail "the superuser's password is in the environment of pid $pid"
      leaked=1
    fi
  done
  [ $leaked -eq 1 ] || log "no database password is on a process's command line, and no process holds the superuser's"
  kill -TERM "$launcher"
  wait "$launcher" 2>/dev/null || true
}

case "${1:-all}" in
  cluster-kill) check_cluster_kill ;;
  db-password) check_db_password ;;
  all) check_db_password; check_cluster_kill ;;
  *) echo "usage: $0 [cluster-kill|db-password|all]" >&2; exit 2 ;;
esac
if [ $FAILED -eq 0 ]; then
  log "passed (the stacks' logs: $LOGS)"
else
  log "failed; the stacks' logs are in $LOGS"
fi
exit $FAILED
