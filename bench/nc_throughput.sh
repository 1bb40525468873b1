#!/usr/bin/env bash
# nc_throughput.sh: 1 GiB over loopback TCP through mini-nc and through OpenBSD nc, in the same
# run, both ends the tool under test: `head -c 1G /dev/zero | NC -N 127.0.0.1 P` into
# `NC -l 127.0.0.1 P > /dev/null`. Prints MB/s of each (best of ROUNDS) and the ratio.
#   bench/nc_throughput.sh [SIZE_MIB=1024] [ROUNDS=3]
set -euo pipefail
source "$(dirname "$0")/common.sh"
need_packages netcat-openbsd python3
build_opt //tools/nc:mini-nc

SIZE_MIB=${1:-1024}
ROUNDS=${2:-3}
MINI="$ROOT/bazel-bin/tools/nc/mini-nc"
PEER="$(command -v nc.openbsd || command -v nc)"

# one_run NC → prints seconds for SIZE_MIB through NC (listener and sender both NC).
one_run() {
  local nc=$1 port
  port=$(free_port)
  "$nc" -l 127.0.0.1 "$port" > /dev/null &
  local listener=$!
  # Wait until the listener accepts connections (probe with bash's /dev/tcp, no data sent
  # would count: the listener handles exactly one connection, so probe with -z of the peer nc).
  for _ in $(seq 200); do
    if ss -ltn "sport = :$port" | grep -q LISTEN; then break; fi
    sleep 0.01
  done
  local start end
  start=$(now_s)
  head -c "$((SIZE_MIB * 1024 * 1024))" /dev/zero | "$nc" -N 127.0.0.1 "$port"
  wait "$listener"
  end=$(now_s)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }'
}

best() {  # best NC → best MB/s over ROUNDS
  local nc=$1 best=0 t mbs
  for _ in $(seq "$ROUNDS"); do
    t=$(one_run "$nc")
    mbs=$(awk -v m="$SIZE_MIB" -v t="$t" 'BEGIN { printf "%.1f", m * 1.048576 / t }')
    best=$(awk -v a="$best" -v b="$mbs" 'BEGIN { print (b > a) ? b : a }')
  done
  echo "$best"
}

peer=$(best "$PEER")
mini=$(best "$MINI")
echo "nc_throughput: ${SIZE_MIB} MiB over loopback, best of ${ROUNDS}"
printf "  %-28s %10s MB/s\n" "OpenBSD nc ($PEER)" "$peer" "mini-nc" "$mini"
echo "  ratio mini-nc / OpenBSD nc: $(ratio "$mini" "$peer")  (target >= 1.5)"
