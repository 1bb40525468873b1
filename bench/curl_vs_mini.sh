#!/usr/bin/env bash
# curl_vs_mini.sh: curl 7.88.1 vs mini-curl against one nginx on loopback, in the same run.
#   1. a SIZE_MIB file (default 1 GiB) downloaded to /dev/null, MB/s, with `cat FILE > /dev/null`
#      and `cat FILE | cat > /dev/null` as bounds;
#   2. N small GETs (default 1000) over one keep-alive connection (the same URL list given to
#      both tools), requests/s.
# The two tools take turns for ROUNDS rounds; printed are best and median of each and the
# ratios (of the bests, and the median of the per-round ratios).
# Each tool first fetches both URLs once with -f and must get every byte, so a failing server
# (e.g. a 403) cannot pass for a fast download.
#   bench/curl_vs_mini.sh [SIZE_MIB=1024] [ROUNDS=3] [N=1000]
set -euo pipefail
source "$(dirname "$0")/common.sh"
need_packages nginx curl python3
build_opt //tools/curl:mini-curl

SIZE_MIB=${1:-1024}
ROUNDS=${2:-3}
N=${3:-1000}
MINI="$ROOT/bazel-bin/tools/curl/mini-curl"
CURL="$(command -v curl)"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

DIR="$(mktemp -d)"
chmod 755 "$DIR"  # nginx's worker runs as nobody and must read www/
NGINX_PID=""
cleanup() {
  if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  rm -rf "$DIR"
}
trap cleanup EXIT

mkdir -p "$DIR/www" "$DIR/logs" "$DIR/tmp"
fallocate -l "$((SIZE_MIB * 1024 * 1024))" "$DIR/www/big.bin" 2>/dev/null ||
  head -c "$((SIZE_MIB * 1024 * 1024))" /dev/zero > "$DIR/www/big.bin"
echo "Hello from the benchmark server." > "$DIR/www/small.txt"
PORT=$(free_port)
cat > "$DIR/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/logs/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $DIR/tmp;
  proxy_temp_path $DIR/tmp;
  fastcgi_temp_path $DIR/tmp;
  uwsgi_temp_path $DIR/tmp;
  scgi_temp_path $DIR/tmp;
  sendfile on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$PORT;
    root $DIR/www;
  }
}
CONF
"$NGINX" -p "$DIR" -c "$DIR/nginx.conf" &
NGINX_PID=$!
for _ in $(seq 200); do
  if ss -ltn "sport = :$PORT" | grep -q LISTEN; then break; fi
  sleep 0.02
done

# seconds CMD... → elapsed seconds of CMD.
seconds() {
  local start end
  start=$(now_s)
  "$@"
  end=$(now_s)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }'
}

# rate AMOUNT CMD... → AMOUNT / seconds of one run of CMD (MB or requests per second).
rate() {
  local amount=$1 t
  shift
  t=$(seconds "$@")
  awk -v a="$amount" -v t="$t" 'BEGIN { printf "%.1f", a / t }'
}

# best AMOUNT CMD... → "BEST MEDIAN" of rate AMOUNT CMD over ROUNDS.
best() {
  local rates=()
  for _ in $(seq "$ROUNDS"); do rates+=("$(rate "$@")"); done
  best_median "${rates[@]}"
}

# check TOOL URL BYTES: TOOL -f fetches URL and reports exactly BYTES downloaded.
check() {
  local got
  got=$("$1" -sf -o /dev/null -w '%{size_download}' "$2") || {
    echo "bench: $1 failed on $2" >&2
    exit 1
  }
  [ "$got" = "$3" ] || {
    echo "bench: $1 got $got bytes of $2, want $3" >&2
    exit 1
  }
}
MB=$(awk -v m="$SIZE_MIB" 'BEGIN { print m * 1.048576 }')

URL="http://127.0.0.1:$PORT/big.bin"
cat_file() { cat "$DIR/www/big.bin" > /dev/null; }
cat_pipe() { cat "$DIR/www/big.bin" | cat > /dev/null; }
cat_file  # warm the page cache
for tool in "$CURL" "$MINI"; do
  check "$tool" "$URL" "$((SIZE_MIB * 1024 * 1024))"
  check "$tool" "http://127.0.0.1:$PORT/small.txt" 33
done
curl_big() { rate "$MB" "$CURL" -s -o /dev/null "$URL"; }
mini_big() { rate "$MB" "$MINI" -s -o /dev/null "$URL"; }
read -r -a dl <<< "$(interleave "$ROUNDS" curl_big mini_big)"
cat_mbs=$(best "$MB" cat_file)
pipe_mbs=$(best "$MB" cat_pipe)

URLS=()
for _ in $(seq "$N"); do URLS+=("http://127.0.0.1:$PORT/small.txt"); done
curl_get_all() { "$CURL" -s "${URLS[@]}" > /dev/null; }
mini_get_all() { "$MINI" -s "${URLS[@]}" > /dev/null; }
curl_many() { rate "$N" curl_get_all; }
mini_many() { rate "$N" mini_get_all; }
read -r -a many <<< "$(interleave "$ROUNDS" curl_many mini_many)"

# line LABEL BEST MEDIAN UNIT
line() { printf "    %-34s %10s %10s %s\n" "$@"; }

echo "curl_vs_mini: nginx on 127.0.0.1:$PORT, $ROUNDS rounds, the two tools alternating (best, median)"
echo "  ${SIZE_MIB} MiB download to /dev/null:"
line "curl ($("$CURL" --version | head -1 | cut -d' ' -f1-2))" "${dl[0]}" "${dl[1]}" MB/s
line "mini-curl" "${dl[2]}" "${dl[3]}" MB/s
line "bound: cat FILE > /dev/null" $cat_mbs MB/s
line "bound: cat FILE | cat > /dev/null" $pipe_mbs MB/s
echo "    ratio mini-curl / curl: best $(ratio "${dl[2]}" "${dl[0]}"), median of rounds ${dl[4]}" \
  " (target >= 1.3)"
echo "  $N small GETs over one keep-alive connection:"
line "curl" "${many[0]}" "${many[1]}" req/s
line "mini-curl" "${many[2]}" "${many[3]}" req/s
echo "    ratio mini-curl / curl: best $(ratio "${many[2]}" "${many[0]}"), median of rounds ${many[4]}"
