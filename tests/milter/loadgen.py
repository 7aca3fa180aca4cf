#!/usr/bin/env python3
"""loadgen.py - a bounded SMTP load generator that records, per message,
when its first RCPT was sent and answered, and checks the sink's copy.

  loadgen.py send --server HOST:PORT --out FILE [--messages N]
      [--duration SECONDS] [--sessions S] [--per-conn K]
      [--rcpt TEMPLATE]... [--retry SECONDS]

Sends N messages (ids m00000, m00001, ...), message i due at
start + i * DURATION / N, over S concurrent SMTP sessions of at most K
messages each. Each message has the recipients TEMPLATE with {id}
replaced (default u1+{id}@load.test and u2+{id}@load.test) and the header
"X-Test-Id: ID". Without --retry a failed attempt is final; with it, a
message whose attempt got anything but 2xx/3xx (or a broken connection)
is tried again on a new connection after a pause, until SECONDS have
passed since the start. Every attempt is one line of FILE, tab-separated:

    id  attempt  t_rcpt_sent  t_rcpt_answered  outcome  stage  reply

with times in seconds since the epoch (time.time(), the clock `date
+%s.%N` reads), outcome ok / temp / perm / error, stage the step that
decided (eom for ok). Prints "sent N ok N attempts N" at the end.

  loadgen.py swap --milter SOCKET --map PATH --template FILE --out FILE
      [--maptool PATH] [--versions N] [--interval SECONDS] [--first S]
      [--usr1 PID] [--hup CONFIG]

Writes versions 1..N of a map (default 10) over PATH, one every
INTERVAL seconds after FIRST: FILE's text with {v} replaced by the
version, compiled with `maptool compile -o PATH` (which renames the new
map into place). Odd versions are left to the milter's once-a-second
file check; with --usr1, even versions are also announced with SIGUSR1
to PID. With --hup too, every fourth version (4, 8, ...) goes instead to
a new file, PATH-vV, which CONFIG (the milter's configuration file, one
"map = PATH" line in it) is rewritten to name before SIGHUP is sent to
PID; the versions after it are written over that file. After each, probes the milter directly on SOCKET (the milter
protocol, as tests/milter/rawmilter.py speaks it) every 10 ms with RCPT
u1+probe@load.test until the answer comes from the new version (a
recipient box-V.u1+probe@sink.test). One line per version in FILE:

    V  INSTALLED  SEEN  COMPILED  SIGNALLED

INSTALLED is taken before maptool starts, COMPILED when it is done.

  loadgen.py check --attempts FILE --sink INDEX [--swaps FILE]
      [--rcpts N]

INDEX has one line per message the sink received: "ID rcpt rcpt ...".
A delivered recipient looks like box-V.uN+ID@sink.test (V the map
version; without --swaps, any box). SWAPS has one line per map version
after the first: "V INSTALLED SEEN", INSTALLED the time before the new
map was written (the milter cannot have loaded it before), SEEN the time
a direct probe of the milter first answered with it (it had loaded it
by then). Version V served a transaction whose snapshot was taken at s
iff SWAP(V) <= s < SWAP(V+1); s lies between t_rcpt_sent and
t_rcpt_answered of the message's successful attempt, and SWAP(V) lies in
[INSTALLED(V), SEEN(V)]. So V is possible only if INSTALLED(V) <=
t_rcpt_answered and t_rcpt_sent < SEEN(V+1); a message whose window
[t_rcpt_sent, t_rcpt_answered] overlaps no [INSTALLED, SEEN] interval has
exactly one possible version. Prints "name value" lines:

    messages, ok_once (one successful attempt), failed_attempts,
    retried (messages that needed more than one attempt), delivered_once,
    missing, duplicated, bad_rcpts (not N recipients of the right form
    and id), mixed_versions (recipients of one message from two maps),
    wrong_version, ambiguous, exact, versions (the versions delivered),
    accepted_not_delivered, failed_but_delivered, temp_attempts,
    perm_attempts, error_attempts (failed attempts by outcome)

and "# ..." lines naming the first offenders.
"""
import argparse
import os
import queue
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import smtpclient                                   # noqa: E402
import rawmilter                                    # noqa: E402
from smtpclient import outcome                      # noqa: E402


class Session(smtpclient.Session):
    """A load session: one transaction per send()."""

    def __init__(self, host, port, timeout=60):
        smtpclient.Session.__init__(self, host, port, timeout, "load.client.test")

    def send(self, ident, rcpts):
        """One transaction: (outcome, stage, reply, t_sent, t_answered)."""
        t0 = t1 = 0.0
        code, text = self.cmd("MAIL FROM:<load@client.test>")
        if code[0] != "2":
            self.cmd("RSET")
            return outcome(code), "mail", code + " " + text, t0, t1
        for i, r in enumerate(rcpts):
            if i == 0:
                t0 = time.time()
            code, text = self.cmd("RCPT TO:<%s>" % r)
            if i == 0:
                t1 = time.time()
            if code[0] != "2":
                self.cmd("RSET")
                return outcome(code), "rcpt", code + " " + text, t0, t1
        code, text = self.cmd("DATA")
        if code != "354":
            self.cmd("RSET")
            return outcome(code), "data", code + " " + text, t0, t1
        code, text = self.message("load@client.test", ident, "load test")
        return outcome(code), "eom", code + " " + text, t0, t1


def cmd_send(a):
    host, port = a.server.rsplit(":", 1)
    port = int(port)
    rcpts = a.rcpt or ["u1+{id}@load.test", "u2+{id}@load.test"]
    start = time.time()
    work = queue.Queue()
    for i in range(a.messages):
        work.put((start + i * a.duration / a.messages, "m%05d" % i, 1))
    out = open(a.out, "w")
    lock = threading.Lock()
    state = {"ok": 0, "attempts": 0, "pending": a.messages}
    deadline = start + (a.retry or 0)

    def record(ident, attempt, res):
        oc, stage, reply, t0, t1 = res
        with lock:
            out.write("%s\t%d\t%.6f\t%.6f\t%s\t%s\t%s\n"
                      % (ident, attempt, t0, t1, oc, stage, reply))
            out.flush()
            state["attempts"] += 1
            if oc == "ok":
                state["ok"] += 1
            retry = oc != "ok" and a.retry and time.time() < deadline
            if not retry:
                state["pending"] -= 1
            return retry

    def worker():
        sess, used = None, 0
        while True:
            with lock:
                if state["pending"] <= 0:
                    break
            try:
                due, ident, attempt = work.get(timeout=0.2)
            except queue.Empty:
                continue
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            try:
                if sess is None:
                    sess, used = Session(host, port), 0
                res = sess.send(ident, [r.format(id=ident) for r in rcpts])
                used += 1
            except (OSError, EOFError) as e:
                res = ("error", "conn", str(e).replace("\t", " "), 0.0, 0.0)
                try:
                    sess and sess.sock.close()
                except OSError:
                    pass
                sess = None
            if res[0] != "ok" and sess is not None:
                sess.close()            # a fresh session for what follows
                sess = None
            if record(ident, attempt, res):
                work.put((time.time() + a.pause, ident, attempt + 1))
            if sess is not None and used >= a.per_conn:
                sess.close()
                sess = None
        if sess is not None:
            sess.close()

    threads = [threading.Thread(target=worker) for _ in range(a.sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.close()
    print("sent %d ok %d attempts %d" % (a.messages, state["ok"],
                                         state["attempts"]))
    return 0


RCPT = re.compile(r"^box-(\d+)\.u(\d+)\+(m\d+)@sink\.test$")


def cmd_check(a):
    attempts = {}
    for line in open(a.attempts):
        f = line.rstrip("\n").split("\t")
        attempts.setdefault(f[0], []).append(
            (int(f[1]), float(f[2]), float(f[3]), f[4], f[5], f[6]))
    sink = {}
    for line in open(a.sink):
        w = line.split()
        if w:
            sink.setdefault(w[0], []).append(w[1:])
    swaps = {0: (float("-inf"), float("-inf"))}
    if a.swaps:
        for line in open(a.swaps):
            w = line.split()
            if w:
                swaps[int(w[0])] = (float(w[1]), float(w[2]))
    last = max(swaps)
    n = dict.fromkeys(["messages", "ok_once", "failed_attempts", "retried",
                       "delivered_once", "missing", "duplicated",
                       "bad_rcpts", "mixed_versions", "wrong_version",
                       "ambiguous", "exact", "accepted_not_delivered",
                       "failed_but_delivered", "temp_attempts",
                       "perm_attempts", "error_attempts"], 0)
    notes = {}
    seen_versions = set()

    def note(key, text):
        notes.setdefault(key, [])
        if len(notes[key]) < 5:
            notes[key].append(text)

    for ident in sorted(attempts):
        tries = sorted(attempts[ident])
        n["messages"] += 1
        oks = [t for t in tries if t[3] == "ok"]
        bad = [t for t in tries if t[3] != "ok"]
        n["failed_attempts"] += len(bad)
        for t in bad:
            n[t[3] + "_attempts"] += 1
            note("failed_attempts", "%s attempt %d: %s %s" % (ident, t[0],
                                                             t[4], t[5]))
        if len(tries) > 1:
            n["retried"] += 1
        if len(oks) == 1:
            n["ok_once"] += 1
        copies = sink.get(ident, [])
        if not copies:
            n["missing"] += 1
            note("missing", ident)
            if oks:
                n["accepted_not_delivered"] += 1
            continue
        if len(copies) > 1:
            n["duplicated"] += 1
            note("duplicated", "%s: %d copies" % (ident, len(copies)))
            continue
        if not oks:
            n["failed_but_delivered"] += 1
            note("failed_but_delivered", ident)
            continue
        n["delivered_once"] += 1
        rc = copies[0]
        parsed = [RCPT.match(r) for r in rc]
        if len(rc) != a.rcpts or not all(parsed) or \
                any(p.group(3) != ident for p in parsed) or \
                len({p.group(2) for p in parsed}) != a.rcpts:
            n["bad_rcpts"] += 1
            note("bad_rcpts", "%s: %s" % (ident, " ".join(rc)))
            continue
        versions = {int(p.group(1)) for p in parsed}
        if len(versions) != 1:
            n["mixed_versions"] += 1
            note("mixed_versions", "%s: %s" % (ident, " ".join(rc)))
            continue
        v = versions.pop()
        seen_versions.add(v)
        if not a.swaps:
            continue
        _, t_sent, t_answered = oks[0][:3]
        possible = [u for u in sorted(swaps)
                    if swaps[u][0] <= t_answered
                    and (u == last or t_sent < swaps[u + 1][1])]
        if v not in possible:
            n["wrong_version"] += 1
            note("wrong_version", "%s: got %d, possible %s (rcpt %.3f-%.3f)"
                 % (ident, v, possible, t_sent, t_answered))
        elif len(possible) == 1:
            n["exact"] += 1
        else:
            n["ambiguous"] += 1
    for ident in sorted(set(sink) - set(attempts)):
        n["duplicated"] += 1
        note("duplicated", "%s: at the sink, never sent" % ident)
    for k, v in n.items():
        print("%s %d" % (k, v))
    print("versions %s" % ",".join(str(v) for v in sorted(seen_versions)))
    for k in notes:
        for t in notes[k]:
            print("# %s: %s" % (k, t))
    return 0


def probe_version(spec):
    """The map version the milter serves now, by a direct RCPT + EOM."""
    m = rawmilter.Peer(spec, 0x1ff, timeout=10)
    try:
        m.rcpt(["<u1+probe@load.test>"])
        for line in m.eom():
            mt = re.search(r"<box-(\d+)\.u1\+probe@sink\.test>", line)
            if mt:
                return int(mt.group(1))
    finally:
        m.sock.close()
    return -1


def cmd_swap(a):
    import os
    import signal
    import subprocess
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    template = open(a.template).read()
    out = open(a.out, "w")
    time.sleep(a.first)
    tmp = a.map + ".src"
    path = a.map
    for v in range(1, a.versions + 1):
        t_next = time.time() + a.interval
        by_config = a.hup and a.usr1 and v % 4 == 0
        if by_config:
            path = "%s-v%d" % (a.map, v)
        with open(tmp, "w") as f:
            f.write(template.replace("{v}", str(v)))
        installed = time.time()
        rc = subprocess.call([a.maptool, "compile", "-o", path, tmp])
        compiled = time.time()
        if rc != 0:
            print("maptool compile failed for version %d" % v)
            return 1
        signalled = 0
        if by_config:
            with open(a.hup) as f:
                conf = f.read()
            with open(a.hup + ".new", "w") as f:
                f.write(re.sub(r"(?m)^map = .*$", "map = " + path, conf))
            os.rename(a.hup + ".new", a.hup)
            os.kill(a.usr1, signal.SIGHUP)
            signalled = 2
        elif a.usr1 and v % 2 == 0:
            os.kill(a.usr1, signal.SIGUSR1)
            signalled = 1
        seen = None
        while time.time() < compiled + 10:
            try:
                if probe_version(a.milter) == v:
                    seen = time.time()
                    break
            except (OSError, rawmilter.Closed):
                pass
            time.sleep(0.01)
        if seen is None:
            print("version %d not served within 10 s" % v)
            return 1
        out.write("%d %.6f %.6f %.6f %d\n"
                  % (v, installed, seen, compiled, signalled))
        out.flush()
        delay = t_next - time.time()
        if delay > 0:
            time.sleep(delay)
    out.close()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("--server", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--messages", type=int, default=600)
    s.add_argument("--duration", type=float, default=30.0)
    s.add_argument("--sessions", type=int, default=8)
    s.add_argument("--per-conn", type=int, default=5)
    s.add_argument("--rcpt", action="append")
    s.add_argument("--retry", type=float, default=0.0)
    s.add_argument("--pause", type=float, default=1.0)
    w = sub.add_parser("swap")
    w.add_argument("--milter", required=True)
    w.add_argument("--map", required=True)
    w.add_argument("--template", required=True)
    w.add_argument("--out", required=True)
    w.add_argument("--maptool", default="maptool")
    w.add_argument("--versions", type=int, default=10)
    w.add_argument("--interval", type=float, default=2.5)
    w.add_argument("--first", type=float, default=2.0)
    w.add_argument("--usr1", type=int, default=0)
    w.add_argument("--hup")
    c = sub.add_parser("check")
    c.add_argument("--attempts", required=True)
    c.add_argument("--sink", required=True)
    c.add_argument("--swaps")
    c.add_argument("--rcpts", type=int, default=2)
    a = p.parse_args()
    return {"send": cmd_send, "swap": cmd_swap, "check": cmd_check}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
