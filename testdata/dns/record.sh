#!/bin/bash
# Re-record the DNS fixtures in testdata/dns/ and the nslookup/dig goldens in
# testdata/golden/{nslookup,dig}/.
#
# Starts nsd (own config, zones from ./zones, all state in a temp dir) on
# 127.0.0.2 port 5300 UDP+TCP, runs capture.py, then runs the real BIND 9
# nslookup and dig against it.  Everything talks to loopback only; if
# `unshare -n` works (root), the whole script re-executes itself in a fresh
# network namespace that has nothing but `lo`, so no packet can leave.
#
# Requirements: nsd (4.x), dnsutils (nslookup, dig), python3, iproute2.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GOLDEN="$HERE/../golden"
ADDR=127.0.0.2
PORT=5300
DEAD_PORT=5398      # nothing listens: UDP gets ICMP port unreachable
BLACKHOLE_PORT=5399 # python socket that reads and never answers
NONAUTH_PORT=5301  # python UDP proxy to nsd that clears AA and sets RA

if [[ -z "${RECORD_IN_NETNS:-}" ]] && unshare -n true 2>/dev/null; then
  export RECORD_IN_NETNS=1
  exec unshare -n bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

TMP="$(mktemp -d /tmp/dnsrec.XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

cp "$HERE"/zones/*.zone "$TMP"/
cat >"$TMP/nsd.conf" <<EOF
server:
  ip-address: $ADDR@$PORT
  do-ip4: yes
  do-ip6: no
  port: $PORT
  username: ""
  chroot: ""
  zonesdir: "$TMP"
  database: ""
  zonelistfile: "$TMP/zone.list"
  xfrdfile: "$TMP/xfrd.state"
  xfrdir: "$TMP"
  pidfile: "$TMP/nsd.pid"
  logfile: "$TMP/nsd.log"
  server-count: 1
  verbosity: 1
  hide-version: yes
  hide-identity: yes
  round-robin: no
  minimal-responses: no
  refuse-any: no
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
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
EOF
nsd-checkconf "$TMP/nsd.conf"
for z in "$TMP"/*.zone; do
  n="$(basename "$z" .zone)"
  nsd-checkzone "$n" "$z"
done

nsd -c "$TMP/nsd.conf" -d >"$TMP/nsd.stdout" 2>&1 &
PIDS+=($!)

# UDP black hole for the timeout golden.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    s.recvfrom(65535)
' "$ADDR" "$BLACKHOLE_PORT" &
PIDS+=($!)

# "Recursive-looking" UDP proxy on NONAUTH_PORT: forwards to nsd and rewrites
# the reply flags AA=0, RA=1, so nslookup prints "Non-authoritative answer:".
python3 -c '
import socket, struct, sys
addr, port, up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    q, peer = s.recvfrom(65535)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    u.sendto(q, (addr, up))
    r, _ = u.recvfrom(65535)
    u.close()
    (fl,) = struct.unpack("!H", r[2:4])
    fl = (fl & ~0x0400) | 0x0080
    s.sendto(r[:2] + struct.pack("!H", fl) + r[4:], peer)
' "$ADDR" "$NONAUTH_PORT" "$PORT" &
PIDS+=($!)

# Wait for nsd to answer.
for _ in $(seq 50); do
  if dig +time=1 +tries=1 @"$ADDR" -p "$PORT" example.test SOA >/dev/null 2>&1; then break; fi
  sleep 0.1
done

echo "== raw captures"
rm -f "$HERE"/*.bin
python3 "$HERE/capture.py" --server "$ADDR" --port "$PORT" --out "$HERE"

# ---------------------------------------------------------------- goldens
NSDIR="$GOLDEN/nslookup"
DIGDIR="$GOLDEN/dig"
mkdir -p "$NSDIR" "$DIGDIR"
rm -f "$NSDIR"/*.txt "$NSDIR"/*.exit "$NSDIR"/*.stderr "$DIGDIR"/*.txt "$DIGDIR"/*.exit
: >"$NSDIR/COMMANDS.tsv"
: >"$DIGDIR/COMMANDS.tsv"

# golden_ns CASE ARGS... : run nslookup ARGS, save stdout to CASE.txt, exit
# code to CASE.exit, stderr to CASE.stderr (only if non-empty).
golden_ns() {
  local c="$1"; shift
  local rc=0
  nslookup "$@" >"$NSDIR/$c.txt" 2>"$NSDIR/$c.stderr" || rc=$?
  echo "$rc" >"$NSDIR/$c.exit"
  [[ -s "$NSDIR/$c.stderr" ]] || rm -f "$NSDIR/$c.stderr"
  printf '%s\tnslookup %s\n' "$c" "$*" >>"$NSDIR/COMMANDS.tsv"
  printf '  %-22s exit=%s\n' "$c" "$rc"
}
golden_dig() {
  local c="$1"; shift
  local rc=0
  # +noall +answer etc. are given per case; timing/date lines are stripped
  # by the tests, the file is the exact stdout.
  dig "$@" >"$DIGDIR/$c.txt" 2>&1 || rc=$?
  echo "$rc" >"$DIGDIR/$c.exit"
  printf '%s\tdig %s\n' "$c" "$*" >>"$DIGDIR/COMMANDS.tsv"
  printf '  %-22s exit=%s\n' "$c" "$rc"
}

# NOTE: BIND nslookup rejects options after the server argument (prints
# usage, exit 1) -- see the usage_opts_after_server golden -- so all options
# come first: nslookup -port=5300 [-opt...] NAME 127.0.0.2
P="-port=$PORT"
echo "== nslookup goldens"
golden_ns default_host          "$P" host.example.test "$ADDR"
golden_ns default_v6only        "$P" v6only.example.test "$ADDR"
golden_ns www_cname             "$P" www.example.test "$ADDR"
golden_ns type_a                "$P" -type=A host.example.test "$ADDR"
golden_ns type_aaaa             "$P" -type=AAAA host.example.test "$ADDR"
golden_ns type_mx               "$P" -type=MX example.test "$ADDR"
golden_ns type_ns               "$P" -type=NS example.test "$ADDR"
golden_ns type_txt              "$P" -type=TXT txt.example.test "$ADDR"
golden_ns type_txt_weird        "$P" -type=TXT weird.example.test "$ADDR"
golden_ns type_soa              "$P" -type=SOA example.test "$ADDR"
golden_ns ptr_v4                "$P" 192.0.2.10 "$ADDR"
golden_ns ptr_v6                "$P" 2001:db8::10 "$ADDR"
golden_ns type_ptr_name         "$P" -type=PTR 10.2.0.192.in-addr.arpa "$ADDR"
golden_ns type_srv              "$P" -type=SRV _sip._tcp.example.test "$ADDR"
golden_ns type_caa              "$P" -type=CAA example.test "$ADDR"
golden_ns type_any              "$P" -type=ANY example.test "$ADDR"
golden_ns type_unknown          "$P" -type=TYPE65280 unk.example.test "$ADDR"
golden_ns type_cname_www        "$P" -type=CNAME www.example.test "$ADDR"
golden_ns wildcard              "$P" foo.wild.example.test "$ADDR"
golden_ns nxdomain              "$P" nx.example.test "$ADDR"
golden_ns nxdomain_type_mx      "$P" -type=MX nx.example.test "$ADDR"
golden_ns nodata_mx             "$P" -type=MX host.example.test "$ADDR"
golden_ns nodata_default_v4only "$P" backup.example.test "$ADDR"
golden_ns refused               "$P" example.org "$ADDR"
golden_ns truncated             "$P" big.example.test "$ADDR"
golden_ns truncated_type_a      "$P" -type=A big.example.test "$ADDR"
golden_ns vc_host               "$P" -vc host.example.test "$ADDR"
golden_ns vc_big                "$P" -vc -type=A big.example.test "$ADDR"
golden_ns debug_host            "$P" -debug -type=A host.example.test "$ADDR"
golden_ns debug_mx              "$P" -debug -type=MX example.test "$ADDR"
golden_ns debug_nxdomain        "$P" -debug nx.example.test "$ADDR"
golden_ns timeout_blackhole     "-port=$BLACKHOLE_PORT" -timeout=1 -retry=1 host.example.test "$ADDR"
golden_ns refused_port          "-port=$DEAD_PORT" -timeout=1 -retry=1 host.example.test "$ADDR"
golden_ns nonauth_default_host  "-port=$NONAUTH_PORT" host.example.test "$ADDR"
golden_ns nonauth_www_cname     "-port=$NONAUTH_PORT" www.example.test "$ADDR"
golden_ns nonauth_mx            "-port=$NONAUTH_PORT" -type=MX example.test "$ADDR"
golden_ns nonauth_ptr_v4        "-port=$NONAUTH_PORT" 192.0.2.10 "$ADDR"
golden_ns nonauth_nxdomain      "-port=$NONAUTH_PORT" nx.example.test "$ADDR"
golden_ns nonauth_nodata_mx     "-port=$NONAUTH_PORT" -type=MX host.example.test "$ADDR"
golden_ns nonauth_soa           "-port=$NONAUTH_PORT" -type=SOA example.test "$ADDR"
golden_ns usage_opts_after_server -type=MX example.test "$ADDR" "-port=$PORT"
golden_ns refused_port_vc "-port=$DEAD_PORT" -vc -timeout=1 -retry=1 host.example.test "$ADDR"

echo "== dig goldens"
D=("@$ADDR" -p "$PORT")
golden_dig txt_weird_short      "${D[@]}" +short weird.example.test TXT
golden_dig txt_weird_answer     "${D[@]}" +noall +answer weird.example.test TXT
golden_dig txt_multi_answer     "${D[@]}" +noall +answer txt.example.test TXT
golden_dig caa_answer           "${D[@]}" +noall +answer example.test CAA
golden_dig unknown_answer       "${D[@]}" +noall +answer unk.example.test TYPE65280
golden_dig any_answer           "${D[@]}" +noall +answer example.test ANY
golden_dig srv_answer           "${D[@]}" +noall +answer _sip._tcp.example.test SRV
golden_dig soa_answer           "${D[@]}" +noall +answer example.test SOA
golden_dig mx_full              "${D[@]}" +nocookie +nostats example.test MX
golden_dig nxdomain_full        "${D[@]}" +nocookie +nostats nx.example.test A
golden_dig big_noedns_notcp     "${D[@]}" +noedns +ignore +nostats big.example.test A
golden_dig ptr_v6_answer        "${D[@]}" +noall +answer -x 2001:db8::10

echo "== done"
