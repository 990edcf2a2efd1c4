# kinds-timers.sh: timers of a thread group (setitimer, POSIX timers) and
# clock_nanosleep(TIMER_ABSTIME); sourced by run-tests.sh.
# The program (tests/guest/timers.c) checks its timers from inside after
# restart; the driver keeps the image TIMERS_FROZEN seconds between
# checkpoint and restart: relative timers must not count that time.
ALL_TESTS="$ALL_TESTS itimer_real itimer_virt_prof posix_timers timer_thread_id nanosleep_abs timer_refuse timer_passed"
KIND_PROCS="$KIND_PROCS timers"
TIMERS_FROZEN=2

# timers_run MODE [SYSCALL]: start "timers MODE", (wait until blocked in
# SYSCALL,) checkpoint --kill, wait TIMERS_FROZEN s, restart, judge.
timers_run() {
	local mode=$1 nr=$2 n=timers_$1 tns
	clean_files "$n"
	start_prog "$n" timers "$mode" || return 1
	wait_ready "$n" "$PID" || return 1
	if [ -n "$nr" ]; then
		if ! poll 10 eval "[ \"\$(cut -d' ' -f1 /proc/$PID/syscall 2>/dev/null)\" = $nr ]"; then
			kill -9 "$PID"
			fail "$mode: program not blocked in syscall $nr before checkpoint"
			return 1
		fi
		sleep 1
	fi
	checkpoint_to "$n" "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	sleep $TIMERS_FROZEN
	# the program bounds its own run time with the header's time_ns
	tns=$("$T/imgmut" /tmp/$n.img get header.time_ns)
	echo "$tns" > /tmp/$n.go
	restart_from "$n"
	judge "$n" "$RC" || return 1
	grep "^# " /tmp/$n.out | head -n 3 | while read -r l; do log "$l"; done
	return 0
}

t_itimer_real() { timers_run real && timers_run alarm; }
t_itimer_virt_prof() { timers_run virt; }
t_posix_timers() { timers_run posix; }
t_timer_thread_id() { timers_run thread; }
t_timer_passed() { timers_run passed; }
t_nanosleep_abs() { timers_run abs_rt 230 && timers_run abs_mono 230; }

# A POSIX timer on another thread's CPU clock is refused with a reason; the
# process runs on as before.
t_timer_refuse() {
	local n=timers_refuse pid st
	clean_files $n
	start_prog $n timers refuse || return 1
	pid=$PID
	wait_ready $n "$pid" || return 1
	refused_checkpoint $n "$pid" "CPU clock) is not supported" "given"
}
