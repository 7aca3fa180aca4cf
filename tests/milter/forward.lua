-- forward.lua - a recipient the map forwards is deleted, exactly as
-- given, and its replacement added, at end of message only.
dofile(LIB)
local conn = open()
queue_id(conn, "FWD1")
check(rcpt(conn, "<DIEGO1@INKACOCA.ORG>") == "continue",
      "forward: RCPT continues")
check(eom(conn) == "continue", "forward: end of message continues")
check(deleted(conn, "<DIEGO1@INKACOCA.ORG>"),
      "forward: original deleted exactly as given")
check(added(conn, "<diego1@lima.inkacoca.org>"),
      "forward: replacement added")
check(not added(conn, "<DIEGO1@INKACOCA.ORG>"),
      "forward: original not added back")

-- A second message on the same connection. (miltertest keeps the
-- first message's requests until a MAIL, which the milter negotiated
-- away, so "nothing left over" is checked with mtclient.py instead.)
check(rcpt(conn, "<diego1@switch.inkacoca.org>") == "continue",
      "forward: second message RCPT")
check(eom(conn) == "continue", "forward: second message end")
check(deleted(conn, "<diego1@switch.inkacoca.org>"),
      "forward: chain through @switch deleted")
check(added(conn, "<diego1@lima.inkacoca.org>"),
      "forward: chain resolved to the final address")
close(conn)
