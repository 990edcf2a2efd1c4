# kcr guest tests: AF_UNIX sockets (tests/guest/unixsock.c, kernel/checkpoint/unix.c).
# Sourced by run-tests.sh.
ALL_TESTS="$ALL_TESTS unix_pair_stream unix_pair_dgram unix_pair_seqpacket unix_shutdown unix_bound unix_refuse"
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

# Refused, naming the thing, and the tree runs on: another family, a
# listener with a connection not yet accepted (not supported yet), a dgram
# socket connected to itself, a peer held outside the tree (named).
t_unix_refuse() {
	local n=unix_refuse mode re pid root st
	for mode in netlink backlog self outside; do
		case $mode in
		netlink) re='netlink socket .*not supported' ;;
		backlog) re='@kcr-unix-backlog has 1 connections not yet accepted: not supported' ;;
		self) re='a datagram socket connected to itself not supported' ;;
		outside) re='peer outside the tree \(@kcr-unix-outside' ;;
		esac
		clean_files $n
		rm -f /tmp/$n.root
		start_prog $n unixsock refuse-$mode $n || return 1
		pid=$PID
		wait_ready $n "$pid" || return 1
		root=$pid
		[ $mode = outside ] && root=$(cat /tmp/$n.root 2>/dev/null)
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
