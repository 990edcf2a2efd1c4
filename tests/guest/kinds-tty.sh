# kinds-tty.sh: ptys (sourced by run-tests.sh).  Program: pty.c.
ALL_TESTS="$ALL_TESTS pty_pair pty_ctty pty_refuse"
KIND_PROCS="$KIND_PROCS pty"

# devpts at /dev/pts (the guest init only creates the directory)
pty_devpts() {
	grep -q ' /dev/pts devpts ' /proc/mounts && return 0
	mkdir -p /dev/pts
	mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts ||
		{ fail "can not mount devpts at /dev/pts"; return 1; }
	[ -c /dev/ptmx ] || { fail "no /dev/ptmx"; return 1; }
}

# data both ways, termios, winsize, two opens of the slave; the pts number kept
t_pty_pair() {
	pty_devpts || return 1
	std_test pty_pair pty pair || return 1
	grep -q 'TTY' /tmp/pty_pair.info ||
		{ fail "ckptinfo shows no TTY record"; return 1; }
}

# controlling terminal, foreground group, ^C from the master after restart
t_pty_ctty() {
	pty_devpts || return 1
	std_test pty_ctty pty ctty
}

# the master is held outside the checkpointed tree (the child): refused,
# naming it, and both run on
t_pty_refuse() {
	local n=pty_refuse root rc
	pty_devpts || return 1
	clean_files $n
	rm -f /tmp/$n.root
	start_prog $n pty refuse || return 1
	wait_ready $n "$PID" || return 1
	root=$(cat /tmp/$n.root 2>/dev/null)
	[ -n "$root" ] || { kill -9 "$PID"; fail "no tree root in /tmp/$n.root"; return 1; }
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$root" \
		>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	rc=$?
	log "checkpoint $root (pty master held by pid $PID outside): rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
	if [ $rc = 0 ]; then
		kill -9 "$root" "$PID"
		fail "checkpoint succeeded, expected a refusal: the pty master is outside the tree"
		return 1
	fi
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -q "master is also open outside the tree"; then
		kill -9 "$root" "$PID"
		fail "refusal without naming the pty master: rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	[ ! -e /tmp/$n.img ] || { kill -9 "$root" "$PID"; fail "the image of the failed checkpoint was left behind"; return 1; }
	touch /tmp/$n.go
	if ! poll 30 gone "$PID"; then
		kill -9 "$root" "$PID"; wait "$PID" 2>/dev/null
		fail "the program did not run on after the refused checkpoint (left frozen?)"
		return 1
	fi
	wait "$PID"
	rc=$?
	[ $rc = 0 ] || { fail "exit $rc after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
}
