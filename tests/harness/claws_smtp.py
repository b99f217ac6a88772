#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# A tiny SMTP sink on loopback for the Claws test: stores every message.
#
#   claws_smtp.py DIR [LIFETIME]
# binds 127.0.0.1 on a free port, writes the port to DIR/port (atomically),
# stores each message as DIR/N.eml, and exits on SIGTERM or after LIFETIME
# seconds (default 150), so a crashed test never leaves it behind.
import os
import signal
import socket
import sys
import threading


def serve(conn, outdir, counter):
    f = conn.makefile("rwb")

    def say(line):
        f.write(line.encode() + b"\r\n")
        f.flush()

    say("220 localhost crickets test sink")
    data = None
    while True:
        line = f.readline()
        if not line:
            return
        if data is not None:
            if line in (b".\r\n", b".\n"):
                with counter["lock"]:
                    counter["n"] += 1
                    n = counter["n"]
                tmp = os.path.join(outdir, ".%d.tmp" % n)
                with open(tmp, "wb") as out:
                    out.write(b"".join(data))
                os.rename(tmp, os.path.join(outdir, "%d.eml" % n))
                data = None
                say("250 2.0.0 stored as %d" % n)
                continue
            if line.startswith(b".."):
                line = line[1:]
            data.append(line)
            continue
        verb = line.split(b" ", 1)[0].strip().upper()
        if verb == b"EHLO":
            say("250-localhost")
            say("250-8BITMIME")
            say("250 SIZE 10000000")
        elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
            say("250 2.0.0 ok")
        elif verb == b"DATA":
            data = []
            say("354 end with .")
        elif verb == b"QUIT":
            say("221 2.0.0 bye")
            return
        else:
            say("502 5.5.2 not implemented")


def main():
    outdir = sys.argv[1]
    lifetime = float(sys.argv[2]) if len(sys.argv) > 2 else 150.0
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    signal.signal(signal.SIGALRM, lambda *a: os._exit(0))
    signal.alarm(int(lifetime))
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    tmp = os.path.join(outdir, "port.tmp")
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(tmp, os.path.join(outdir, "port"))
    counter = {"n": 0, "lock": threading.Lock()}
    while True:
        conn, _ = srv.accept()
        t = threading.Thread(target=serve, args=(conn, outdir, counter),
                             daemon=True)
        t.start()


if __name__ == "__main__":
    main()
