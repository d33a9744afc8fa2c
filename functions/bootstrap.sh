#!/bin/sh
# Entry point of every infocentre function on the provided.al2023 runtime:
# starts the Go binary built for this machine (functions/Makefile packs one
# per Lambda architecture: bootstrap.aarch64, bootstrap.x86_64).
machine=$(uname -m)
bin="$(dirname "$0")/bootstrap.$machine"
if [ ! -x "$bin" ]; then
  echo "bootstrap: this package has no binary for $machine (built with LAMBDA_ARCH for another architecture?); rebuild with functions/Makefile" >&2
  exit 1
fi
exec "$bin" "$@"
