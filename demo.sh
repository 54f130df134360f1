#!/usr/bin/env bash
# Plan -> apply -> plan of gateways.yaml against the bundled emulator (no AWS account needed).
set -euo pipefail
cd "$(dirname "$0")"
port=${PORT:-4566}
reconcile emulator --port "$port" --delay "${DELAY:-0.5}" > /tmp/reconcile-emulator.log 2>&1 &
emulator=$!
trap 'kill $emulator 2>/dev/null' EXIT
for _ in $(seq 50); do grep -q listening /tmp/reconcile-emulator.log 2>/dev/null && break; sleep 0.2; done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export RUNTIME_CLIENT_SECRET=${RUNTIME_CLIENT_SECRET:-demo-client-secret}
set -x
reconcile validate
reconcile plan
reconcile apply --auto-approve --poll-interval 0.2
reconcile plan --detailed-exitcode
