-- negotiate.lua - the milter asks only for what it needs.
dofile(LIB)
local conn = open()
check(mt.test_option(conn, SMFIP_NOCONNECT), "negotiate: no connect step")
check(mt.test_option(conn, SMFIP_NOHELO), "negotiate: no helo step")
check(mt.test_option(conn, SMFIP_NOMAIL), "negotiate: no mail step")
check(mt.test_option(conn, SMFIP_NOHDRS), "negotiate: no headers")
check(mt.test_option(conn, SMFIP_NOEOH), "negotiate: no end of headers")
check(mt.test_option(conn, SMFIP_NOBODY), "negotiate: no body")
check(mt.test_option(conn, SMFIP_NODATA), "negotiate: no data step")
check(mt.test_option(conn, SMFIP_NOUNKNOWN), "negotiate: no unknown commands")
check(not mt.test_option(conn, SMFIP_NORCPT), "negotiate: keeps RCPT")
check(not mt.test_option(conn, SMFIP_NR_RCPT), "negotiate: RCPT is answered")
check(not mt.test_option(conn, SMFIP_RCPT_REJ), "negotiate: no rejected RCPTs")
check(mt.test_action(conn, SMFIF_ADDRCPT), "negotiate: may add recipients")
check(mt.test_action(conn, SMFIF_DELRCPT), "negotiate: may delete recipients")
check(not mt.test_action(conn, SMFIF_ADDHDRS), "negotiate: no header changes")
check(not mt.test_action(conn, SMFIF_CHGBODY), "negotiate: no body changes")
check(refused(mt.conninfo, conn, "localhost", "127.0.0.1"),
      "negotiate: connect step refused by miltertest")
close(conn)

-- With SMFIF_ADDRCPT_PAR offered, the milter takes it.
conn = open(0x1ff)
check(mt.test_action(conn, SMFIF_ADDRCPT_PAR),
      "negotiate: takes ADDRCPT_PAR when offered")
close(conn)
