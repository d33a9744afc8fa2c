#!/usr/bin/env bash
# Usage: setup-npm-tool.sh NAME BIN
# Installs the npm tool pinned by .ci/NAME/package-lock.json into .cache/NAME,
# idempotently: npm ci runs again only when the lock file changed or
# .cache/NAME/node_modules/.bin/BIN is missing. Tools: redocly (Redocly CLI,
# the OpenAPI linter) and dynalite (the DynamoDB stand-in of the 10,000-entry
# memory benchmark). Needs node and npm (Debian's, installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: setup-npm-tool.sh NAME BIN}
bin=${2:?usage: setup-npm-tool.sh NAME BIN}
if [ ! -f ".ci/$name/package-lock.json" ]; then
  echo "setup-npm-tool: no .ci/$name/package-lock.json" >&2
  exit 2
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

dir=.cache/$name
mkdir -p "$dir"
stamp=$dir/node_modules/.package-lock.sha256
want=$(sha256sum ".ci/$name/package-lock.json" | cut -d' ' -f1)
if [ ! -x "$dir/node_modules/.bin/$bin" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  cp ".ci/$name/package.json" ".ci/$name/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
if [ ! -x "$dir/node_modules/.bin/$bin" ]; then
  echo "setup-npm-tool: npm ci in $dir left no node_modules/.bin/$bin" >&2
  exit 1
fi
