#!/usr/bin/env bash
# The Cloud Storage emulator (firebase-tools) for the integration tests, on 127.0.0.1:${GCS_PORT:-9199}.
# firebase-tools@15.34.2 is installed once into a cache folder outside the project's dependencies.
# In-memory: every start after a stop begins empty. Buckets need no creation (the first upload creates one).
# usage: gcs-emulator.sh start|stop|status
# Idempotent: "start" while our emulator answers does nothing; "stop" when nothing runs succeeds.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
FIREBASE_TOOLS_VERSION=15.34.2
TOOLS_DIR=${FIREBASE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/live-image-resize/firebase-tools-$FIREBASE_TOOLS_VERSION}
RUN_DIR=${GCS_RUN_DIR:-/tmp/live-image-resize-gcs}
PID_FILE=$RUN_DIR/emulator.pid
LOG_FILE=$RUN_DIR/emulator.log
PORT=${GCS_PORT:-9199}
START_TIMEOUT=${GCS_START_TIMEOUT:-60}

log() { echo "gcs-emulator: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; }
pid_alive() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

install_if_missing() {
  # The marker is written only after a complete install, so an interrupted install is redone.
  [ -f "$TOOLS_DIR/.installed" ] && return 0
  command -v npm >/dev/null || die "npm is not on PATH"
  log "installing firebase-tools@$FIREBASE_TOOLS_VERSION into $TOOLS_DIR (one time, about 2 minutes)"
  local t0=$SECONDS
  rm -rf "$TOOLS_DIR"; mkdir -p "$TOOLS_DIR"
  echo '{ "name": "live-image-resize-test-tools", "private": true }' > "$TOOLS_DIR/package.json"
  # --ignore-scripts: the only install script that matters is re2's (used by the Hosting emulator, never
  # loaded by the storage one); without network access to its prebuilt binary it compiles C++ for ~10 minutes.
  timeout 900 npm install --prefix "$TOOLS_DIR" --save-exact --ignore-scripts --no-audit --no-fund --loglevel=error \
    "firebase-tools@$FIREBASE_TOOLS_VERSION" >&2 || die "npm install firebase-tools@$FIREBASE_TOOLS_VERSION failed or timed out"
  touch "$TOOLS_DIR/.installed"
  log "installed in $((SECONDS - t0)) s"
}

stop() {
  if pid_alive; then
    local pid i
    pid=$(cat "$PID_FILE")
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "pid $pid ignored SIGTERM; sending SIGKILL"; kill -9 "$pid" 2>/dev/null || true; }
  fi
  rm -f "$PID_FILE"
}

start() {
  if answers; then
    if pid_alive; then log "already running on 127.0.0.1:$PORT"; return 0; fi
    die "port $PORT already answers but not from this script's emulator ($PID_FILE); stop that server or set GCS_PORT"
  fi
  install_if_missing
  stop   # a stale pid file from a crashed run
  mkdir -p "$RUN_DIR"
  local t0=$SECONDS
  # setsid + closed stdin/stdout: the emulator must not hold the caller's pipe open
  # (start-all.sh runs inside $(...), which waits for every writer of its stdout to exit).
  FIREBASE_TOOLS_DIR=$TOOLS_DIR PORT=$PORT HOST=127.0.0.1 \
    setsid node "$HERE/gcs-emulator.cjs" </dev/null >"$LOG_FILE" 2>&1 &
  echo $! > "$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  until answers; do
    if ! pid_alive; then tail -n 20 "$LOG_FILE" >&2 || true; rm -f "$PID_FILE"; die "the emulator exited during start (log above)"; fi
    if [ $SECONDS -ge $deadline ]; then
      tail -n 20 "$LOG_FILE" >&2 || true; stop; die "the emulator did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  log "Cloud Storage emulator on http://127.0.0.1:$PORT (pid $(cat "$PID_FILE")), started in $((SECONDS - t0)) s"
}

case "${1:-}" in
  start) start ;;
  stop) stop; log "stopped" ;;
  status) if answers && pid_alive; then echo "running on http://127.0.0.1:$PORT"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
