#!/usr/bin/env python3
"""Send fixed HTTP/1.x requests over raw sockets and save exact bytes.

For each case writes <out>/<case>.request (bytes sent) and <out>/<case>.http
(bytes received until the server closed the connection).  Every request
carries "Connection: close" so reading to EOF yields exactly one response
(plus any 1xx interim responses before it).

Usage: capture.py --nginx PORT --pyhttp PORT --raw PORT [--out DIR] [--manifest]
"""
import argparse
import os
import re
import socket
import sys

HOST = "127.0.0.1"


def req(method, path, host, headers=(), body=b"", version="HTTP/1.1"):
    lines = [f"{method} {path} {version}", f"Host: {host}", "User-Agent: fixture-recorder/1"]
    lines += list(headers)
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def exchange(port, request, expect_continue=False, timeout=10.0):
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        received = b""
        if expect_continue:
            head, body = request.split(b"\r\n\r\n", 1)
            s.sendall(head + b"\r\n\r\n")
            # wait for the interim 100 response (or a final one) before sending the body
            while b"\r\n\r\n" not in received:
                chunk = s.recv(65536)
                if not chunk:
                    break
                received += chunk
            s.sendall(body)
        else:
            s.sendall(request)
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            received += chunk
        return received


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nginx", type=int, default=8089)
    ap.add_argument("--pyhttp", type=int, default=8090)
    ap.add_argument("--raw", type=int, default=8091)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--manifest", action="store_true")
    a = ap.parse_args()
    ng, py, raw = f"{HOST}:{a.nginx}", f"{HOST}:{a.pyhttp}", f"{HOST}:{a.raw}"
    upload = b"field=value&payload=" + b"x" * 100 + b"\n"

    # (case, server-name, port, request, expect_continue, description)
    cases = [
        ("content_length", "nginx", a.nginx, req("GET", "/small.txt", ng), False,
         "200 with Content-Length, small text/plain static file; source of the ETag used by not_modified"),
        ("chunked_trailers", "rawserver", a.raw, req("GET", "/chunked-trailers", raw, ["TE: trailers"]), False,
         "200 Transfer-Encoding: chunked, 3 chunks (one with ;ext=1), trailers X-Checksum and X-Note"),
        ("gzip", "nginx", a.nginx, req("GET", "/text.txt", ng, ["Accept-Encoding: gzip"]), False,
         "200 Content-Encoding: gzip, chunked (nginx gzip filter drops Content-Length), text.txt = 4320 B compressible text"),
        ("gzip_identity", "nginx", a.nginx, req("GET", "/text.txt", ng), False,
         "same file without Accept-Encoding: identity body with Content-Length (to compare decompressed bytes)"),
        ("redirect_301", "nginx", a.nginx, req("GET", "/redirect/1", ng), False,
         "301 with relative Location: /redirect/2 (nginx return 301 + absolute_redirect off)"),
        ("redirect_302", "nginx", a.nginx, req("GET", "/redirect/2", ng), False,
         "302 with absolute Location: http://127.0.0.1:8089/small.txt"),
        ("redirect_200", "nginx", a.nginx, req("GET", "/small.txt", ng), False,
         "final 200 of the redirect chain (same as content_length)"),
        ("continue_raw", "rawserver", a.raw,
         req("POST", "/continue", raw, ["Content-Type: application/x-www-form-urlencoded",
                                        f"Content-Length: {len(upload)}", "Expect: 100-continue"], upload), True,
         "HTTP/1.1 100 Continue, then (after body is sent) 200 'received N bytes'"),
        ("continue_nginx", "nginx", a.nginx,
         req("POST", "/upload", ng, ["Content-Type: application/x-www-form-urlencoded",
                                     f"Content-Length: {len(upload)}", "Expect: 100-continue"], upload), True,
         "nginx proxy_pass location: nginx itself sends 'HTTP/1.1 100 Continue' then the proxied 200"),
        ("early_hints", "rawserver", a.raw, req("GET", "/early-hints", raw), False,
         "103 Early Hints (with Link) then 200"),
        ("processing_102", "rawserver", a.raw, req("GET", "/processing", raw), False,
         "102 Processing then 200"),
        ("no_content_204", "nginx", a.nginx, req("GET", "/empty", ng), False,
         "204 No Content (nginx return 204): no body, no Content-Length"),
        ("not_modified", "nginx", a.nginx, None, False,
         "304 Not Modified for If-None-Match with the ETag from content_length"),
        ("pyhttp_10", "python http.server", a.pyhttp, req("GET", "/small.txt", py), False,
         "python3 http.server: 'HTTP/1.0 200 OK' status line, Server: SimpleHTTP/... Python/3.x, *with* Content-Length"),
        ("close_delimited", "rawserver", a.raw, req("GET", "/close-delimited", raw, version="HTTP/1.0"), False,
         "HTTP/1.0 200 without Content-Length/Transfer-Encoding: body delimited by connection close"),
        ("large_5mib", "nginx", a.nginx, req("GET", "/big.bin", ng), False,
         "200 application/octet-stream, Content-Length: 5242880, body = random.Random(20240101).randbytes(5 MiB)"),
        ("not_found_404", "nginx", a.nginx, req("GET", "/missing.txt", ng), False,
         "404 Not Found with nginx's HTML error body"),
        ("head", "nginx", a.nginx, req("HEAD", "/small.txt", ng), False,
         "HEAD: headers incl. Content-Length: N of the GET body, but no body bytes"),
        ("truncated", "rawserver", a.raw, req("GET", "/truncated", raw), False,
         "Content-Length: 100 but only 10 body bytes, then close (premature EOF)"),
        ("empty_reply", "rawserver", a.raw, req("GET", "/empty-reply", raw), False,
         "server closes without sending anything (.http is empty)"),
    ]

    if a.manifest:
        for c, server, port, r, _, what in cases:
            first = (r or b"GET /small.txt HTTP/1.1").split(b"\r\n", 1)[0].decode()
            print(f"- `{c}.request` / `{c}.http`: `{first}` -> {server} 127.0.0.1:{port} -- {what}")
        return

    etag = None
    for i, (c, server, port, r, cont, what) in enumerate(cases):
        if r is None:
            r = req("GET", "/small.txt", ng, [f"If-None-Match: {etag}"])
        resp = exchange(port, r, cont)
        with open(os.path.join(a.out, c + ".request"), "wb") as f:
            f.write(r)
        with open(os.path.join(a.out, c + ".http"), "wb") as f:
            f.write(resp)
        if c == "content_length":
            m = re.search(rb"\r\nETag: (\S+)\r\n", resp)
            etag = m.group(1).decode()
        status = resp.split(b"\r\n", 1)[0].decode("latin-1") if resp else "(nothing)"
        print(f"{c:18s} {len(resp):8d} bytes  {status}")


if __name__ == "__main__":
    main()
