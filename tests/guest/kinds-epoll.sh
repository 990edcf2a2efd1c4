# kinds-epoll.sh: epoll files (sourced by run-tests.sh; see tests/guest/epoll.c)
ALL_TESTS="$ALL_TESTS epoll epoll_nested epoll_shared epoll_wait_blocked epoll_refuse"
KIND_PROCS="$KIND_PROCS epoll"

# interest lists, data values, a fired oneshot, a pending ET edge, EXCLUSIVE
t_epoll() { std_test epoll epoll basic; }
# an epoll watching an epoll watching an epoll
t_epoll_nested() { std_test epoll_nested epoll nested; }
# one epoll file shared by a parent and its child (epoll_create, fork)
t_epoll_shared() { std_test epoll_shared epoll shared; }

# Checkpointed while blocked in epoll_wait(-1) (syscall 232): after restart
# the wait goes on and returns the event the child makes, not EINTR.
t_epoll_wait_blocked() {
	local n=epoll_wait_blocked
	clean_files $n
	start_prog $n epoll blocked || return 1
	wait_ready $n "$PID" || return 1
	if ! poll 10 eval "[ \"\$(cut -d' ' -f1 /proc/$PID/syscall 2>/dev/null)\" = 232 ]"; then
		kill -9 "$PID"
		fail "program not blocked in epoll_wait (232) before checkpoint: $(cat /proc/$PID/syscall 2>/dev/null)"
		return 1
	fi
	sleep 0.2
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# Refused, with a reason, and the tree runs on as before: an item whose
# target only a process outside the tree holds; an item whose target kcr
# does not save (a procfs file), which fails with the target's reason.
epoll_refused() { # MODE REGEX WHAT
	local mode=$1 re=$2 what=$3 n=epoll_$1 root rc st
	clean_files $n
	rm -f /tmp/$n.root
	start_prog $n epoll "$mode" || return 1
	wait_ready $n "$PID" || return 1
	root=$PID
	if [ "$mode" = outside ]; then
		root=$(cat /tmp/$n.root 2>/dev/null)
		[ -n "$root" ] || { kill -9 "$PID"; fail "no tree root in /tmp/$n.root"; return 1; }
	fi
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$root" \
		>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	rc=$?
	log "checkpoint $root ($what): rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
	case $rc in
	0) kill -9 "$root" "$PID"; fail "$mode: checkpoint succeeded, expected a refusal: $what"; return 1 ;;
	124|137|143) kill -9 "$root" "$PID"; fail "$mode: checkpoint hung (rc $rc)"; return 1 ;;
	esac
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -Eq "$re"; then
		kill -9 "$root" "$PID"
		fail "$mode: refusal without naming $what (expected /$re/): $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	if ls -d /sys/fs/cgroup/kcr.* >/dev/null 2>&1; then
		kill -9 "$root" "$PID"; fail "$mode: a transient cgroup was left behind"; return 1
	fi
	touch /tmp/$n.go
	if ! poll 30 gone "$PID"; then
		kill -9 "$root" "$PID"; wait "$PID" 2>/dev/null
		fail "$mode: did not run on after the refused checkpoint (left frozen?)"
		return 1
	fi
	wait "$PID"
	st=$?
	[ $st = 0 ] || { fail "$mode: exit $st after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	return 0
}
t_epoll_refuse() {
	epoll_refused outside 'epoll item fd [0-9]+.*not held by the tree' "a target held only outside the tree" || return 1
	epoll_refused procfs 'procfs file .* not supported' "a procfs target"
}
