# Sourced by .ci/e2e.sh (make e2e) and .ci/sam-local.sh (make sam-local):
# the serverless stack on this machine. sam_stack_up NAME ART PORT builds
# the functions (x86_64), starts moto_server (DynamoDB, Secrets Manager, S3
# buckets of files, transfers and the edge's mirror, a CloudFront
# distribution) on the docker bridge gateway, creates the table and the
# secrets, and runs `sam local start-api` on 127.0.0.1:PORT (0: a free
# port). Everything it starts is stopped when the calling script exits.
# It sets: root art sam venv gw moto_port api_port hub_port table env_vars
# files_bucket transfer_bucket mirror_bucket distribution_id, and the
# arrays sam_local (arguments of every sam local command) and sam_edge
# (the same with the distribution on, for the edge function).
# The caller runs under `set -euo pipefail` from the repository root.

log() { echo "${stack_name:-sam}: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pids=()
image_rapid=public.ecr.aws/lambda/provided:al2023-rapid-x86_64
sam_stack_cleanup() {
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
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ]; then
    log "FAILED (exit $rc); logs in $art"
    for f in "$art"/*.log; do
      [ -s "$f" ] || continue
      echo "----- tail $f" >&2
      tail -n 40 "$f" >&2
    done
  fi
  exit "$rc"
}

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

sam_stack_up() { # sam_stack_up NAME ART PORT
  stack_name=$1
  root=$PWD
  art="$root/$2"
  trap sam_stack_cleanup EXIT
  trap 'exit 130' INT TERM

  bash .ci/setup-docker.sh
  bash .ci/setup-sam.sh
  bash .ci/setup-image.sh

  venv=$(realpath -m "${VENV:-.cache/venv}")
  sam="$venv/bin/sam"
  local moto
  moto=$(command -v moto_server || true)
  [ -n "$moto" ] || moto="$venv/bin/moto_server"
  [ -x "$moto" ] || die "moto_server not found (run .ci/setup-sam.sh)"

  rm -rf "$art"
  mkdir -p "$art"

  export SAM_CLI_TELEMETRY=0 SAM_CLI_CONTAINER_CONNECTION_TIMEOUT=60
  export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
  export AWS_ACCESS_KEY_ID=$stack_name AWS_SECRET_ACCESS_KEY=$stack_name AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN

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

  table=infocentre-$stack_name
  export DYNAMODB_TABLE=$table DYNAMODB_ENDPOINT="http://$gw:$moto_port"
  .cache/bin/infocentre table create >"$art/table.log" 2>&1 || die "table create failed (see $art/table.log)"

  # The two keys live in Secrets Manager (moto_server) as in AWS: the
  # functions get only their ARNs and read them at start. The hosted
  # files, transfers and the edge's mirror live in S3 buckets, and the
  # edge function purges a CloudFront distribution, all of moto_server.
  files_bucket=infocentre-$stack_name-files
  transfer_bucket=infocentre-$stack_name-transfer
  mirror_bucket=infocentre-$stack_name-mirror
  local ids
  ids=$("$venv/bin/python" - "http://$gw:$moto_port" "$stack_name" "$files_bucket" "$transfer_bucket" "$mirror_bucket" <<'PY'
import os, sys, time, boto3
ep, name, buckets = sys.argv[1], sys.argv[2], sys.argv[3:]
s3 = boto3.client("s3", endpoint_url=ep, region_name="eu-west-1")
for b in buckets:
    s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
sm = boto3.client("secretsmanager", endpoint_url=ep, region_name="eu-west-1")
arns = [sm.create_secret(Name=f"infocentre-{name}-{k}", SecretString=os.urandom(32).hex())["ARN"] for k in ("cursor", "preview")]
cf = boto3.client("cloudfront", endpoint_url=ep, region_name="us-east-1")
dist = cf.create_distribution(DistributionConfig={
    "CallerReference": f"{name}-{time.time()}", "Comment": f"infocentre {name}", "Enabled": True,
    "Origins": {"Quantity": 1, "Items": [{"Id": "api", "DomainName": "api.invalid",
        "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
    "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https",
        "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}})["Distribution"]["Id"]
print(arns[0], arns[1], dist)
PY
  ) || die "cannot create the buckets, secrets and distribution"
  local cursor_arn preview_arn
  read -r cursor_arn preview_arn distribution_id <<<"$ids"

  # Variables declared in the template's Environment, overridden for every
  # function: the containers reach moto_server through host.docker.internal.
  # PUBLIC_ORIGIN is where the caller reaches sam local: the console's
  # origin (localhost, which passkeys need, for 127.0.0.1).
  api_port=$3
  [ "$api_port" != 0 ] || api_port=$(free_port 127.0.0.1)
  # With SAM_STACK_HUB=1 (the e2e tests), the functions name a WebSub hub
  # that the caller serves on the bridge gateway (hub_port), which the
  # containers reach as host.docker.internal.
  hub_port="" websub_hub=""
  if [ "${SAM_STACK_HUB:-}" = 1 ]; then
    hub_port=$(free_port "$gw")
    websub_hub="http://host.docker.internal:$hub_port/hub"
  fi
  # The key that seals the links of email alerts: a plain value here (the
  # template's generated secret does not exist on moto_server).
  local alerts_secret
  alerts_secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
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
  "ALERTS_SECRET": "$alerts_secret",
  "ALERTS_SECRET_ARN": "",
  "SES_ENDPOINT": "http://host.docker.internal:$moto_port",
  "SMTP_URL": "",
  "MIRROR_BUCKET": "$mirror_bucket",
  "DISTRIBUTION_ID": "$distribution_id",
  "CLOUDFRONT_ENDPOINT": "http://host.docker.internal:$moto_port",
  "LOG_LEVEL": "debug",
  "STAGE": "$stack_name",
  "PUBLIC_ORIGIN": "http://localhost:$api_port",
  "WEBSUB_HUB": "$websub_hub"
}}
JSON

  local common=(--template .aws-sam/build/template.yaml --skip-pull-image
    --add-host host.docker.internal:host-gateway --env-vars "$env_vars" --container-host 127.0.0.1)
  local params="Architecture=x86_64 TableName=$table AuthorizerCacheTtl=0"
  # The API without the distribution (no origin secret); the edge function
  # exists only with it.
  sam_local=("${common[@]}" --parameter-overrides "$params EnableDistribution=false")
  sam_edge=("${common[@]}" --parameter-overrides "$params EnableDistribution=true")
  "$sam" local start-api "${sam_local[@]}" --host 127.0.0.1 --port "$api_port" \
    --warm-containers LAZY >"$art/sam-start-api.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$api_port/healthz" 180 "${pids[-1]}" \
    || die "sam local start-api did not answer /healthz"
  log "sam local start-api on 127.0.0.1:$api_port"
}
