#!/usr/bin/env bash
# nc_throughput.sh: 1 GiB over loopback TCP through mini-nc and through OpenBSD nc, in the same
# run, both ends the tool under test: `NC -N 127.0.0.1 P < FILE` into
# `NC -l 127.0.0.1 P > /dev/null`, FILE being 1 GiB of random bytes in the page cache (so the
# source costs nothing), and the same through a pipe source (`head -c | NC`). The two tools take
# turns for ROUNDS rounds; printed are MB/s (best and median) of each and the ratios (of the
# bests, and the median of the per-round ratios).
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

# check NC: one run of SIZE_MIB from FILE must arrive whole (the listener counts the bytes).
check() {
  local nc=$1 port got
  port=$(free_port)
  "$nc" -l 127.0.0.1 "$port" | wc -c > "$WORK/count" &
  local listener=$!
  for _ in $(seq 200); do
    if ss -ltn "sport = :$port" | grep -q LISTEN; then break; fi
    sleep 0.01
  done
  "$nc" -N 127.0.0.1 "$port" < "$SRC"
  wait "$listener"
  got=$(cat "$WORK/count")
  [ "$got" = "$((SIZE_MIB * 1024 * 1024))" ] || {
    echo "bench: $nc delivered $got bytes, want $((SIZE_MIB * 1024 * 1024))" >&2
    exit 1
  }
}
check "$PEER"
check "$MINI"

mbs() { awk -v m="$SIZE_MIB" -v t="$1" 'BEGIN { printf "%.1f", m * 1.048576 / t }'; }
peer_file() { mbs "$(one_run "$PEER" file)"; }
mini_file() { mbs "$(one_run "$MINI" file)"; }
peer_pipe() { mbs "$(one_run "$PEER" pipe)"; }
mini_pipe() { mbs "$(one_run "$MINI" pipe)"; }

echo "nc_throughput: ${SIZE_MIB} MiB over loopback, ${ROUNDS} rounds, the two tools alternating" \
  "(best, median)"
for mode in file pipe; do
  read -r -a r <<< "$(interleave "$ROUNDS" "peer_$mode" "mini_$mode")"
  echo " source: $mode"
  printf "  %-34s %10s %10s MB/s\n" "OpenBSD nc ($PEER)" "${r[0]}" "${r[1]}" \
    "mini-nc" "${r[2]}" "${r[3]}"
  echo "  ratio mini-nc / OpenBSD nc: best $(ratio "${r[2]}" "${r[0]}"), median of rounds" \
    "${r[4]}  (target >= 1.5)"
done
