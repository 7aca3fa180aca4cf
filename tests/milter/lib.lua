-- tests/milter/lib.lua - helpers for the miltertest scripts.
--
-- Loaded with dofile(LIB). The shell passes SOCKET (the milter's
-- socket) and, where a script needs them, other -D globals. Results
-- are TAP lines on standard output: "ok - NAME" or "not ok - NAME".
--
-- The milter negotiates away connect, helo, mail, data, headers and
-- body; miltertest raises an error for those steps, so scripts never
-- call them. open() offers every action except SMFIF_ADDRCPT_PAR
-- (0x17f), which makes the milter use plain smfi_addrcpt(): miltertest's
-- MT_RCPTADD check sees only that. (This miltertest takes the protocol
-- options third and the actions fourth, whatever its manual says.)

PLAIN_ACTIONS = 0x17f

function check(cond, name, detail)
    if cond then
        print("ok - " .. name)
    else
        print("not ok - " .. name)
        if detail then
            print("#   " .. detail)
        end
    end
end

function open(actions)
    local conn = mt.connect(SOCKET, 50, 0.1)
    if conn == nil then
        error("cannot connect to " .. SOCKET)
    end
    local err = mt.negotiate(conn, 6, nil, actions or PLAIN_ACTIONS)
    if err ~= nil then
        error("negotiate: " .. err)
    end
    return conn
end

-- The queue id the milter logs; a real MTA sends it as {i}.
function queue_id(conn, id)
    mt.macro(conn, SMFIC_RCPT, "i", id)
end

-- Send RCPT; return the reply as a name.
function rcpt(conn, addr, ...)
    local err = mt.rcptto(conn, addr, ...)
    if err ~= nil then
        error("rcptto " .. addr .. ": " .. err)
    end
    return reply_name(mt.getreply(conn))
end

function eom(conn)
    local err = mt.eom(conn)
    if err ~= nil then
        error("eom: " .. err)
    end
    return reply_name(mt.getreply(conn))
end

function reply_name(r)
    if r == SMFIR_CONTINUE then return "continue" end
    if r == SMFIR_ACCEPT then return "accept" end
    if r == SMFIR_REJECT then return "reject" end
    if r == SMFIR_TEMPFAIL then return "tempfail" end
    if r == SMFIR_REPLYCODE then return "replycode" end
    return "reply " .. tostring(r)
end

function added(conn, addr)
    return mt.eom_check(conn, MT_RCPTADD, addr)
end

function deleted(conn, addr)
    return mt.eom_check(conn, MT_RCPTDELETE, addr)
end

-- A step negotiated away raises an error in miltertest.
function refused(fn, ...)
    local ok = pcall(fn, ...)
    return not ok
end

function close(conn)
    mt.disconnect(conn)
end
