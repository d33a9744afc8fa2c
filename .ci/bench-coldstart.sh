#!/usr/bin/env bash
# Size and cold start of each Lambda function next to a minimal hello-world
# Go function built the same way (internal/bench/hello).
#
# Each function is built for this machine (linux, CGO off, the tags of
# functions/Makefile: lambda.norpc,lambda,nethttpomithttp2 and publicfn for public,
# -ldflags "-s -w", -trimpath), written out as unpacking a deployment
# writes it (see the build loop), then run under the Lambda Runtime Interface
# Emulator (RIE) on loopback, with the DynamoDB store on a moto_server on
# loopback. Cold start = from the first invocation request, which makes the
# RIE start the bootstrap process, to its response: process start, Go
# runtime and app initialisation, and the first request. Each function is
# started cold BENCH_RUNS times (default 21) in this one run, the functions
# in turn, and the median is reported; ratios are against hello. Results: test-artifacts/bench/.
# Last, the budgets of issue 16 with PASS or FAIL: the public function
# built as deployed (arm64) at most 12 MiB, and its cold start at most
# 1.2x the hello-world's; and, for reference, the cold start of hello with
# only a DynamoDB client made at start (internal/bench/hellodynamodb): what
# the SDK alone adds to hello.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log() { echo "bench-coldstart: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bash .ci/setup-sam.sh >/dev/null
venv=$(realpath -m "${VENV:-.cache/venv}")
case "$(uname -m)" in
  x86_64|amd64) arch=x86_64 goarch=amd64 ;;
  aarch64|arm64) arch=arm64 goarch=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac
rie=$(ls "$venv"/lib/python3*/site-packages/samcli/local/rapid/aws-lambda-rie-"$arch" 2>/dev/null | head -n1 || true)
[ -x "${rie:-}" ] || die "no Lambda RIE in $venv (run .ci/setup-sam.sh)"
rie=$(realpath "$rie")
moto=$(command -v moto_server || echo "$venv/bin/moto_server")
[ -x "$moto" ] || die "moto_server not found"

out=test-artifacts/bench
bin=.cache/bench
rm -rf "$out" "$bin"
mkdir -p "$out" "$bin"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

declare -A pkg=(
  [hello]=./internal/bench/hello
  [hellodynamodb]=./internal/bench/hellodynamodb
  [public]=./functions/public
  [admin]=./functions/admin
  [authorizer]=./functions/authorizer
  [publisher]=./functions/publisher
)
declare -A event=(
  [hello]=testdata/apigw/get-healthz.json
  [hellodynamodb]=testdata/apigw/get-healthz.json
  [public]=testdata/apigw/get-healthz.json
  [admin]=testdata/apigw/get-admin-whoami.json
  [authorizer]=testdata/apigw/authorizer-request.json
  [publisher]=testdata/eventbridge-scheduled.json
)
order=(hello hellodynamodb public admin authorizer publisher)
# BENCH_FUNCS narrows the run (hello and hellodynamodb are always measured,
# as the references).
if [ -n "${BENCH_FUNCS:-}" ]; then
  read -ra order <<<"hello hellodynamodb $(echo " $BENCH_FUNCS " | sed -e 's/ hellodynamodb / /g' -e 's/ hello / /g')"
fi
# Extra build tags, as functions/Makefile builds each function.
declare -A tags=([public]=,publicfn [authorizer]=,publicfn)

# Each binary is then written out again with plain sequential writes, as
# unpacking a deployment zip writes it. The linker writes its output
# through a shared memory mapping, and a file written that way starts
# slower from the page cache: on this machine's ext4, the same 12 MB
# binary took 0.2-0.3 ms longer to its first response than a copy of it
# (hello 0.1-0.2 ms), with as many page faults, each costlier. Neither
# way is Lambda's (which reads the binary from its own disk), but the
# linker's penalised the larger binaries the most.
for name in "${order[@]}"; do
  mkdir -p "$bin/$name"
  CGO_ENABLED=0 GOOS=linux GOARCH=$goarch go build -tags "lambda.norpc,lambda,nethttpomithttp2${tags[$name]:-}" -ldflags "-s -w" -trimpath \
    -buildvcs=false -o "$bin/$name/linked" "${pkg[$name]}"
  cat "$bin/$name/linked" >"$bin/$name/bootstrap"
  chmod 755 "$bin/$name/bootstrap"
  rm "$bin/$name/linked"
done

export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
moto_port=$(free_port)
"$moto" -H 127.0.0.1 -p "$moto_port" >"$out/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -fsS -o /dev/null "http://127.0.0.1:$moto_port/moto-api/" 2>/dev/null && break; sleep 0.5; done
export DYNAMODB_TABLE=infocentre-bench DYNAMODB_ENDPOINT="http://127.0.0.1:$moto_port"
export CURSOR_SECRET=bench-cursor-secret-0123456789abcdef LOG_LEVEL=error STAGE=bench
go build -o .cache/bin/infocentre ./cmd/infocentre
.cache/bin/infocentre table create >"$out/table.log" 2>&1 || die "table create failed (see $out/table.log)"

# One cold start: start the RIE, wait until it listens, time the first
# invocation (curl's own clock: request sent to response read), then one
# warm invocation; stop the RIE.
coldstart() { # coldstart NAME RUN -> prints "cold_ms warm_ms"
  local name=$1 run=$2 port api rie_pid up url cold warm
  port=$(free_port)
  api=$(free_port)
  (cd "$bin/$name" && exec "$rie" --log-level error \
    --runtime-interface-emulator-address "127.0.0.1:$port" --runtime-api-address "127.0.0.1:$api" \
    "$root/$bin/$name/bootstrap") >>"$out/rie-$name.log" 2>&1 &
  rie_pid=$!
  pids+=("$rie_pid")
  up=
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then up=1; break; fi
    sleep 0.05
  done
  [ -n "$up" ] || die "$name: the RIE did not listen (see $out/rie-$name.log)"
  url="http://127.0.0.1:$port/2015-03-31/functions/function/invocations"
  cold=$(curl -fsS -o "$out/response-$name.json" -w '%{time_total}' --data-binary "@${event[$name]}" "$url") \
    || die "$name: invocation $run failed (see $out/rie-$name.log)"
  warm=$(curl -fsS -o /dev/null -w '%{time_total}' --data-binary "@${event[$name]}" "$url") \
    || die "$name: warm invocation $run failed"
  kill "$rie_pid" 2>/dev/null || true
  wait "$rie_pid" 2>/dev/null || true
  awk -v c="$cold" -v w="$warm" 'BEGIN{printf "%.2f %.2f\n", c*1000, w*1000}'
}

median() { sort -n | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# Runs alternate between the functions, run after run, so that a change in
# the machine's load weighs on every function alike, not on whichever was
# measured then.
runs=${BENCH_RUNS:-21}
declare -A size cold warm
for name in "${order[@]}"; do
  size[$name]=$(stat -c %s "$bin/$name/bootstrap")
  : >"$out/runs-$name.txt"
done
for run in $(seq 1 "$runs"); do
  for name in "${order[@]}"; do
    coldstart "$name" "$run" >>"$out/runs-$name.txt"
  done
done
for name in "${order[@]}"; do
  cold[$name]=$(cut -d' ' -f1 "$out/runs-$name.txt" | median)
  warm[$name]=$(cut -d' ' -f2 "$out/runs-$name.txt" | median)
done

{
  printf 'function\tbytes\tsize_ratio\tcold_ms_median\tcold_ratio\twarm_ms_median\tresponse\n'
  for name in "${order[@]}"; do
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${size[$name]}" \
      "$(awk -v a="${size[$name]}" -v b="${size[hello]}" 'BEGIN{printf "%.2f", a/b}')" \
      "${cold[$name]}" \
      "$(awk -v a="${cold[$name]}" -v b="${cold[hello]}" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')" \
      "${warm[$name]}" \
      "$(head -c 60 "$out/response-$name.json" | tr '\n\t' '  ')"
  done
} >"$out/coldstart.tsv"
column -t -s $'\t' "$out/coldstart.tsv"

# The budgets, the size on the deployed architecture (template.yaml: arm64).
CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags "lambda.norpc,lambda,nethttpomithttp2,publicfn" -ldflags "-s -w" -trimpath \
  -buildvcs=false -o "$bin/public-arm64" ./functions/public
budget=$((12 << 20))
arm=$(stat -c %s "$bin/public-arm64")
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
{
  printf 'public size (arm64, stripped): %d bytes = %.2f MiB, budget 12 MiB: %s\n' "$arm" \
    "$(awk -v a="$arm" 'BEGIN{printf "%.2f", a/1048576}')" "$(verdict "$([ "$arm" -le "$budget" ] && echo 1)")"
  ratio=$(awk -v a="${cold[public]}" -v b="${cold[hello]}" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')
  printf 'public cold start: %s ms = %sx hello (%s ms), budget 1.2x: %s\n' "${cold[public]}" "$ratio" "${cold[hello]}" \
    "$(verdict "$(awk -v r="$ratio" 'BEGIN{print (r<=1.2)?1:0}')")"
  floor=$(awk -v a="${cold[hellodynamodb]}" -v b="${cold[hello]}" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')
  printf 'for reference, hello with a DynamoDB client (hellodynamodb, the SDK alone): %s ms = %sx hello; public = %sx hellodynamodb\n' \
    "${cold[hellodynamodb]}" "$floor" "$(awk -v a="${cold[public]}" -v b="${cold[hellodynamodb]}" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')"
} | tee "$out/budgets.txt"
