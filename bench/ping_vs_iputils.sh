#!/usr/bin/env bash
# ping_vs_iputils.sh: mini-ping vs iputils ping on loopback, in the same run (needs root or
# CAP_NET_RAW for both, as the raw-socket path is what runs here).
#  1. round-trip time: N pings at a 10 ms interval from each; median RTT of each and the ratio;
#  2. replies per second at interval 0 (mini-ping -i 0) vs flood ping (ping -f), COUNT each.
#   bench/ping_vs_iputils.sh [N=200] [COUNT=20000]
set -euo pipefail
source "$(dirname "$0")/common.sh"
need_packages iputils-ping
build_opt //tools/ping:mini-ping

N=${1:-200}
COUNT=${2:-20000}
MINI="$ROOT/bazel-bin/tools/ping/mini-ping"
PEER="$(command -v ping)"

median_rtt() {  # prints the median of the time= values of a ping run
  "$@" | sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

rate() {  # prints replies per second of a quiet flood run
  local start end received
  start=$(now_s)
  received=$("$@" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
  end=$(now_s)
  awk -v n="$received" -v s="$start" -v e="$end" 'BEGIN { printf "%.0f", n / (e - s) }'
}

peer_rtt=$(median_rtt "$PEER" -n -c "$N" -i 0.01 127.0.0.1)
mini_rtt=$(median_rtt "$MINI" -n -c "$N" -i 0.01 127.0.0.1)
peer_rate=$(rate "$PEER" -q -f -c "$COUNT" 127.0.0.1)
mini_rate=$(rate "$MINI" -q -i 0 -c "$COUNT" 127.0.0.1)

echo "ping_vs_iputils: loopback, $N pings at 10 ms for RTT, $COUNT for the flood rate"
printf "  %-22s median RTT %8s ms   flood %8s replies/s\n" "iputils ping" "$peer_rtt" "$peer_rate"
printf "  %-22s median RTT %8s ms   flood %8s replies/s\n" "mini-ping" "$mini_rtt" "$mini_rate"
echo "  RTT ratio mini/iputils: $(ratio "$mini_rtt" "$peer_rtt")  (lower is better)"
echo "  flood ratio mini/iputils: $(ratio "$mini_rate" "$peer_rate")  (higher is better)"
