#!/usr/bin/env bash
# nslookup_vs_dig.sh: wall time of N lookups (one process per lookup) with mini-nslookup and
# with BIND's dig, in the same run, against nsd serving testdata/dns/zones on 127.0.0.2 (its own
# config and state in a temp dir, stopped on exit). Both tools query the same names and types:
#   mini-nslookup -port=P -type=T NAME 127.0.0.2      dig @127.0.0.2 -p P +short NAME T
# Prints seconds and lookups/s of each and the ratio mini/dig (target <= 1.0).
#   bench/nslookup_vs_dig.sh [LOOKUPS=200]
set -euo pipefail
source "$(dirname "$0")/common.sh"
need_packages nsd dnsutils python3
build_opt //tools/nslookup:mini-nslookup

LOOKUPS=${1:-200}
ADDR=127.0.0.2
MINI="$ROOT/bazel-bin/tools/nslookup/mini-nslookup"
WORK=$(mktemp -d)
NSD_PID=
cleanup() {
  [ -n "$NSD_PID" ] && kill "$NSD_PID" 2>/dev/null && wait "$NSD_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A free UDP+TCP port on ADDR.
PORT=$(python3 -c 'import socket,sys
for _ in range(50):
    t = socket.socket(); t.bind((sys.argv[1], 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind((sys.argv[1], p)); print(p); break
    except OSError: pass' "$ADDR")

cp "$ROOT"/testdata/dns/zones/*.zone "$WORK"/
cat > "$WORK/nsd.conf" <<CONF
server:
  ip-address: $ADDR@$PORT
  do-ip4: yes
  do-ip6: no
  port: $PORT
  username: ""
  chroot: ""
  zonesdir: "$WORK"
  database: ""
  zonelistfile: "$WORK/zone.list"
  xfrdfile: "$WORK/xfrd.state"
  xfrdir: "$WORK"
  pidfile: "$WORK/nsd.pid"
  logfile: "$WORK/nsd.log"
  server-count: 1
  verbosity: 0
  hide-version: yes
  round-robin: no
  minimal-responses: no
  rrl-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: "example.test"
  zonefile: "example.test.zone"
zone:
  name: "2.0.192.in-addr.arpa"
  zonefile: "2.0.192.in-addr.arpa.zone"
zone:
  name: "8.b.d.0.1.0.0.2.ip6.arpa"
  zonefile: "8.b.d.0.1.0.0.2.ip6.arpa.zone"
CONF
nsd -c "$WORK/nsd.conf" -d > "$WORK/nsd.stdout" 2>&1 &
NSD_PID=$!
for _ in $(seq 100); do
  if dig +time=1 +tries=1 @"$ADDR" -p "$PORT" +short example.test SOA > /dev/null 2>&1; then break; fi
  sleep 0.05
done
dig +time=1 +tries=1 @"$ADDR" -p "$PORT" +short example.test SOA | grep -q . || {
  echo "bench: nsd did not start on $ADDR#$PORT" >&2; cat "$WORK/nsd.stdout" >&2; exit 1; }

# The mix: NAME TYPE, cycled to LOOKUPS lookups.
MIX=(
  "host.example.test A" "host.example.test AAAA" "www.example.test A" "example.test MX"
  "example.test NS" "txt.example.test TXT" "example.test SOA" "_sip._tcp.example.test SRV"
  "example.test CAA" "10.2.0.192.in-addr.arpa PTR" "foo.wild.example.test A"
  "nx.example.test A"
)

# timed TOOL → seconds for LOOKUPS lookups, one process each.
timed() {
  local tool=$1 start end i name type
  start=$(now_s)
  for ((i = 0; i < LOOKUPS; i++)); do
    read -r name type <<< "${MIX[i % ${#MIX[@]}]}"
    if [ "$tool" = mini ]; then
      "$MINI" -port="$PORT" -type="$type" "$name" "$ADDR" > /dev/null || true
    else
      dig @"$ADDR" -p "$PORT" +short "$name" "$type" > /dev/null || true
    fi
  done
  end=$(now_s)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }'
}

timed mini > /dev/null; timed dig > /dev/null  # warm the page cache (binaries, libraries)
dig_s=$(timed dig)
mini_s=$(timed mini)
echo "nslookup_vs_dig: $LOOKUPS lookups (${#MIX[@]}-query mix), one process each, nsd on $ADDR#$PORT"
printf "  %-16s %8s s  %8s lookups/s\n" \
  "dig +short" "$dig_s" "$(awk -v n="$LOOKUPS" -v t="$dig_s" 'BEGIN { printf "%.0f", n / t }')" \
  "mini-nslookup" "$mini_s" "$(awk -v n="$LOOKUPS" -v t="$mini_s" 'BEGIN { printf "%.0f", n / t }')"
echo "  ratio mini-nslookup / dig (time): $(ratio "$mini_s" "$dig_s")  (target <= 1.0)"
