#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Push latency: APPENDs replies to waiting proposals one by one while
`crickets watch` runs, and times each from the end of the APPEND to the
moment the events feed on disk changes (a reply turns the proposal's
follow-up into a "decide" item).  Usage: push.py PORT USER PASSWORD FEED
IDS_FILE (one waiting proposal's Message-ID per line).  Prints one latency
in milliseconds per line."""
import imaplib
import os
import sys
import time


def main():
    port, user, password, feed, ids = sys.argv[1:6]
    imap = imaplib.IMAP4("127.0.0.1", int(port))
    imap.login(user, password)
    with open(ids) as f:
        mids = [line.strip() for line in f if line.strip()]
    for k, mid in enumerate(mids):
        i = int(mid[1:mid.index("@")])  # p<i>@mail.example.com
        msg = ("From: buyer{i}@client{c}.example\r\nTo: robin.smith@example.com"
               "\r\nSubject: Re: Proposal {i}\r\nDate: 20 Nov 2026 10:00:00 "
               "+0100\r\nMessage-ID: <push{k}-{t}@client.example>\r\n"
               "In-Reply-To: <{mid}>\r\n\r\nYes, let's talk."
               "\r\n").format(i=i, c=i % 900, k=k, t=int(time.time()),
                               mid=mid)
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
    imap.logout()


if __name__ == "__main__":
    main()
