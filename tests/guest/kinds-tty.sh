# kinds-tty.sh: ptys (sourced by run-tests.sh).  Program: pty.c.
ALL_TESTS="$ALL_TESTS pty_pair pty_ctty pty_refuse pty_taken pty_badimage"
KIND_PROCS="$KIND_PROCS pty"

# devpts at /dev/pts (the guest init only creates the directory)
pty_devpts() {
	grep -q ' /dev/pts devpts ' /proc/mounts && return 0
	mkdir -p /dev/pts
	mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts ||
		{ fail "can not mount devpts at /dev/pts"; return 1; }
	[ -c /dev/ptmx ] || { fail "no /dev/ptmx"; return 1; }
}

# data both ways, termios, winsize, two opens of the slave, an open file of
# the slave shared by parent and child; the pts number kept
t_pty_pair() {
	pty_devpts || return 1
	std_test pty_pair pty pair || return 1
	ckptinfo /tmp/pty_pair.img 2>/dev/null | grep -q 'TTY' ||
		{ fail "ckptinfo shows no TTY record"; return 1; }
}

# controlling terminal, foreground group, ^C from the master after restart
t_pty_ctty() {
	pty_devpts || return 1
	std_test pty_ctty pty ctty
}

# pty_refused CASE PATTERN: the checkpoint of the tree root the program
# names is refused with a reason matching PATTERN; the program runs on.
pty_refused() {
	local c=$1 pat=$2 n=pty_refuse_$1 root rc
	clean_files $n
	rm -f /tmp/$n.root
	start_prog $n pty refuse $c || return 1
	wait_ready $n "$PID" || return 1
	root=$(cat /tmp/$n.root 2>/dev/null)
	[ -n "$root" ] || { kill -9 "$PID"; fail "$c: no tree root in /tmp/$n.root"; return 1; }
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$root" \
		>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	rc=$?
	log "refuse $c: checkpoint $root: rc $rc: $(grep -m1 -e "$pat" /tmp/$n.ckpt.log)"
	if [ $rc = 0 ]; then
		kill_procs pty
		fail "$c: checkpoint succeeded, expected a refusal"
		return 1
	fi
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -q -e "$pat"; then
		kill_procs pty
		fail "$c: refusal without the reason /$pat/: rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	[ ! -e /tmp/$n.img ] || { kill_procs pty; fail "$c: the image of the failed checkpoint was left behind"; return 1; }
	touch /tmp/$n.go
	if ! poll 30 gone "$PID"; then
		kill_procs pty; wait "$PID" 2>/dev/null
		fail "$c: the program did not run on after the refused checkpoint (left frozen?)"
		return 1
	fi
	wait "$PID"
	rc=$?
	[ $rc = 0 ] || { fail "$c: exit $rc after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
}

# every refusal of tty.rst that a test program can set up
t_pty_refuse() {
	pty_devpts || return 1
	pty_refused master "its master is also open outside the tree" || return 1
	pty_refused slave "its slave is also open outside the tree" || return 1
	pty_refused session "whose leader is outside the tree" || return 1
	pty_refused devtty "names pty .* (the controlling terminal)" || return 1
	pty_refused notty "has none or another (TIOCNOTTY?)" || return 1
	pty_refused stopped "output stopped" || return 1
	pty_refused overflow "more unread input than its line discipline holds" || return 1
	pty_refused async "O_ASYNC" || return 1
	pty_refused rdonly "pty master not opened read-write" || return 1
}

# a restart while the original holds the pts number fails (ENOSPC), naming it
t_pty_taken() {
	local n=pty_taken rc
	pty_devpts || return 1
	clean_files $n
	start_prog $n pty taken || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" || { kill_procs pty; return 1; }
	timeout -k 5 $TMO_RST restart --no-pids -i /tmp/$n.img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err
	rc=$?
	log "restart while the original runs: rc $rc: $(grep -m1 'is in use' /tmp/$n.rst.log)"
	if [ $rc = 0 ]; then
		kill_procs pty
		fail "restart succeeded while the original holds the pts number"
		return 1
	fi
	grep -q "pts [0-9]* is in use in the restorer's devpts" /tmp/$n.rst.log ||
		{ kill_procs pty; fail "no reason naming the pts number: $(tool_msg $rc /tmp/$n.rst.err /tmp/$n.rst.log)"; return 1; }
	touch /tmp/$n.go
	if ! poll 30 gone "$PID"; then
		kill_procs pty; wait "$PID" 2>/dev/null
		fail "the original did not run on after the failed restart"
		return 1
	fi
	wait "$PID"
	rc=$?
	[ $rc = 0 ] || { fail "original: exit $rc: $(prog_fail /tmp/$n.out)"; return 1; }
}

# Hostile TTY fields: restart fails with a reason, hangs not, leaves no
# process behind.
pty_bad_try() { # IMG FIELD VALUE EXPECTED-LOG-REGEX
	local n=pty_bad rc
	"$T/imgmut" -c "$1" /tmp/$n.mut field "$2" "$3" || { fail "imgmut $2 $3 failed"; return 1; }
	rm -f /tmp/$n.mut.log
	timeout -k 5 30 restart --no-pids -i /tmp/$n.mut -l /tmp/$n.mut.log >/dev/null 2>/tmp/$n.mut.err
	rc=$?
	log "restart with $2=$3: rc $rc: $(grep -m1 -E "$4" /tmp/$n.mut.log)"
	case $rc in
	0) kill_procs pty; fail "$2=$3: restart succeeded, expected a refusal"; return 1 ;;
	124|137|143) kill_procs pty; fail "$2=$3: restart hung"; return 1 ;;
	esac
	grep -Eq "$4" /tmp/$n.mut.log || { kill_procs pty; fail "$2=$3: no reason /$4/ logged: $(first_line /tmp/$n.mut.err /tmp/$n.mut.log)"; return 1; }
	sleep 0.5
	[ -z "$(find_procs pty)" ] || { kill_procs pty; fail "$2=$3: a process was left running"; return 1; }
	return 0
}
t_pty_badimage() {
	local n=pty_bad img=/tmp/pty_bad.img
	pty_devpts || return 1
	clean_files $n pty_ctty
	# the ctty tree: parent (TREE 0), session leader child (1), grandchild (2)
	start_prog $n pty ctty || return 1
	wait_ready pty_ctty "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	pty_bad_try $img tty_data.len 100000 "pty [0-9]+: bad data record" || return 1
	pty_bad_try $img tty_data.canon_len 4097 "pty [0-9]+: bad data record" || return 1
	pty_bad_try $img tty_data.side 1 "pty [0-9]+: bad data record" || return 1
	pty_bad_try $img tty.index 1048576 "pty [0-9]+: bad record" || return 1
	pty_bad_try $img tty.flags 8 "pty [0-9]+: bad record" || return 1
	pty_bad_try $img tty.pktstatus 1 "pty [0-9]+: bad record" || return 1
	pty_bad_try $img tty.session 9999 "pty [0-9]+: bad record" || return 1
	pty_bad_try $img tty.session 3 "pty [0-9]+: the controlling terminal of TREE entry 2, which leads no session" || return 1
	pty_bad_try $img tty.fg_pgrp 1 "pty [0-9]+: its foreground group \(TREE entry 0\) is not in its session" || return 1
	pty_bad_try $img tty.slave_line 3 "pty [0-9]+: bad record" || return 1
	pty_bad_try $img tty.master_lflag 2 "pty [0-9]+: master termios other than the driver's" || return 1
}
