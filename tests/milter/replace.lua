-- replace.lua - the map is replaced while a connection is open. A
-- transaction keeps the map it started with; the next one sees the new
-- map. REPLACE is a shell command that installs the new map.
dofile(LIB)
local conn = open()
check(rcpt(conn, "<mover@inkacoca.org>") == "continue",
      "replace: first RCPT, old map")
-- REPLACE returns once the milter has logged the reload
local replaced = os.execute(REPLACE)
check(replaced == true or replaced == 0,
      "replace: the new map was loaded during the transaction")
check(rcpt(conn, "<stayer@inkacoca.org>") == "continue",
      "replace: RCPT after the swap, same transaction")
check(eom(conn) == "continue", "replace: end of first message")
check(added(conn, "<mover@lima.inkacoca.org>"),
      "replace: first recipient used the old map")
check(added(conn, "<stayer@lima.inkacoca.org>"),
      "replace: the transaction kept the old map to its end")
check(rcpt(conn, "<mover@inkacoca.org>") == "continue",
      "replace: next message, same connection")
check(rcpt(conn, "<gone@inkacoca.org>") == "replycode",
      "replace: an entry only the old map had is gone")
check(eom(conn) == "continue", "replace: end of second message")
check(added(conn, "<mover@cuzco.inkacoca.org>"),
      "replace: the next transaction uses the new map")
close(conn)
