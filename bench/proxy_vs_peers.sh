#!/usr/bin/env bash
# proxy_vs_peers.sh: cachingproxy against nginx (proxy_pass), varnish and squid, all four as
# non-caching reverse proxies in front of one nginx origin, side by side in the same run, all
# on loopback. wrk drives each proxy in turn (servers alternated, rotated every repeat) for
# 1 KiB and 16 KiB objects at 10, 100 and 1000 connections; the table shows the medians of
# req/s, p50 and p99 latency (wrk --latency) and each proxy's CPU time per request (user+sys
# of all its processes and threads from /proc/PID/stat, before and after the run, divided by
# the requests wrk completed), with ratios to nginx.
#   bench/proxy_vs_peers.sh                 # 3 repeats, 5 s runs, 10/100/1000 connections
#   QUICK=1 bench/proxy_vs_peers.sh         # 1 repeat, 3 s runs, 10/100 connections
# Env: REPEATS, DURATION (wrk -d), CONNS ("10 100 1000"), PROXY_CPU (0), LOAD_CPU (1: wrk and
# the origin). Every proxy gets one worker on PROXY_CPU and writes an access log to a file;
# none caches (nginx without proxy_cache, varnish return (pass), squid cache deny all); all
# keep connections to the origin alive (nginx and cachingproxy keep up to 1024 idle).
# Target: cachingproxy >= 1.0x nginx's req/s, <= nginx's p99 and CPU/request in every cell.
set -euo pipefail
source "$(dirname "$0")/common.sh"

# need_peers installs the peers, then stops any daemon their packages started (policy-rc.d
# may or may not have prevented it), so no system service holds a port.
need_peers() {
  local had_varnish had_squid
  had_varnish=$(command -v varnishd || true)
  had_squid=$(command -v squid || true)
  need_packages nginx varnish squid wrk curl python3
  if [ -z "$had_varnish" ] || [ -z "$had_squid" ]; then
    for svc in varnish varnishncsa squid nginx; do
      service "$svc" stop >/dev/null 2>&1 || true
      command -v systemctl >/dev/null && systemctl disable --now "$svc" >/dev/null 2>&1 || true
    done
  fi
}
need_peers
build_opt //proxy:cachingproxy

if [ "${QUICK:-0}" = 1 ]; then
  REPEATS=${REPEATS:-1}; DURATION=${DURATION:-3s}; CONNS=${CONNS:-"10 100"}
else
  REPEATS=${REPEATS:-3}; DURATION=${DURATION:-5s}; CONNS=${CONNS:-"10 100 1000"}
fi
SIZES="1024 16384"
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
SERVERS="nginx cachingproxy varnish squid"
CACHINGPROXY="$ROOT/bazel-bin/proxy/cachingproxy"
TICKS=$(getconf CLK_TCK)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d)
chmod 755 "$WORK"
declare -A PID PORT
STARTED=()

cleanup() {
  local p
  for p in "${STARTED[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${STARTED[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME CPU CMD... starts a server in the background pinned to CPU.
start() {
  local name=$1 cpu=$2
  shift 2
  taskset -c "$cpu" "$@" >"$WORK/$name.out" 2>&1 &
  PID[$name]=$!
  STARTED+=("$!")
}

wait_port() {  # wait_port NAME PORT: until something accepts on 127.0.0.1:PORT
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    kill -0 "${PID[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: $1 did not start:" >&2
  cat "$WORK/$1.out" "$WORK/$1"/*.log 2>/dev/null | tail -20 >&2
  exit 1
}

# nginx_conf DIR BODY writes a standalone nginx.conf (one worker, its own temp dirs) whose
# http block is BODY.
nginx_conf() {
  local dir=$1 body=$2
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 65536;
$( [ "$(id -u)" -eq 0 ] && echo "user root root;" )
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16384; }
http {
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  $body
}
EOF
}

# --- the origin and the four proxies ----------------------------------------------------------
mkdir -p "$WORK/www"
for size in $SIZES; do head -c "$size" /dev/urandom >"$WORK/www/$size.bin"; done
PORT[origin]=$(free_port)
nginx_conf "$WORK/origin" "access_log off;
  sendfile on;
  server { listen 127.0.0.1:${PORT[origin]}; root $WORK/www; }"
start origin "$LOAD_CPU" nginx -p "$WORK/origin" -c "$WORK/origin/nginx.conf"
wait_port origin "${PORT[origin]}"

PORT[nginx]=$(free_port)
nginx_conf "$WORK/nginx" "access_log $WORK/nginx/access.log;
  upstream origin { server 127.0.0.1:${PORT[origin]}; keepalive 1024; }
  server {
    listen 127.0.0.1:${PORT[nginx]};
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }"
start nginx "$PROXY_CPU" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"

PORT[cachingproxy]=$(free_port)
mkdir -p "$WORK/cachingproxy"
start cachingproxy "$PROXY_CPU" "$CACHINGPROXY" --listen="127.0.0.1:${PORT[cachingproxy]}" \
  --upstream="127.0.0.1:${PORT[origin]}" --workers=1 --resolver=numeric \
  --upstream_pool_size=1024 --max_connections=20000 --shutdown_grace=1s \
  --access_log="$WORK/cachingproxy/access.log"

PORT[varnish]=$(free_port)
mkdir -p "$WORK/varnish"
cat >"$WORK/varnish/default.vcl" <<EOF
vcl 4.1;
backend origin { .host = "127.0.0.1"; .port = "${PORT[origin]}"; }
sub vcl_recv { return (pass); }
EOF
start varnish "$PROXY_CPU" varnishd -F -j none -n "$WORK/varnish/n" -T none \
  -a "127.0.0.1:${PORT[varnish]}" -f "$WORK/varnish/default.vcl" -s malloc,32m \
  -p thread_pools=1 -p thread_pool_min=50 -p thread_pool_max=2000

PORT[squid]=$(free_port)
mkdir -p "$WORK/squid"
cat >"$WORK/squid/squid.conf" <<EOF
http_port 127.0.0.1:${PORT[squid]} accel defaultsite=127.0.0.1 no-vhost
cache_peer 127.0.0.1 parent ${PORT[origin]} 0 no-query no-digest originserver name=origin
cache_peer_access origin allow all
http_access allow all
cache deny all
cache_mem 8 MB
workers 1
max_filedescriptors 65536
visible_hostname localhost
pid_filename $WORK/squid/squid.pid
cache_log $WORK/squid/cache.log
access_log stdio:$WORK/squid/access.log
coredump_dir $WORK/squid
pinger_enable off
shutdown_lifetime 0 seconds
EOF
[ "$(id -u)" -eq 0 ] && chown -R proxy:proxy "$WORK/squid" 2>/dev/null || true
start squid "$PROXY_CPU" squid -N -f "$WORK/squid/squid.conf"

for s in $SERVERS; do wait_port "$s" "${PORT[$s]}"; done
for s in $SERVERS; do
  for size in $SIZES; do
    got=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' \
      "http://127.0.0.1:${PORT[$s]}/$size.bin" || true)
    if [ "$got" != "200 $size" ]; then
      echo "bench: $s answered '$got' for /$size.bin" >&2
      exit 1
    fi
  done
done

# cpu_ticks NAME prints utime+stime (clock ticks) summed over the server's process tree (the
# stat of a process counts all its threads).
cpu_ticks() {
  local pids=("${PID[$1]}") all=() p kids
  while ((${#pids[@]})); do
    p=${pids[0]}
    pids=("${pids[@]:1}")
    all+=("$p")
    kids=$(cat /proc/"$p"/task/*/children 2>/dev/null || true)
    for k in $kids; do pids+=("$k"); done
  done
  for p in "${all[@]}"; do cat "/proc/$p/stat" 2>/dev/null || true; done |
    awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

to_ms() {  # to_ms 1.23ms|456.00us|1.20s → milliseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}

# one_run SERVER SIZE CONNS appends "rps p50_ms p99_ms cpu_us_per_req errors" to its results.
one_run() {
  local s=$1 size=$2 conns=$3 before after out rps p50 p99 reqs errs
  before=$(cpu_ticks "$s")
  out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$conns" -d"$DURATION" --latency \
    "http://127.0.0.1:${PORT[$s]}/$size.bin" 2>&1)
  after=$(cpu_ticks "$s")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  reqs=$(awk '/ requests in / { print $1 }' <<<"$out")
  errs=$(awk '/Non-2xx/ { e += $NF } /Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
              END { print e + 0 }' <<<"$out")
  local line
  line="$rps $p50 $p99 $(awk -v d=$((after - before)) -v t="$TICKS" -v r="$reqs" \
    'BEGIN { printf "%.2f", (r > 0 ? d / t / r * 1e6 : 0) }') $errs"
  echo "    req/s p50 p99 cpu-us/req errors: $line (cpu ticks $before -> $after, $reqs requests)" >&2
  echo "$line" >>"$WORK/res.$s.$size.$conns"
}

median() {  # median FILE COLUMN
  awk -v c="$2" '{ print $c }' "$1" | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "proxy_vs_peers: origin nginx $(nginx -v 2>&1 | sed 's/.*\///'), varnish" \
  "$(varnishd -V 2>&1 | head -1 | sed 's/.*varnish-\([0-9.]*\).*/\1/'), squid" \
  "$(squid -v | head -1 | awk '{ print $NF }'); proxies on cpu $PROXY_CPU, wrk+origin on cpu" \
  "$LOAD_CPU; $REPEATS repeat(s) of $DURATION, medians" >&2
for s in $SERVERS; do  # warm-up
  taskset -c "$LOAD_CPU" wrk -t1 -c10 -d1s "http://127.0.0.1:${PORT[$s]}/1024.bin" >/dev/null 2>&1
done
order=($SERVERS)
for rep in $(seq "$REPEATS"); do
  for size in $SIZES; do
    for conns in $CONNS; do
      for s in "${order[@]}"; do
        echo "  repeat $rep: $s ${size}B c=$conns" >&2
        one_run "$s" "$size" "$conns"
      done
      order=("${order[@]:1}" "${order[0]}")  # rotate: nobody always goes first
    done
  done
done

printf "\n%-6s %5s  %-12s %9s %8s %8s %9s %6s  %6s %6s %6s\n" size conns server "req/s" \
  "p50 ms" "p99 ms" "cpu us/r" errors "x rps" "x p99" "x cpu"
for size in $SIZES; do
  for conns in $CONNS; do
    base="$WORK/res.nginx.$size.$conns"
    n_rps=$(median "$base" 1); n_p99=$(median "$base" 3); n_cpu=$(median "$base" 4)
    for s in $SERVERS; do
      f="$WORK/res.$s.$size.$conns"
      rps=$(median "$f" 1); p99=$(median "$f" 3); cpu=$(median "$f" 4)
      printf "%-6s %5s  %-12s %9.0f %8.3f %8.3f %9.2f %6s  %6s %6s %6s\n" "$size" "$conns" "$s" \
        "$rps" "$(median "$f" 2)" "$p99" "$cpu" "$(awk '{ e += $5 } END { print e + 0 }' "$f")" \
        "$(ratio "$rps" "$n_rps")" "$(ratio "$p99" "$n_p99")" "$(ratio "$cpu" "$n_cpu")"
    done
  done
done
echo "(x = ratio to nginx: target for cachingproxy x rps >= 1.00, x p99 <= 1.00, x cpu <= 1.00)"
