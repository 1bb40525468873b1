#!/usr/bin/env bash
# Runs bench/dns_parse for a moment: it exits non-zero when lib/dns and c-ares disagree on a
# fixture, and must print the ratio line.
set -euo pipefail
out=$("$1" --benchmark_min_time=0.001)
echo "$out"
grep -q '^ratio lib/dns / c-ares' <<<"$out"
