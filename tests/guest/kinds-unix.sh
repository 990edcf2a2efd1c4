# kcr guest tests: AF_UNIX sockets (tests/guest/unixsock.c, kernel/checkpoint/unix.c).
# Sourced by run-tests.sh.
ALL_TESTS="$ALL_TESTS unix_pair_stream unix_pair_dgram unix_pair_seqpacket unix_shutdown unix_bound unix_accept unix_backlog unix_inflight unix_refuse"
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
