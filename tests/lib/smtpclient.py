"""smtpclient.py - the one SMTP client of the tests.

Session(HOST, PORT, TIMEOUT, HELO) opens a session: greeting read, EHLO
sent. session.cmd(LINE) sends one command and returns the reply as
(CODE, TEXT), the lines of a multi-line reply joined with " | ";
session.message(SENDER, ID, BODY_TO) sends the message text (headers
"X-Test-Id: ID" and Subject naming ID) and the final "." and returns
that reply; session.close() sends QUIT. Connection failures raise
OSError, a closed connection or a refused greeting/EHLO EOFError.

Used by tests/lib/smtpsend.py (messages into the simulated network),
tests/milter/smtpc.py (one message, every reply printed) and
tests/milter/loadgen.py (load); the last two find it through sys.path.
"""
import socket
import time


def read_reply(f):
    """One SMTP reply from the file F: (CODE, TEXT)."""
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise EOFError("connection closed")
        line = line.decode("utf-8", "replace").rstrip("\r\n")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            break
    return lines[-1][:3], " | ".join(l[4:] for l in lines)


def outcome(code):
    """ok, temp, perm or error for a reply code."""
    return {"2": "ok", "4": "temp", "5": "perm"}.get(code[:1], "error")


class Session:
    """An SMTP session, greeted and EHLO sent."""

    def __init__(self, host, port, timeout=60, helo="client.test"):
        self.sock = socket.create_connection((host, port), min(timeout, 30))
        self.sock.settimeout(timeout)
        self.f = self.sock.makefile("rb")
        code, text = read_reply(self.f)
        if code[0] != "2":
            raise EOFError("greeting %s %s" % (code, text))
        code, text = self.cmd("EHLO " + helo)
        if code[0] != "2":
            raise EOFError("ehlo %s %s" % (code, text))

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return read_reply(self.f)

    def text(self, sender, ident, to="undisclosed-recipients:;"):
        """The message text for ID, without the final "."."""
        return ("From: <%s>\r\nTo: %s\r\nSubject: mailswitch test %s\r\n"
                "X-Test-Id: %s\r\nDate: %s\r\n\r\nTest message %s.\r\n"
                % (sender, to, ident, ident,
                   time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                   ident))

    def message(self, sender, ident, to="undisclosed-recipients:;"):
        """After DATA's 354: the text and ".", and the reply to it."""
        self.sock.sendall((self.text(sender, ident, to) + ".\r\n").encode())
        return read_reply(self.f)

    def close(self):
        try:
            self.cmd("QUIT")
        except (OSError, EOFError):
            pass
        self.sock.close()
