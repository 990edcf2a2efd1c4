# kinds-event.sh: event fds (eventfd, signalfd, timerfd), sourced by
# run-tests.sh.  The program is tests/guest/event.c (one mode per test); it
# checks its own state after restart.
ALL_TESTS="$ALL_TESTS eventfd eventfd_shared timerfd timerfd_abs signalfd event_leak event_badimage"
KIND_PROCS="$KIND_PROCS event"

t_eventfd() { std_test eventfd event eventfd eventfd; }
t_eventfd_shared() { std_test eventfd_shared event eventfd_shared eventfd_shared; }
t_signalfd() { std_test signalfd event signalfd signalfd; }

# timer tests: the image waits EVENT_FROZEN_S between checkpoint and restart
# (event.c's FROZEN_S): time left on a monotonic timer must not count it, an
# absolute CLOCK_REALTIME expiry must.
EVENT_FROZEN_S=5
event_timer_test() { # NAME MODE
	local n=$1
	clean_files "$n"
	start_prog "$n" event "$2" "$n" || return 1
	wait_ready "$n" "$PID" || return 1
	checkpoint_to "$n" "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	sleep $EVENT_FROZEN_S
	touch /tmp/$n.go
	restart_from "$n"
	judge "$n" "$RC"
}
t_timerfd() { event_timer_test timerfd timerfd; }
t_timerfd_abs() { event_timer_test timerfd_abs timerfd_abs; }

# An eventfd held by a process outside the tree (the tree root R is a child
# of P, which keeps its fd): checkpoint R is refused, naming the eventfd,
# and the tree runs on with the sharing intact.
t_event_leak() {
	local n=event_leak root rc st
	clean_files $n
	rm -f /tmp/$n.root
	start_prog $n event leak $n || return 1
	wait_ready $n "$PID" || return 1
	root=$(cat /tmp/$n.root 2>/dev/null)
	[ -n "$root" ] || { kill -9 "$PID"; fail "no tree root in /tmp/$n.root"; return 1; }
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$root" \
		>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	rc=$?
	log "checkpoint $root (eventfd shared with $PID): rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
	if [ $rc = 0 ]; then
		kill -9 "$root" "$PID"; fail "checkpoint succeeded, expected a refusal: an eventfd held outside the tree"; return 1
	fi
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -q "eventfd.*held outside the tree"; then
		kill -9 "$root" "$PID"
		fail "refusal without naming the eventfd held outside: rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	if ls -d /sys/fs/cgroup/kcr.* >/dev/null 2>&1; then
		kill -9 "$root" "$PID"; fail "a transient cgroup was left behind"; return 1
	fi
	touch /tmp/$n.go
	if ! poll 30 gone "$PID"; then
		kill -9 "$root" "$PID"; wait "$PID" 2>/dev/null
		fail "the tree did not run on after the refused checkpoint (left frozen?)"
		return 1
	fi
	wait "$PID"
	st=$?
	[ $st = 0 ] || { fail "exit $st after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	return 0
}

# Hostile event fd fields: restart fails with a reason (logged), leaves no
# process behind; the unmodified image restarts.
event_bad_try() { # IMG FIELD VALUE EXPECTED-LOG-REGEX
	local n=event_bad rc
	"$T/imgmut" -c "$1" /tmp/$n.mut field "$2" "$3" || { fail "imgmut $2 $3 failed"; return 1; }
	rm -f /tmp/$n.mut.log
	timeout -k 5 20 restart --no-pids -i /tmp/$n.mut -l /tmp/$n.mut.log >/dev/null 2>/tmp/$n.mut.err
	rc=$?
	log "restart with $2=$3: rc $rc: $(grep -m1 -E "$4" /tmp/$n.mut.log)"
	case $rc in
	0) kill_procs event; fail "$2=$3: restart succeeded, expected a refusal"; return 1 ;;
	124|137|143) kill_procs event; fail "$2=$3: restart hung"; return 1 ;;
	esac
	grep -Eq "$4" /tmp/$n.mut.log || { kill_procs event; fail "$2=$3: no reason /$4/ logged: $(first_line /tmp/$n.mut.err /tmp/$n.mut.log)"; return 1; }
	sleep 0.5
	[ -z "$(find_procs event)" ] || { kill_procs event; fail "$2=$3: a process was left running"; return 1; }
	return 0
}
# index N (file.FIELD@N) of the FILE record right after the first EVENTFD
event_file_index() { # IMG
	"$T/imgmut" list "$1" | awk '$3 == "eventfd" { e = 1 } $3 == "file" { if (e) { print n; exit } n++ }'
}
t_event_badimage() {
	local n=event_bad img=/tmp/event_bad.img i
	# a timerfd image: hostile timer fields
	clean_files $n
	start_prog $n event timerfd $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	event_bad_try $img timerfd.clockid 3 "timerfd [0-9]+: bad record" || return 1
	event_bad_try $img timerfd.flags 1 "timerfd [0-9]+: bad record" || return 1
	event_bad_try $img timerfd.value_ns 9223372036854775808 "timerfd [0-9]+: bad record" || return 1
	event_bad_try $img timerfd.settime_flags 4 "timerfd [0-9]+: bad record" || return 1
	# an eventfd image: hostile eventfd and FILE fields
	clean_files $n
	start_prog $n event eventfd $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	i=$(event_file_index $img)
	[ -n "$i" ] || { fail "no FILE after the EVENTFD record in the image"; return 1; }
	event_bad_try $img eventfd.flags 2 "eventfd [0-9]+: bad flags" || return 1
	event_bad_try $img eventfd.count 18446744073709551615 "eventfd [0-9]+: bad flags 0x[0-9a-f]+ or count" || return 1
	event_bad_try $img eventfd.objref 999 "unknown event fd" || return 1
	event_bad_try $img file.kind@$i 8 "unknown event fd" || return 1
	event_bad_try $img file.f_flags@$i 0 "bad event fd record" || return 1
	event_bad_try $img file.mode@$i 4480 "bad event fd record" || return 1
	# the unmodified image restarts and its checks pass
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}
