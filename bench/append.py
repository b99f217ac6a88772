#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""APPENDs COUNT new replies to INBOX (for the incremental sync).
Usage: append.py PORT USER PASSWORD COUNT TAG"""
import imaplib
import sys

port, user, password, count, tag = sys.argv[1:6]
imap = imaplib.IMAP4("127.0.0.1", int(port))
imap.login(user, password)
for k in range(int(count)):
    i = 5 * (k + 3)
    imap.append("INBOX", None, None, (
        "From: buyer%d@client%d.example\r\nTo: robin.smith@example.com\r\n"
        "Subject: Re: Proposal %d\r\nDate: 21 Nov 2026 10:00:00 +0100\r\n"
        "Message-ID: <inc-%s-%d@client.example>\r\nIn-Reply-To: "
        "<p%d@mail.example.com>\r\n\r\nOk.\r\n" % (i, i % 900, i, tag, k, i)
    ).encode())
imap.logout()
