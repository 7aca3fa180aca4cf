-- local.lua - a value without @ is a local name.
dofile(LIB)
local conn = open()
check(rcpt(conn, "<info@example.net>") == "continue", "local: RCPT continues")
check(eom(conn) == "continue", "local: end of message")
check(deleted(conn, "<info@example.net>"), "local: original deleted")
check(added(conn, "<info-local>"), "local: local name added")
close(conn)
