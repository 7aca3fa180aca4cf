-- twice.lua - two recipients for the same mailbox: both deleted, the
-- mailbox added (mtclient.py checks it is added only once).
dofile(LIB)
local conn = open()
check(rcpt(conn, "<diego1@inkacoca.org>") == "continue", "twice: first RCPT")
check(rcpt(conn, "<DIEGO1@switch.inkacoca.org>") == "continue",
      "twice: second RCPT, other case and domain")
check(rcpt(conn, "<diego1@inkacoca.org>") == "continue",
      "twice: the very same address again")
check(eom(conn) == "continue", "twice: end of message")
check(deleted(conn, "<diego1@inkacoca.org>"), "twice: first deleted")
check(deleted(conn, "<DIEGO1@switch.inkacoca.org>"), "twice: second deleted")
check(added(conn, "<diego1@lima.inkacoca.org>"), "twice: mailbox added")
close(conn)
