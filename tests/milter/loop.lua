-- loop.lua - a rewrite cycle tempfails the recipient, never hangs.
dofile(LIB)
local conn = open()
check(rcpt(conn, "<x@a.test>") == "replycode", "loop: cycle answered 4xx")
check(rcpt(conn, "<diego1@inkacoca.org>") == "continue",
      "loop: the connection goes on")
check(eom(conn) == "continue", "loop: end of message")
check(not deleted(conn, "<x@a.test>"), "loop: looping recipient untouched")
close(conn)
