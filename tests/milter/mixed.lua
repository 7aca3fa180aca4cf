-- mixed.lua - several recipients in one message, each its own outcome.
dofile(LIB)
local conn = open()
queue_id(conn, "MIX1")
check(rcpt(conn, "<diego1@inkacoca.org>") == "continue", "mixed: forward")
check(rcpt(conn, "<nobody@inkacoca.org>") == "replycode", "mixed: reject")
check(rcpt(conn, "<someone@elsewhere.test>") == "continue", "mixed: no entry")
check(rcpt(conn, "<info@example.net>") == "continue", "mixed: local name")
check(rcpt(conn, "<busy@example.net>") == "replycode", "mixed: tempfail")
check(eom(conn) == "continue", "mixed: end of message")
check(added(conn, "<diego1@lima.inkacoca.org>") and
      deleted(conn, "<diego1@inkacoca.org>"), "mixed: forward applied")
check(added(conn, "<info-local>") and deleted(conn, "<info@example.net>"),
      "mixed: local name applied")
check(not deleted(conn, "<someone@elsewhere.test>") and
      not added(conn, "<someone@elsewhere.test>"),
      "mixed: unmatched recipient untouched")
check(not deleted(conn, "<nobody@inkacoca.org>") and
      not deleted(conn, "<busy@example.net>"),
      "mixed: rejected recipients untouched")
close(conn)
