#!/usr/bin/env bash
# Stand-in for `bazel run proxy` until cachingproxy lands (issue 5): mini-nc keeps listening on
# 127.0.0.1:8080 and prints whatever clients send (try: curl -x http://127.0.0.1:8080 http://x/).
set -euo pipefail
here="$(dirname "$0")"
nc_bin="$here/mini-nc"
[ -x "$nc_bin" ] || nc_bin="${RUNFILES_DIR:-$0.runfiles}/nettoolkit/tools/nc/mini-nc"
echo "mini-nc listening on 127.0.0.1:8080 (stand-in for cachingproxy; Ctrl-C to stop)" >&2
exec "$nc_bin" -lkv 127.0.0.1 "${PORT:-8080}"
