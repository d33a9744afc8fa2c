#!/usr/bin/env bash
# Installs the Docker engine (Debian's docker.io) and busybox-static, and
# starts dockerd in the background when it is not already answering.
# Idempotent; needs root on Debian. Exits non-zero and says what is missing
# when it cannot finish.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup-docker: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
# busybox-static: a static /bin/busybox (ldd fails on static executables).
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then need_pkgs+=(busybox-static); fi

if [ ${#need_pkgs[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing ${need_pkgs[*]} and not root: install them with apt-get"
  command -v apt-get >/dev/null || die "missing ${need_pkgs[*]} and no apt-get on this machine"
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null \
    || die "apt-get install ${need_pkgs[*]} failed"
fi
command -v dockerd >/dev/null || die "dockerd not found after installing docker.io"

if docker info >/dev/null 2>&1; then
  log "docker engine already running"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "docker engine not running and not root: start dockerd"
mkdir -p .cache
log "starting dockerd (log: .cache/dockerd.log)"
# setsid: the daemon outlives this script and any make/CI process group.
setsid dockerd >.cache/dockerd.log 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "docker engine ready ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
tail -n 30 .cache/dockerd.log >&2 || true
die "dockerd did not become ready in 60s (see .cache/dockerd.log)"
