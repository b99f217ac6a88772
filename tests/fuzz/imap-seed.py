#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Writes tests/fuzz/corpus/imap/session.bin: the answers of a server to a
# first `crickets sync` of one account, command by command, as
# tests/fuzz/fuzz_imap.c plays them (chunks end at a NUL byte, "$T" is
# the tag of the command answered).  The replay fails the seed when the
# client stops asking before the script ends: when the client's commands
# change, change the script here and run it again.
#   tests/fuzz/imap-seed.py > tests/fuzz/corpus/imap/session.bin
import sys

# capabilities, LOGIN, capabilities again, LIST; then Sent (a proposal
# with a PDF) and INBOX (the prospect's reply, an out-of-office from
# another address at the prospect's company, whose body is fetched for
# its return date); LOGOUT
CAPS = b"IMAP4rev1 IDLE CONDSTORE UIDPLUS SPECIAL-USE"
FIELDS = b"(Message-ID In-Reply-To References From To Cc Date Subject Auto-Submitted Precedence X-Autoreply X-Autorespond X-Auto-Response-Suppress List-Id List-Unsubscribe Content-Type Return-Path X-Failed-Recipients)"
def lit(b):
    return b"{%d}\r\n" % len(b) + b
def examine(n, uidnext, modseq):
    return (b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
            b"* %d EXISTS\r\n* 0 RECENT\r\n"
            b"* OK [UIDVALIDITY 1700000000] UIDs valid\r\n"
            b"* OK [UIDNEXT %d] Predicted next UID\r\n"
            b"* OK [HIGHESTMODSEQ %d] Highest\r\n"
            b"$T OK [READ-ONLY] Examine completed\r\n") % (n, uidnext, modseq)
prop = (b"Message-ID: <p1@example.com>\r\n"
        b"From: Rep <rep@example.com>\r\n"
        b"To: Jane Doe <jane@acme.test>\r\n"
        b"Date: Mon, 02 Nov 2026 09:00:00 +0100\r\n"
        b"Subject: Proposal: Q3 rollout\r\n"
        b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n")
reply = (b"Message-ID: <r1@acme.test>\r\n"
         b"In-Reply-To: <p1@example.com>\r\n"
         b"References: <p1@example.com>\r\n"
         b"From: Jane Doe <jane@acme.test>\r\n"
         b"To: rep@example.com\r\n"
         b"Date: Tue, 03 Nov 2026 10:00:00 +0100\r\n"
         b"Subject: Re: Proposal: Q3 rollout\r\n\r\n")
ooo = (b"Message-ID: <o1@acme.test>\r\n"
       b"From: Joe <joe@acme.test>\r\n"
       b"To: rep@example.com\r\n"
       b"Date: Tue, 03 Nov 2026 11:00:00 +0100\r\n"
       b"Auto-Submitted: auto-replied\r\n"
       b"Subject: Out of office: Proposal: Q3 rollout\r\n\r\n")
bs_mixed = (b"((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 20 1 NIL NIL NIL NIL)"
            b"(\"application\" \"pdf\" (\"name\" \"proposal.pdf\") NIL NIL \"base64\" 4000 NIL "
            b"(\"attachment\" (\"filename\" \"proposal.pdf\")) NIL NIL) \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)")
bs_plain = b"(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 12 1 NIL NIL NIL NIL)"
def fetch(seq, uid, modseq, flags, date, bs, hdr):
    return (b"* %d FETCH (UID %d MODSEQ (%d) FLAGS (%s) INTERNALDATE \"%s\" BODYSTRUCTURE %s BODY[HEADER.FIELDS %s] " % (seq, uid, modseq, flags, date, bs, FIELDS)) + lit(hdr) + b")\r\n"
chunks = [
 b"* CAPABILITY " + CAPS + b"\r\n$T OK done\r\n",
 b"$T OK [CAPABILITY " + CAPS + b"] Logged in\r\n",
 b"* CAPABILITY " + CAPS + b"\r\n$T OK done\r\n",
 b"* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n$T OK List completed\r\n",
 examine(1, 2, 7),
 b"* SEARCH 1\r\n$T OK Search completed\r\n",
 fetch(1, 1, 7, b"\\Seen", b"02-Nov-2026 09:00:00 +0100", bs_mixed, prop) + b"$T OK Fetch completed\r\n",
 examine(2, 3, 9),
 b"* SEARCH 1 2\r\n$T OK Search completed\r\n",
 fetch(1, 1, 8, b"\\Seen $Forwarded", b"03-Nov-2026 10:00:00 +0100", bs_plain, reply)
 + fetch(2, 2, 9, b"", b"03-Nov-2026 11:00:00 +0100", bs_plain, ooo) + b"$T OK Fetch completed\r\n",
 b"* 2 FETCH (UID 2 BODY[1]<0> " + lit(b"I am out of the office until 10 November 2026.\r\n") + b")\r\n$T OK Fetch completed\r\n",
 b"* BYE logging out\r\n$T OK Logout completed\r\n",
]
sys.stdout.buffer.write(b"\0".join(chunks))
