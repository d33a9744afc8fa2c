#!/usr/bin/env bash
# Installs the Python tools the SAM checks and end-to-end tests need:
#   - AWS SAM CLI (pinned) into the virtualenv .cache/venv (git-ignored); it
#     brings its own cfn-lint and a static Lambda Runtime Interface Emulator;
#   - moto_server (moto[server], pinned) when the machine's Python lacks it.
# Idempotent. Exits non-zero and says what is missing when it cannot finish.
set -euo pipefail
cd "$(dirname "$0")/.."

SAM_CLI_VERSION=1.170.0
MOTO_VERSION=5.2.1
venv="${VENV:-.cache/venv}"

log() { echo "setup-sam: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

py=$(command -v python3 || true)
[ -n "$py" ] || die "python3 not found (apt-get install python3 python3-venv)"

if [ ! -x "$venv/bin/python" ]; then
  log "creating virtualenv $venv"
  "$py" -m venv "$venv" || die "python3 -m venv failed (apt-get install python3-venv?)"
fi

have=$("$venv/bin/sam" --version 2>/dev/null | awk '{print $NF}' || true)
if [ "$have" != "$SAM_CLI_VERSION" ]; then
  log "installing aws-sam-cli==$SAM_CLI_VERSION into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "aws-sam-cli==$SAM_CLI_VERSION" \
    || die "pip install aws-sam-cli==$SAM_CLI_VERSION failed (is PyPI reachable?)"
fi
"$venv/bin/sam" --version >/dev/null || die "sam does not run from $venv"
"$venv/bin/cfn-lint" --version >/dev/null || die "cfn-lint missing from $venv"

if ! command -v moto_server >/dev/null 2>&1 || ! "$py" -c 'import moto.server' 2>/dev/null; then
  if [ ! -x "$venv/bin/moto_server" ]; then
    log "installing moto[server]==$MOTO_VERSION into $venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION" \
      || die "pip install moto[server]==$MOTO_VERSION failed"
  fi
fi
log "ok: $("$venv/bin/sam" --version), cfn-lint $("$venv/bin/cfn-lint" --version | awk '{print $NF}')"
