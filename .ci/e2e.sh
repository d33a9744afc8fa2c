#!/usr/bin/env bash
# End-to-end tests of the real function binaries under `sam local`:
#   sam build (x86_64) -> stand-in Lambda base image -> moto_server (DynamoDB,
#   Secrets Manager, S3 buckets for files, transfers and the mirror,
#   CloudFront) on the docker bridge gateway -> table -> sam local start-api
#   on loopback (.ci/sam-stack.sh, shared with make sam-local)
#   -> go test -tags e2e ./e2e/sam (seeds with the infocentre CLI, drives the
#   HTTP API, invokes the publisher, the edge, notifier and bounces functions with
#   `sam local invoke`; the notifier pings a WebSub hub the test serves on
#   the bridge gateway).
# Everything started here is stopped on exit, failure included.
# Logs: test-artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/sam-stack.sh
source .ci/sam-stack.sh
SAM_STACK_HUB=1 sam_stack_up e2e test-artifacts/e2e 0

E2E_API="http://127.0.0.1:$api_port" \
E2E_CLI="$root/.cache/bin/infocentre" \
E2E_SAM="$sam" \
E2E_SAM_ARGS="$(printf '%s\n' "${sam_local[@]}")" \
E2E_SAM_EDGE_ARGS="$(printf '%s\n' "${sam_edge[@]}")" \
E2E_ARTIFACTS="$art" \
E2E_S3="http://$gw:$moto_port" \
E2E_MIRROR_BUCKET="$mirror_bucket" \
E2E_DISTRIBUTION="$distribution_id" \
E2E_HUB_LISTEN="$gw:$hub_port" \
  go test -tags e2e -count=1 -v -timeout 15m ./e2e/sam 2>&1 | tee "$art/go-test.log"
exit "${PIPESTATUS[0]}"
