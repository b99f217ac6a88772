#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a real Claws Mail under a private Xvfb for the plugin test.
#
#   claws.sh start DIR IMAP_PORT SMTP_PORT USER PLUGIN...
#       writes a throw-away Claws config in DIR/claws (one IMAP account
#       "work" on 127.0.0.1:IMAP_PORT as USER, SMTP on 127.0.0.1:SMTP_PORT,
#       a local MH mailbox in DIR/Mail with its Sent and Queue folders, the
#       given plugin files loaded at start), starts Xvfb on a free display
#       and Claws in the background with HOME=DIR, and sends the queue
#       (--send).  A message already in DIR/Mail/queue goes out at once.
#   claws.sh cmd DIR ARG...   passes a remote command (--receive-all,
#       --send, --exit ...) to the running Claws.
#   claws.sh stop DIR         asks Claws to exit, then kills Claws and
#       Xvfb if they are still there.
#
# Exit 77 when claws-mail or Xvfb is missing.
set -eu
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
	echo "usage: $0 start|cmd|stop DIR ..." >&2
	exit 64
fi

claws_env() {
	HOME=$dir
	TMPDIR=$dir/tmp
	XDG_RUNTIME_DIR=$dir/tmp
	XDG_CONFIG_HOME=$dir/config
	XDG_DATA_HOME=$dir/data
	XDG_CACHE_HOME=$dir/cache
	NO_AT_BRIDGE=1
	GTK_A11Y=none
	export HOME TMPDIR XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_DATA_HOME \
	    XDG_CACHE_HOME NO_AT_BRIDGE GTK_A11Y
	if [ -f "$dir/display" ]; then
		DISPLAY=:$(cat "$dir/display")
		export DISPLAY
	fi
}

# A command with a time limit, so a hung Claws never hangs the test.
bounded() {
	secs=$1
	shift
	timeout -k 2 "$secs" "$@"
}

# Waits up to 5 s for a timeout(1) process to end, then TERMs it (it
# passes the signal on), then kills it and its child.
stop_pid() {
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$1" 2>/dev/null || return 0
	kill "$1" 2>/dev/null || true
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$1" 2>/dev/null || return 0
	pkill -KILL -P "$1" 2>/dev/null || true
	kill -KILL "$1" 2>/dev/null || true
}

write_config() {
	imap_port=$1 smtp_port=$2 user=$3
	shift 3
	cfg=$dir/claws
	mkdir -p "$cfg" "$dir/tmp" "$dir/config" "$dir/data" "$dir/cache"
	chmod 700 "$dir/tmp"
	for f in inbox sent queue draft trash; do
		mkdir -p "$dir/Mail/$f"
	done
	cat >"$cfg/accountrc" <<EOT
[Account: 1]
account_name=work
is_default=1
name=Robin Smith
address=robin.smith@example.com
protocol=1
receive_server=127.0.0.1
smtp_server=127.0.0.1
user_id=$user
set_imapport=1
imap_port=$imap_port
set_smtpport=1
smtp_port=$smtp_port
ssl_imap=0
ssl_smtp=0
use_smtp_auth=0
imap_auth_method=0
filter_on_receive=1
filterhook_on_receive=1
recv_at_getall=1
set_sent_folder=1
sent_folder=#mh/Mailbox/sent
set_queue_folder=1
queue_folder=#mh/Mailbox/queue
set_draft_folder=1
draft_folder=#mh/Mailbox/draft
EOT
	cat >"$cfg/folderlist.xml" <<EOT
<?xml version="1.0" encoding="UTF-8"?>
<folderlist>
<folder type="mh" name="Mailbox" path="$dir/Mail" collapsed="0">
<folderitem type="normal" name="Mailbox" path="" collapsed="0" threaded="1" />
<folderitem type="inbox" name="inbox" path="inbox" threaded="1" />
<folderitem type="outbox" name="sent" path="sent" threaded="1" />
<folderitem type="queue" name="queue" path="queue" threaded="1" />
<folderitem type="draft" name="draft" path="draft" threaded="1" />
<folderitem type="trash" name="trash" path="trash" threaded="1" />
</folder>
<folder type="imap" name="work" account_id="1" collapsed="0">
<folderitem type="normal" name="work" path="" collapsed="0" threaded="1" />
<folderitem type="inbox" name="INBOX" path="INBOX" threaded="1" />
</folder>
</folderlist>
EOT
	{
		echo "[Common]"
		echo "config_version=4"
		echo "check_on_startup=0"
		echo "autochk_newmail=0"
		echo "warn_queued_on_exit=0"
		echo "confirm_on_exit=0"
		echo "clean_trash_on_exit=0"
		echo "ask_on_cleaning=0"
		echo "warn_dnd=0"
		echo "show_splash_screen=0"
		echo "use_networkmanager=0"
		echo "work_offline=0"
		# no spell checker: a missing dictionary is an error dialog
		# that blocks the compose window "Follow up now" opens
		echo "enable_aspell=0"
		echo ""
		echo "[Plugins_GTK3]"
		for p in "$@"; do
			echo "$p"
		done
		echo ""
	} >"$cfg/clawsrc"
}

case "$cmd" in
start)
	if [ $# -lt 6 ]; then
		echo "usage: $0 start DIR IMAP_PORT SMTP_PORT USER PLUGIN..." >&2
		exit 64
	fi
	shift 2
	command -v claws-mail >/dev/null 2>&1 || exit 77
	command -v Xvfb >/dev/null 2>&1 || exit 77
	write_config "$@"
	claws_env
	# Xvfb picks a free display itself and tells us which (-displayfd).
	rm -f "$dir/display"
	# Both run under timeout(1): should the test die without calling
	# stop, neither outlives it by more than a few minutes.
	timeout -k 5 170 Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp \
	    3>"$dir/display" >"$dir/xvfb.log" 2>&1 &
	echo $! >"$dir/xvfb.pid"
	i=0
	while [ ! -s "$dir/display" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$dir/display" ]; then
		echo "Xvfb did not start" >&2
		exit 1
	fi
	claws_env
	# A plugin built with --enable-asan brings the sanitizer runtime in
	# with dlopen (Claws hangs when it is preloaded): let it start late.
	# Claws itself is not ours to check for leaks.
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0:${ASAN_OPTIONS:-}
	export ASAN_OPTIONS
	timeout -k 5 160 claws-mail --alternate-config-dir "$dir/claws" --send \
	    ${CRK_CLAWS_DEBUG:+--debug} \
	    >"$dir/claws.log" 2>&1 &
	echo $! >"$dir/claws.pid"
	;;
cmd)
	shift 2
	claws_env
	bounded 20 claws-mail --alternate-config-dir "$dir/claws" "$@" \
	    >>"$dir/claws-cmd.log" 2>&1
	;;
stop)
	claws_env
	# What was on screen (a dialog nobody answered?), for a failed run.
	if command -v xwininfo >/dev/null 2>&1; then
		bounded 5 xwininfo -root -tree >"$dir/windows.txt" 2>&1 || true
	fi
	# claws.pid and xvfb.pid are timeout(1) processes: a TERM to them
	# reaches Claws and Xvfb; -P finds the child should that not do.
	if [ -f "$dir/claws.pid" ]; then
		pid=$(cat "$dir/claws.pid")
		if kill -0 "$pid" 2>/dev/null; then
			bounded 10 claws-mail --alternate-config-dir \
			    "$dir/claws" --exit >/dev/null 2>&1 || true
			stop_pid "$pid"
		fi
		rm -f "$dir/claws.pid"
	fi
	if [ -f "$dir/xvfb.pid" ]; then
		kill "$(cat "$dir/xvfb.pid")" 2>/dev/null || true
		stop_pid "$(cat "$dir/xvfb.pid")"
		rm -f "$dir/xvfb.pid"
	fi
	;;
*)
	echo "unknown command $cmd" >&2
	exit 64
	;;
esac
