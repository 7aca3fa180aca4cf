-- catchall.lua - @domain entries with %1 keep the sender's case.
dofile(LIB)
local conn = open()
check(rcpt(conn, "<Some.One@example.org>") == "continue", "catchall: RCPT")
check(eom(conn) == "continue", "catchall: end of message")
check(added(conn, "<Some.One@mail.example.net>"),
      "catchall: %1 keeps the local part as written")
check(deleted(conn, "<Some.One@example.org>"), "catchall: original deleted")
close(conn)
-- nobody@switch -> nobody@inkacoca.org, which the @inkacoca.org
-- catch-all rejects: the chain is followed to its end before RCPT is
-- answered.
conn = open()
check(rcpt(conn, "<nobody@switch.inkacoca.org>") == "replycode",
      "catchall: a chain ending in error: is rejected at RCPT")
close(conn)
