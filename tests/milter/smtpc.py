#!/usr/bin/env python3
"""smtpc.py - a small SMTP client for the real-MTA milter tests.

Usage: smtpc.py HOST:PORT [-d] [-f FROM] [-i ID] [-t SECONDS] [-w FILE] RCPT...

Sends one message over one SMTP session: EHLO, MAIL FROM:<FROM>, one
RCPT TO per RCPT argument, then DATA if any recipient was accepted. An
RCPT argument is an address, optionally followed by ESMTP parameters in
the same argument: "a@b.test NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@y".
The message carries the header "X-Test-Id: ID" (default: test), so the
sink's copy can be matched to it.

Prints every reply the client saw, one line each, the lines of a
multi-line reply joined with " | ":

    mail: 250 2.1.0 Ok
    rcpt <a@b.test>: 250 2.1.5 Ok
    rcpt <old@example.net>: 550 5.7.1 Moved away
    data: 354 End data with <CR><LF>.<CR><LF>
    eom: 250 2.0.0 Ok: queued as 4XbJ2p1

"data: skipped" when no recipient was accepted, unless -d: then DATA is
sent all the same, to see the server refuse it (were it accepted, an
empty message follows). With -w FILE, the
client sends the message but holds back its final "." line: it creates
FILE, waits until someone removes it (at most 60 s), then ends the data. Exit 0 when the session
ran to QUIT (whatever the replies), 1 when the connection failed.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from smtpclient import Session, read_reply          # noqa: E402


def main():
    args = sys.argv[1:]
    sender, ident, timeout, hold = "sender@client.test", "test", 30.0, None
    always_data = False
    rcpts = []
    while args:
        a = args.pop(0)
        if a == "-f":
            sender = args.pop(0)
        elif a == "-i":
            ident = args.pop(0)
        elif a == "-t":
            timeout = float(args.pop(0))
        elif a == "-w":
            hold = args.pop(0)
        elif a == "-d":
            always_data = True
        elif a.startswith("-") and not rcpts and ":" not in a:
            raise SystemExit(__doc__)
        else:
            rcpts.append(a)
    if len(rcpts) < 2:
        raise SystemExit(__doc__)
    host, port = rcpts.pop(0).rsplit(":", 1)
    try:
        smtp = Session(host, int(port), timeout, "client.test")
        cmd = smtp.cmd
        print("mail: %s %s" % cmd("MAIL FROM:<%s>" % sender))
        accepted = 0
        for r in rcpts:
            words = r.split()
            code, text = cmd("RCPT TO:<%s>%s" % (
                words[0], "".join(" " + w for w in words[1:])))
            print("rcpt <%s>: %s %s" % (words[0], code, text))
            accepted += code.startswith("2")
        if accepted:
            print("data: %s %s" % cmd("DATA"))
            smtp.sock.sendall(smtp.text(sender, ident).encode())
            if hold:
                open(hold, "w").close()
                end = time.time() + 60
                while os.path.exists(hold) and time.time() < end:
                    time.sleep(0.05)
            smtp.sock.sendall(b".\r\n")
            print("eom: %s %s" % read_reply(smtp.f))
        elif always_data:
            code, text = cmd("DATA")
            print("data: %s %s" % (code, text))
            if code == "354":
                smtp.sock.sendall(b".\r\n")
                print("eom: %s %s" % read_reply(smtp.f))
        else:
            print("data: skipped")
        smtp.close()
    except (OSError, EOFError) as e:
        print("error: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
