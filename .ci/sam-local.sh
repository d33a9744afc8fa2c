#!/usr/bin/env bash
# make sam-local: the serverless stack on this machine, to try by hand —
# the real function binaries under `sam local start-api` on
# 127.0.0.1:${PORT:-3000}, moto_server standing in for DynamoDB, Secrets
# Manager, S3 and CloudFront (.ci/sam-stack.sh, shared with make e2e), the
# demo site seeded, and the publisher function invoked every minute as
# EventBridge would. Prints the URL and an owner key; Ctrl-C stops
# everything. Logs: test-artifacts/sam-local/.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/sam-stack.sh
source .ci/sam-stack.sh
sam_stack_up local test-artifacts/sam-local "${PORT:-3000}"

url="http://localhost:$api_port"
PUBLIC_ORIGIN=$url .cache/bin/infocentre seed --store dynamodb >"$art/seed.out" 2>"$art/seed.log" \
  || die "seeding the demo failed (see $art/seed.log)"

# The publisher on its schedule: the real function, once a minute.
(
  while sleep 60; do
    "$sam" local invoke PublisherFunction --event testdata/eventbridge-scheduled.json "${sam_local[@]}" \
      >>"$art/publisher.log" 2>&1 || echo "publisher run failed (see above)" >>"$art/publisher.log"
  done
) &
pids+=($!)

cat <<TXT

  infocentre under sam local: $url/          (the directory; demo site: $url/sites/demo/)
  console:   $url/admin/
  $(grep '^owner key:' "$art/seed.out")
  $(grep '^console:' "$art/seed.out" | sed 's/^console:/first owner invitation:/')
  staff API: curl -H "Authorization: Bearer <owner key>" $url/api/v1/admin/sites
  the publisher function runs every minute; logs in $art/
  Ctrl-C stops sam local, the publisher and moto_server.

TXT
wait "${pids[1]}"
