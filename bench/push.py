#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Push latency.

  push.py PORT USER PASSWORD FEED IDS_FILE [GAP]
APPENDs replies to waiting proposals one by one while `crickets watch`
runs, and times each from the end of the APPEND to the moment the events
feed on disk changes (a reply turns the proposal's follow-up into a
"decide" item).  IDS_FILE has one waiting proposal's Message-ID per line.
GAP (seconds, default 0) is waited after each change: 0 sends the next
reply while the watcher finishes its pass, a second or more lets it settle
into IDLE first, as mail that comes now and then does.

  push.py --floor PORT USER PASSWORD N
The floor: a bare client IDLEs on INBOX and times APPEND (from another
connection) to the untagged EXISTS, N times.  The server's own delay is in
it (dovecot 2.3 waits 500 ms after a change before it tells IDLE clients).

Prints one latency in milliseconds per line, or "timeout" after 10 s."""
import imaplib
import os
import socket
import sys
import time


def floor(port, user, password, n):
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")

    def command(tag, text):
        s.sendall(b"%s %s\r\n" % (tag, text))
        while True:
            line = f.readline()
            if not line or line.startswith(tag + b" "):
                return line

    f.readline()
    command(b"a", b"LOGIN %s %s" % (user.encode(), password.encode()))
    command(b"b", b"EXAMINE INBOX")
    other = imaplib.IMAP4("127.0.0.1", port)
    other.login(user, password)
    for k in range(n):
        s.sendall(b"c IDLE\r\n")
        f.readline()  # + idling
        time.sleep(0.5)
        other.append("INBOX", None, None,
                     ("From: a@floor.example\r\nSubject: floor\r\n"
                      "Message-ID: <floor%d-%f@floor.example>\r\n\r\nx\r\n"
                      % (k, time.time())).encode())
        t0 = time.perf_counter()
        s.settimeout(10)
        try:
            while b"EXISTS" not in f.readline():
                pass
            print("%.1f" % ((time.perf_counter() - t0) * 1000), flush=True)
        except socket.timeout:
            print("timeout", flush=True)
        s.settimeout(None)
        s.sendall(b"DONE\r\n")
        while not f.readline().startswith(b"c "):
            pass
    other.logout()


def push(port, user, password, feed, ids, gap):
    imap = imaplib.IMAP4("127.0.0.1", port)
    imap.login(user, password)
    with open(ids) as f:
        mids = [line.strip() for line in f if line.strip()]
    for k, mid in enumerate(mids):
        i = int(mid[1:mid.index("@")])  # p<i>@mail.example.com
        msg = ("From: buyer{i}@client{c}.example\r\nTo: robin.smith@example.com"
               "\r\nSubject: Re: Proposal {i}\r\nDate: 20 Nov 2026 10:00:00 "
               "+0100\r\nMessage-ID: <push{k}-{t}@client.example>\r\n"
               "In-Reply-To: <{mid}>\r\n\r\nYes, let's talk."
               "\r\n").format(i=i, c=i % 900, k=k, t=time.time(), mid=mid)
        before = os.stat(feed).st_mtime_ns
        imap.append("INBOX", None, None, msg.encode())
        t0 = time.perf_counter()
        while os.stat(feed).st_mtime_ns == before:
            if time.perf_counter() - t0 > 10:
                print("timeout", flush=True)
                break
            time.sleep(0.001)
        else:
            print("%.1f" % ((time.perf_counter() - t0) * 1000), flush=True)
        time.sleep(gap)
    imap.logout()


def main():
    if sys.argv[1] == "--floor":
        port, user, password, n = sys.argv[2:6]
        floor(int(port), user, password, int(n))
    else:
        port, user, password, feed, ids = sys.argv[1:6]
        gap = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
        push(int(port), user, password, feed, ids, gap)


if __name__ == "__main__":
    main()
