# common.sh: shared helpers for the side-by-side benchmark scripts (sourced, not run).
# Benchmarks only ever talk to loopback.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# need_packages installs the Debian packages a benchmark compares against, when missing.
need_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "bench: installing ${missing[*]}" >&2
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >&2
  fi
}

# build_opt builds Bazel targets with --config=opt and prints nothing but errors.
build_opt() {
  (cd "$ROOT" && ./bazelw build --config=opt "$@" >/dev/null 2>&1) || {
    echo "bench: build failed: $*" >&2
    exit 1
  }
}

# free_port prints a loopback TCP port that is free right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# now_s prints a monotonic-ish timestamp in seconds with nanoseconds.
now_s() { date +%s.%N; }

# ratio A B prints A/B with 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# best_median RATE... prints "BEST MEDIAN" of the given rates (higher is better).
best_median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %.2f", v[NR], m }'
}

# interleave ROUNDS FN_A FN_B → "BEST_A MEDIAN_A BEST_B MEDIAN_B RATIO": the rates (higher is
# better) that FN_A and FN_B print, run alternately (A, B, A, B, ...) so that both see the
# same load on a busy machine, and RATIO the median over rounds of B / A. VERBOSE=1 prints
# each round on stderr.
interleave() {
  local rounds=$1 a=() b=() r=()
  for _ in $(seq "$rounds"); do
    a+=("$($2)")
    b+=("$($3)")
    r+=("$(ratio "${b[-1]}" "${a[-1]}")")
    [ -z "${VERBOSE:-}" ] || echo "bench: $2 ${a[-1]}  $3 ${b[-1]}" >&2
  done
  echo "$(best_median "${a[@]}") $(best_median "${b[@]}") $(best_median "${r[@]}" | cut -d' ' -f2)"
}
