#!/usr/bin/env python3
"""Tiny raw-socket HTTP server (stdlib only) for responses nginx and
http.server will not produce.  Fully deterministic output (no Date header).

Usage: rawserver.py ADDR PORT

Paths:
  /chunked-trailers  HTTP/1.1 200, chunked body with a chunk extension and trailers
  /continue          honours Expect: 100-continue: "100 Continue", reads body, 200 with byte count
  /echo-length       reads Content-Length body (no 100), 200 with byte count (nginx proxies here)
  /early-hints       103 Early Hints (Link header) then 200
  /processing        102 Processing then 200
  /close-delimited   HTTP/1.0 200 without Content-Length, body ends at close
  /truncated         Content-Length: 100 but only 10 body bytes, then close
  /empty-reply       reads the request and closes without sending anything
  /hang              reads the request and never answers (until the server dies)
  anything else      404 with a small body
"""
import socket
import sys
import threading

CRLF = b"\r\n"


def read_head(conn):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def parse(head):
    lines = head.split(CRLF)
    method, path, _ = lines[0].decode("latin-1").split(" ", 2)
    headers = {}
    for line in lines[1:]:
        k, v = line.decode("latin-1").split(":", 1)
        headers[k.strip().lower()] = v.strip()
    return method, path, headers


def read_body(conn, rest, n):
    body = rest
    while len(body) < n:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return body


def simple(status, body, ctype=b"text/plain", extra=b""):
    return (b"HTTP/1.1 " + status + CRLF + b"Content-Type: " + ctype + CRLF +
            b"Content-Length: " + str(len(body)).encode() + CRLF + extra +
            b"Connection: close" + CRLF + CRLF + body)


def handle(conn):
    try:
        head, rest = read_head(conn)
        if head is None:
            return
        method, path, headers = parse(head)
        if path == "/chunked-trailers":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\n"
                b"Content-Type: text/plain\r\n"
                b"Transfer-Encoding: chunked\r\n"
                b"Trailer: X-Checksum, X-Note\r\n"
                b"Connection: close\r\n"
                b"\r\n"
                b"7\r\nHello, \r\n"
                b"6;ext=1\r\nchunky\r\n"
                b"1A\r\n world of trailers 123456\n\r\n"
                b"0\r\n"
                b"X-Checksum: abc123\r\n"
                b"X-Note: trailer two\r\n"
                b"\r\n")
        elif path in ("/continue", "/echo-length"):
            n = int(headers.get("content-length", "0"))
            if path == "/continue" and headers.get("expect", "").lower() == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = read_body(conn, rest, n)
            conn.sendall(simple(b"200 OK", b"received %d bytes\n" % len(body)))
        elif path == "/early-hints":
            conn.sendall(
                b"HTTP/1.1 103 Early Hints\r\n"
                b"Link: </style.css>; rel=preload; as=style\r\n"
                b"\r\n" +
                simple(b"200 OK", b"<html>early hints</html>\n", b"text/html",
                       b"Link: </style.css>; rel=preload; as=style\r\n"))
        elif path == "/processing":
            conn.sendall(b"HTTP/1.1 102 Processing\r\n\r\n" + simple(b"200 OK", b"done after 102\n"))
        elif path == "/close-delimited":
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
                         b"This body has no Content-Length.\nIt ends when the server closes.\n")
        elif path == "/truncated":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n"
                         b"0123456789")
        elif path == "/empty-reply":
            pass
        elif path == "/hang":
            threading.Event().wait()
        else:
            conn.sendall(simple(b"404 Not Found", b"no such path\n"))
    finally:
        try:
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        conn.close()


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
