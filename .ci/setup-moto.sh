#!/usr/bin/env bash
# Installs moto_server (a DynamoDB-compatible server for the store tests),
# idempotently. It is usually there already in the machine's Python.
set -euo pipefail
if command -v moto_server >/dev/null 2>&1; then
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check 'moto[server]' || {
  echo "setup-moto: could not install moto[server] from PyPI; the DynamoDB tests need moto_server" >&2
  exit 1
}
hash -r
command -v moto_server >/dev/null 2>&1 || {
  echo "setup-moto: moto_server is still not on PATH after installing moto[server] (check python3's scripts directory)" >&2
  exit 1
}
