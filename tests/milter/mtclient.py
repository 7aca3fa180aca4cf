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
The protocol itself is rawmilter.py's (class Peer); this is its script
front end with a 10 s timeout, as the milter tests have always used it.
"""
import sys
import time

from rawmilter import Closed, Peer, play


def run(peer, words):
    """One script line; the lines it prints."""
    cmd, args = words[0], words[1:]
    if cmd == "rcpt":
        return ["rcpt %s: %s" % (" ".join(args), peer.rcpt(args))]
    if cmd == "macro":
        stage, name, value = args[0], args[1], " ".join(args[2:])
        peer.send(b"D", stage.encode() + name.encode() + b"\0"
                  + value.encode() + b"\0")
        return []
    if cmd == "eom":
        return ["eom: " + out for out in peer.eom()]
    if cmd == "abort":
        peer.abort()
        return ["abort"]
    if cmd == "sleep":
        time.sleep(float(args[0]))
        return []
    if cmd == "time":
        return ["time: %.6f" % time.time()]
    raise SystemExit("unknown command: " + cmd)


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    actions = int(sys.argv[2], 0) if len(sys.argv) > 2 else 0x1ff
    try:
        peer = Peer(sys.argv[1], actions, timeout=10)
        play(peer, run, sys.stdin)
        peer.send(b"Q")
    except Closed as e:
        raise SystemExit("milter closed the connection (%s)" % e)
    peer.sock.close()


if __name__ == "__main__":
    main()
