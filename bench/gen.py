#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes a deterministic synthetic sales mailbox straight into a dovecot
Maildir: N messages in Sent (proposals with PDF attachments and ordinary
mail) and N in INBOX (replies, out-of-office answers, bounces, newsletters,
colleagues).  With --silent, N proposals in Sent and nothing else: every
one waits for a follow-up (the feed rendering measure).
Usage: gen.py MAILDIR N [SEED] [--silent]"""
import os
import random
import sys

HEAD = ("From: {frm}\r\nTo: {to}\r\nSubject: {subj}\r\n"
        "Date: {date}\r\nMessage-ID: <{mid}>\r\n{extra}MIME-Version: 1.0\r\n")


def date(i):
    day = 1 + (i // 400) % 28
    month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
             "Oct", "Nov"][(i // 11200) % 11]
    return "%02d %s 2026 %02d:%02d:00 +0100" % (day, month, 8 + i % 10,
                                                 i % 60)


def plain(head, body):
    return (head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" +
            body + "\r\n")


def with_pdf(head, body, name, rnd):
    pdf = "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
                  for _ in range(76))
    pdf = "\r\n".join([pdf] * 40)  # ~3 KB attachment
    return (head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body +
            "\r\n--b\r\nContent-Type: application/pdf; name=\"%s\"\r\n"
            "Content-Disposition: attachment; filename=\"%s\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n" %
            (name, name, pdf))


def write(folder, seq, text):
    # Named as dovecot's own delivery names them: time, microseconds,
    # process, counter, host, size.  Names that share a long constant tail
    # ("1700000123.123.bench") all land in a few buckets of dovecot's
    # filename hash (ELF hash: the last bytes fill the low bits), and the
    # first message opened in a session then cost dovecot ~1.7 s at 16k
    # messages: a cost no real mailbox has, which the benchmark charged to
    # crickets (only crickets opens message parts; the floor does not).
    size = len(text.encode("utf-8"))
    name = "%d.M%dP%dQ%d.mx%d.example.net,S=%d,W=%d:2,S" % (
        1700000000 + seq * 37, (seq * 7919) % 1000000, 1000 + seq % 30000,
        seq % 97, seq % 3, size, size)
    with open(os.path.join(folder, "cur", name), "w", newline="") as f:
        f.write(text)


def main():
    args = [a for a in sys.argv[1:] if a != "--silent"]
    silent = "--silent" in sys.argv[1:]
    maildir, n = args[0], int(args[1])
    rnd = random.Random(int(args[2]) if len(args) > 2 else 42)
    inbox, sent = maildir, os.path.join(maildir, ".Sent")
    for d in (inbox, sent):
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
    rep = "Robin Smith <robin.smith@example.com>"
    proposals = []
    for i in range(n):
        client = "buyer%d@client%d.example" % (i, i % 900)
        if silent or i % 5 < 2:  # 40%: a proposal
            mid = "p%d@mail.example.com" % i
            proposals.append((mid, client, i))
            write(sent, i, with_pdf(
                HEAD.format(frm=rep, to=client,
                            subj="Proposal %d: rollout for client %d" %
                            (i, i % 900), date=date(i), mid=mid, extra=""),
                "Hi,\r\n\r\nour proposal is attached.\r\n\r\nRobin",
                "proposal-%d.pdf" % i, rnd))
        else:
            write(sent, i, plain(
                HEAD.format(frm=rep, to=client if i % 3 else
                            "colleague@example.com",
                            subj="Re: meeting %d" % i, date=date(i),
                            mid="s%d@mail.example.com" % i, extra=""),
                "See you then.\r\n"))
    for j in range(0 if silent else n):
        kind = j % 10
        seq = n + j
        if kind < 3 and proposals:  # replies
            mid, client, i = proposals[rnd.randrange(len(proposals))]
            write(inbox, seq, plain(HEAD.format(
                frm=client, to=rep, subj="Re: Proposal %d" % i,
                date=date(i + 40), mid="r%d@client.example" % j,
                extra="In-Reply-To: <%s>\r\n" % mid),
                "Thanks, we will review it.\r\n"))
        elif kind == 3 and proposals:  # out of office
            mid, client, i = proposals[rnd.randrange(len(proposals))]
            write(inbox, seq, plain(HEAD.format(
                frm=client, to=rep, subj="Automatic reply: Proposal %d" % i,
                date=date(i + 1), mid="o%d@client.example" % j,
                extra="Auto-Submitted: auto-replied\r\nIn-Reply-To: <%s>"
                "\r\n" % mid),
                "I am out of the office until next Monday.\r\n"))
        elif kind == 4 and proposals:  # bounce
            mid, client, i = proposals[rnd.randrange(len(proposals))]
            write(inbox, seq, HEAD.format(
                frm="MAILER-DAEMON@mail.example.com", to=rep,
                subj="Undelivered Mail Returned to Sender",
                date=date(i + 1), mid="b%d@mail.example.com" % j,
                extra="") +
                'Content-Type: multipart/report; report-type=delivery-status;'
                ' boundary="r"\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\n'
                "Undeliverable.\r\n--r\r\nContent-Type: "
                "message/delivery-status\r\n\r\nFinal-Recipient: rfc822; "
                "%s\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--r\r\n"
                "Content-Type: text/rfc822-headers\r\n\r\nMessage-ID: <%s>"
                "\r\n\r\n--r--\r\n" % (client, mid))
        elif kind < 9:  # newsletters
            write(inbox, seq, plain(HEAD.format(
                frm="News <news@vendor%d.example>" % (j % 50), to=rep,
                subj="Newsletter %d" % j, date=date(j),
                mid="n%d@vendor.example" % j,
                extra="List-Id: <news.vendor%d.example>\r\n"
                "List-Unsubscribe: <mailto:u@vendor.example>\r\n" % (j % 50)),
                "News of the week.\r\n" * 20))
        else:  # colleagues
            write(inbox, seq, plain(HEAD.format(
                frm="Pat <pat@example.com>", to=rep,
                subj="Lunch %d" % j, date=date(j),
                mid="c%d@example.com" % j, extra=""), "Lunch?\r\n"))


if __name__ == "__main__":
    main()
