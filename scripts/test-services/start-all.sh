#!/usr/bin/env bash
# Starts every storage server the integration tests use (idempotent) and prints, on stdout only,
# the `export` lines that point the tests at them; progress, timings and errors go to stderr.
# usage: eval "$(scripts/test-services/start-all.sh)"
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

S3_PORT=${RGW_PORT:-7480}
GCS_PORT=${GCS_PORT:-9199}
S3_BUCKET=${TEST_S3_BUCKET:-live-image-resize-test}
GCS_BUCKET=${TEST_GCS_BUCKET:-live-image-resize-test}

t0=$SECONDS
# Both servers' output goes to stderr: stdout is read by the caller's $(...).
RGW_PORT=$S3_PORT "$HERE/ceph-mini.sh" start >&2
t_s3=$((SECONDS - t0))

# PUT bucket is idempotent for its owner on RGW (200 again). curl signs it with SigV4 by itself;
# RGW also wants the payload hash header, here the SHA-256 of the empty body.
response=$(curl -s -w '\n%{http_code}' --max-time 10 -X PUT \
  --aws-sigv4 'aws:amz:us-east-1:s3' --user test:testtesttest \
  -H 'x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' \
  "http://127.0.0.1:$S3_PORT/$S3_BUCKET") || true
[ "${response##*$'\n'}" = 200 ] || { echo "start-all: creating S3 bucket $S3_BUCKET failed: $response" >&2; exit 1; }

t1=$SECONDS
GCS_PORT=$GCS_PORT "$HERE/gcs-emulator.sh" start >&2
t_gcs=$((SECONDS - t1))

# The emulator cannot create buckets (501); the first upload does, so a marker object is written.
status=$(printf 'created by start-all.sh\n' | curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
  -H 'Authorization: Bearer owner' -H 'Content-Type: text/plain' --data-binary @- \
  "http://127.0.0.1:$GCS_PORT/upload/storage/v1/b/$GCS_BUCKET/o?uploadType=media&name=.start-all-marker") || true
[ "$status" = 200 ] || { echo "start-all: creating GCS bucket $GCS_BUCKET failed (HTTP $status)" >&2; exit 1; }

echo "start-all: S3 (Ceph RGW) ready in ${t_s3} s, GCS emulator ready in ${t_gcs} s, total $((SECONDS - t0)) s" >&2
cat <<EXPORTS
export TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export TEST_S3_ACCESS_KEY=test
export TEST_S3_SECRET_KEY=testtesttest
export TEST_S3_BUCKET=$S3_BUCKET
export TEST_GCS_ENDPOINT=http://127.0.0.1:$GCS_PORT
export TEST_GCS_BUCKET=$GCS_BUCKET
EXPORTS
