#!/usr/bin/env python3
"""mtclient.py - play the MTA side of the milter protocol, for tests.

Usage: mtclient.py SOCKET [ACTIONS] < script

SOCKET is unix:/path or inet:port@host. ACTIONS (default 0x1ff: all
actions, ADDRCPT_PAR included) is what the "MTA" offers. The script has
one command a line:

    rcpt ADDRESS [ESMTP-ARG...]    send RCPT, print the milter's answer
    macro STAGE NAME VALUE         send a macro before the next command
    eom                            end of message: print every request
    abort                          abort the transaction
    sleep SECONDS                  wait
    time                           print "time: SECONDS" (since the epoch)
    # text                         ignored

Steps the milter did not negotiate away (connect, helo, mail, data, eoh)
are filled in with fixed data, as an MTA would send them. Output is one
line per answer, e.g. "rcpt <a@b>: reply 550 5.1.1 User unknown",
"eom: addrcpt_par <x@y> ORCPT=rfc822;a@b", "eom: continue". miltertest
cannot show the text of a RCPT reply or ADDRCPT_PAR requests; this can.
"""
import socket
import struct
import sys
import time

SMFIP_NOCONNECT, SMFIP_NOHELO, SMFIP_NOMAIL = 0x1, 0x2, 0x4
SMFIP_NOBODY, SMFIP_NOHDRS, SMFIP_NOEOH = 0x10, 0x20, 0x40
SMFIP_NODATA = 0x200
NR = {"C": 0x1000, "H": 0x2000, "M": 0x4000, "R": 0x8000, "T": 0x10000,
      "N": 0x40000}
ANSWERS = {b"c": "continue", b"a": "accept", b"r": "reject",
           b"t": "tempfail", b"d": "discard"}


class Milter:
    def __init__(self, spec, actions):
        if spec.startswith("unix:") or spec.startswith("local:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(spec.split(":", 1)[1])
        else:
            port, host = spec.split(":", 1)[1].split("@")
            self.sock = socket.create_connection((host, int(port)), 10)
        self.sock.settimeout(10)
        self.send(b"O", struct.pack(">III", 6, actions, 0x1fffff))
        cmd, data = self.read()
        if cmd != b"O":
            raise SystemExit("negotiation refused: %r" % cmd)
        _, self.actions, self.steps = struct.unpack(">III", data[:12])
        self.opened = False

    def send(self, cmd, data=b""):
        self.sock.sendall(struct.pack(">I", len(data) + 1) + cmd + data)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise SystemExit("milter closed the connection")
            buf += chunk
        return buf

    def read(self):
        (length,) = struct.unpack(">I", self.recv_exact(4))
        data = self.recv_exact(length)
        return data[:1], data[1:]

    def step(self, cmd, data, no_step, nr_key):
        """Send a step unless negotiated away; read its reply if any."""
        if self.steps & no_step:
            return None
        self.send(cmd, data)
        if self.steps & NR.get(nr_key, 0):
            return None
        return self.read()

    def open_transaction(self):
        if self.opened:
            return
        self.opened = True
        self.step(b"C", b"client.test\0" + b"4" + struct.pack(">H", 25)
                  + b"127.0.0.1\0", SMFIP_NOCONNECT, "C")
        self.step(b"H", b"client.test\0", SMFIP_NOHELO, "H")
        self.step(b"M", b"<sender@client.test>\0", SMFIP_NOMAIL, "M")

    def rcpt(self, args):
        self.open_transaction()
        self.send(b"R", b"".join(a.encode() + b"\0" for a in args))
        cmd, data = self.read()
        return answer(cmd, data)

    def eom(self):
        self.open_transaction()
        self.step(b"T", b"", SMFIP_NODATA, "T")
        self.step(b"E", b"", SMFIP_NOEOH, "N")
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


def answer(cmd, data):
    if cmd == b"y":
        return "reply " + data.rstrip(b"\0").decode("utf-8", "replace")
    return ANSWERS.get(cmd, "command %r" % cmd)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    actions = int(sys.argv[2], 0) if len(sys.argv) > 2 else 0x1ff
    m = Milter(sys.argv[1], actions)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "rcpt":
            print("rcpt %s: %s" % (" ".join(words[1:]), m.rcpt(words[1:])))
        elif words[0] == "macro":
            stage, name, value = words[1], words[2], " ".join(words[3:])
            m.send(b"D", stage.encode() + name.encode() + b"\0"
                   + value.encode() + b"\0")
        elif words[0] == "eom":
            for out in m.eom():
                print("eom: " + out)
        elif words[0] == "abort":
            m.send(b"A")
            m.opened = False
            print("abort")
        elif words[0] == "sleep":
            time.sleep(float(words[1]))
        elif words[0] == "time":
            print("time: %.6f" % time.time())
        else:
            raise SystemExit("unknown command: " + words[0])
        sys.stdout.flush()
    m.send(b"Q")
    m.sock.close()


if __name__ == "__main__":
    main()
