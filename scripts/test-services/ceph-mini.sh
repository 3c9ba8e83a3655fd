#!/usr/bin/env bash
# A real S3 server for the integration tests: single-node Ceph (Debian's radosgw/ceph-mon/ceph-osd)
# with an in-memory OSD (memstore) and the RADOS Gateway on 127.0.0.1:${RGW_PORT:-7480},
# access key "test", secret "testtesttest". Throwaway: every start after a stop begins empty.
# A second copy can run beside the first with its own CEPH_DIR, RGW_PORT and CEPH_MON_PORT.
# usage: ceph-mini.sh start|stop|status
# Idempotent: "start" while the gateway answers does nothing; "stop" when nothing runs succeeds.
set -euo pipefail

DIR=${CEPH_DIR:-/tmp/live-image-resize-ceph}
CONF=$DIR/ceph.conf
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${CEPH_MON_PORT:-6789}
ACCESS_KEY=test
SECRET_KEY=testtesttest
# The ceph CLI waits forever for an unreachable monitor by default; every call is bounded.
CEPH_TIMEOUT=${CEPH_TIMEOUT:-30}
START_TIMEOUT=${CEPH_START_TIMEOUT:-90}

log() { echo "ceph-mini: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

rgw_answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/"; }

dump_logs() {
  for f in "$DIR"/log/*.log; do
    [ -f "$f" ] || continue
    log "--- last lines of $f"; tail -n 15 "$f" >&2 || true
  done
}

install_if_missing() {
  command -v radosgw >/dev/null && command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "radosgw/ceph-mon/ceph-osd are not installed and this is not root; run: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd"
  log "installing radosgw ceph-mon ceph-osd (Debian packages)"
  local t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq >&2 || die "apt-get update failed or timed out"
  timeout 600 apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >&2 \
    || die "apt-get install radosgw ceph-mon ceph-osd failed or timed out"
  log "installed in $((SECONDS - t0)) s"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_daemon() {
  local f="$DIR/run/$1.pid" p i
  pid_alive "$f" || { rm -f "$f"; return 0; }
  p=$(cat "$f")
  kill "$p" 2>/dev/null || true
  for i in $(seq 1 50); do gone "$p" && break; sleep 0.2; done
  gone "$p" || { log "$1 (pid $p) ignored SIGTERM for 10 s; sending SIGKILL"; kill -9 "$p" 2>/dev/null || true; }
  rm -f "$f"
}

stop() {
  # One daemon at a time, gateway first: a gateway whose OSD is already gone hangs in its shutdown.
  local n
  for n in client.rgw.a osd.0 mon.a; do stop_daemon "$n"; done
  rm -rf "$DIR"
}

gone() {
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo gone)
  [ "$st" = gone ] || [ "$st" = Z ]
}

# The OSD's init still talks to a monitor that has only just formed its quorum (boot, maps); should it fail
# for such a passing reason, a second start succeeds. One more attempt, after stopping what the first left.
start_osd() {
  local T="timeout $CEPH_TIMEOUT"
  $T ceph-osd -c "$CONF" -i 0 && return 0
  log "ceph-osd did not start; its last log lines, then one more attempt after a clean stop of osd.0:"
  tail -n 5 "$DIR/log/osd.0.log" >&2 2>/dev/null || true
  stop_daemon osd.0
  sleep 2
  $T ceph-osd -c "$CONF" -i 0 || { dump_logs; die "ceph-osd did not start (twice)"; }
  log "ceph-osd started on the second attempt"
}

start() {
  if rgw_answers; then
    if pid_alive "$DIR/run/client.rgw.a.pid"; then log "already running on 127.0.0.1:$RGW_PORT"; return 0; fi
    die "port $RGW_PORT already answers but not from this script's gateway ($DIR); stop that server or set RGW_PORT"
  fi
  install_if_missing
  local t0=$SECONDS
  stop   # leftovers of a crashed run (pid files, half-built cluster)
  mkdir -p "$DIR"/{run,log,mon.a,osd.0,rgw}
  # A failed start leaves nothing running: the next start begins from scratch anyway.
  trap 'stop' EXIT
  local fsid osd_uuid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat > "$CONF" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
pid file = $DIR/run/\$name.pid
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
osd crush chooseleaf type = 0
[mon.a]
mon data = $DIR/mon.a
[osd.0]
osd data = $DIR/osd.0
osd objectstore = memstore
# At init the OSD asks the monitor to record its CRUSH location and device class, and exits when either
# fails. Without cephx it can ask before its monitor client has the monitor map, so the request carries a
# zero fsid and is refused ("wrong fsid", "unable to update_crush_device_class: (1) Operation not
# permitted"): a first start failed so on a fresh machine. The script places the OSD itself instead.
osd crush update on start = false
osd class update on start = false
memstore device bytes = 2147483648
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $DIR/rgw
rgw dns name = localhost
CONF
  local T="timeout $CEPH_TIMEOUT"
  $T ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null \
    || die "ceph-authtool failed"
  $T monmaptool --create --add a v1:127.0.0.1:$MON_PORT --fsid "$fsid" "$DIR/monmap" >/dev/null || die "monmaptool failed"
  $T ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring" \
    || { dump_logs; die "ceph-mon --mkfs failed"; }
  $T ceph-mon -c "$CONF" -i a || { dump_logs; die "ceph-mon did not start (is port $MON_PORT taken? set CEPH_MON_PORT)"; }
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  $T ceph -c "$CONF" --connect-timeout "$CEPH_TIMEOUT" osd new "$osd_uuid" >/dev/null \
    || { dump_logs; die "the monitor did not answer 'osd new' within ${CEPH_TIMEOUT}s"; }
  $T ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" 2>>"$DIR/log/osd-mkfs.log" \
    || { dump_logs; die "ceph-osd --mkfs failed"; }
  # The pools choose OSDs directly (chooseleaf type 0), so the OSD goes straight under the root.
  $T ceph -c "$CONF" --connect-timeout "$CEPH_TIMEOUT" osd crush add osd.0 1.0 root=default >/dev/null 2>&1 \
    || { dump_logs; die "the monitor did not place osd.0 in the CRUSH map"; }
  start_osd
  $T radosgw -c "$CONF" -n client.rgw.a || { dump_logs; die "radosgw did not start"; }
  local deadline=$((SECONDS + START_TIMEOUT))
  until rgw_answers; do
    [ $SECONDS -lt $deadline ] || { dump_logs; die "the gateway did not answer on 127.0.0.1:$RGW_PORT within ${START_TIMEOUT}s"; }
    sleep 0.5
  done
  pid_alive "$DIR/run/client.rgw.a.pid" \
    || { dump_logs; die "port $RGW_PORT answers, but not from the gateway just started (it exited)"; }
  $T radosgw-admin -c "$CONF" user create --uid test --display-name test \
    --access-key "$ACCESS_KEY" --secret "$SECRET_KEY" >/dev/null \
    || { dump_logs; die "radosgw-admin user create failed"; }
  trap - EXIT
  log "S3 on http://127.0.0.1:$RGW_PORT (access key $ACCESS_KEY, secret $SECRET_KEY), started in $((SECONDS - t0)) s"
}

case "${1:-}" in
  start) start ;;
  stop) stop; log "stopped" ;;
  status) if rgw_answers; then echo "running on http://127.0.0.1:$RGW_PORT"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
