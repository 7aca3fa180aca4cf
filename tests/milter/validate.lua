-- validate.lua - mode = validate (backup MX): reject what the map
-- rejects, never rewrite.
dofile(LIB)
local conn = open()
check(not mt.test_action(conn, SMFIF_ADDRCPT) and
      not mt.test_action(conn, SMFIF_DELRCPT),
      "validate: asks for no envelope changes")
check(rcpt(conn, "<nobody@inkacoca.org>") == "replycode",
      "validate: unknown user rejected")
check(rcpt(conn, "<diego1@inkacoca.org>") == "continue",
      "validate: known user accepted")
check(eom(conn) == "continue", "validate: end of message")
check(not deleted(conn, "<diego1@inkacoca.org>") and
      not added(conn, "<diego1@lima.inkacoca.org>"),
      "validate: nothing rewritten")
close(conn)
