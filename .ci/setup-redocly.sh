#!/usr/bin/env bash
# Installs Redocly CLI (the OpenAPI linter), pinned by .ci/redocly/package-lock.json,
# into .cache/redocly, idempotently: npm ci runs again only when the lock file changed.
# Needs node and npm (Debian's, installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

dir=.cache/redocly
mkdir -p "$dir"
stamp=$dir/node_modules/.package-lock.sha256
want=$(sha256sum .ci/redocly/package-lock.json | cut -d' ' -f1)
if [ ! -x "$dir/node_modules/.bin/redocly" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  cp .ci/redocly/package.json .ci/redocly/package-lock.json "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
"$dir/node_modules/.bin/redocly" --version >/dev/null
