# Deleted ("ghost") files and memfds (kernel/checkpoint/ghost.c), sourced
# by run-tests.sh.
ALL_TESTS="$ALL_TESTS ghost_fd ghost_shared ghost_map ghost_limit memfd ghost_exe ghost_refuse"
KIND_PROCS="$KIND_PROCS ghost"

t_ghost_fd() { std_test ghost_fd ghost fd; }
t_ghost_shared() { std_test ghost_shared ghost shared; }
t_ghost_map() { std_test ghost_map ghost map; }
t_memfd() { std_test memfd ghost memfd; }
# a program whose executable was deleted: its text is saved by contents
t_ghost_exe() { std_test ghost_exe ghost exe; }

# A deleted file of 5 MiB: refused under the default 4 MiB limit, naming
# it and its size (the program runs on), saved with --ghost-limit 8M.
t_ghost_limit() {
	local n=ghost_limit st
	clean_files $n
	start_prog $n ghost limit || return 1
	wait_ready $n "$PID" || return 1
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$PID" \
		>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	st=$?
	if [ $st = 0 ]; then
		kill -9 "$PID"; wait "$PID" 2>/dev/null
		fail "checkpoint of a 5 MiB deleted file succeeded, expected a refusal"; return 1
	fi
	if ! grep -q "/tmp/ghost_limit.dat (deleted) is 5242880 bytes, over the ghost limit" \
		/tmp/$n.ckpt.err /tmp/$n.ckpt.log; then
		kill -9 "$PID"; wait "$PID" 2>/dev/null
		fail "no reason naming the file and its size: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
	fi
	if gone "$PID"; then
		kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
		fail "the program did not run on after the refused checkpoint"; return 1
	fi
	checkpoint_to $n "$PID" --ghost-limit 8M --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# Refused, with the reason, and the program runs on: a deleted file also
# open outside the tree (the test opens /proc/PID/fd/3), a deleted name of
# a file with another link, a deleted directory.
t_ghost_refuse() {
	local n mode st why
	for mode in leak link dir; do
		n=ghost_$mode
		case $mode in
		leak) why="also open outside the tree" ;;
		link) why="still has 1 links" ;;
		dir) why="a deleted directory, not supported" ;;
		esac
		clean_files $n
		start_prog $n ghost $mode || return 1
		wait_ready $n "$PID" || return 1
		[ $mode = leak ] && exec 9</proc/$PID/fd/3
		timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$PID" \
			>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
		st=$?
		[ $mode = leak ] && exec 9<&-
		if [ $st = 0 ]; then
			kill -9 "$PID"; wait "$PID" 2>/dev/null
			fail "$mode: checkpoint succeeded, expected a refusal"; return 1
		fi
		if ! grep -q "$why" /tmp/$n.ckpt.err /tmp/$n.ckpt.log; then
			kill -9 "$PID"; wait "$PID" 2>/dev/null
			fail "$mode: expected \"$why\": $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
		fi
		touch /tmp/$n.go
		if ! poll 20 gone "$PID"; then
			kill -9 "$PID"; wait "$PID" 2>/dev/null
			fail "$mode: the program did not run on after the refused checkpoint"; return 1
		fi
		wait "$PID"
		st=$?
		[ $st = 0 ] || { fail "$mode: exit $st after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	done
	return 0
}
