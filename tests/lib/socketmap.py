#!/usr/bin/env python3
"""socketmap.py - the one socketmap (netstring) client of the tests.

As a module: Client(spec) connects to unix:PATH or inet:PORT@HOST;
ask(name, key) sends one request and returns the answer's payload;
send(bytes) / recv() for raw frames (pipelining, malformed input);
closed(timeout) tells whether the server hung up.

As a command:
  socketmap.py SPEC NAME KEY...      one request per KEY on one connection,
                                     each answer on a line: KEY<TAB>ANSWER
  socketmap.py SPEC -                the same, "NAME KEY" lines on stdin
Exit 0 if every request got an answer, 1 on a protocol or connection error.
"""
import socket
import sys

TIMEOUT = 10.0


def frame(payload):
    """PAYLOAD (bytes) as a netstring."""
    return b"%d:%s," % (len(payload), payload)


def connect(spec, timeout=TIMEOUT):
    """A socket connected to unix:PATH or inet:PORT@HOST."""
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # blocking: a full listen queue makes connect() wait, not fail
        s.connect(spec[5:])
        s.settimeout(timeout)
        return s
    if spec.startswith("inet:"):
        port, _, host = spec[5:].partition("@")
        s = socket.create_connection((host or "127.0.0.1", int(port)),
                                     timeout=timeout)
        return s
    raise ValueError("socket spec %r: want unix:PATH or inet:PORT@HOST" % spec)


class ProtocolError(Exception):
    pass


class Client:
    def __init__(self, spec, timeout=TIMEOUT):
        self.sock = connect(spec, timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the server closed the connection")
        self.buf += data

    def recv(self):
        """The payload of the next netstring from the server (bytes)."""
        while True:
            colon = self.buf.find(b":")
            if colon > 0:
                if not self.buf[:colon].isdigit():
                    raise ProtocolError("bad length %r" % self.buf[:colon])
                n = int(self.buf[:colon])
                end = colon + 1 + n
                if len(self.buf) > end:
                    if self.buf[end:end + 1] != b",":
                        raise ProtocolError("no comma after %d bytes" % n)
                    payload = self.buf[colon + 1:end]
                    self.buf = self.buf[end + 1:]
                    return payload
            elif colon == 0 or len(self.buf) > 7:
                raise ProtocolError("bad frame start %r" % self.buf[:16])
            self._fill()

    def ask(self, name, key):
        """The answer to NAME KEY, as text ("OK value", "NOTFOUND ", ...)."""
        self.send(frame(("%s %s" % (name, key)).encode()))
        return self.recv().decode()

    def closed(self, timeout=TIMEOUT):
        """True when the server hangs up (unread data discarded)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    client = Client(argv[1])
    if argv[2] == "-":
        pairs = [line.rstrip("\n").split(" ", 1) for line in sys.stdin
                 if line.strip()]
    else:
        pairs = [(argv[2], key) for key in argv[3:]]
    try:
        for name, key in pairs:
            print("%s\t%s" % (key, client.ask(name, key)))
    except (EOFError, ProtocolError, OSError) as e:
        sys.stderr.write("socketmap.py: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
