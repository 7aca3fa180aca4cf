#!/usr/bin/env python3
"""smtpsend.py - send test messages over SMTP and print every reply
(with tests/lib/smtpclient.py, the tests' one SMTP client).

usage: smtpsend.py [options] HOST[:PORT] RCPT...

  --from ADDR       envelope sender (default tester@sender.example.net)
  --id ID           X-Test-Id header and Subject; "{n}" is replaced by the
                    message number when --count is given
  --count N         send N messages, one connection each (default 1)
  --interval SECS   pause between messages (default 0)
  --log FILE        append "N TIME ID" when a message is accepted
  --stop FILE       stop before the next message once FILE exists
  --timeout SECS    socket timeout (default 20)

For each message: one line per recipient, "rcpt ADDR CODE TEXT", then
"data CODE TEXT" when at least one recipient was accepted. Exit status:
0 when every message was accepted for at least one recipient, 1 when
some was not, 2 on a connection or protocol error.
"""
import argparse
import os
import sys
import time

from smtpclient import Session


def one_message(args, number):
    msg_id = args.id.replace("{n}", str(number))
    host, _, port = args.host.partition(":")
    smtp = Session(host, int(port or 25), args.timeout, "sender.example.net")
    try:
        code, text = smtp.cmd("MAIL FROM:<%s>" % args.sender)
        if code != "250":
            print("mail %s %s" % (code, text))
            return 1
        accepted = 0
        for rcpt in args.rcpt:
            code, text = smtp.cmd("RCPT TO:<%s>" % rcpt)
            print("rcpt %s %s %s" % (rcpt, code, text))
            accepted += code in ("250", "251")
        if not accepted:
            smtp.cmd("RSET")
            return 1
        code, text = smtp.cmd("DATA")
        if code == "354":
            code, text = smtp.message(args.sender, msg_id, ", ".join(args.rcpt))
        print("data %s %s" % (code, text))
        if code != "250":
            return 1
        if args.log:
            with open(args.log, "a") as log:
                log.write("%d %.3f %s\n" % (number, time.time(), msg_id))
        return 0
    finally:
        smtp.close()


def main():
    p = argparse.ArgumentParser(description="send test messages over SMTP")
    p.add_argument("--from", dest="sender", default="tester@sender.example.net")
    p.add_argument("--id", default="test")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=float, default=0)
    p.add_argument("--log")
    p.add_argument("--stop")
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("host")
    p.add_argument("rcpt", nargs="+")
    args = p.parse_args()
    status = 0
    try:
        for number in range(1, args.count + 1):
            if args.stop and os.path.exists(args.stop):
                break
            status |= one_message(args, number)
            sys.stdout.flush()
            if args.interval and number < args.count:
                time.sleep(args.interval)
    except (OSError, EOFError) as e:
        print("error %s" % e)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main())
