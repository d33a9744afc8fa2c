#!/usr/bin/env bash
# Installs staticcheck at the pinned version into the project-local GOBIN
# (.cache/bin), idempotently: nothing happens when that version is there.
set -euo pipefail
version=${STATICCHECK_VERSION:-v0.8.2}
gobin=${GOBIN_DIR:-$PWD/.cache/bin}
bin=$gobin/staticcheck
if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep -q "honnef.co/go/tools[[:space:]]*$version[[:space:]]"; then
  exit 0
fi
mkdir -p "$gobin"
GOBIN=$gobin go install "honnef.co/go/tools/cmd/staticcheck@$version" || {
  echo "setup-staticcheck: could not install staticcheck $version from the Go module proxy" >&2
  exit 1
}
