#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The layout rule of DESIGN.md, checked on every build: core/ knows nothing
# of IMAP, libical or GTK; only watcher/ speaks IMAP; only ical/ includes
# libical; only plugin/ includes Claws or GTK.  Prints TAP.
set -u
top="${CRK_TOP_SRCDIR:-$(dirname "$0")/..}"
n=0
fail=0

# check NAME DIRS PATTERN: no #include in DIRS matches PATTERN
check() {
	n=$((n + 1))
	hits=$(cd "$top" && for d in $2; do
		[ -d "$d" ] && grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($3)" \
		    --include='*.c' --include='*.h' "$d"
	done)
	if [ -n "$hits" ]; then
		echo "not ok $n - $1"
		echo "$hits" | sed 's/^/# /'
		fail=1
	else
		echo "ok $n - $1"
	fi
}

echo "1..4"
check "core/ includes no IMAP, libical, GTK, Claws, GnuTLS or HTTP header" \
    "core" "libetpan/mailimap|libetpan/libetpan\.h|libetpan/imap|libical|ical\.h|gtk|glib|claws|gnutls|microhttpd"
check "only watcher/ includes libetpan's IMAP headers" \
    "core ical plugin" "libetpan/mailimap|libetpan/imap|libetpan/libetpan\.h"
check "only ical/ includes libical" \
    "core watcher plugin" "libical|ical\.h"
check "only plugin/ includes Claws or GTK" \
    "core ical watcher" "gtk|gdk|glib|claws|common/|gtk/"
exit $fail
