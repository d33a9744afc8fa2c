#!/usr/bin/env bash
# End-to-end tests of the real function binaries under `sam local`:
#   sam build (x86_64) -> stand-in Lambda base image -> moto_server (DynamoDB,
#   Secrets Manager, S3 buckets for files and transfers)
#   on the docker bridge gateway -> table -> sam local start-api on loopback
#   -> go test -tags e2e ./e2e/sam (seeds with the infocentre CLI, drives the
#   HTTP API, invokes the publisher and the notifier with `sam local invoke`;
#   the notifier pings a WebSub hub the test serves on the bridge gateway).
# Everything started here is stopped on exit, failure included.
# Logs: test-artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log() { echo "e2e: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bash .ci/setup-docker.sh
bash .ci/setup-sam.sh
bash .ci/setup-image.sh

venv=$(realpath -m "${VENV:-.cache/venv}")
sam="$venv/bin/sam"
moto=$(command -v moto_server || true)
[ -n "$moto" ] || moto="$venv/bin/moto_server"
[ -x "$moto" ] || die "moto_server not found (run .ci/setup-sam.sh)"

art="$root/test-artifacts/e2e"
rm -rf "$art"
mkdir -p "$art"

export SAM_CLI_TELEMETRY=0 SAM_CLI_CONTAINER_CONNECTION_TIMEOUT=60
export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
export AWS_ACCESS_KEY_ID=e2e AWS_SECRET_ACCESS_KEY=e2e AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN

pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # Function containers that sam left behind (it normally removes them):
  # only containers of the local stand-in image, which nothing else runs.
  local left
  left=$(docker ps -aq --filter "ancestor=$image_rapid" 2>/dev/null || true)
  # shellcheck disable=SC2086
  [ -z "$left" ] || docker rm -f $left >/dev/null 2>&1 || true
  if [ "$rc" -ne 0 ]; then
    log "FAILED (exit $rc); logs in $art"
    for f in "$art"/*.log; do
      [ -s "$f" ] || continue
      echo "----- tail $f" >&2
      tail -n 40 "$f" >&2
    done
  fi
  exit "$rc"
}
image_rapid=public.ecr.aws/lambda/provided:al2023-rapid-x86_64
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { # free_port ADDRESS
  python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1]); s.close()' "$1"
}
wait_http() { # wait_http URL SECONDS PID
  local url=$1 secs=$2 pid=$3
  for _ in $(seq 1 $((secs * 2))); do
    kill -0 "$pid" 2>/dev/null || return 1
    if curl -fsS -o /dev/null --max-time 5 "$url" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  return 1
}

log "building functions for x86_64"
LAMBDA_ARCH=x86_64 "$sam" build --build-in-source --parameter-overrides Architecture=x86_64 \
  >"$art/sam-build.log" 2>&1 || die "sam build failed (see $art/sam-build.log)"
go build -o .cache/bin/infocentre ./cmd/infocentre

# moto_server must be reachable from the function containers: bind it to
# the docker bridge gateway (an address of this machine), not 0.0.0.0.
gw=$(ip -4 -o addr show dev docker0 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}')
[ -n "$gw" ] || die "no docker bridge gateway address"
moto_port=$(free_port "$gw")
"$moto" -H "$gw" -p "$moto_port" >"$art/moto.log" 2>&1 &
pids+=($!)
wait_http "http://$gw:$moto_port/moto-api/" 30 "${pids[-1]}" || die "moto_server did not start"
log "moto_server on $gw:$moto_port"

table=infocentre-e2e
export DYNAMODB_TABLE=$table DYNAMODB_ENDPOINT="http://$gw:$moto_port"
.cache/bin/infocentre table create >"$art/table.log" 2>&1 || die "table create failed (see $art/table.log)"

# The two keys live in Secrets Manager (moto_server) as in AWS: the
# functions get only their ARNs and read them at start.
secret_arn() { # secret_arn NAME
  "$venv/bin/python" - "$1" "http://$gw:$moto_port" <<'PY'
import os, sys, boto3
c = boto3.client("secretsmanager", endpoint_url=sys.argv[2], region_name="eu-west-1")
print(c.create_secret(Name=sys.argv[1], SecretString=os.urandom(32).hex())["ARN"])
PY
}
# The hosted files (and transfers) live in S3 buckets of moto_server.
files_bucket=infocentre-e2e-files
transfer_bucket=infocentre-e2e-transfer
"$venv/bin/python" - "http://$gw:$moto_port" "$files_bucket" "$transfer_bucket" <<'PY' || die "cannot create the buckets"
import sys, boto3
c = boto3.client("s3", endpoint_url=sys.argv[1], region_name="eu-west-1")
for b in sys.argv[2:]:
    c.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
PY
cursor_arn=$(secret_arn infocentre-e2e-cursor) || die "cannot create the cursor secret"
preview_arn=$(secret_arn infocentre-e2e-preview) || die "cannot create the preview secret"

# Variables declared in the template's Environment, overridden for every
# function: the containers reach moto_server through host.docker.internal.
# PUBLIC_ORIGIN is where the test reaches sam local: the console's origin
# (localhost, which passkeys need, for 127.0.0.1).
api_port=$(free_port 127.0.0.1)
# The WebSub hub: the Go test listens on the bridge gateway, which the
# function containers reach as host.docker.internal.
hub_port=$(free_port "$gw")
env_vars="$art/env-vars.json"
cat >"$env_vars" <<JSON
{"Parameters": {
  "DYNAMODB_TABLE": "$table",
  "DYNAMODB_ENDPOINT": "http://host.docker.internal:$moto_port",
  "SECRETSMANAGER_ENDPOINT": "http://host.docker.internal:$moto_port",
  "CURSOR_SECRET": "",
  "PREVIEW_SECRET": "",
  "CURSOR_SECRET_ARN": "$cursor_arn",
  "PREVIEW_SECRET_ARN": "$preview_arn",
  "S3_ENDPOINT": "http://host.docker.internal:$moto_port",
  "FILES_BUCKET": "$files_bucket",
  "TRANSFER_BUCKET": "$transfer_bucket",
  "ORIGIN_SECRET": "",
  "ORIGIN_SECRET_ARN": "",
  "LOG_LEVEL": "debug",
  "STAGE": "e2e",
  "PUBLIC_ORIGIN": "http://localhost:$api_port",
  "WEBSUB_HUB": "http://host.docker.internal:$hub_port/hub"
}}
JSON

sam_local=(--template .aws-sam/build/template.yaml --skip-pull-image
  --add-host host.docker.internal:host-gateway --env-vars "$env_vars"
  --parameter-overrides "Architecture=x86_64 TableName=$table AuthorizerCacheTtl=0 EnableDistribution=false"
  --container-host 127.0.0.1)
"$sam" local start-api "${sam_local[@]}" --host 127.0.0.1 --port "$api_port" \
  --warm-containers LAZY >"$art/sam-start-api.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$api_port/healthz" 180 "${pids[-1]}" \
  || die "sam local start-api did not answer /healthz"
log "sam local start-api on 127.0.0.1:$api_port"

E2E_API="http://127.0.0.1:$api_port" \
E2E_CLI="$root/.cache/bin/infocentre" \
E2E_SAM="$sam" \
E2E_SAM_ARGS="$(printf '%s\n' "${sam_local[@]}")" \
E2E_ARTIFACTS="$art" \
E2E_S3="http://$gw:$moto_port" \
E2E_HUB_LISTEN="$gw:$hub_port" \
  go test -tags e2e -count=1 -v -timeout 15m ./e2e/sam 2>&1 | tee "$art/go-test.log"
exit "${PIPESTATUS[0]}"
