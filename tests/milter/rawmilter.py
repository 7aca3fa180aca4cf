#!/usr/bin/env python3
"""rawmilter.py - the MTA side of the milter protocol, on the wire.

Every packet is a 4-byte big-endian length, one command byte and its
payload; this speaks it directly (standard library only), the way any
milter peer can, so that tests may send what a well-behaved MTA never
would. Used as a module (class Peer) and as a script:

    rawmilter.py SOCKET [ACTIONS] < script

SOCKET is unix:/path or inet:PORT@HOST; ACTIONS (default 0x1ff, every
action including ADDRCPT_PAR) is what the "MTA" offers. One command a
line:

    rcpt ADDRESS [ESMTP-ARG...]  one RCPT; prints the answer
    rcpts N FORMAT [ARG...]      N RCPTs, FORMAT with one %d (0..N-1);
                                 prints how many got each answer
    eom                          end of message; prints every request
    eom-count                    the same, counted by kind
    abort                        abort the transaction
    touch FILE                   create FILE (tell the test we got here)
    wait FILE                    wait until FILE exists (at most 120 s)

An ESMTP-ARG written NAME=*N is NAME= followed by N 'x' characters.
Answers print as "continue", "tempfail", "reply 550 5.1.1 ...";
requests at EOM as "addrcpt_par <a@b> ARGS", "delrcpt <a@b>". When the
milter closes the connection the script prints "closed" and exits 3.
"""
import os
import socket
import struct
import sys
import time

SMFIP_NOCONNECT, SMFIP_NOHELO, SMFIP_NOMAIL = 0x1, 0x2, 0x4
SMFIP_NOEOH, SMFIP_NODATA = 0x40, 0x200
SMFIP_NR_CONN, SMFIP_NR_HELO, SMFIP_NR_MAIL = 0x1000, 0x2000, 0x4000
SMFIP_NR_DATA, SMFIP_NR_EOH = 0x10000, 0x40000
ANSWERS = {b"c": "continue", b"a": "accept", b"r": "reject",
           b"t": "tempfail", b"d": "discard"}
WAIT_LIMIT = 120


class Closed(Exception):
    """The milter closed the connection."""


class Peer:
    """One connection to a milter, after option negotiation."""

    def __init__(self, spec, actions=0x1FF, timeout=60):
        if spec.startswith(("unix:", "local:")):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(spec.split(":", 1)[1])
        else:
            port, host = spec.split(":", 1)[1].split("@")
            self.sock = socket.create_connection((host, int(port)), timeout)
        self.sock.settimeout(timeout)
        self.send(b"O", struct.pack(">III", 6, actions, 0x1FFFFF))
        cmd, data = self.read()
        if cmd != b"O":
            raise Closed("negotiation refused: %r" % cmd)
        _, self.actions, self.steps = struct.unpack(">III", data[:12])
        self.opened = False

    def send(self, cmd, data=b""):
        packet = struct.pack(">I", len(data) + 1) + cmd + data
        try:
            self.sock.sendall(packet)
        except OSError as e:
            raise Closed(str(e))

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except ConnectionError as e:
                raise Closed(str(e))
            if not chunk:
                raise Closed("end of file")
            buf += chunk
        return buf

    def read(self):
        (length,) = struct.unpack(">I", self.recv_exact(4))
        data = self.recv_exact(length)
        return data[:1], data[1:]

    def step(self, cmd, data, skipped, no_reply):
        """A step the milter did not negotiate away; its reply, if any."""
        if self.steps & skipped:
            return None
        self.send(cmd, data)
        if self.steps & no_reply:
            return None
        return self.read()

    def begin(self):
        if self.opened:
            return
        self.opened = True
        self.step(b"C", b"client.test\0" + b"4" + struct.pack(">H", 25)
                  + b"127.0.0.1\0", SMFIP_NOCONNECT, SMFIP_NR_CONN)
        self.step(b"H", b"client.test\0", SMFIP_NOHELO, SMFIP_NR_HELO)
        self.step(b"M", b"<sender@client.test>\0", SMFIP_NOMAIL,
                  SMFIP_NR_MAIL)

    def rcpt(self, args):
        """RCPT with ARGS (address first, then ESMTP parameters)."""
        self.begin()
        self.send(b"R", b"".join(a.encode() + b"\0" for a in args))
        return answer(*self.read())

    def eom(self):
        """End of message: the milter's requests, then its answer."""
        self.begin()
        self.step(b"T", b"", SMFIP_NODATA, SMFIP_NR_DATA)
        self.step(b"N", b"", SMFIP_NOEOH, SMFIP_NR_EOH)
        self.send(b"E", b"")
        lines = []
        while True:
            cmd, data = self.read()
            parts = [p.decode("utf-8", "replace")
                     for p in data.rstrip(b"\0").split(b"\0")]
            if cmd == b"+":
                lines.append("addrcpt " + parts[0])
            elif cmd == b"2":
                lines.append("addrcpt_par " + " ".join(parts))
            elif cmd == b"-":
                lines.append("delrcpt " + parts[0])
            elif cmd == b"p":
                continue
            else:
                lines.append(answer(cmd, data))
                break
        self.opened = False
        return lines

    def abort(self):
        self.send(b"A")
        self.opened = False

    def close(self):
        try:
            self.send(b"Q")
        except Closed:
            pass
        self.sock.close()


def answer(cmd, data):
    if cmd == b"y":
        return "reply " + data.rstrip(b"\0").decode("utf-8", "replace")
    return ANSWERS.get(cmd, "command %r" % cmd)


def expand(arg):
    """NAME=*N: NAME= and N x's (long parameters without long scripts)."""
    name, eq, value = arg.partition("=")
    if eq and value.startswith("*") and value[1:].isdigit():
        return name + "=" + "x" * int(value[1:])
    return arg


def counted(items):
    n = {}
    for item in items:
        n[item] = n.get(item, 0) + 1
    return ", ".join("%d %s" % (c, k) for k, c in sorted(n.items()))


def wait_file(path):
    end = time.monotonic() + WAIT_LIMIT
    while not os.path.exists(path):
        if time.monotonic() > end:
            raise SystemExit("timed out waiting for " + path)
        time.sleep(0.02)


def run(peer, words):
    cmd, args = words[0], [expand(w) for w in words[1:]]
    if cmd == "rcpt":
        return ["rcpt %s: %s" % (args[0], peer.rcpt(args))]
    if cmd == "rcpts":
        fmt, rest = args[1], args[2:]
        got = [peer.rcpt([fmt % i] + rest) for i in range(int(args[0]))]
        return ["rcpts %s: %s" % (args[0], counted(got))]
    if cmd == "eom":
        return ["eom: " + line for line in peer.eom()]
    if cmd == "eom-count":
        lines = peer.eom()
        kinds = [line.split(" ")[0] for line in lines[:-1]]
        return ["eom: %s; %s" % (counted(kinds) or "no changes", lines[-1])]
    if cmd == "abort":
        peer.abort()
        return ["abort"]
    if cmd == "touch":
        open(args[0], "a").close()
        return []
    if cmd == "wait":
        wait_file(args[0])
        return []
    raise SystemExit("unknown command: " + cmd)


def play(peer, run, lines):
    """Each script line of LINES (but blank ones and # comments) through
    RUN(peer, words); what it returns is printed at once."""
    for line in lines:
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        for out in run(peer, words):
            print(out)
        sys.stdout.flush()


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    actions = int(sys.argv[2], 0) if len(sys.argv) > 2 else 0x1FF
    try:
        peer = Peer(sys.argv[1], actions)
        play(peer, run, sys.stdin)
        peer.close()
    except (Closed, OSError) as e:
        print("closed (%s)" % e)
        sys.exit(3)


if __name__ == "__main__":
    main()
