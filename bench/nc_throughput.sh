#!/usr/bin/env bash
# nc_throughput.sh: 1 GiB over loopback TCP through mini-nc and through OpenBSD nc, in the same
# run, both ends the tool under test: `NC -N 127.0.0.1 P < FILE` into
# `NC -l 127.0.0.1 P > /dev/null`, FILE being 1 GiB of random bytes in the page cache (so the
# source costs nothing). Prints MB/s of each (best of ROUNDS), the ratio, and the same through
# a pipe source (`head -c | NC`) for reference.
#   bench/nc_throughput.sh [SIZE_MIB=1024] [ROUNDS=3]
set -euo pipefail
source "$(dirname "$0")/common.sh"
need_packages netcat-openbsd python3
build_opt //tools/nc:mini-nc

SIZE_MIB=${1:-1024}
ROUNDS=${2:-3}
MINI="$ROOT/bazel-bin/tools/nc/mini-nc"
PEER="$(command -v nc.openbsd || command -v nc)"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
SRC="$WORK/src.bin"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$SRC"
cat "$SRC" > /dev/null  # into the page cache

# one_run NC → prints seconds for SIZE_MIB through NC (listener and sender both NC).
one_run() {
  local nc=$1 mode=$2 port
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
  if [ "$mode" = file ]; then
    "$nc" -N 127.0.0.1 "$port" < "$SRC"
  else
    head -c "$((SIZE_MIB * 1024 * 1024))" /dev/zero | "$nc" -N 127.0.0.1 "$port"
  fi
  wait "$listener"
  end=$(now_s)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }'
}

best() {  # best NC MODE → best MB/s over ROUNDS
  local nc=$1 mode=$2 best=0 t mbs
  for _ in $(seq "$ROUNDS"); do
    t=$(one_run "$nc" "$mode")
    mbs=$(awk -v m="$SIZE_MIB" -v t="$t" 'BEGIN { printf "%.1f", m * 1.048576 / t }')
    best=$(awk -v a="$best" -v b="$mbs" 'BEGIN { print (b > a) ? b : a }')
  done
  echo "$best"
}

echo "nc_throughput: ${SIZE_MIB} MiB over loopback, best of ${ROUNDS}"
for mode in file pipe; do
  peer=$(best "$PEER" "$mode")
  mini=$(best "$MINI" "$mode")
  echo " source: $mode"
  printf "  %-34s %10s MB/s\n" "OpenBSD nc ($PEER)" "$peer" "mini-nc" "$mini"
  echo "  ratio mini-nc / OpenBSD nc: $(ratio "$mini" "$peer")  (target >= 1.5)"
done
