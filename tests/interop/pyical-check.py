# SPDX-License-Identifier: GPL-3.0-or-later
# Parses every feed in a manifest with Debian's python3-icalendar and prints TAP.
import datetime
import json
import os
import sys

import icalendar


def check(feed_dir, entry):
    problems = []
    with open(os.path.join(feed_dir, entry["file"]), "rb") as fp:
        cal = icalendar.Calendar.from_ical(fp.read())
    kind = entry["component"]
    subs = cal.subcomponents
    items = [c for c in subs if c.name == kind]
    if cal.name != "VCALENDAR":
        problems.append("top component %s" % cal.name)
    if entry["count"] is None:
        if len(subs) != len(items) or len(items) < entry["min_count"]:
            problems.append("%d components, %d %s, want at least %d"
                            % (len(subs), len(items), kind,
                               entry["min_count"]))
    elif len(subs) != entry["count"] or len(items) != entry["count"]:
        problems.append("%d components, %d %s, want %d"
                        % (len(subs), len(items), kind, entry["count"]))
    for c in [cal] + list(cal.walk()):
        if getattr(c, "errors", None):
            problems.append("%s errors: %r" % (c.name, c.errors))
    if "METHOD" in cal:
        problems.append("METHOD present")
    completed = 0
    for c in items:
        if c.subcomponents:
            problems.append("nested component")
        if not str(c.get("SUMMARY", "")):
            problems.append("no SUMMARY")
        for p in ("DTSTAMP", "LAST-MODIFIED"):
            t = c.decoded(p)
            if not isinstance(t, datetime.datetime) or t.utcoffset() != \
                    datetime.timedelta(0):
                problems.append("%s not UTC: %r" % (p, t))
        if str(c.get("STATUS", "")) == "COMPLETED":
            completed += 1
        uid = str(c["UID"])
        prop = "DTSTART" if kind == "VEVENT" else "DUE"
        t = c.decoded(prop)
        if entry["dates"] is None:
            want = t.isoformat()
        else:
            want = entry["dates"].get(uid)
        if want is None:
            problems.append("unexpected UID %s" % uid)
        elif isinstance(t, datetime.datetime) or t.isoformat() != want:
            problems.append("%s: %s %r want %s" % (uid, prop, t, want))
        if kind == "VEVENT":
            end = c.decoded("DTEND")
            if isinstance(end, datetime.datetime) or \
                    end - t != datetime.timedelta(days=1):
                problems.append("%s: DTEND %r" % (uid, end))
    if entry["completed"] is not None and completed != entry["completed"]:
        problems.append("%d completed, want %d"
                        % (completed, entry["completed"]))
    return problems


def main():
    feed_dir = sys.argv[1]
    with open(os.path.join(feed_dir, "manifest.json")) as fp:
        manifest = json.load(fp)
    print("1..%d" % len(manifest))
    failed = 0
    for n, entry in enumerate(manifest, 1):
        try:
            problems = check(feed_dir, entry)
        except Exception as e:  # a parse error is a failed test
            problems = ["parse error: %r" % e]
        name = "python3-icalendar %s reads %s" % (icalendar.__version__,
                                                  entry["file"])
        if problems:
            failed += 1
            print("not ok %d - %s" % (n, name))
            for p in problems[:10]:
                print("# %s" % p)
        else:
            print("ok %d - %s" % (n, name))
    return 0 if failed == 0 else 1


sys.exit(main())
