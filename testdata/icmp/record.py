#!/usr/bin/env python3
"""Records real ICMP replies from the local kernel into testdata/icmp/ (run as root).

Sends one echo request (id 0x4242, seq 1, payload b"nettoolkit-icmp!" * 3) to 127.0.0.1 over
a raw socket and saves the reply exactly as a raw IPv4 socket receives it (IP header included),
then the same over ICMPv6 to ::1 (a raw ICMPv6 socket delivers no IP header). Loopback only.
"""
import os
import socket
import struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


PAYLOAD = b"nettoolkit-icmp!" * 3
here = os.path.dirname(os.path.abspath(__file__))


def record(family, proto, dest, req_type, reply_type, name):
    s = socket.socket(family, socket.SOCK_RAW, proto)
    s.settimeout(2)
    hdr = struct.pack("!BBHHH", req_type, 0, 0, 0x4242, 1)
    pkt = hdr + PAYLOAD
    if family == socket.AF_INET:
        pkt = struct.pack("!BBHHH", req_type, 0, checksum(pkt), 0x4242, 1) + PAYLOAD
    s.sendto(pkt, (dest, 0))
    while True:
        data = s.recv(65536)
        off = (data[0] & 0x0F) * 4 if family == socket.AF_INET else 0
        if data[off] == reply_type and struct.unpack("!H", data[off + 4:off + 6])[0] == 0x4242:
            break
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
    print(name, len(data), "bytes")


record(socket.AF_INET, socket.IPPROTO_ICMP, "127.0.0.1", 8, 0, "echo_reply_v4.bin")
record(socket.AF_INET6, socket.IPPROTO_ICMPV6, "::1", 128, 129, "echo_reply_v6.bin")
