#!/usr/bin/env python3
"""Capture raw DNS responses from the loopback nsd started by record.sh.

Stdlib only. Queries are built by hand (struct), sent over UDP or TCP
(2-byte length prefix), and the raw reply bytes are written to
<out>/<case>.bin.  For TCP the saved .bin is the DNS message only (the
2-byte length prefix is stripped).  The exact query bytes are written to
<out>/<case>.query.bin (for UDP and TCP alike: message only, no prefix).

All queries use ID 0x1234 and RD=1 unless stated otherwise, so re-running
against the same zones gives byte-identical files.

Usage: capture.py [--server 127.0.0.2] [--port 5300] [--out DIR] [--manifest]
"""
import argparse
import os
import socket
import struct
import sys

QID = 0x1234
TYPES = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
    "AAAA": 28, "SRV": 33, "OPT": 41, "CAA": 257, "ANY": 255, "TYPE65280": 65280,
}

# (case, qname, qtype, edns, transport, extra, what it shows)
# extra: dict with optional keys: id, rd (bool)
CASES = [
    ("a_host", "host.example.test", "A", False, "udp", {}, "plain A answer, 1 RR, authoritative (AA=1), RA=0"),
    ("a_host_edns", "host.example.test", "A", True, "udp", {}, "same with EDNS0 OPT (udp 4096) in query and reply"),
    ("a_host_tcp", "host.example.test", "A", False, "tcp", {}, "same over TCP (length prefix stripped in file)"),
    ("a_host_norecurse", "host.example.test", "A", False, "udp", {"rd": False}, "RD=0 in query; reply RD=0"),
    ("a_host_id_beef", "host.example.test", "A", False, "udp", {"id": 0xBEEF}, "query ID 0xBEEF instead of 0x1234"),
    ("a_host_mixedcase", "HoSt.ExAmPlE.TeSt", "A", False, "udp", {}, "mixed-case qname; nsd echoes the question case"),
    ("aaaa_host", "host.example.test", "AAAA", False, "udp", {}, "AAAA answer 2001:db8::10"),
    ("cname_www", "www.example.test", "A", False, "udp", {}, "two-step CNAME chain www->web->host then A"),
    ("cname_www_aaaa", "www.example.test", "AAAA", False, "udp", {}, "CNAME chain ending in AAAA"),
    ("ns_apex", "example.test", "NS", False, "udp", {}, "2 NS records + glue A/AAAA in additional section"),
    ("mx_apex", "example.test", "MX", False, "udp", {}, "3 MX records (pref 10/20/30), additional A for mx1/mx2 (mx3 has no address)"),
    ("txt_multi", "txt.example.test", "TXT", False, "udp", {}, "two TXT RRs, one with 3 character-strings"),
    ("txt_weird", "weird.example.test", "TXT", False, "udp", {}, "TXT with quote, backslash, UTF-8 bytes (c3 a9), raw 0xff byte, semicolon"),
    ("soa_apex", "example.test", "SOA", False, "udp", {}, "SOA record"),
    ("ptr_v4", "10.2.0.192.in-addr.arpa", "PTR", False, "udp", {}, "IPv4 PTR -> host.example.test"),
    ("ptr_v6", "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", "PTR", False, "udp", {}, "IPv6 PTR (2001:db8::10) -> host.example.test"),
    ("srv_sip", "_sip._tcp.example.test", "SRV", False, "udp", {}, "2 SRV records, additional A for targets"),
    ("caa_apex", "example.test", "CAA", False, "udp", {}, "3 CAA records incl. flags=128 unknown tag"),
    ("unknown_type", "unk.example.test", "TYPE65280", False, "udp", {}, "RFC 3597 unknown type 65280, rdata DE AD BE EF"),
    ("any_apex", "example.test", "ANY", False, "udp", {}, "ANY query at the apex (what nsd returns for ANY)"),
    ("any_apex_tcp", "example.test", "ANY", False, "tcp", {}, "ANY at apex over TCP"),
    ("wildcard", "foo.wild.example.test", "A", False, "udp", {}, "wildcard *.wild synthesized A (owner = qname)"),
    ("wildcard_txt", "a.b.wild.example.test", "TXT", False, "udp", {}, "wildcard TXT, two labels below *.wild"),
    ("nxdomain", "nx.example.test", "A", False, "udp", {}, "RCODE=NXDOMAIN(3), SOA in authority"),
    ("nxdomain_edns", "nx.example.test", "A", True, "udp", {}, "NXDOMAIN with EDNS OPT"),
    ("nodata", "host.example.test", "MX", False, "udp", {}, "NOERROR, 0 answers, SOA in authority (NODATA)"),
    ("nodata_v6only_a", "v6only.example.test", "A", False, "udp", {}, "NODATA: name has only AAAA"),
    ("big_udp_noedns", "big.example.test", "A", False, "udp", {}, "40 A RRs > 512 bytes: UDP without EDNS -> TC=1 (truncated)"),
    ("big_udp_edns", "big.example.test", "A", True, "udp", {}, "same with EDNS udp 4096 -> full answer over UDP"),
    ("big_tcp", "big.example.test", "A", False, "tcp", {}, "same over TCP -> full answer, TC=0"),
    ("refused_outside", "example.org", "A", False, "udp", {}, "name outside served zones -> nsd REFUSED(5)"),
]


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        assert 0 < len(raw) < 64
        out += struct.pack("!B", len(raw)) + raw
    return out + b"\x00"


def build_query(qname, qtype, edns, qid=QID, rd=True):
    flags = 0x0100 if rd else 0x0000
    header = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0)
    q = encode_name(qname) + struct.pack("!HH", TYPES[qtype], 1)
    opt = b""
    if edns:
        # root name, TYPE=OPT, CLASS=udp payload 4096, TTL=ext-rcode/version/flags 0, RDLEN 0
        opt = b"\x00" + struct.pack("!HHIH", 41, 4096, 0, 0)
    return header + q + opt


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("short read")
        buf += chunk
    return buf


def ask(server, port, query, transport, timeout=3.0):
    if transport == "udp":
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(query, (server, port))
            data, _ = s.recvfrom(65535)
            return data
    with socket.create_connection((server, port), timeout=timeout) as s:
        s.sendall(struct.pack("!H", len(query)) + query)
        (n,) = struct.unpack("!H", recv_exact(s, 2))
        return recv_exact(s, n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", default="127.0.0.2")
    ap.add_argument("--port", type=int, default=5300)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--manifest", action="store_true", help="print manifest lines and exit")
    args = ap.parse_args()

    for case, qname, qtype, edns, transport, extra, what in CASES:
        qid = extra.get("id", QID)
        rd = extra.get("rd", True)
        if args.manifest:
            flags = ("RD" if rd else "no RD") + (", EDNS0 udp=4096" if edns else ", no EDNS")
            print(f"- `{case}.bin` / `{case}.query.bin`: {qname} {qtype} IN, id=0x{qid:04x}, {flags}, "
                  f"{transport.upper()} to {args.server}#{args.port} (nsd) -- {what}")
            continue
        if not args.server.startswith("127.") and args.server != "::1":
            sys.exit("refusing to query a non-loopback server")
        query = build_query(qname, qtype, edns, qid, rd)
        reply = ask(args.server, args.port, query, transport)
        if reply[:2] != query[:2]:
            sys.exit(f"{case}: ID mismatch")
        with open(os.path.join(args.out, case + ".query.bin"), "wb") as f:
            f.write(query)
        with open(os.path.join(args.out, case + ".bin"), "wb") as f:
            f.write(reply)
        flags = struct.unpack("!H", reply[2:4])[0]
        counts = struct.unpack("!HHHH", reply[4:12])
        print(f"{case:20s} {len(reply):5d} bytes rcode={flags & 0xF} tc={(flags >> 9) & 1} "
              f"an/ns/ar={counts[1]}/{counts[2]}/{counts[3]}")


if __name__ == "__main__":
    main()
