#!/bin/bash
# Re-record the HTTP fixtures in testdata/http/ and the curl goldens in
# testdata/golden/curl/.
#
# Servers (all loopback, all state in a temp dir):
#   nginx              127.0.0.1:8089  (own prefix/config, daemon off)
#   python http.server 127.0.0.1:8090  (HTTP/1.0)
#   rawserver.py       127.0.0.1:8091  (chunked trailers, 1xx, truncated, empty, hang)
#   127.0.0.1:8099     nothing listens (connection refused)
# If `unshare -n` works (root) the script re-executes itself in a fresh
# network namespace that only has `lo`, so no packet can leave the host.
#
# nginx's Date/Last-Modified/ETag change on every run: the committed files
# are a snapshot; re-running rewrites them.
#
# ONLY="case1 case2" ./record.sh re-records just those curl goldens (and their
# COMMANDS.tsv lines), leaving the fixtures and every other golden as they are.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GOLDEN="$HERE/../golden/curl"
H=127.0.0.1
NGINX_PORT=8089
PYHTTP_PORT=8090
RAW_PORT=8091
DEAD_PORT=8099

if [[ -z "${RECORD_IN_NETNS:-}" ]] && unshare -n true 2>/dev/null; then
  export RECORD_IN_NETNS=1
  exec unshare -n bash -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi

TMP="$(mktemp -d /tmp/httprec.XXXXXX)"
chmod 755 "$TMP"   # nginx workers run as nobody when started by root
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# ---------------------------------------------------------------- docroot
DOC="$TMP/www"
mkdir -p "$DOC" "$TMP/logs" "$TMP/tmp"
printf 'Hello from the fixture server.\n' >"$DOC/small.txt"
python3 - "$DOC" <<'EOF'
import random, sys
doc = sys.argv[1]
lines = [f"line {i:03d}: the quick brown fox jumps over the lazy dog\n" for i in range(80)]
open(f"{doc}/text.txt", "w").write("".join(lines))          # 4320 bytes, compressible
open(f"{doc}/big.bin", "wb").write(random.Random(20240101).randbytes(5 * 1024 * 1024))
EOF
# Fixed mtimes so Last-Modified (and the mtime half of nginx's ETag) are stable.
touch -d '2024-01-01 00:00:00 UTC' "$DOC"/*

# ---------------------------------------------------------------- nginx
cat >"$TMP/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log info;
events { worker_connections 64; }
http {
  access_log $TMP/logs/access.log;
  client_body_temp_path $TMP/tmp/body;
  proxy_temp_path $TMP/tmp/proxy;
  fastcgi_temp_path $TMP/tmp/fastcgi;
  uwsgi_temp_path $TMP/tmp/uwsgi;
  scgi_temp_path $TMP/tmp/scgi;
  types { text/plain txt; application/octet-stream bin; text/html html; }
  default_type application/octet-stream;
  server_tokens on;
  gzip on;
  gzip_types text/plain;
  gzip_min_length 1000;
  server {
    listen $H:$NGINX_PORT;
    server_name localhost;
    root $DOC;
    location = /redirect/1 { absolute_redirect off; return 301 /redirect/2; }
    location = /redirect/2 { return 302 http://$H:$NGINX_PORT/small.txt; }
    location = /empty { return 204; }
    location = /upload { proxy_pass http://$H:$RAW_PORT/echo-length; proxy_http_version 1.1; }
  }
}
EOF
nginx -p "$TMP" -c "$TMP/nginx.conf" -t -q
nginx -p "$TMP" -c "$TMP/nginx.conf" &
PIDS+=($!)
(cd "$DOC" && exec python3 -m http.server --bind "$H" "$PYHTTP_PORT") >"$TMP/logs/pyhttp.log" 2>&1 &
PIDS+=($!)
python3 "$HERE/rawserver.py" "$H" "$RAW_PORT" &
PIDS+=($!)

for port in $NGINX_PORT $PYHTTP_PORT $RAW_PORT; do
  for _ in $(seq 50); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null && break
    sleep 0.1
  done
done

ONLY="${ONLY:-}"
if [[ -z "$ONLY" ]]; then
  echo "== raw captures"
  rm -f "$HERE"/*.request "$HERE"/*.http
  python3 "$HERE/capture.py" --nginx $NGINX_PORT --pyhttp $PYHTTP_PORT --raw $RAW_PORT --out "$HERE"
fi

# ---------------------------------------------------------------- curl goldens
mkdir -p "$GOLDEN"
if [[ -z "$ONLY" ]]; then
  rm -f "$GOLDEN"/*.stdout "$GOLDEN"/*.stderr "$GOLDEN"/*.exit
  : >"$GOLDEN/COMMANDS.tsv"
else
  # Keep the other cases' lines (in their order); re-recorded ones are appended.
  python3 - "$GOLDEN/COMMANDS.tsv" $ONLY <<'EOF'
import sys
path, only = sys.argv[1], set(sys.argv[2:])
lines = open(path).read().splitlines(True)
open(path, "w").writelines(l for l in lines if l.split("\t", 1)[0] not in only)
EOF
fi
# Clean environment: no proxies, no ~/.curlrc.
CURLENV=(env -i "PATH=/usr/bin:/bin" "HOME=$TMP" "LANG=C")
# golden_curl CASE [NAME=VALUE ...] CURL_ARGS...: leading NAME=VALUE words are environment
# entries for curl (e.g. COLUMNS=50) and open the command line in COMMANDS.tsv.
golden_curl() {
  local c="$1"; shift
  if [[ -n "$ONLY" && " $ONLY " != *" $c "* ]]; then return; fi
  local envs=()
  while [[ $# -gt 0 && "$1" =~ ^[A-Z_]+= ]]; do envs+=("$1"); shift; done
  local rc=0
  (cd "$TMP" && "${CURLENV[@]}" "${envs[@]}" curl "$@") >"$GOLDEN/$c.stdout" 2>"$GOLDEN/$c.stderr" || rc=$?
  echo "$rc" >"$GOLDEN/$c.exit"
  python3 -c 'import shlex, sys; n = int(sys.argv[2]); print(sys.argv[1] + "\t" + "".join(e + " " for e in sys.argv[3:3 + n]) + "curl " + shlex.join(sys.argv[3 + n:]))' \
    "$c" "${#envs[@]}" "${envs[@]}" "$@" >>"$GOLDEN/COMMANDS.tsv"
  printf '  %-22s exit=%s\n' "$c" "$rc"
}
N="http://$H:$NGINX_PORT"
R="http://$H:$RAW_PORT"
echo "== curl goldens"
golden_curl s_small            -s "$N/small.txt"
golden_curl plain_small        "$N/small.txt"
golden_curl i_small            -s -i "$N/small.txt"
golden_curl I_small            -s -I "$N/small.txt"
golden_curl sSf_404            -sS -f "$N/missing.txt"
golden_curl f_404_nos          -f "$N/missing.txt"
golden_curl s_404              -s "$N/missing.txt"
golden_curl L_redirect         -s -L "$N/redirect/1"
golden_curl iL_redirect        -s -i -L "$N/redirect/1"
golden_curl noL_redirect       -s -i "$N/redirect/1"
golden_curl v_small            -v "$N/small.txt"
golden_curl sv_small           -sv "$N/small.txt"
golden_curl dotdot_sv          -sv "$N/a/./b/../../small.txt"
golden_curl path_as_is_sv      --path-as-is -sv "$N/a/../small.txt"
golden_curl w_format           -w '%{http_code} %{size_download} %{num_connects}\n' -s -o /dev/null "$N/small.txt"
golden_curl w_format_redirect  -w '%{http_code} %{size_download} %{num_connects}\n' -s -o /dev/null -L "$N/redirect/1"
golden_curl reuse_two_urls     -v -s "$N/small.txt" "$N/text.txt"
golden_curl s_two_urls         -s "$N/small.txt" "$N/text.txt"
golden_curl closed_port        "http://$H:$DEAD_PORT/"
golden_curl sS_closed_port     -sS "http://$H:$DEAD_PORT/"
golden_curl s_closed_port      -s "http://$H:$DEAD_PORT/"
golden_curl timeout_m1         -m 1 "$R/hang"
golden_curl sS_timeout_m1      -sS -m 1 "$R/hang"
golden_curl unsupported_scheme "foo://x"
golden_curl ftp_closed_port    -sS "ftp://$H:$DEAD_PORT/"
golden_curl bad_url_glob       'http://[bad'
golden_curl bad_url_noglob     -g 'http://[bad'
golden_curl truncated          "$R/truncated"
golden_curl sS_truncated       -sS "$R/truncated"
golden_curl empty_reply        "$R/empty-reply"
golden_curl sS_empty_reply     -sS "$R/empty-reply"
golden_curl compressed_gzip    -s --compressed "$N/text.txt"
golden_curl raw_gzip_i         -s -i -H 'Accept-Encoding: gzip' "$N/text.txt"
golden_curl chunked_trailers_i -s -i "$R/chunked-trailers"
golden_curl early_hints_i      -s -i "$R/early-hints"
golden_curl close_delimited_i  -s -i "$R/close-delimited"
golden_curl pyhttp_i           -s -i "http://$H:$PYHTTP_PORT/small.txt"
golden_curl head_204_i         -s -i "$N/empty"
golden_curl progress_5mib      -o x "$N/big.bin"
golden_curl progress_5mib_bar  -# -o x "$N/big.bin"
# -v with the progress meter: its last line comes before "left intact"/"Closing", per request.
golden_curl v_L_redirect       -v -L "$N/redirect/1"
golden_curl L_redirect_meter   -L -o x "$N/redirect/1"
golden_curl v_two_urls         -v "$N/small.txt" "$N/text.txt"
golden_curl v_f_404            -v -f "$N/missing.txt"
golden_curl v_closed_port      -v "http://$H:$DEAD_PORT/"
golden_curl v_truncated        -v "$R/truncated"
golden_curl v_unsupported      -v "foo://x"
golden_curl sv_pyhttp_two      -sv "http://$H:$PYHTTP_PORT/small.txt" "http://$H:$PYHTTP_PORT/small.txt"
golden_curl sv_early_hints     -sv "$R/early-hints"
# URL globbing: every expansion in order on the shared connection, #N in -o, -g, errors
# (bad globs name no port, so their positions do not change when tests substitute one).
golden_curl glob_set           -s "$N/{small,text}.txt"
golden_curl glob_range_sv      -sv "$N/redirect/[1-2]"
golden_curl glob_hash_output   -s -w '%{url_effective}\n' "$N/{small,text}.txt" -o '#1.out'
golden_curl glob_meter         "$N/{small,missing}.txt" -o '#1.out'
golden_curl glob_query_ranges  -s -w '%{url_effective}\n' -o /dev/null "$N/small.txt?n=[08-10]&c=[a-e:2]"
golden_curl globoff_query      -s -g -w '%{url_effective}\n' -o /dev/null "$N/small.txt?n=[08-10]"
golden_curl glob_bad_stops_run -sS "$N/small.txt" "http://$H/{small,text" "$N/text.txt"
golden_curl glob_bad_range     "http://$H/[1-3:0]"
golden_curl glob_empty_braces  -sS "http://$H/{}"
# -w after a failed transfer; the exit code is the last transfer's.
golden_curl glob_fail_w        -sf -w '%{http_code} %{size_download} %{num_connects} %{exitcode} %{url_effective}\n' -o /dev/null "$N/{small,missing,small}.txt"
golden_curl glob_fail_last     -sSf "$N/{small,missing}.txt"
# -# / --progress-bar: known sizes end on a 100.0% line, unknown ones show only the final
# newline when fast; the newline comes after the error message and "left intact".
golden_curl bar_small          -# -o x "$N/small.txt"
golden_curl bar_stdout         --progress-bar "$N/small.txt"
golden_curl bar_chunked        -# -o x "$R/chunked-trailers"
golden_curl bar_close_delim    -# "$R/close-delimited"
golden_curl bar_redirect       -# -L "$N/redirect/1"
golden_curl bar_glob           -# "$N/{small,text}.txt" -o '#1.out'
golden_curl bar_f_404          -# -f "$N/missing.txt"
golden_curl bar_closed_port    -# "http://$H:$DEAD_PORT/"
golden_curl bar_v              -#v "$N/small.txt"
golden_curl bar_timeout        -# -m 1 "$R/hang"
golden_curl bar_columns50      COLUMNS=50 -# -o x "$N/big.bin"
golden_curl bar_columns_bad    COLUMNS=20 -# -o x "$N/small.txt"
# -o into a directory that does not exist: a warning when the body's first bytes come (or,
# for a body-less response, when the file is made at the end), then exit 23.
golden_curl o_missing_dir       -o nodir/x "$N/small.txt"
golden_curl sS_o_missing_dir    -sS -o nodir/x "$N/small.txt"
golden_curl s_o_missing_dir     -s -o nodir/x "$N/small.txt"
golden_curl o_missing_dir_204   -o nodir/x "$N/empty"
golden_curl sS_o_missing_dir_204 -sS -o nodir/x "$N/empty"
echo "== done"
