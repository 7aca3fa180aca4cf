-- reject.lua - error: values reject at RCPT time with the map's reply;
-- a 4xx code tempfails. The exact text is checked by mtclient.py.
dofile(LIB)
local conn = open()
check(rcpt(conn, "<nobody@inkacoca.org>") == "replycode",
      "reject: nouser answered with a reply code")
check(rcpt(conn, "<old@example.net>") == "replycode",
      "reject: error:5.7.1:550 answered with a reply code")
check(rcpt(conn, "<busy@example.net>") == "replycode",
      "reject: error:4.2.1:450 answered with a reply code")
check(rcpt(conn, "<diego1@inkacoca.org>") == "continue",
      "reject: other recipients still accepted")
check(eom(conn) == "continue", "reject: end of message")
check(not deleted(conn, "<nobody@inkacoca.org>"),
      "reject: a rejected recipient is not touched at end of message")
check(added(conn, "<diego1@lima.inkacoca.org>"),
      "reject: the accepted one is rewritten")
close(conn)
