#!/usr/bin/env bash
# The public site against the speed limit: warm home and entry pages of the
# demo site served by `infocentre serve` on the embedded store, side by
# side with nginx serving the very same bytes from files, under the same
# load generator (wrk), concurrency and duration, in one run on this
# machine, on loopback only.
#
# Both servers send the gzip-encoded page (the load generator asks for
# gzip, as browsers do); nginx serves the bytes infocentre sent, fetched
# first, with access logs off on both sides (infocentre logs at warn).
# Prints requests per second, the ratio to nginx and the p99 latency per
# page, and the CPU time each server spent per request (user and system,
# of all its processes, from /proc): on a machine shared with other work
# the throughput of both moves with the load, the CPU time per request far
# less. BENCH_HTTP_SECONDS (default 5) per run, BENCH_HTTP_ROUNDS (default
# 3) alternating runs per server and page, BENCH_HTTP_CONNECTIONS (default
# 32). Results: test-artifacts/bench-http/.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "bench-http: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

bash .ci/setup-bench-http.sh
nginx=$(command -v nginx || echo /usr/sbin/nginx)
secs=${BENCH_HTTP_SECONDS:-5}
rounds=${BENCH_HTTP_ROUNDS:-3}
conns=${BENCH_HTTP_CONNECTIONS:-32}
threads=2

out=test-artifacts/bench-http
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_up() { # wait_up URL
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

go build -o "$work/infocentre" ./cmd/infocentre
app_port=$(free_port)
LOG_LEVEL=warn INFOCENTRE_OWNER_EMAIL=bench@localhost "$work/infocentre" serve --addr "127.0.0.1:$app_port" --data "$work/data" \
  >"$out/serve.log" 2>&1 &
pids+=($!)
app_pid=$!
wait_up "http://127.0.0.1:$app_port/sites/demo/" || die "infocentre serve did not answer (see $out/serve.log)"

declare -A path=([home]=/sites/demo/ [entry]=/sites/demo/en/keep-cancer-care-going/)
pages=(home entry)
mkdir -p "$work/www"
chmod 755 "$work/www"
for p in "${pages[@]}"; do
  code=$(curl -sS -H 'Accept-Encoding: gzip' -D "$out/$p.headers" -o "$work/www/$p.gz" -w '%{http_code}' "http://127.0.0.1:$app_port${path[$p]}")
  [ "$code" = 200 ] || die "$p: infocentre answered $code, not 200"
  grep -qi '^content-encoding: gzip' "$out/$p.headers" || die "$p: infocentre did not send gzip"
  chmod 644 "$work/www/$p.gz"
done

ng_port=$(free_port)
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
user root;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$ng_port;
    root $work/www;
    default_type "text/html; charset=utf-8";
    add_header Content-Encoding gzip;
    add_header Vary Accept-Encoding;
    location = ${path[home]} { try_files /home.gz =404; }
    location = ${path[entry]} { try_files /entry.gz =404; }
  }
}
CONF
"$nginx" -c "$work/nginx.conf" -p "$work" -g 'daemon off;' >"$out/nginx.log" 2>&1 &
pids+=($!)
ng_pid=$!
wait_up "http://127.0.0.1:$ng_port${path[home]}" || die "nginx did not answer (see $out/nginx.log)"

# The same bytes from both.
for p in "${pages[@]}"; do
  a=$(curl -fsS -H 'Accept-Encoding: gzip' "http://127.0.0.1:$app_port${path[$p]}" | sha256sum)
  b=$(curl -fsS -H 'Accept-Encoding: gzip' "http://127.0.0.1:$ng_port${path[$p]}" | sha256sum)
  [ "$a" = "$b" ] || die "$p: nginx does not serve the bytes infocentre serves"
done

# cpu_ticks PID: the user and system clock ticks of PID and its children
# (nginx's workers) so far.
cpu_ticks() {
  local t=0 p
  for p in "$1" $(ps -o pid= --ppid "$1"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
hz=$(getconf CLK_TCK)

run() { # run NAME URL PID -> "req_per_s p99_ms cpu_us_per_request"
  local f="$out/wrk-$1.txt" t0 t1
  t0=$(cpu_ticks "$3")
  wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -H 'Accept-Encoding: gzip' "$2" >"$f" 2>&1 || die "wrk $1 failed (see $f)"
  t1=$(cpu_ticks "$3")
  awk -v ticks=$((t1 - t0)) -v hz="$hz" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec:/ { rps = $2 }
    / requests in / { n = $1 }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.2f %.1f\n", rps, p99, (n > 0) ? ticks * 1e6 / hz / n : 0 }' "$f"
}

# The machine is shared: runs alternate between the two servers, round
# after round, and each figure is the median of its rounds, so that a
# burst of other work weighs on both sides alike.
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
{
  printf 'page\tbytes\tnginx_req_s\tnginx_p99_ms\tnginx_cpu_us\tinfocentre_req_s\tinfocentre_p99_ms\tinfocentre_cpu_us\tratio\tcpu_ratio\n'
  for p in "${pages[@]}"; do
    : >"$work/n-$p" && : >"$work/i-$p"
    for round in $(seq 1 "$rounds"); do
      run "nginx-$p-$round" "http://127.0.0.1:$ng_port${path[$p]}" "$ng_pid" >>"$work/n-$p"
      run "infocentre-$p-$round" "http://127.0.0.1:$app_port${path[$p]}" "$app_pid" >>"$work/i-$p"
    done
    nr=$(cut -d' ' -f1 "$work/n-$p" | median) np=$(cut -d' ' -f2 "$work/n-$p" | median) nc=$(cut -d' ' -f3 "$work/n-$p" | median)
    ir=$(cut -d' ' -f1 "$work/i-$p" | median) ip=$(cut -d' ' -f2 "$work/i-$p" | median) ic=$(cut -d' ' -f3 "$work/i-$p" | median)
    # cpu_ratio: nginx's CPU time per request over infocentre's, the
    # throughput ratio both would reach if CPU time were all they lacked.
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$(stat -c %s "$work/www/$p.gz")" "$nr" "$np" "$nc" "$ir" "$ip" "$ic" \
      "$(awk -v a="$ir" -v b="$nr" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')" \
      "$(awk -v a="$nc" -v b="$ic" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')"
  done
} >"$out/bench-http.tsv"
log "$threads wrk threads, $conns connections, $rounds alternating rounds of ${secs}s per server and page (medians), $(nproc) CPUs, load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
column -t -s $'\t' "$out/bench-http.tsv"

# The floor under infocentre: a bare net/http handler sending the very
# headers and bytes of the cached page, in the same server, against the
# cached page itself (CPU time per request; fails above 1.3×).
log "cached page against a bare net/http handler (TestReportServeFloor)"
floor=ok
FLOOR_REPORT=1 go test -count=1 -run 'TestReportServeFloor' -v ./internal/app >"$out/floor.txt" 2>&1 || floor=failed
grep -E 'CPU per request|CPU time per request' "$out/floor.txt" | sed 's/^ *floor_test.go:[0-9]*: //' || true
[ "$floor" = ok ] || die "TestReportServeFloor failed (see $out/floor.txt)"
