# kinds-locks.sh: file locks (flock, POSIX, OFD), sourced by run-tests.sh.
# The tree of /tests/locks MODE checks its locks from inside after restart,
# then waits while we probe them from outside (locks probe ...).
ALL_TESTS="$ALL_TESTS lock_flock lock_posix lock_ofd lock_shared lock_wait lock_conflict lock_lease_refused lock_mapped_refused"
KIND_PROCS="$KIND_PROCS locks"

# lk_expect WHAT EXPECTED PROBE-ARGS...: an outside probe's answer
lk_expect() {
	local what=$1 exp=$2 got
	shift 2
	got=$("$T/locks" probe "$@" 2>&1)
	[ "$got" = "$exp" ] && return 0
	fail "from outside: $what: expected '$exp', got '$got'"
}

# lock_run NAME MODE PROBE-FUNCTION: start the tree, checkpoint --kill,
# restart in the background, probe once the tree says it is restored, let
# it end, judge.
lock_run() {
	local n=$1 mode=$2 probes=$3 rpid ok=0
	clean_files "$n"
	rm -f /tmp/$n.a /tmp/$n.b /tmp/$n.restored /tmp/$n.go2 /tmp/$n.child
	start_prog "$n" locks "$mode" || return 1
	wait_ready "$n" "$PID" || return 1
	checkpoint_to "$n" "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	grep -q "FILE_LOCK" /tmp/$n.info || [ "$mode" = wait ] ||
		{ fail "no FILE_LOCK record in the image"; return 1; }
	touch /tmp/$n.go
	mutate_image /tmp/$n.img
	timeout -k 5 $TMO_RST restart -i /tmp/$n.img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err &
	rpid=$!
	if poll $TMO_RESTORED eval "[ -e /tmp/$n.restored ] || gone $rpid"; then
		[ -e /tmp/$n.restored ] && $probes "$n" && ok=1
	else
		fail "the restored tree did not reach its probe point"
	fi
	touch /tmp/$n.go2
	wait $rpid
	RC=$?
	log "restart: rc $RC"
	judge "$n" "$RC" || return 1
	[ $ok = 1 ]
}

lk_probe_flock() {
	lk_expect "a LOCK_SH" free flock /tmp/$1.a sh &&
	lk_expect "a LOCK_EX" busy flock /tmp/$1.a ex &&
	lk_expect "b LOCK_SH" busy flock /tmp/$1.b sh
}
t_lock_flock() { lock_run lock_flock flock lk_probe_flock; }

lk_probe_posix() {
	local f=/tmp/$1.a c
	c=$(cat /tmp/$1.child)
	lk_expect "write 0-9" "busy w $PID" posix $f w 0 1 &&
	lk_expect "read 20-29 vs read" free posix $f r 25 1 &&
	lk_expect "read 20-29 vs write" "busy r $PID" posix $f w 25 1 &&
	lk_expect "hole 10-19" free posix $f w 10 10 &&
	lk_expect "the child's 200-209" "busy w $c" posix $f w 200 10 &&
	lk_expect "1000-EOF" "busy w $PID" posix $f w 5000 1
}
t_lock_posix() { lock_run lock_posix posix lk_probe_posix; }

lk_probe_ofd() {
	local f=/tmp/$1.a
	lk_expect "ofd write 0-99" "busy w -1" ofd $f w 0 1 &&
	lk_expect "ofd read 200-299 vs read" free ofd $f r 250 1 &&
	lk_expect "ofd read 200-299 vs write" "busy r -1" ofd $f w 250 1 &&
	lk_expect "posix write vs ofd 0-99" "busy w -1" posix $f w 50 1 &&
	lk_expect "hole 100-199" free ofd $f w 100 100
}
t_lock_ofd() { lock_run lock_ofd ofd lk_probe_ofd; }

lk_probe_shared() {
	lk_expect "inherited flock LOCK_SH" busy flock /tmp/$1.a sh
}
t_lock_shared() { lock_run lock_shared shared lk_probe_shared; }

lk_probe_wait() {
	lk_expect "held flock LOCK_SH" busy flock /tmp/$1.a sh
}
t_lock_wait() { lock_run lock_wait wait lk_probe_wait; }

# A lock taken outside between checkpoint and restart: the restart fails
# with EAGAIN and says which file and range; without it the restart works.
t_lock_conflict() {
	local n=lock_conflict hpid
	clean_files $n
	rm -f /tmp/$n.a /tmp/$n.b /tmp/$n.b.held /tmp/$n.restored /tmp/$n.go2
	start_prog $n locks flock $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	# an outside holder of b, which the tree had locked LOCK_EX
	"$T/locks" hold /tmp/$n.b </dev/null >/dev/null 2>&1 &
	hpid=$!
	if ! poll 10 eval "[ -e /tmp/$n.b.held ] || gone $hpid"; then
		kill $hpid; fail "no outside holder"; return 1
	fi
	touch /tmp/$n.go /tmp/$n.go2
	restart_from $n
	kill $hpid; wait $hpid 2>/dev/null
	if [ "$RC" = 0 ]; then
		fail "restart succeeded despite a conflicting lock held outside"; return 1
	fi
	grep -q "lock_conflict.b.*conflicts with a lock held outside" /tmp/$n.rst.log /tmp/$n.rst.err ||
		{ fail "no reason naming the file and the conflict: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"; return 1; }
	grep -qi "EAGAIN\|temporarily unavailable\|errno 11" /tmp/$n.rst.err /tmp/$n.rst.log ||
		{ fail "not EAGAIN: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"; return 1; }
	# without the outside holder the same image restarts
	rm -f /tmp/$n.restored
	restart_from $n
	judge $n "$RC"
}

# A lease is refused by name, and the process runs on with it.
t_lock_lease_refused() {
	local n=lock_lease_refused st pid
	clean_files $n
	rm -f /tmp/$n.a
	start_prog $n locks lease $n || return 1
	pid=$PID
	wait_ready $n "$pid" || return 1
	refused_checkpoint $n "$pid" "lease.*not supported" "naming the lease"
}

# flock held through a file the tree holds only by a mapping: no FD carries
# the lock, so checkpoint refuses rather than lose it
t_lock_mapped_refused() {
	local n=lock_mapped_refused
	clean_files $n
	rm -f /tmp/$n.a
	start_prog $n locks mapped $n || return 1
	wait_ready $n "$PID" || return 1
	refused_checkpoint $n "$PID" "flock or OFD lock but no fd" "naming the lock"
}
