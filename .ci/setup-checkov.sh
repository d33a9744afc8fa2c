#!/usr/bin/env bash
# Installs checkov (pinned), the infrastructure-as-code security scanner, into
# its own virtualenv .cache/checkov-venv (git-ignored; its dependencies do not
# mix with SAM CLI's). Idempotent. Exits non-zero and says what is missing
# when it cannot finish.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION=3.3.30
venv="${CHECKOV_VENV:-.cache/checkov-venv}"

log() { echo "setup-checkov: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

py=$(command -v python3 || true)
[ -n "$py" ] || die "python3 not found (apt-get install python3 python3-venv)"
if [ ! -x "$venv/bin/python" ]; then
  log "creating virtualenv $venv"
  "$py" -m venv "$venv" || die "python3 -m venv failed (apt-get install python3-venv?)"
fi
have=$("$venv/bin/checkov" --version 2>/dev/null || true)
if [ "$have" != "$CHECKOV_VERSION" ]; then
  log "installing checkov==$CHECKOV_VERSION into $venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "checkov==$CHECKOV_VERSION" \
    || die "pip install checkov==$CHECKOV_VERSION failed (is PyPI reachable?)"
fi
[ "$("$venv/bin/checkov" --version)" = "$CHECKOV_VERSION" ] || die "checkov does not run from $venv"
log "ok: checkov $CHECKOV_VERSION"
