-- detail.lua - +detail forms: user+*, user++, +*, and the catch-all
-- that drops the detail.
dofile(LIB)
local conn = open()
check(rcpt(conn, "<joe+foo@example.com>") == "continue", "detail: user+* RCPT")
check(rcpt(conn, "<a+b+c@plus.test>") == "continue", "detail: +* RCPT")
check(rcpt(conn, "<x+tag@example.org>") == "continue", "detail: catch-all RCPT")
check(rcpt(conn, "<ann+box@pp.test>") == "continue", "detail: user++ RCPT")
check(rcpt(conn, "<ann+@pp.test>") == "continue", "detail: empty detail RCPT")
check(eom(conn) == "continue", "detail: end of message")
check(added(conn, "<joe-any.foo@other.net>"), "detail: user+* with %2")
check(added(conn, "<plus.a.b+c@other.net>"),
      "detail: +* splits at the first +")
check(added(conn, "<x@mail.example.net>"),
      "detail: @domain %1 drops the detail")
check(added(conn, "<ann-box@pp.example>"), "detail: user++ with %2")
check(added(conn, "<ann@pp.example>"),
      "detail: empty detail skips ++ and falls to user@domain")
check(deleted(conn, "<joe+foo@example.com>"), "detail: originals deleted")
close(conn)
