#!/usr/bin/env bash
# Runs bench/http_parse for a moment: every benchmark must run and parse the whole body (a wrong
# size is reported as "ERROR OCCURRED").
set -euo pipefail
out=$("$1" --benchmark_min_time=0.001)
echo "$out"
! grep -q 'ERROR OCCURRED' <<<"$out"
[ "$(grep -c '^BM_' <<<"$out")" -eq 4 ]
