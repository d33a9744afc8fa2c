#!/usr/bin/env bash
# Installs the Standard Webhooks reference library (PyPI standardwebhooks,
# pinned) into .cache/webhooks-venv, idempotently. internal/webhook's tests
# verify every signature with it: an implementation independent of ours.
set -euo pipefail
cd "$(dirname "$0")/.."
want=1.1.0
venv=.cache/webhooks-venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('standardwebhooks') != '$want')" 2>/dev/null; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "standardwebhooks==$want" || {
  echo "setup-standardwebhooks: could not install standardwebhooks==$want from PyPI" >&2
  exit 1
}
