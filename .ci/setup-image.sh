#!/usr/bin/env bash
# Builds, locally and without pulling anything, the stand-in for the Lambda
# base image public.ecr.aws/lambda/provided:al2023-<arch> that `sam local`
# starts functions in: FROM scratch, a static busybox for the shell commands
# SAM runs while layering its emulator on top, and the static Lambda Runtime
# Interface Emulator (RIE) as entry point. Enough for a static Go bootstrap.
#
# Idempotent: the image is rebuilt only when its inputs changed (label
# infocentre.inputs holds their digest). Needs a running docker engine
# (.ci/setup-docker.sh) and the RIE (.ci/setup-sam.sh puts SAM's copy in
# the virtualenv; otherwise it is built from the Go module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "setup-image: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$(uname -m)" in
  x86_64|amd64) arch=x86_64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) die "unsupported machine architecture $(uname -m)" ;;
esac
image="${LAMBDA_BASE_IMAGE:-public.ecr.aws/lambda/provided:al2023-$arch}"
venv="${VENV:-.cache/venv}"
rie_version=v0.0.0-20261030222936-bef5c4ba774d

is_static() { [ -x "$1" ] && ! ldd "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || die "docker engine not running (run .ci/setup-docker.sh)"
is_static /bin/busybox || die "static /bin/busybox missing (apt-get install busybox-static)"

# The RIE: SAM CLI ships a static build; fall back to building one.
rie=$(ls "$venv"/lib/python3*/site-packages/samcli/local/rapid/aws-lambda-rie-"$arch" 2>/dev/null | head -n1 || true)
if ! is_static "${rie:-/nonexistent}"; then
  rie=.cache/bin/aws-lambda-rie
  if ! is_static "$rie"; then
    command -v go >/dev/null || die "no RIE in $venv and no go toolchain to build one"
    log "building aws-lambda-rie $rie_version"
    mkdir -p .cache/bin
    GOBIN="$PWD/.cache/bin" CGO_ENABLED=0 go install \
      "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$rie_version" \
      || die "go install aws-lambda-rie failed"
  fi
  is_static "$rie" || die "$rie is not a static executable"
fi

ctx=.cache/lambda-image
rm -rf "$ctx"
mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/var/rapid" "$ctx/rootfs/var/task" \
  "$ctx/rootfs/var/runtime" "$ctx/rootfs/opt" "$ctx/rootfs/tmp" "$ctx/rootfs/etc"
chmod 1777 "$ctx/rootfs/tmp"
cp /bin/busybox "$ctx/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$ctx/rootfs/bin/$applet"
done
cp "$rie" "$ctx/rootfs/var/rapid/aws-lambda-rie"
chmod 0755 "$ctx/rootfs/var/rapid/aws-lambda-rie"
printf 'root:x:0:0:root:/root:/bin/sh\nsbx_user1051:x:993:990::/home/sbx_user1051:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$ctx/rootfs/etc/group"
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
# Stand-in for the Lambda provided.al2023 base image, built locally.
FROM scratch
COPY rootfs/ /
ENV PATH=/bin LANG=C.UTF-8 TZ=:/etc/localtime LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime
WORKDIR /var/task
ENTRYPOINT ["/var/rapid/aws-lambda-rie"]
DOCKERFILE

digest=$( (cat "$ctx/Dockerfile"; sha256sum /bin/busybox "$rie" | cut -d' ' -f1) | sha256sum | cut -c1-16)
have=$(docker image inspect --format '{{index .Config.Labels "infocentre.inputs"}}' "$image" 2>/dev/null || true)
if [ "$have" = "$digest" ]; then
  log "$image is up to date"
  exit 0
fi
log "building $image"
# The legacy builder: no buildx plugin is needed, and it is what SAM uses too.
if ! DOCKER_BUILDKIT=0 docker build --label "infocentre.inputs=$digest" -t "$image" "$ctx" >"$ctx/build.log" 2>&1; then
  cat "$ctx/build.log" >&2
  die "docker build of $image failed"
fi
# An image built FROM scratch must never make SAM try to pull a newer one:
# callers pass --skip-pull-image as well.
log "built $image ($(docker image inspect --format '{{.Size}}' "$image") bytes)"
