#!/usr/bin/env bash
# Installs mailpit (a real SMTP server with an HTTP API to read what it
# received; the email alert tests send to it), idempotently, from the Go
# module proxy into .cache/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v1.33.1
bin=.cache/bin/mailpit
if [ -x "$bin" ] && [ "$(cat .cache/bin/mailpit.version 2>/dev/null)" = "$version" ]; then
  exit 0
fi
mkdir -p .cache/bin
GOBIN="$PWD/.cache/bin" CGO_ENABLED=0 go install "github.com/axllent/mailpit@$version" || {
  echo "setup-mailpit: could not install github.com/axllent/mailpit@$version from the Go module proxy" >&2
  exit 1
}
echo "$version" > .cache/bin/mailpit.version
