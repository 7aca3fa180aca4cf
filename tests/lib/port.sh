# tests/lib/port.sh - free TCP ports on 127.0.0.1 for tests.
#
# free_port: print a port the kernel just gave a socket bound to
# 127.0.0.1 port 0, so nobody listened on it then. Another program may
# take it before the test binds it: a test that starts a server on it
# checks that the server started, and tries again with a new port.

free_port() {
    "${PYTHON:-python3}" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
