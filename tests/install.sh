#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `make install DESTDIR=...` puts the program, the man pages, the templates,
# the sample config and the systemd user unit in place.  Prints TAP.
set -u

build=${CRK_TOP_BUILDDIR:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crk-install-XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
dest=$tmp/dest

echo "1..11"
if ${MAKE:-make} -C "$build" install DESTDIR="$dest" >"$tmp/log" 2>&1; then
	echo "ok 1 - make install DESTDIR=... succeeds"
else
	echo "not ok 1 - make install DESTDIR=... succeeds"
	sed 's/^/# /' "$tmp/log" | tail -20
fi

# find_one NUMBER WHAT PATTERN: exactly one installed file matches
find_one() {
	hits=$(find "$dest" -type f -path "$3" 2>/dev/null)
	if [ -n "$hits" ] && [ "$(echo "$hits" | wc -l)" -eq 1 ]; then
		echo "ok $1 - installs $2"
	else
		echo "not ok $1 - installs $2 (found: ${hits:-nothing})"
	fi
}

find_one 2 "the crickets program" "*/bin/crickets"
find_one 3 "crickets(1)" "*/man1/crickets.1"
find_one 4 "crickets.conf(5)" "*/man5/crickets.conf.5"
find_one 5 "the default templates" "*/crickets/templates/touch-1.txt"
find_one 6 "the sample config" "*/doc/crickets/crickets.conf.sample"
find_one 7 "the systemd user unit" "*/systemd/user/crickets.service"
find_one 8 "the nginx snippet" "*/doc/crickets/nginx-crickets.conf"

# The unit runs the installed program, not a placeholder.
bin=$(find "$dest" -type f -path "*/bin/crickets" | head -1)
unit=$(find "$dest" -type f -path "*/systemd/user/crickets.service" | head -1)
want="ExecStart=${bin#"$dest"} watch"
if [ -n "$unit" ] && grep -qx "$want" "$unit"; then
	echo "ok 9 - the unit starts ${bin#"$dest"} watch"
else
	echo "not ok 9 - the unit has '$want'"
	[ -n "$unit" ] && sed 's/^/# /' "$unit"
fi

# The man pages render without a groff warning.
src=${CRK_TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
n=10
for page in crickets.1 crickets.conf.5; do
	if ! command -v groff >/dev/null 2>&1; then
		echo "ok $n - $page renders # SKIP groff missing"
	elif out=$(groff -man -ww -z "$src/doc/$page" 2>&1) && [ -z "$out" ]; then
		echo "ok $n - $page renders without warnings"
	else
		echo "not ok $n - $page renders without warnings"
		echo "$out" | sed 's/^/# /'
	fi
	n=$((n + 1))
done
