-- pattern.lua - PCRE2 pattern entries and a one-to-three list through
-- the milter: the original deleted once, each result added once.
dofile(LIB)
local conn = open()
queue_id(conn, "PAT1")
check(rcpt(conn, "<sales-12@inkacoca.org>") == "continue",
      "pattern: RCPT continues")
check(eom(conn) == "continue", "pattern: end of message continues")
check(deleted(conn, "<sales-12@inkacoca.org>"),
      "pattern: original deleted exactly as given")
check(added(conn, "<sales@branch12.inkacoca.org>"),
      "pattern: $1 substituted into the new recipient")
close(conn)

conn = open()
queue_id(conn, "PAT2")
check(rcpt(conn, "<SALES-12@InkaCoca.org>") == "replycode",
      "pattern: without the i flag case matters: the catch-all rejects")
close(conn)

conn = open()
queue_id(conn, "LIST1")
check(rcpt(conn, "<team@inkacoca.org>") == "continue",
      "list: RCPT continues")
check(eom(conn) == "continue", "list: end of message continues")
check(deleted(conn, "<team@inkacoca.org>"), "list: original deleted")
check(added(conn, "<ana@trujillo.inkacoca.org>"), "list: first member added")
check(added(conn, "<diego1@lima.inkacoca.org>"), "list: second member added")
check(added(conn, "<rosa@iquitos.inkacoca.org>"), "list: third member added")
close(conn)

conn = open()
queue_id(conn, "CATA")
check(rcpt(conn, "<" .. string.rep("a", 60) .. "b@x.test>") == "replycode",
      "pattern: catastrophic backtracking gives a tempfail, not a hang")
check(rcpt(conn, "<sales-7@inkacoca.org>") == "continue",
      "pattern: the next RCPT of the session is answered at once")
close(conn)
