# kcr guest tests: AF_UNIX sockets (tests/guest/unixsock.c, kernel/checkpoint/unix.c).
# Sourced by run-tests.sh.
ALL_TESTS="$ALL_TESTS unix_pair_stream unix_pair_dgram unix_pair_seqpacket unix_shutdown unix_bound unix_accept unix_backlog unix_inflight unix_crafted unix_refuse"
KIND_PROCS="$KIND_PROCS unixsock"

# A socketpair of each type, parent and child on the two ends, data queued
# both ways, SO_SNDBUF/SO_RCVBUF/SO_PASSCRED/O_NONBLOCK, credentials.
t_unix_pair_stream() { std_test unix_pair_stream unixsock stream unix_pair_stream; }
t_unix_pair_dgram() { std_test unix_pair_dgram unixsock dgram unix_pair_dgram; }
t_unix_pair_seqpacket() { std_test unix_pair_seqpacket unixsock seqpacket unix_pair_seqpacket; }
# shutdown(SHUT_WR) of one side: the other reads the data then EOF
t_unix_shutdown() { std_test unix_shutdown unixsock shutdown unix_shutdown; }
# bound (abstract, path), a listener: the killed original's socket inodes
# at the paths are removed by restart
t_unix_bound() { std_test unix_bound unixsock bound unix_bound; }
# connect()/accept() between parent and child (names on both sides, the
# accepted socket's is its listener's), a dgram socket connected one way
# to a bound one with datagrams queued from an unnamed sender
t_unix_accept() { std_test unix_accept unixsock accept unix_accept; }
# connections waiting in a listener's backlog (from the child and the
# parent itself), with their data and a shutdown, accepted after restart
t_unix_backlog() { std_test unix_backlog unixsock backlog unix_backlog; }
# fds in flight (SCM_RIGHTS) from parent to child: a pipe (twice), a file
# at an offset, a socket with its own queue
t_unix_inflight() { std_test unix_inflight unixsock inflight unix_inflight; }

# Crafted images of the unix_inflight tree: each restart fails with EINVAL
# and its reason, hangs nothing and leaves nothing running; then the
# untouched image restarts and passes.  A file in flight that is no FILE
# of the image, one naming the receiving socket's own FILE (written after
# it), more files in one message than SCM_MAX_FD, counts out of range.
unix_crafted_try() { # DESC REGEX
	local n=unix_crafted rc p
	rm -f /tmp/$n.bad.log /tmp/$n.bad.err
	timeout -k 5 60 restart -i /tmp/$n.bad.img -l /tmp/$n.bad.log >/dev/null 2>/tmp/$n.bad.err
	rc=$?
	case $rc in
	0) fail "$1: restart succeeded"; return 1 ;;
	124|137|143) fail "$1: restart hung"; return 1 ;;
	esac
	if ! cat /tmp/$n.bad.err /tmp/$n.bad.log 2>/dev/null | grep -Eq "$2"; then
		fail "$1: restart rc $rc does not say /$2/: $(first_line /tmp/$n.bad.err /tmp/$n.bad.log)"
		return 1
	fi
	p=$(find_procs unixsock)
	[ -z "$p" ] || { sleep 1; p=$(find_procs unixsock); }
	[ -z "$p" ] || { kill_procs unixsock; fail "$1: process left running ($p)"; return 1; }
	log "crafted $1: refused (rc $rc)"
	return 0
}

t_unix_crafted() {
	local n=unix_crafted img=/tmp/unix_crafted.img i k=-1 s=-1 sock fref=0 off len T=/tests
	clean_files $n
	start_prog $n unixsock inflight $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	# the message with 3 files, its UNIX (the one before it with messages)
	for i in 0 1 2 3 4 5 6 7 8 9; do
		[ "$("$T/imgmut" $img get unix_skb.nr_fds@$i 2>/dev/null)" = 3 ] && { s=$i; break; }
	done
	for i in 0 1 2 3 4 5 6 7 8 9 10 11; do
		[ "$("$T/imgmut" $img get unix.nr_skbs@$i 2>/dev/null)" = 2 ] && { k=$i; break; }
	done
	[ $s -ge 0 ] && [ $k -ge 0 ] || { fail "no message with 3 files in flight in the image"; return 1; }
	sock=$("$T/imgmut" $img get unix.objref@$k)
	for i in $(seq 0 40); do
		[ "$("$T/imgmut" $img get file.obj_ref@$i 2>/dev/null)" = "$sock" ] &&
			[ "$("$T/imgmut" $img get file.kind@$i)" = 11 ] &&
			{ fref=$("$T/imgmut" $img get file.objref@$i); break; }
	done
	[ "$fref" != 0 ] || { fail "no FILE of the receiving socket $sock"; return 1; }
	# the first fd objref: after the 32-byte fixed part and len bytes of data
	len=$("$T/imgmut" $img get unix_skb.len@$s)
	off=$(( $("$T/imgmut" $img where unix_skb.len@$s) - 8 + 32 + len ))
	"$T/imgmut" $img /tmp/$n.bad.img set $off 0xe7 0x03 0 0 &&
		unix_crafted_try "a file in flight that is no FILE (999)" \
			'a file in flight names no file restored before \(999\)' || return 1
	"$T/imgmut" $img /tmp/$n.bad.img set $off $((fref & 255)) $(((fref >> 8) & 255)) 0 0 &&
		unix_crafted_try "the receiving socket's own FILE in flight ($fref)" \
			"a file in flight names no file restored before \\($fref\\)" || return 1
	"$T/imgmut" -c $img /tmp/$n.bad.img field unix_skb.nr_fds@$s 254 &&
		unix_crafted_try "254 files in one message" 'bad message record' || return 1
	"$T/imgmut" -c $img /tmp/$n.bad.img field unix_skb.nr_fds@$s 4294967295 &&
		unix_crafted_try "2^32-1 files in one message" 'bad message record' || return 1
	"$T/imgmut" -c $img /tmp/$n.bad.img field unix.nr_skbs@$k 4294967295 &&
		unix_crafted_try "2^32-1 messages" 'unix socket [0-9]+: bad record' || return 1
	"$T/imgmut" -c $img /tmp/$n.bad.img field unix.queued@$k 18446744073709551615 &&
		unix_crafted_try "2^64-1 bytes queued" 'unix socket [0-9]+: bad record' || return 1
	"$T/imgmut" -c $img /tmp/$n.bad.img field unix.listener_ref@$k $sock &&
		unix_crafted_try "a listener_ref without EMBRYO" 'bad connection waiting' || return 1
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# Refused, naming the thing, and the tree runs on: another family, a
# connection waiting whose connecting socket was closed, a dgram socket
# connected to itself, a peer held outside the tree (named), a socket in
# flight in its peer's queue, a file in flight of a kind not saved
# (named), a file in flight also held outside the tree (the leak check
# counts files in flight).
t_unix_refuse() {
	local n=unix_refuse mode re re2 pid root st
	for mode in netlink closed self outside fdself fdkind fdoutside; do
		re2=
		case $mode in
		netlink) re='netlink socket .*not supported' ;;
		closed) re='a connection waiting whose connecting socket was closed: not supported' ;;
		self) re='a datagram socket connected to itself not supported' ;;
		outside) re='peer outside the tree \(@kcr-unix-outside' ;;
		fdself) re='unix socket in flight \(SCM_RIGHTS\) in its own queue or its peer.s' ;;
		fdkind) re='netlink socket \(family 16\) not supported'
			re2='a file in flight in its queue \(SCM_RIGHTS\) can not be saved' ;;
		fdoutside) re='in flight \(SCM_RIGHTS\) on a unix socket .* is also held outside the tree' ;;
		esac
		clean_files $n
		rm -f /tmp/$n.root
		start_prog $n unixsock refuse-$mode $n || return 1
		pid=$PID
		wait_ready $n "$pid" || return 1
		root=$pid
		case $mode in outside|fdoutside) root=$(cat /tmp/$n.root 2>/dev/null) ;; esac
		timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$root" \
			>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
		st=$?
		if [ $st = 0 ]; then
			kill -9 "$pid" "$root"; wait "$pid" 2>/dev/null
			fail "$mode: checkpoint succeeded, expected a refusal"; return 1
		fi
		if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -Eq "$re"; then
			kill -9 "$pid" "$root"; wait "$pid" 2>/dev/null
			fail "$mode: refusal does not say /$re/: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
		fi
		if [ -n "$re2" ] && ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -Eq "$re2"; then
			kill -9 "$pid" "$root"; wait "$pid" 2>/dev/null
			fail "$mode: refusal does not say /$re2/: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
		fi
		[ ! -e /tmp/$n.img ] || { kill -9 "$pid" "$root"; fail "$mode: the image of the failed checkpoint was left behind"; return 1; }
		touch /tmp/$n.go
		if ! poll 20 gone "$pid"; then
			kill -9 "$pid" "$root"; wait "$pid" 2>/dev/null
			fail "$mode: the process did not run on after the refused checkpoint"; return 1
		fi
		wait "$pid"
		st=$?
		[ $st = 0 ] || { fail "$mode: exit $st after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	done
	return 0
}
