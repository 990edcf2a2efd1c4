#!/bin/sh
# kcr guest test suite driver (busybox sh).  Installed as /tests/run-tests.sh.
#
#   run-tests.sh [TEST...]      run the given tests (default: all), print one
#                               line per test, "PASS: name" or
#                               "FAIL: name: why" (or "SKIP: name: why" for a
#                               test this kernel can not run, e.g. kmemleak
#                               without CONFIG_DEBUG_KMEMLEAK: not a pass), then
#                               "guest: N passed, N failed[, N skipped]"; exit 0
#                               iff none failed.
#   run-tests.sh --list         list the tests.
# Environment:
#   KCR_TEST_VERBOSE=1  after each line, "# NAME: SECONDS s", and after a FAIL line
#                       the test's own log ("# " lines).
#   KCR_KEEP=1          keep images and scratch files in /tmp.
#   KCR_QUICK=1         fewer badimage cases (development).
#   KCR_TEST_TIMEOUT=S  hard timeout of every test (default: per test, 180 s to 1500 s).
#   KCR_MUTATE="FIELD VALUE"  (checking the suite itself) edit every image with
#                       "imgmut -c IMG IMG field FIELD VALUE" before it is
#                       restarted: a test must then FAIL if it checks what the
#                       field restores (e.g. KCR_MUTATE="cpu.bx ^1" run-tests.sh regs).
#
# Each test runs in its own "sh run-tests.sh --one NAME" under a hard
# timeout; every wait inside a test has its own timeout, so a hung test
# FAILs and the suite goes on.  Leftover processes of a test are killed (by
# the names of our test programs and tools) before the next test.
#
# The usual shape of a test (test programs: tests/guest/<name>.c, see
# kcrtest.h): start /tests/<prog> in the background, wait for
# /tmp/<name>.ready, "checkpoint --kill -o /tmp/<name>.img PID", make sure the
# original is gone (reaped, killed by SIGKILL), create /tmp/<name>.go,
# "restart -i /tmp/<name>.img" (it waits for the restored program and exits
# with its status), PASS iff that status is 0.  The program verifies its
# own state and that it really was restarted; its messages ("FAIL what:
# expected X, got Y") are in /tmp/<name>.out.

T=$(dirname "$(readlink -f "$0")")
SELF=$T/$(basename "$0")
export PATH=${PATH:+$PATH:}/bin:/sbin:/usr/bin:/usr/sbin

ALL_TESTS="regs memory memory_pipe signals task files blk_read blk_pause blk_sleep blk_sleep_clock dyn_counter selfckpt refuse stall nopids \
tree tree_pipe tree_nopids threads threads_many container container_flat pidns_init kill_pipe \
ctrlc cutimage pidtaken leak_files leak_fs leak_vm leak_vfork leak_vfork_rev leak_scm leak_pipe leak_shm killmid latejoin \
ipc_objs ipc_used ipc_ns ipc_fail ipc_private ipc_container ipc_mixed ipc_locked ipc_leak semundo_tree semundo_private semundo_edge semundo_zero \
semundo_proc nextid_ipc nextid_proc nextid_pidns ipc_rights ipc_rights_restart \
cpus clock rights badimage thp fuzz \
taskstate taskstate_rt taskstate_legacy taskstate_mlockall taskstate_user taskstate_rights taskstate_refuse"
# files reopened by path (identity, one lookup, rights, exe link), 64-bit only
ALL_TESTS="$ALL_TESTS fileid_identity fileid_lookup fileid_rights fileid_exe fileid_unreachable compat64"
# one file of tests per kind of state (kinds-*.sh): each appends its
# tests to ALL_TESTS and its programs to KIND_PROCS, and defines t_<test>
for f in "$T"/kinds-*.sh; do
	[ -f "$f" ] && . "$f"
done
# scale and resources; kmemleak last: its scan covers every earlier test
ALL_TESTS="$ALL_TESTS objtable memcg lockup kmemleak"
# process names (comm) a test can leave behind; killed between tests
PROCS="thp refuse selfckpt regs memory signals task kcr-task-comm files blk_read blk_pause blk_sleep dyn_counter nopids idle checkpoint restart imgmut runas tree treebig tree_join threads container leak clock pidns_init mktree ipc ipctool semundo semundo_proc nextid imgfuzz"

PROCS="$PROCS scale cycles"
PROCS="$PROCS fileid compat"
PROCS="$PROCS taskstate"
PROCS="$PROCS $KIND_PROCS"

TMO_READY=30		# program start until its ready file
TMO_CKPT=60		# one checkpoint run
TMO_RST=60		# one restart run (includes the restored program's run)
TMO_GONE=10		# original gone after checkpoint --kill
TMO_RESTORED=30		# restored program visible (signal handlers back)
IMG_LIMIT=16777216	# memory: image must stay below 16 MiB

# A debug kernel (make KCR_DEBUG=1: lockdep, KASAN, kmemleak..., seen by its
# /proc/lockdep) runs several times slower under TCG: timeouts are scaled.
KCR_SLOW=1
[ -e /proc/lockdep ] && KCR_SLOW=${KCR_SLOW_FACTOR:-4}
export KCR_SLOW		# programs that time themselves scale too (blk_sleep)
TMO_READY=$((TMO_READY * KCR_SLOW)) TMO_CKPT=$((TMO_CKPT * KCR_SLOW))
TMO_RST=$((TMO_RST * KCR_SLOW)) TMO_GONE=$((TMO_GONE * KCR_SLOW))
TMO_RESTORED=$((TMO_RESTORED * KCR_SLOW))
test_timeout() { echo $(($(test_timeout_base "$1") * KCR_SLOW)); }

test_timeout_base() {
	[ -n "$KCR_TEST_TIMEOUT" ] && { echo "$KCR_TEST_TIMEOUT"; return; }
	case $1 in
	objtable|memcg) echo 600 ;;
	lockup) echo 900 ;;
	kmemleak) echo 3600 ;;
	badimage) echo 1500 ;;
	fuzz) echo $((600 + ${KCR_FUZZ_N:-1200} / 2)) ;;
	rights) echo 400 ;;
	nopids|memory|memory_pipe) echo 240 ;;
	ctrlc) echo 900 ;;
	tree|tree_pipe|tree_nopids|container|container_flat|pidns_init|kill_pipe|cutimage|pidtaken|killmid|latejoin) echo 300 ;;
	ipc_*|semundo_*|nextid_*) echo 300 ;;
	fileid_identity|fileid_lookup|fileid_rights) echo 400 ;;
	*) echo 180 ;;
	esac
}

# ------------------------------------------------------------------ helpers
log() { echo "# $*" >&2; }

# Run "$@" every 50 ms until it succeeds; give up after $1 seconds.
poll() {
	local n=$(($1 * 20))
	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# State letter of a process, empty if there is no such process.
pstate() {
	local l
	{ read -r l < /proc/$1/stat; } 2>/dev/null || return 0
	l=${l##*) }
	echo "${l%% *}"
}

alive() {
	local s
	s=$(pstate "$1")
	[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
gone() { ! alive "$1"; }

status_field() { sed -n "s/^$2:[[:space:]]*//p" /proc/$1/status 2>/dev/null; }

oneline() { tr '\n\t' '  ' | sed 's/  */ /g; s/ $//' | cut -c1-300; }

# First non-empty line of the first non-empty file (restart's progress
# note "pid N is taken, waiting up to S s" is not a reason: skipped).
first_line() {
	local f
	for f; do
		if [ -s "$f" ] && grep -v -e '^[[:space:]]*$' -e 'is taken, waiting up to' "$f" >/dev/null; then
			grep -v -e '^[[:space:]]*$' -e 'is taken, waiting up to' "$f" | head -n1 | oneline
			return
		fi
	done
}

# A test program's first "FAIL ..." line, without the prefix.
prog_fail() { sed -n 's/^FAIL //p' "$1" 2>/dev/null | head -n1 | oneline; }

# pids (non-zombie) whose comm is one of the arguments; builtins only.
find_procs() {
	local d c l s n found=
	for d in /proc/[0-9]*; do
		{ read -r c < "$d/comm"; } 2>/dev/null || continue
		for n; do
			[ "$c" = "$n" ] || continue
			{ read -r l < "$d/stat"; } 2>/dev/null || continue
			s=${l##*) }
			s=${s%% *}
			[ "$s" = Z ] || found="$found ${d#/proc/}"
		done
	done
	echo $found
}

kill_procs() {
	local p
	for p in $(find_procs "$@"); do
		[ "$p" = $$ ] || kill -9 "$p" 2>/dev/null
	done
}

fail() { WHY=$(echo "$*" | oneline); return 1; }
# skip WHY: this kernel can not run the test (reported as SKIP, not PASS)
skip() { WHY=$(echo "$*" | oneline); SKIPPED=1; return 2; }

# Describe why a tool failed: exit code, then its stderr or its log.
tool_msg() { # RC ERRFILE LOGFILE
	case $1 in
	124|143) echo "timed out (rc $1): $(first_line "$2" "$3")" ;;
	137) echo "killed (rc 137: SIGKILL, or a timeout): $(first_line "$2" "$3")" ;;
	129|13[0-9]|1[4-8][0-9]|19[0-2]) echo "rc $1 (128 + $(($1 - 128)): killed by signal $(($1 - 128))): $(first_line "$2" "$3")" ;;
	*) echo "rc $1: $(first_line "$2" "$3")" ;;
	esac
}

clean_files() {
	local n
	for n; do
		rm -rf /tmp/$n.ready /tmp/$n.ready.tmp /tmp/$n.go /tmp/$n.out /tmp/$n.img \
			/tmp/$n.ckpt.* /tmp/$n.rst.* /tmp/$n.done
	done
}

# start_prog NAME PROG [ARGS...]: run /tests/PROG with stdin /dev/null and
# stdout+stderr to /tmp/NAME.out, with $PROG_ENV (VAR=value...) added to the
# environment; sets PID.
PROG_ENV=
start_prog() {
	local n=$1
	shift
	[ -x "$T/$1" ] || { fail "$T/$1 is not installed"; return 1; }
	env $PROG_ENV "$T/$@" </dev/null >/tmp/$n.out 2>&1 &
	PID=$!
	return 0
}

# wait_ready NAME PID: the ready file must appear and name PID.
wait_ready() {
	local n=$1 pid=$2 r
	if ! poll $TMO_READY eval "[ -s /tmp/$n.ready ] || gone $pid"; then
		kill -9 "$pid" 2>/dev/null
		fail "no /tmp/$n.ready within $TMO_READY s: $(prog_fail /tmp/$n.out)"
		return 1
	fi
	if [ ! -s /tmp/$n.ready ]; then
		wait "$pid"
		fail "program ended (status $?) before it was ready: $(prog_fail /tmp/$n.out) $(first_line /tmp/$n.out)"
		return 1
	fi
	r=$(cat /tmp/$n.ready)
	[ "$r" = "$pid" ] || { kill -9 "$pid"; fail "ready file says pid $r, expected $pid"; return 1; }
	return 0
}

# checkpoint_to NAME PID [OPTIONS...]: image in /tmp/NAME.img.
checkpoint_to() {
	local n=$1 pid=$2 rc
	shift 2
	timeout -k 5 $TMO_CKPT checkpoint "$@" -o /tmp/$n.img -l /tmp/$n.ckpt.log "$pid" \
		>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	rc=$?
	log "checkpoint $* $pid: rc $rc, image $({ wc -c < /tmp/$n.img; } 2>/dev/null) bytes"
	if [ $rc != 0 ]; then
		kill -9 "$pid" 2>/dev/null
		fail "checkpoint $(tool_msg $rc /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	# every image the kernel writes must pass the user-space validator too
	if ! ckptinfo /tmp/$n.img >/tmp/$n.info 2>&1; then
		kill -9 "$pid" 2>/dev/null
		fail "ckptinfo rejects the image: $(tail -n 1 /tmp/$n.info)"
		return 1
	fi
	return 0
}

# reap_killed PID: after checkpoint --kill the original must be gone, killed
# by SIGKILL (status 137); reaping it frees its pid for the restart.
reap_killed() {
	local pid=$1 st
	if ! poll $TMO_GONE gone "$pid"; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail "original pid $pid still running $TMO_GONE s after checkpoint --kill"
		return 1
	fi
	wait "$pid"
	st=$?
	[ $st = 137 ] || { fail "original ended with status $st, expected 137 (SIGKILL from checkpoint --kill)"; return 1; }
	return 0
}

# Development: apply $KCR_MUTATE to an image before restarting it.
mutate_image() { # IMG
	[ -n "$KCR_MUTATE" ] || return 0
	if "$T/imgmut" -c "$1" "$1.mut" field $KCR_MUTATE; then
		mv "$1.mut" "$1"
		log "image mutated: $KCR_MUTATE"
	else
		log "image NOT mutated ($KCR_MUTATE): imgmut failed"
	fi
}

# restart_from NAME [OPTIONS...]: foreground restart; sets RC.
restart_from() {
	local n=$1
	shift
	mutate_image /tmp/$n.img
	timeout -k 5 $TMO_RST restart "$@" -i /tmp/$n.img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	log "restart $*: rc $RC"
}

# Verdict after a restart that ran the program to its end.
judge() { # NAME RC
	local n=$1 rc=$2 m
	[ "$rc" = 0 ] && return 0
	m=$(prog_fail /tmp/$n.out)
	[ -n "$m" ] && { fail "$m"; return 1; }
	fail "restart $(tool_msg $rc /tmp/$n.rst.err /tmp/$n.rst.log)"
}

# The standard test: start, checkpoint --kill, restart, status 0.
std_test() { # NAME PROG [ARGS...]
	local n=$1
	clean_files "$n"
	start_prog "$@" || return 1
	wait_ready "$n" "$PID" || return 1
	checkpoint_to "$n" "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	restart_from "$n"
	judge "$n" "$RC"
}

# restored NAME PID COMM SIGCGT [SYSCALL] RPID: the restored task shows the
# program's name and signal handlers (applied last by restart), and is
# blocked in SYSCALL if given; or the restart ended.
restored() {
	local pid=$2 comm=$3 cgt=$4 sc=$5 rpid=$6 s
	gone "$rpid" && return 0
	[ "$(status_field "$pid" Name)" = "$comm" ] || return 1
	[ "$(status_field "$pid" SigCgt)" = "$cgt" ] || return 1
	if [ -n "$sc" ]; then
		s=$(cut -d' ' -f1 /proc/$pid/syscall 2>/dev/null)
		[ "$s" = "$sc" ] || return 1
	fi
	return 0
}

# A test whose restored program needs a SIGUSR1 from us after restart.
# signal_test NAME SYSCALL_BEFORE SYSCALL_AFTER
#   SYSCALL_BEFORE: what /proc/PID/syscall must start with before the
#   checkpoint ("-1|running": in user mode; a number: blocked in that call).
signal_test() {
	local n=$1 before=$2 after=$3 cgt rpid st
	clean_files "$n"
	start_prog "$n" "$n" || return 1
	wait_ready "$n" "$PID" || return 1
	if ! poll 10 eval "case \"\$(cut -d' ' -f1 /proc/$PID/syscall 2>/dev/null)\" in $before) true;; *) false;; esac"; then
		kill -9 "$PID"
		fail "program never reached the expected state ($before) before checkpoint: syscall $(cat /proc/$PID/syscall 2>/dev/null)"
		return 1
	fi
	sleep 0.2
	cgt=$(status_field "$PID" SigCgt)
	checkpoint_to "$n" "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	mutate_image /tmp/$n.img
	timeout -k 5 $TMO_RST restart -i /tmp/$n.img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err &
	rpid=$!
	if poll $TMO_RESTORED restored "$n" "$PID" "$n" "$cgt" "$after" "$rpid"; then
		# (if restart already ended there is nobody to signal: it tells why)
		alive "$PID" && kill -USR1 "$PID"
	else
		st="restored process $PID never came back with its handlers (SigCgt $cgt) ${after:+blocked in syscall $after }within $TMO_RESTORED s"
		log "$st; now: Name $(status_field "$PID" Name) SigCgt $(status_field "$PID" SigCgt) syscall $(cat /proc/$PID/syscall 2>/dev/null)"
		kill -9 "$PID" 2>/dev/null
	fi
	wait "$rpid"
	RC=$?
	log "restart: rc $RC"
	judge "$n" "$RC" && return 0
	[ -n "$st" ] && WHY="$WHY ($st)"
	return 1
}

# ------------------------------------------------------------------ tests
t_regs() { signal_test regs "-1|running" ""; }

t_memory() {
	local size
	clean_files memory
	rm -f /tmp/memory.priv /tmp/memory.shared
	start_prog memory memory || return 1
	wait_ready memory "$PID" || return 1
	checkpoint_to memory "$PID" --kill || return 1
	size=$(wc -c < /tmp/memory.img)
	reap_killed "$PID" || return 1
	touch /tmp/memory.go
	restart_from memory
	judge memory "$RC" || return 1
	[ "$size" -lt $IMG_LIMIT ] || { fail "image is $size bytes, expected < $IMG_LIMIT (untouched or reserved memory saved?)"; return 1; }
	return 0
}

# memory again, with the image streamed: checkpoint --kill PID | restart --no-pids
t_memory_pipe() {
	local pid bg
	clean_files memory
	rm -f /tmp/memory.priv /tmp/memory.shared /tmp/memory.ckpt.rc /tmp/memory.rst.rc
	PROG_ENV=KCR_NOPIDS=1
	start_prog memory memory || return 1
	PROG_ENV=
	pid=$PID
	wait_ready memory "$pid" || return 1
	( timeout -k 5 $TMO_CKPT checkpoint --kill -l /tmp/memory.ckpt.log "$pid" 2>/tmp/memory.ckpt.err
	  echo $? > /tmp/memory.ckpt.rc ) |
	( timeout -k 5 $TMO_RST restart --no-pids -l /tmp/memory.rst.log >/tmp/memory.rst.out 2>/tmp/memory.rst.err
	  echo $? > /tmp/memory.rst.rc ) &
	bg=$!
	if ! poll $((TMO_CKPT + 10)) test -s /tmp/memory.ckpt.rc; then
		kill -9 "$pid"
		fail "checkpoint into the pipe did not end"
		return 1
	fi
	if [ "$(cat /tmp/memory.ckpt.rc)" != 0 ]; then
		kill -9 "$pid"
		fail "checkpoint | restart: checkpoint $(tool_msg "$(cat /tmp/memory.ckpt.rc)" /tmp/memory.ckpt.err /tmp/memory.ckpt.log)"
		wait "$bg"
		return 1
	fi
	reap_killed "$pid" || return 1
	touch /tmp/memory.go
	poll $((TMO_RST + 10)) test -s /tmp/memory.rst.rc
	wait "$bg"
	RC=$(cat /tmp/memory.rst.rc 2>/dev/null)
	log "restart --no-pids from the pipe: rc $RC"
	judge memory "${RC:-none}"
}

t_signals() { std_test signals signals; }

# Task, process and mm state that prctl(), sched_setattr(), mlock() and
# /proc/self/ writes set (tests/guest/taskstate.c, task-state.rst).
t_taskstate() { std_test taskstate taskstate; }
t_taskstate_rt() { std_test taskstate taskstate rt; }
# the layout exec chose: legacy bottom-up mmaps (ADDR_COMPAT_LAYOUT), no ASLR
t_taskstate_legacy() { std_test taskstate taskstate legacy; }
# mlockall(MCL_CURRENT|MCL_FUTURE), a thread (locked PROT_NONE stack guard),
# a locked PROT_NONE mapping: restarts, everything stays locked
t_taskstate_mlockall() { std_test taskstate taskstate mlockall; }

# The same as kcruser, checkpointed by root and restarted by kcruser: what
# needs no privilege restores without any.
t_taskstate_user() {
	local n=taskstate
	clean_files $n
	rm -f /tmp/$n.gppid
	# the restored kcruser process reopens its output: kcruser's file
	: >/tmp/$n.out && chown 1000:1000 /tmp/$n.out
	PROG_ENV="KCR_NOPIDS=1" start_prog $n runas 1000 1000 "$T/taskstate" || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	chmod 644 /tmp/$n.img
	touch /tmp/$n.go
	timeout -k 5 $TMO_RST "$T/runas" 1000 1000 restart --no-pids -i /tmp/$n.img \
		-l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	log "kcruser restart: rc $RC"
	judge $n "$RC"
}

# Task state kcr does not restore is refused at checkpoint, by name, and the
# process runs on (refuse MODE; a mode this kernel or CPU lacks is skipped).
t_taskstate_refuse() {
	local n=refuse mode pat st pid tried=
	for mode in tsc:PR_SET_TSC dispatch:PR_SET_SYSCALL_USER_DISPATCH \
		    deadline:SCHED_DEADLINE specctrl:PR_SET_SPECULATION_CTRL; do
		pat=${mode#*:}
		mode=${mode%%:*}
		clean_files $n
		start_prog $n refuse $mode || return 1
		pid=$PID
		if ! poll $TMO_READY eval "[ -s /tmp/$n.ready ] || gone $pid"; then
			kill -9 "$pid"; wait "$pid" 2>/dev/null
			fail "$mode: never ready"; return 1
		fi
		if [ ! -s /tmp/$n.ready ]; then
			wait "$pid"
			st=$?
			[ $st = 4 ] || { fail "$mode: refuse exited $st before it was ready"; return 1; }
			log "$mode: this kernel or CPU can not set $pat: skipped"
			continue
		fi
		tried="$tried $mode"
		timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$pid" \
			>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
		st=$?
		if [ $st = 0 ]; then
			kill -9 "$pid"; wait "$pid" 2>/dev/null
			fail "$mode: checkpoint succeeded, expected a refusal naming $pat"; return 1
		fi
		log "$mode: $(grep -h -m1 "$pat" /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		if ! grep -q "$pat" /tmp/$n.ckpt.err /tmp/$n.ckpt.log; then
			kill -9 "$pid"; wait "$pid" 2>/dev/null
			fail "$mode: the refusal does not name $pat: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
		fi
		touch /tmp/$n.go
		if ! poll 20 gone "$pid"; then
			kill -9 "$pid"; wait "$pid" 2>/dev/null
			fail "$mode: the process did not run on after the refused checkpoint"; return 1
		fi
		wait "$pid" || { fail "$mode: exit $? after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	done
	[ -n "$tried" ] || { skip "no task state to refuse could be set here"; return 2; }
	return 0
}

# ts_refused WHO IMG WHAT PATTERN: restart of IMG by WHO (user: kcruser) fails,
# its log matching PATTERN, with nothing left running.
ts_refused() {
	local who=$1 img=$2 what=$3 pat=$4 pre= rc m
	[ "$who" = user ] && pre="$T/runas 1000 1000"
	rm -f /tmp/taskstate.go "$img.log"
	timeout -k 5 20 $pre restart --no-pids -i "$img" -l "$img.log" >/dev/null 2>"$img.err"
	rc=$?
	m=$(first_line "$img.err" "$img.log")
	log "$who: restart with $what: rc $rc: $(grep -h -m1 -e "$pat" "$img.log" "$img.err" 2>/dev/null)"
	if [ -n "$(find_procs taskstate)" ]; then
		kill_procs taskstate
		fail "$what: restart by $who left a process running (rc $rc)"
		return 1
	fi
	[ $rc != 0 ] || { fail "$what: restart by $who succeeded, expected a refusal"; return 1; }
	grep -q -e "$pat" "$img.log" "$img.err" 2>/dev/null ||
		{ fail "$what: restart by $who failed without the reason \"$pat\": rc $rc: $m"; return 1; }
	return 0
}

# kcruser's image, edited to hold what only a privileged task may set:
# restart refuses it with a reason, for kcruser and for root (the restored
# task's creds are checked, not the restarter's).  The program set nice 7
# and oom_score_adj 321 (edits are relative to those).
t_taskstate_rights() {
	local n=taskstate i=/tmp/ts_rights
	clean_files $n
	rm -f /tmp/$n.gppid $i.*
	: >/tmp/$n.out && chown 1000:1000 /tmp/$n.out
	PROG_ENV="KCR_NOPIDS=1" start_prog $n runas 1000 1000 "$T/taskstate" || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	chmod 644 /tmp/$n.img
	"$T/imgmut" -c /tmp/$n.img $i.nice.img field task.nice -12 >/dev/null &&
	"$T/imgmut" /tmp/$n.img $i.fifo0.img field task.policy 1 >/dev/null &&
	"$T/imgmut" -c $i.fifo0.img $i.fifo1.img field task.rt_priority 10 >/dev/null &&
	"$T/imgmut" -c $i.fifo1.img $i.fifo.img field task.timer_slack_ns 0 >/dev/null &&
	"$T/imgmut" -c $i.fifo1.img $i.fifoslack.img field task.timer_slack_ns 5 >/dev/null &&
	"$T/imgmut" -c /tmp/$n.img $i.oom.img field task.oom_score_adj -821 >/dev/null &&
	"$T/imgmut" -c /tmp/$n.img $i.oommin.img field task.oom_score_adj_min -500 >/dev/null &&
	"$T/imgmut" -c /tmp/$n.img $i.iofl.img field task.flags "^64" >/dev/null &&
	"$T/imgmut" -c /tmp/$n.img $i.memlock.img field task.rlim_cur8 0 >/dev/null ||
		{ fail "imgmut could not edit the image"; return 1; }
	chmod 644 $i.*.img
	ts_refused user $i.nice.img "nice -5" "nice -5 below" || return 1
	ts_refused root $i.nice.img "nice -5" "nice -5 below" || return 1
	ts_refused user $i.fifo.img "SCHED_FIFO 10" "needs RLIMIT_RTPRIO or CAP_SYS_NICE" || return 1
	ts_refused root $i.fifoslack.img "SCHED_FIFO with timer slack" "with RT policy" || return 1
	ts_refused user $i.oom.img "oom_score_adj -500" "oom_score_adj -500 below" || return 1
	ts_refused root $i.oom.img "oom_score_adj -500" "oom_score_adj -500 below" || return 1
	ts_refused user $i.oommin.img "oom_score_adj_min -500" "oom_score_adj_min -500 below" || return 1
	ts_refused user $i.iofl.img "PR_SET_IO_FLUSHER" "PR_SET_IO_FLUSHER needs CAP_SYS_RESOURCE" || return 1
	ts_refused user $i.memlock.img "RLIMIT_MEMLOCK 0" "RLIMIT_MEMLOCK" || return 1
	# the image itself restarts for kcruser: the refusals are the edits'
	touch /tmp/$n.go
	timeout -k 5 $TMO_RST "$T/runas" 1000 1000 restart --no-pids -i /tmp/$n.img \
		-l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	judge $n "$RC"
}

t_task() {
	rm -rf /tmp/task.cwd.d
	std_test task task
}

t_files() {
	local con=/dev/console
	clean_files files
	rm -rf /tmp/files.rw /tmp/files.app /tmp/files.ro /tmp/files.dir
	if ! ( : <$con >$con ) 2>/dev/null; then
		log "no usable /dev/console: using /dev/null for 0/1/2"
		con=/dev/null
	fi
	"$T/files" <$con >$con 2>$con &
	PID=$!
	wait_ready files "$PID" || return 1
	checkpoint_to files "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/files.go
	restart_from files
	judge files "$RC"
}

t_blk_read() { signal_test blk_read 0 0; }
t_blk_pause() { signal_test blk_pause 34 34; }

sleep_test() { # NAME [clock]
	local n=$1 nr=35 tns
	[ -n "$2" ] && nr=230
	clean_files "$n"
	start_prog "$n" blk_sleep $2 || return 1
	wait_ready "$n" "$PID" || return 1
	if ! poll 10 eval "[ \"\$(cut -d' ' -f1 /proc/$PID/syscall 2>/dev/null)\" = $nr ]"; then
		kill -9 "$PID"
		fail "program not blocked in syscall $nr before checkpoint: $(cat /proc/$PID/syscall 2>/dev/null)"
		return 1
	fi
	sleep 0.9
	checkpoint_to "$n" "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	# the program bounds the time left at checkpoint with the header's time_ns
	tns=$("$T/imgmut" /tmp/$n.img get header.time_ns)
	echo "$tns" > /tmp/$n.go
	restart_from "$n"
	judge "$n" "$RC"
}
t_blk_sleep() { sleep_test blk_sleep; }
t_blk_sleep_clock() { sleep_test blk_sleep_clock clock; }

t_dyn_counter() { std_test dyn_counter dyn_counter; }

# A process checkpoints itself (pid 0): checkpoint() returns the id to the
# original (exit 10) and 0 to the restarted copy (exit 0 if its state is intact).
t_selfckpt() {
	local n=selfckpt st
	clean_files $n
	# in a subshell: ash redirects a foreground command in the shell itself,
	# which would then share the output file with the checkpointed process
	( exec "$T/selfckpt" </dev/null >/tmp/$n.out 2>&1 )
	st=$?
	[ $st = 10 ] || { fail "self-checkpoint: exit $st, expected 10: $(first_line /tmp/$n.out /tmp/$n.ckpt.log)"; return 1; }
	ckptinfo /tmp/$n.img >/tmp/$n.info 2>&1 || { fail "ckptinfo rejects the image: $(tail -n 1 /tmp/$n.info)"; return 1; }
	restart_from $n
	[ "$RC" = 0 ] && grep -q "restarted after a self-checkpoint" /tmp/$n.out && return 0
	fail "restart of a self-checkpoint: rc $RC: $(prog_fail /tmp/$n.out) $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
}

# State kcr does not save yet is refused with a reason, and the process
# keeps running as before (thawed, in its cgroup): it exits 0 when told to.
t_refuse() {
	local n=refuse mode st pid
	for mode in netlink pidfd; do
		clean_files $n
		start_prog $n refuse $mode || return 1
		pid=$PID
		wait_ready $n "$pid" || return 1
		timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$pid" \
			>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
		st=$?
		if [ $st = 0 ]; then
			kill -9 "$pid"; wait "$pid" 2>/dev/null
			fail "$mode: checkpoint succeeded, expected a refusal"; return 1
		fi
		if ! grep -q "not supported" /tmp/$n.ckpt.err /tmp/$n.ckpt.log; then
			kill -9 "$pid"; wait "$pid" 2>/dev/null
			fail "$mode: no reason given: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
		fi
		if ls -d /sys/fs/cgroup/kcr.* >/dev/null 2>&1; then
			kill -9 "$pid"; wait "$pid" 2>/dev/null
			fail "$mode: a transient cgroup was left behind"; return 1
		fi
		touch /tmp/$n.go
		if ! poll 20 gone "$pid"; then
			kill -9 "$pid"; wait "$pid" 2>/dev/null
			fail "$mode: the process did not run on after the refused checkpoint (frozen?)"; return 1
		fi
		wait "$pid"
		st=$?
		[ $st = 0 ] || { fail "$mode: exit $st after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	done
	return 0
}

# refused_checkpoint NAME PID PATTERN WHAT: checkpoint of the running program
# PID must fail with a reason matching PATTERN (WHAT names it in the failure),
# then the program, told to go on, must run on and exit 0 (nothing changed).
refused_checkpoint() {
	local n=$1 pid=$2 pat=$3 what=$4 st
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$pid" \
		>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	st=$?
	if [ $st = 0 ]; then
		kill -9 "$pid"; wait "$pid" 2>/dev/null
		fail "checkpoint succeeded, expected a refusal"; return 1
	fi
	if ! grep -q "$pat" /tmp/$n.ckpt.err /tmp/$n.ckpt.log; then
		kill -9 "$pid"; wait "$pid" 2>/dev/null
		fail "no reason $what: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
	fi
	touch /tmp/$n.go
	if ! poll 20 gone "$pid"; then
		kill -9 "$pid"; wait "$pid" 2>/dev/null
		fail "the process did not run on after the refused checkpoint"; return 1
	fi
	wait "$pid"
	st=$?
	[ $st = 0 ] || { fail "exit $st after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	return 0
}

# A restart whose image stream stalls waits killably: ctrl-c (SIGINT) to the
# restart tool ends it, and nothing of the half-restored process is left.
t_stall() {
	local n=stall pid size rpid st kids k
	clean_files $n
	rm -f /tmp/$n.fifo
	start_prog $n idle $n 120 || return 1
	pid=$PID
	wait_ready $n "$pid" || return 1
	checkpoint_to $n "$pid" --kill || return 1
	reap_killed "$pid" || return 1
	size=$(wc -c < /tmp/$n.img)
	mkfifo /tmp/$n.fifo
	restart --no-pids -i /tmp/$n.fifo -l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err &
	rpid=$!
	exec 3>/tmp/$n.fifo
	# all but the last 4 KiB; the stream then stays open and silent
	head -c $((size - 4096)) /tmp/$n.img >&3
	if ! poll 20 grep -q "restart of checkpoint" /tmp/$n.rst.log; then
		exec 3>&-
		kill -9 "$rpid" 2>/dev/null
		fail "the kernel never started reading the stalled image: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	sleep 1
	# the restart tool's children: the task being restored (and the feeder)
	kids=$(cat /proc/$rpid/task/*/children 2>/dev/null)
	[ -n "$kids" ] || { exec 3>&-; kill -9 "$rpid"; fail "no task being restored under restart $rpid"; return 1; }
	kill -INT "$rpid"
	if ! poll 10 gone "$rpid"; then
		exec 3>&-
		kill -9 "$rpid" 2>/dev/null
		fail "restart still waiting 10 s after ctrl-c on a stalled image"
		return 1
	fi
	wait "$rpid"
	st=$?
	exec 3>&-
	[ $st != 0 ] || { fail "restart of a stalled image exited 0 after ctrl-c"; return 1; }
	for k in $kids; do
		if ! poll 5 gone "$k"; then
			fail "task $k ($(status_field "$k" Name), state $(pstate "$k")) is left after ctrl-c on a stalled restart"
			kill -9 $kids 2>/dev/null
			return 1
		fi
	done
	return 0
}

t_nopids() {
	local pid rpid copy st
	clean_files nopids
	rm -f /tmp/nopids.copy /tmp/nopids.file
	start_prog nopids nopids || return 1
	pid=$PID
	wait_ready nopids "$pid" || return 1
	checkpoint_to nopids "$pid" || return 1
	alive "$pid" || { fail "original gone after a checkpoint without --kill"; return 1; }
	mutate_image /tmp/nopids.img
	timeout -k 5 $TMO_RST restart --no-pids -i /tmp/nopids.img -l /tmp/nopids.rst.log \
		>/tmp/nopids.rst.out 2>/tmp/nopids.rst.err &
	rpid=$!
	if ! poll $TMO_RESTORED eval "[ -s /tmp/nopids.copy ] || gone $rpid"; then
		kill -9 "$pid"
		fail "the copy did not announce itself within $TMO_RESTORED s"
		return 1
	fi
	copy=$(cat /tmp/nopids.copy 2>/dev/null)
	if [ -z "$copy" ]; then
		wait "$rpid"
		RC=$?
		kill -9 "$pid"
		judge nopids "$RC"
		WHY="restart --no-pids with the original alive: $WHY"
		return 1
	fi
	[ "$copy" != "$pid" ] || { kill -9 "$pid"; fail "the copy has the original's pid $pid"; return 1; }
	alive "$pid" || { fail "the original $pid is gone while the copy runs"; return 1; }
	touch /tmp/nopids.go
	wait "$rpid"
	RC=$?
	if ! poll 20 gone "$pid"; then
		kill -9 "$pid"
		fail "the original did not finish after go (left frozen by checkpoint?)"
		return 1
	fi
	wait "$pid"
	st=$?
	judge nopids "$RC" || return 1
	[ $st = 0 ] || { fail "the original exited with $st: $(prog_fail /tmp/nopids.out)"; return 1; }
	grep -qx "original $pid ok" /tmp/nopids.done || { fail "no \"original $pid ok\" in nopids.done: $(cat /tmp/nopids.done 2>/dev/null)"; return 1; }
	grep -qx "copy $copy ok" /tmp/nopids.done || { fail "no \"copy $copy ok\" in nopids.done: $(cat /tmp/nopids.done 2>/dev/null)"; return 1; }
	return 0
}

# ---------------------------------------------------------- trees
# Process trees, threads, pid namespaces, and what must be refused.  The
# programs (tree, treebig, threads, container, leak, tree_join, clock) check
# their own state after restart; see each one's header comment.
TMO_PIDS=30		# pids of a killed tree free again (pid 1 reaps its members)
PIPE_WAIT=60		# restart --wait SECS in "checkpoint --kill PID | restart"

# The pids and tids in FILE (its all-digit words; lines starting "L " are
# skipped: tree's exited group leader, whose pid was free before the checkpoint).
file_pids() {
	awk '$1 != "L" { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) print $i }' "$1" 2>/dev/null
}

# No task has any pid of FILE (a zombie still holds its pid).
pids_free() {
	local p
	for p in $(file_pids "$1"); do
		[ -e /proc/$p ] && return 1
	done
	return 0
}

# After checkpoint --kill of a tree: its members (reaped by pid 1) free their pids.
wait_pids_free() { # FILE
	local p left=
	poll $TMO_PIDS pids_free "$1" && return 0
	for p in $(file_pids "$1"); do
		[ -e /proc/$p ] && left="$left $p:$(status_field "$p" Name):$(pstate "$p")"
	done
	fail "pids of the killed tree still in use $TMO_PIDS s after checkpoint --kill:$left"
	return 1
}

# pipe_run NAME PID [RESTART OPTIONS...]: "checkpoint --kill PID | restart
# OPTIONS"; the driver reaps PID once the checkpoint is written, the go file
# is created, and RC is the restart's status (the restored program's).
pipe_run() {
	local n=$1 pid=$2 bg st
	shift 2
	rm -f /tmp/$n.ckpt.rc /tmp/$n.rst.rc
	( timeout -k 5 $TMO_CKPT checkpoint --kill -l /tmp/$n.ckpt.log "$pid" 2>/tmp/$n.ckpt.err
	  echo $? > /tmp/$n.ckpt.rc ) |
	( timeout -k 5 $((TMO_RST + PIPE_WAIT)) restart "$@" -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err
	  echo $? > /tmp/$n.rst.rc ) &
	bg=$!
	if ! poll $((TMO_CKPT + 10)) test -s /tmp/$n.ckpt.rc; then
		kill -9 "$pid"
		fail "checkpoint --kill into the pipe did not end within $((TMO_CKPT + 10)) s"
		wait "$bg"
		return 1
	fi
	if [ "$(cat /tmp/$n.ckpt.rc)" != 0 ]; then
		kill -9 "$pid"
		fail "checkpoint --kill | restart: checkpoint $(tool_msg "$(cat /tmp/$n.ckpt.rc)" /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		wait "$bg"
		return 1
	fi
	# checkpoint --kill returned once the tree was dead.  Not reap_killed: ash
	# may already have reaped $pid (while it waited for another command), and
	# the restart may already have given the pid to the restored root.
	wait "$pid"
	st=$?
	if [ $st != 137 ]; then
		fail "original ended with status $st, expected 137 (SIGKILL from checkpoint --kill)"
		wait "$bg"
		return 1
	fi
	touch /tmp/$n.go
	poll $((TMO_RST + PIPE_WAIT + 10)) test -s /tmp/$n.rst.rc
	wait "$bg"
	RC=$(cat /tmp/$n.rst.rc 2>/dev/null)
	RC=${RC:-none}
	log "checkpoint --kill $pid | restart $*: rc $RC"
	return 0
}

# -- tree: sessions, groups, a zombie, threads, pipes, shared memory and files
tree_start() { # [VAR=value]
	clean_files tree
	rm -f /tmp/tree.pids /tmp/tree.shared
	PROG_ENV=$1
	start_prog tree tree || { PROG_ENV=; return 1; }
	PROG_ENV=
	wait_ready tree "$PID"
}

# The TREE record holds the whole tree: 8 processes, 3 more threads, the zombie.
tree_image_ok() {
	local nr
	nr=$("$T/imgmut" /tmp/tree.img get tree.nr_tasks 2>/dev/null)
	[ "$nr" = 12 ] && return 0
	fail "image of the tree: expected 12 tasks in the TREE (8 processes, 3 more threads, 1 zombie), got ${nr:-none}"
	return 1
}

t_tree() {
	local TMO_RST=120
	tree_start || return 1
	checkpoint_to tree "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	tree_image_ok || return 1
	wait_pids_free /tmp/tree.pids || return 1
	touch /tmp/tree.go
	restart_from tree
	judge tree "$RC"
}

t_tree_pipe() {
	local TMO_RST=120
	tree_start || return 1
	pipe_run tree "$PID" --wait $PIPE_WAIT || return 1
	judge tree "$RC"
}

# --no-pids: new pids; the program checks the structure, not the numbers.
t_tree_nopids() {
	local TMO_RST=120
	tree_start KCR_NOPIDS=1 || return 1
	checkpoint_to tree "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/tree.go
	restart_from tree --no-pids
	judge tree "$RC"
}

# -- threads
t_threads() { std_test threads threads state; }
t_threads_many() { std_test threads_many threads many 100; }

# -- pid namespaces
# container_start NAME [flat]: the container program (launcher L = $PID,
# the namespace's init = $ROOT as seen here).
container_start() {
	local n=$1
	clean_files $n
	rm -f /tmp/$n.root /tmp/$n.pids
	start_prog $n container "$@" || return 1
	wait_ready $n "$PID" || return 1
	ROOT=$(cat /tmp/$n.root 2>/dev/null)
	if [ -z "$ROOT" ] || ! alive "$ROOT"; then
		kill -9 "$PID"
		fail "no live container init in /tmp/$n.root (\"$ROOT\")"
		return 1
	fi
	return 0
}

t_container() {
	local n=container c1 rc TMO_RST=120
	container_start $n || return 1
	# container mode needs the init of a pid namespace: C1 is refused, and
	# the container runs on (its checks after go need every member)
	c1=$(sed -n 's/^C1 \([0-9]*\) .*/\1/p' /tmp/$n.pids)
	timeout -k 5 $TMO_CKPT checkpoint --container -o /tmp/$n.bad.img -l /tmp/$n.bad.log "$c1" \
		>/dev/null 2>/tmp/$n.bad.err
	rc=$?
	log "checkpoint --container $c1 (C1, not an init): rc $rc: $(first_line /tmp/$n.bad.err /tmp/$n.bad.log)"
	case $rc in
	0) kill -9 "$ROOT"; fail "checkpoint --container of C1 (pid $c1, not the init of a pid namespace) succeeded"; return 1 ;;
	124|137|143) kill -9 "$ROOT"; fail "checkpoint --container of C1 (not an init) hung (rc $rc)"; return 1 ;;
	esac
	if ! grep -qi "init" /tmp/$n.bad.err /tmp/$n.bad.log 2>/dev/null; then
		kill -9 "$ROOT"
		fail "checkpoint --container of C1 (not an init): expected a reason about the namespace's init, got rc $rc: $(first_line /tmp/$n.bad.err /tmp/$n.bad.log)"
		return 1
	fi
	checkpoint_to $n "$ROOT" --container --kill || return 1
	reap_killed "$PID" || return 1		# L exits 137 when its init is killed
	touch /tmp/$n.go
	restart_from $n				# a container image: a new pid namespace by default
	judge $n "$RC"
}

# The same container without its nested pid namespace (tells a problem of
# nested namespaces from one of container mode itself).
t_container_flat() {
	local n=container_flat TMO_RST=120
	container_start $n flat || return 1
	checkpoint_to $n "$ROOT" --container --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# pidns_init (tests/guest/pidns_init.c, another engineer's): "pidns_init
# [-l LOGFILE] IMAGE" restarts a container image in-process (the init of a
# fresh pid namespace restarts its own tree) and exits with the restored
# init's status.  First the container without, then with its nested pid
# namespace, so that a failure says which part broke.
pidns_init_run() { # NAME [flat]
	local n=$1
	container_start "$@" || return 1
	checkpoint_to $n "$ROOT" --container --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	mutate_image /tmp/$n.img
	timeout -k 5 $TMO_RST "$T/pidns_init" -l /tmp/$n.rst.log /tmp/$n.img \
		</dev/null >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	log "pidns_init /tmp/$n.img: rc $RC"
	judge $n "$RC"
}

t_pidns_init() {
	local TMO_RST=120
	if [ ! -x "$T/pidns_init" ]; then
		fail "$T/pidns_init is not installed (tests/guest/pidns_init.c)"
		return 1
	fi
	pidns_init_run pidns_init_flat flat || { WHY="container without a nested pid namespace: $WHY"; return 1; }
	rm -f /tmp/pidns_init_flat.img
	pidns_init_run pidns_init || { WHY="container with a nested pid namespace: $WHY"; return 1; }
}

# -- checkpoint --kill PID | restart, original pids: one process, then a tree
t_kill_pipe() {
	local spec n
	for spec in "kill_pipe1 1 256" "kill_pipe 16 64"; do
		set -- $spec
		n=$1
		clean_files $n
		rm -f /tmp/$n.pids /tmp/$n.killed
		start_prog $n treebig "$@" || return 1
		wait_ready $n "$PID" || return 1
		pipe_run $n "$PID" --wait $PIPE_WAIT || { WHY="$2 process(es): $WHY"; return 1; }
		judge $n "$RC" || { WHY="$2 process(es): $WHY"; return 1; }
	done
	return 0
}

# -- failures
# Tree tasks left, "PID:NAME:STATE" (by the saved pids: zombies count; and
# any treebig process).
tree_left() { # PIDSFILE
	local p left=
	for p in $(file_pids "$1"); do
		[ -e /proc/$p ] && left="$left $p:$(status_field "$p" Name):$(pstate "$p")"
	done
	for p in $(find_procs treebig); do
		case "$left " in *" $p:"*) ;; *) left="$left $p:treebig" ;; esac
	done
	echo $left
}

# ctrl-c (SIGINT to the restart tool) while a tree of 200 is being restored
# (the stream stalls halfway): the tool ends, no task of the tree is left.
t_ctrlc() {
	local n=ctrlc size rpid st kids k left TMO_READY=120 TMO_CKPT=300
	clean_files $n
	rm -f /tmp/$n.pids /tmp/$n.fifo
	start_prog $n treebig $n 200 16 || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	wait_pids_free /tmp/$n.pids || return 1
	size=$(wc -c < /tmp/$n.img)
	mkfifo /tmp/$n.fifo
	restart -i /tmp/$n.fifo -l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err &
	rpid=$!
	exec 3>/tmp/$n.fifo
	timeout -k 5 120 head -c $((size / 2)) /tmp/$n.img >&3
	if ! poll 120 grep -q "restart of checkpoint" /tmp/$n.rst.log; then
		exec 3>&-
		kill -9 "$rpid" 2>/dev/null
		fail "the kernel never started reading the image of the 200 tasks: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	sleep 2
	kids=$(cat /proc/$rpid/task/*/children 2>/dev/null)
	left=$(tree_left /tmp/$n.pids)
	log "restart $rpid: children: $(echo $kids); $(echo $left | wc -w) tasks of the tree exist"
	if [ -z "$left" ]; then
		exec 3>&-
		kill -9 "$rpid" 2>/dev/null
		fail "no task of the tree exists while the restart reads the stalled image: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	kill -INT "$rpid"
	if ! poll 20 gone "$rpid"; then
		exec 3>&-
		kill -9 "$rpid" 2>/dev/null
		fail "restart still running 20 s after ctrl-c during the restart of 200 tasks"
		return 1
	fi
	wait "$rpid"
	st=$?
	exec 3>&-
	[ $st != 0 ] || { fail "restart exited 0 after ctrl-c during the restart of 200 tasks"; return 1; }
	if ! poll 30 eval '[ -z "$(tree_left /tmp/$n.pids)" ]'; then
		left=$(tree_left /tmp/$n.pids)
		fail "$(echo $left | wc -w) task(s) of the tree left 30 s after ctrl-c:$(echo $left | cut -c1-200)"
		kill -9 $(file_pids /tmp/$n.pids) 2>/dev/null
		return 1
	fi
	for k in $kids; do
		if ! poll 5 gone "$k"; then
			fail "child $k ($(status_field "$k" Name)) of the restart tool left after ctrl-c"
			kill -9 $kids 2>/dev/null
			return 1
		fi
	done
	return 0
}

# An image cut in the middle of the 30th task's records: restart fails, the
# log names that task, nothing is left running.
t_cutimage() {
	local n=cutimage offs o30 o31 pid30 cut rc left TMO_READY=60
	clean_files $n
	rm -f /tmp/$n.pids /tmp/$n.cut.img /tmp/$n.records
	start_prog $n treebig $n 40 32 || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	wait_pids_free /tmp/$n.pids || return 1
	if ! "$T/imgmut" list /tmp/$n.img > /tmp/$n.records 2>&1; then
		fail "imgmut list of the image: $(tail -n 1 /tmp/$n.records)"
		return 1
	fi
	offs=$(awk '$3 == "task" { k++; if (k == 30) a = $1; if (k == 31) b = $1 }
		    $3 == "tail" { t = $1 } END { if (!b) b = t; print a, b }' /tmp/$n.records)
	o30=${offs% *}
	o31=${offs#* }
	pid30=$("$T/imgmut" /tmp/$n.img get task.pid@29 2>/dev/null)
	if [ -z "$o30" ] || [ -z "$o31" ] || [ -z "$pid30" ]; then
		fail "image of 40 processes: no 30th TASK record ($(grep -c ' task ' /tmp/$n.records) TASK records)"
		return 1
	fi
	cut=$(( (o30 + o31) / 2 ))
	head -c $cut /tmp/$n.img > /tmp/$n.cut.img
	log "cut at $cut, in the records of the 30th task (pid $pid30, bytes $o30..$o31)"
	timeout -k 5 $TMO_RST restart -i /tmp/$n.cut.img -l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	rc=$?
	log "restart of the cut image: rc $rc: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
	case $rc in
	0) fail "restart of an image cut inside the 30th task's records succeeded"; kill -9 $(file_pids /tmp/$n.pids) 2>/dev/null; return 1 ;;
	124|137|143) fail "restart of the cut image hung (rc $rc)"; kill -9 $(file_pids /tmp/$n.pids) 2>/dev/null; return 1 ;;
	esac
	if ! cat /tmp/$n.rst.log /tmp/$n.rst.err 2>/dev/null | grep -i -e error -e fail | grep -qw "$pid30"; then
		fail "restart of the cut image: expected an error naming the 30th task (pid $pid30), got: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	if ! poll 20 eval '[ -z "$(tree_left /tmp/$n.pids)" ]'; then
		left=$(tree_left /tmp/$n.pids)
		fail "task(s) left after the failed restart of the cut image:$(echo $left | cut -c1-200)"
		kill -9 $(file_pids /tmp/$n.pids) 2>/dev/null
		return 1
	fi
	return 0
}

# A restart while the original tree still runs: --wait 1 fails naming the
# pid and disturbs nothing; --wait 60 waits until the original has ended.
t_pidtaken() {
	local n=pidtaken t0 dt rc rpid st p orig m
	clean_files $n
	rm -f /tmp/$n.pids /tmp/$n.quit /tmp/$n.quit.done /tmp/$n.rst2.*
	start_prog $n treebig $n 4 64 || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" || return 1
	orig=$(file_pids /tmp/$n.pids | tr '\n' ' ')
	t0=$(cut -d' ' -f1 /proc/uptime)
	timeout -k 5 60 restart --wait 1 -i /tmp/$n.img -l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	rc=$?
	dt=$(awk -v a="$t0" '{ printf "%d", $1 - a }' /proc/uptime)
	log "restart --wait 1 with the original running: rc $rc after $dt s: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
	case $rc in
	0) kill -9 $orig; fail "restart --wait 1 succeeded while the original (pid $PID) still runs"; return 1 ;;
	124|137|143) kill -9 $orig; fail "restart --wait 1 hung (rc $rc) while the original's pids are taken"; return 1 ;;
	esac
	if [ "$dt" -gt 20 ]; then
		kill -9 $orig; fail "restart --wait 1 took $dt s to fail, expected a few"; return 1
	fi
	if ! cat /tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null | grep -qw "$PID"; then
		kill -9 $orig
		fail "restart with the root's pid $PID taken: expected a message naming it, got rc $rc: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	for p in $orig; do
		alive "$p" || { kill -9 $orig; fail "original task $p gone after the failed restart"; return 1; }
	done
	p=$(find_procs treebig)
	[ "$(echo $p | wc -w)" = 4 ] || { kill -9 $orig $p; fail "after the failed restart: expected the 4 original treebig processes, got: $p"; return 1; }

	timeout -k 5 $((TMO_RST + 60)) restart --wait 60 -i /tmp/$n.img -l /tmp/$n.rst2.log \
		>/tmp/$n.rst2.out 2>/tmp/$n.rst2.err &
	rpid=$!
	sleep 2
	if gone "$rpid"; then
		wait "$rpid"
		kill -9 $orig
		fail "restart --wait 60 ended (rc $?) while the pids were taken, expected it to wait: $(first_line /tmp/$n.rst2.err /tmp/$n.rst2.log)"
		return 1
	fi
	# the original ends (exit 0, no checks); not "gone $PID": once ash has
	# reaped it, the waiting restart may give its pid to the copy at once
	touch /tmp/$n.quit
	if ! poll 30 test -e /tmp/$n.quit.done; then
		kill -9 $orig "$rpid"; fail "the original did not quit"; return 1
	fi
	wait "$PID"
	st=$?
	[ $st = 0 ] || { kill -9 "$rpid"; fail "the original exited $st on quit: $(prog_fail /tmp/$n.out)"; return 1; }
	touch /tmp/$n.go
	wait "$rpid"
	RC=$?
	log "restart --wait 60: rc $RC"
	[ "$RC" = 0 ] && return 0
	m=$(prog_fail /tmp/$n.out)
	fail "restart --wait 60 after the original ended: ${m:-$(tool_msg $RC /tmp/$n.rst2.err /tmp/$n.rst2.log)}"
}

# leak_test MODE REGEX WHAT: the tree shares WHAT with a process outside
# it; checkpoint must fail naming it (REGEX, case-insensitive, in its
# stderr or log) and the tree must keep running (it exits 0 after go).
leak_test() {
	local mode=$1 re=$2 what=$3 n=leak_$1 root rc st
	clean_files $n
	rm -rf /tmp/$n.root /tmp/$n.psetup /tmp/$n.dir /tmp/$n.file /tmp/$n.scm
	start_prog $n leak "$mode" || return 1
	wait_ready $n "$PID" || return 1
	root=$(cat /tmp/$n.root 2>/dev/null)
	[ -n "$root" ] || { kill -9 "$PID"; fail "no tree root in /tmp/$n.root"; return 1; }
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$root" \
		>/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	rc=$?
	log "checkpoint $root ($what shared with pid $PID outside): rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
	case $rc in
	0) kill -9 "$root" "$PID"; fail "checkpoint succeeded, expected a refusal: $what shared with pid $PID outside the tree"; return 1 ;;
	124|137|143) kill -9 "$root" "$PID"; fail "checkpoint of a tree sharing $what hung (rc $rc)"; return 1 ;;
	esac
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -Eiq "$re"; then
		kill -9 "$root" "$PID"
		fail "refusal without naming $what (expected /$re/): rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	if ls -d /sys/fs/cgroup/kcr.* >/dev/null 2>&1; then
		kill -9 "$root" "$PID"; fail "a transient cgroup was left behind"; return 1
	fi
	[ ! -e /tmp/$n.img ] || { kill -9 "$root" "$PID"; fail "the image of the failed checkpoint was left behind"; return 1; }
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
t_leak_files() { leak_test files 'fd table|CLONE_FILES' "the fd table (CLONE_FILES)"; }
t_leak_fs() { leak_test fs 'fs_struct|CLONE_FS' "the fs_struct (CLONE_FS)"; }
t_leak_vm() { leak_test vm 'address space|CLONE_VM|vfork' "the address space (CLONE_VM)"; }
t_leak_vfork() { leak_test vfork 'address space|CLONE_VM|vfork' "the address space (R is a vfork child of an outsider)"; }
t_leak_vfork_rev() { leak_test vfork_rev 'address space|CLONE_VM|vfork' "the address space (R's vfork child is outside)"; }
t_leak_scm() { leak_test scm 'leak_scm\.scm' "an open file passed by SCM_RIGHTS (leak_scm.scm)"; }
t_leak_pipe() { leak_test pipe 'pipe' "a pipe (its write end)"; }
t_leak_shm() { leak_test shm 'shared memory|shmem' "shared anonymous memory"; }

# The checkpoint writes into a pipe nobody reads (it blocks, the tree
# frozen); a member is killed; then the pipe is drained: the checkpoint
# fails with EBUSY naming that task, and the rest of the tree runs on.
ckpt_blocked() {
	local p
	for p in $(find_procs checkpoint); do
		[ "$(cut -d' ' -f1 /proc/$p/syscall 2>/dev/null)" = 451 ] && return 0
	done
	return 1
}

t_killmid() {
	local n=killmid victim bg st k
	clean_files $n
	rm -f /tmp/$n.pids /tmp/$n.killed /tmp/$n.drain /tmp/$n.ckpt.rc
	PROG_ENV=TREEBIG_ORIGINAL=1
	start_prog $n treebig $n 10 512 || { PROG_ENV=; return 1; }
	PROG_ENV=
	wait_ready $n "$PID" || return 1
	victim=$(tail -n 1 /tmp/$n.pids)
	( timeout -k 5 $TMO_CKPT checkpoint -l /tmp/$n.ckpt.log "$PID" 2>/tmp/$n.ckpt.err
	  echo $? > /tmp/$n.ckpt.rc ) |
	( k=0; while [ ! -e /tmp/$n.drain ] && [ $k -lt 1200 ]; do sleep 0.05; k=$((k + 1)); done
	  exec cat >/dev/null ) &
	bg=$!
	if ! poll 30 ckpt_blocked; then
		touch /tmp/$n.drain
		poll $TMO_CKPT test -s /tmp/$n.ckpt.rc
		wait "$bg"
		kill -9 "$PID"
		fail "the checkpoint never blocked in the kernel writing into the full pipe (rc $(cat /tmp/$n.ckpt.rc 2>/dev/null): $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log))"
		return 1
	fi
	sleep 1
	echo "$victim" > /tmp/$n.killed
	kill -9 "$victim"
	poll 10 eval '[ "$(pstate $victim)" = Z ] || [ -z "$(pstate $victim)" ]'
	log "killed tree member $victim ($(pstate $victim)) while the checkpoint blocks"
	touch /tmp/$n.drain
	poll $((TMO_CKPT + 10)) test -s /tmp/$n.ckpt.rc
	wait "$bg"
	st=$(cat /tmp/$n.ckpt.rc 2>/dev/null)
	log "checkpoint: rc $st: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
	case $st in
	0) kill -9 "$PID"; fail "checkpoint succeeded although tree member $victim was killed in the middle"; return 1 ;;
	''|124|137|143) kill -9 "$PID"; fail "checkpoint did not end after the pipe was drained (rc ${st:-none})"; return 1 ;;
	esac
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -Eiq 'busy|errno=16'; then
		kill -9 "$PID"; fail "checkpoint with a member killed: expected EBUSY, got rc $st: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
	fi
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -i -e error -e busy | grep -qw "$victim"; then
		kill -9 "$PID"; fail "checkpoint with a member killed: expected the error to name pid $victim, got: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"; return 1
	fi
	if ls -d /sys/fs/cgroup/kcr.* >/dev/null 2>&1; then
		kill -9 "$PID"; fail "a transient cgroup was left behind"; return 1
	fi
	touch /tmp/$n.go
	if ! poll 60 gone "$PID"; then
		kill -9 "$PID"; wait "$PID" 2>/dev/null
		fail "the rest of the tree did not run on after the failed checkpoint (left frozen?)"
		return 1
	fi
	wait "$PID"
	st=$?
	[ $st = 0 ] || { fail "the rest of the tree: exit $st after the failed checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	return 0
}

# A task calling restart(root, ...) after that restart completed gets an
# error at once, and the restored tree does not notice.
t_latejoin() {
	local n=latejoin rpid rc args p
	clean_files $n
	rm -f /tmp/$n.pids /tmp/$n.join.*
	start_prog $n treebig $n 4 64 || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	wait_pids_free /tmp/$n.pids || return 1
	timeout -k 5 $((TMO_RST + 60)) restart -i /tmp/$n.img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err &
	rpid=$!
	if ! poll $TMO_RESTORED eval "grep -q 'restart done' /tmp/$n.rst.log 2>/dev/null || gone $rpid"; then
		kill -9 "$rpid"
		fail "no \"restart done\" in the log within $TMO_RESTORED s: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	if gone "$rpid"; then
		wait "$rpid"
		judge $n "$?"
		WHY="the restart (before any late joiner): $WHY"
		return 1
	fi
	for args in "" 1; do
		timeout -s KILL 20 "$T/tree_join" "$PID" $args >/tmp/$n.join.out 2>/tmp/$n.join.err
		rc=$?
		log "late joiner restart($PID${args:+, index $args, NO_PIDS}): rc $rc: $(first_line /tmp/$n.join.err /tmp/$n.join.out)"
		case $rc in
		0) ;;
		124|137) kill -9 "$rpid" $(file_pids /tmp/$n.pids); fail "late joiner restart($PID${args:+, index $args}) still blocked after 20 s: a completed restart must refuse it at once"; return 1 ;;
		*) kill -9 "$rpid" $(file_pids /tmp/$n.pids); fail "late joiner restart($PID${args:+, index $args}): rc $rc: $(first_line /tmp/$n.join.err /tmp/$n.join.out)"; return 1 ;;
		esac
	done
	for p in $(file_pids /tmp/$n.pids); do
		alive "$p" || { kill -9 "$rpid"; fail "restored task $p gone after the late joiners"; return 1; }
	done
	touch /tmp/$n.go
	wait "$rpid"
	RC=$?
	judge $n "$RC"
}

# -- the guest itself
t_cpus() {
	local n
	n=$(nproc 2>/dev/null)
	[ "$n" = 2 ] || { fail "nproc: expected 2, got ${n:-nothing} (/sys/devices/system/cpu/online: $(cat /sys/devices/system/cpu/online 2>/dev/null))"; return 1; }
	"$T/clock" cpus 2 </dev/null >/tmp/cpus.out 2>&1 || { fail "$(prog_fail /tmp/cpus.out)"; return 1; }
	return 0
}

# Guest time: nanosleep vs CLOCK_MONOTONIC, the clocksource, TSC stability,
# and (with /dev/port) the RTC, which QEMU drives from the host clock.
t_clock() {
	local rc l
	"$T/clock" sleep 100 </dev/null >/tmp/clock.out 2>&1
	rc=$?
	while read -r l; do log "${l#\# }"; done < /tmp/clock.out
	[ $rc = 0 ] || { fail "$(prog_fail /tmp/clock.out)"; return 1; }
	return 0
}

# ---------------------------------------------------------- rights
CG=/sys/fs/cgroup
UCG=$CG/user-1000
R=/tmp/rights

# start_idle NAME WHO CGROUP: idle as root ("root") or kcruser ("user"),
# in CGROUP ("" = unchanged); stdio /dev/null, cwd /tmp.  Sets PID.
start_idle() {
	local n=$1 who=$2 cg=$3 pre=
	rm -f /tmp/$n.ready /tmp/$n.go /tmp/$n.done
	[ "$who" = user ] && pre="$T/runas 1000 1000"
	# sh -c: $$ is then the pid that becomes idle (runas and idle exec in place)
	sh -c 'cd /tmp || exit 1; [ -z "$1" ] || echo $$ > "$1/cgroup.procs" || exit 1; shift; exec "$@"' \
		sh "$cg" $pre "$T/idle" "$n" 300 </dev/null >/dev/null 2>&1 &
	PID=$!
}

# finish_idle NAME PID: create the go file; the process must end with 0.
finish_idle() {
	local n=$1 pid=$2
	touch /tmp/$n.go
	if ! poll 10 gone "$pid"; then
		kill -9 "$pid"
		wait "$pid"
		fail "$n (pid $pid) did not finish after its go file: left frozen or stopped"
		return 1
	fi
	wait "$pid" || { fail "$n (pid $pid) exited with $?"; return 1; }
	return 0
}

t_rights() {
	local a b u rc m line
	[ -f $CG/cgroup.procs ] || { fail "cgroup2 is not mounted at $CG"; return 1; }
	mkdir -p $UCG || { fail "mkdir $UCG failed"; return 1; }
	chown 1000:1000 $UCG $UCG/cgroup.procs $UCG/cgroup.threads $UCG/cgroup.subtree_control 2>/dev/null
	rm -rf $R
	mkdir -p $R && chmod 1777 $R

	# 1. kcruser cannot checkpoint a root process (root cgroup).
	start_idle rights_root root ""
	a=$PID
	wait_ready rights_root "$a" || return 1
	"$T/runas" 1000 1000 timeout -k 5 $TMO_CKPT checkpoint -o $R/root.img -l $R/root.log "$a" \
		>/dev/null 2>$R/root.err
	rc=$?
	log "kcruser: checkpoint of root's pid $a: rc $rc: $(first_line $R/root.err $R/root.log)"
	[ $rc != 0 ] || { kill -9 "$a"; fail "kcruser checkpointed root's process $a (rc 0)"; return 1; }
	alive "$a" || { fail "root's process $a died when kcruser tried to checkpoint it"; return 1; }

	# 2. ... nor a root process that sits in kcruser's delegated cgroup
	#    (the tool may freeze it there; the kernel must still refuse, and the
	#    process must be thawed).
	start_idle rights_root2 root $UCG
	b=$PID
	wait_ready rights_root2 "$b" || return 1
	"$T/runas" 1000 1000 timeout -k 5 $TMO_CKPT checkpoint -o $R/root2.img -l $R/root2.log "$b" \
		>/dev/null 2>$R/root2.err
	rc=$?
	log "kcruser: checkpoint of root's pid $b in $UCG: rc $rc: $(first_line $R/root2.err $R/root2.log)"
	[ $rc != 0 ] || { kill -9 "$a" "$b"; fail "kcruser checkpointed root's process $b in a delegated cgroup (rc 0)"; return 1; }
	finish_idle rights_root "$a" || return 1
	finish_idle rights_root2 "$b" || { WHY="after kcruser's refused checkpoint: $WHY"; return 1; }

	# 3. kcruser can checkpoint its own process (else 1 and 2 prove nothing).
	start_idle rights_user user $UCG
	u=$PID
	wait_ready rights_user "$u" || return 1
	"$T/runas" 1000 1000 timeout -k 5 $TMO_CKPT checkpoint --kill -o $R/user.img -l $R/user.log "$u" \
		>/dev/null 2>$R/user.err
	rc=$?
	if [ $rc != 0 ]; then
		kill -9 "$u"
		fail "kcruser cannot checkpoint its own process in $UCG: $(tool_msg $rc $R/user.err $R/user.log)"
		return 1
	fi
	reap_killed "$u" || return 1
	chmod 644 $R/user.img

	# 4. kcruser2 cannot restart kcruser's image: EPERM, nothing left running.
	"$T/runas" 1001 1001 timeout -k 5 20 restart --no-pids -i $R/user.img -l $R/u2.log \
		>/dev/null 2>$R/u2.err
	rc=$?
	m=$(first_line $R/u2.err $R/u2.log)
	log "kcruser2: restart of kcruser's image: rc $rc: $m"
	if [ -n "$(find_procs idle)" ]; then
		kill_procs idle
		fail "kcruser2 restored kcruser's image: a process was left running (rc $rc)"
		return 1
	fi
	[ $rc != 0 ] || { fail "kcruser2 restarted kcruser's image (rc 0)"; return 1; }
	cat $R/u2.err $R/u2.log 2>/dev/null | grep -qi -e EPERM -e 'not permitted' ||
		{ fail "kcruser2 restart failed, expected EPERM, got: rc $rc: $m"; return 1; }

	# 4b. kcruser (no CAP_SETPCAP) may not drop bits of its bounding set
	#     through an image (PR_CAPBSET_DROP's rule): EPERM, nothing left.
	"$T/imgmut" -c $R/user.img $R/bset.img field creds.cap_bset "^1" >/dev/null 2>&1 &&
		chmod 644 $R/bset.img ||
		{ fail "imgmut: could not drop CAP_CHOWN from the image's bounding set"; return 1; }
	"$T/runas" 1000 1000 timeout -k 5 20 restart --no-pids -i $R/bset.img -l $R/bset.log \
		>/dev/null 2>$R/bset.err
	rc=$?
	m=$(first_line $R/bset.err $R/bset.log)
	log "kcruser: restart of its image with a smaller bounding set: rc $rc: $m"
	if [ -n "$(find_procs idle)" ]; then
		kill_procs idle
		fail "kcruser restarted an image that drops bounding set bits: a process was left running (rc $rc)"
		return 1
	fi
	cat $R/bset.err $R/bset.log 2>/dev/null | grep -qi "bounding set" ||
		{ fail "kcruser dropped bounding set bits without CAP_SETPCAP: expected EPERM, got rc $rc: $m"; return 1; }

	# 5. kcruser can restart it; 6. root can restart it (the process keeps
	#    kcruser's ids either way).
	touch /tmp/rights_user.go
	"$T/runas" 1000 1000 timeout -k 5 $TMO_RST restart --no-pids -i $R/user.img -l $R/u1.log \
		>/dev/null 2>$R/u1.err
	rc=$?
	[ $rc = 0 ] || { fail "kcruser cannot restart its own image: $(tool_msg $rc $R/u1.err $R/u1.log)"; return 1; }
	line=$(tail -n1 /tmp/rights_user.done 2>/dev/null)
	case "$line" in
	*" 1000 1000 1000 1000") ;;
	*) fail "restarted by kcruser: expected uid/gid 1000, got \"$line\" (pid ppid uid gid euid egid)"; return 1 ;;
	esac
	rm -f /tmp/rights_user.pdeath
	timeout -k 5 $TMO_RST restart --no-pids -i $R/user.img -l $R/u0.log >/dev/null 2>$R/u0.err
	rc=$?
	[ $rc = 0 ] || { fail "root cannot restart kcruser's image: $(tool_msg $rc $R/u0.err $R/u0.log)"; return 1; }
	line=$(tail -n1 /tmp/rights_user.done 2>/dev/null)
	case "$line" in
	*" 1000 1000 1000 1000") ;;
	*) fail "kcruser's image restarted by root: expected uid/gid 1000, got \"$line\""; return 1 ;;
	esac
	# the change of ids (root -> kcruser) must not lose PR_SET_PDEATHSIG
	line=$(cat /tmp/rights_user.pdeath 2>/dev/null)
	[ "$line" = 28 ] ||
		{ fail "kcruser's image restarted by root: parent death signal: expected 28 (SIGWINCH), got \"$line\""; return 1; }
	return 0
}

# ---------------------------------------------------------- files by path
# fileid.c holds files by path (mappings, fds, cwd); restart reopens them:
# one lookup (a FIFO or symlink put in the place is refused, never opened),
# the file's identity (dev, ino, size, mtime) unless --force-files, and the
# permission checks of open(2) as the RESTORED task (not the restarter).

# fid_files DIR: fresh files p, s, f, o (one byte and a newline each) and
# a directory c in DIR.
fid_files() {
	rm -rf "$1"
	mkdir -p "$1/c" && echo P > "$1/p" && echo S > "$1/s" && echo F > "$1/f" &&
		echo O > "$1/o" || { fail "creating the files in $1"; return 1; }
}

# fid_out NAME: a fresh /tmp/NAME.out owned by kcruser, so that a
# restored task of uid 1000 may reopen its stdout and stderr.
fid_out() {
	clean_files "$1"
	rm -f /tmp/$1.exe /tmp/$1.rst.log /tmp/$1.ckpt.log
	: > /tmp/$1.out && chown 1000:1000 /tmp/$1.out
}

# fid_ckpt NAME ARGS...: fileid NAME ARGS (as root), ready, checkpoint --kill.
# The restarts are --no-pids (KCR_NOPIDS=1 for the program).
fid_ckpt() {
	local n=$1
	shift
	fid_out "$n"
	PROG_ENV=KCR_NOPIDS=1
	start_prog "$n" fileid "$n" "$@" || { PROG_ENV=; return 1; }
	PROG_ENV=
	wait_ready "$n" "$PID" || return 1
	checkpoint_to "$n" "$PID" --kill || return 1
	reap_killed "$PID"
}

# fid_rst_ok NAME WHAT [OPTIONS...]: the restarted program runs to its end
# with status 0 (its checks passed).  $RST_AS: a command prefix (runas).
fid_rst_ok() {
	local n=$1 what=$2
	shift 2
	touch /tmp/$n.go
	rm -f /tmp/$n.exe /tmp/$n.rst.log
	timeout -k 5 $TMO_RST $RST_AS restart --no-pids "$@" -i /tmp/$n.img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	log "restart $* ($what): rc $RC"
	judge "$n" "$RC" || { WHY="$what: $WHY"; return 1; }
}

# fid_rst_fails NAME WHAT REGEX [OPTIONS...]: the restart fails within 20 s
# (never blocks in an open), its error matches REGEX (extended,
# case-sensitive), and no fileid is left running.  The go file is there:
# a restart that wrongly succeeds ends at once with status 0.
fid_rst_fails() {
	local n=$1 what=$2 re=$3 m t0 t1
	shift 3
	touch /tmp/$n.go
	rm -f /tmp/$n.rst.log
	t0=$(date +%s)
	timeout -k 5 20 $RST_AS restart --no-pids "$@" -i /tmp/$n.img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	t1=$(date +%s)
	m=$(first_line /tmp/$n.rst.err /tmp/$n.rst.log)
	log "restart $* ($what): rc $RC in $((t1 - t0)) s: $m"
	case $RC in
	0) fail "restart $* ($what) succeeded"; return 1 ;;
	124|137|143) kill_procs fileid; fail "restart $* ($what): expected a quick failure, it blocked or ran (rc $RC after $((t1 - t0)) s): $m"; return 1 ;;
	esac
	if ! cat /tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null | grep -Eq -- "$re"; then
		fail "restart $* ($what): expected an error matching /$re/, got rc $RC: $m"
		return 1
	fi
	sleep 0.3
	if [ -n "$(find_procs fileid)" ]; then
		kill_procs fileid
		fail "restart $* ($what) failed but left a task running"
		return 1
	fi
	return 0
}

# fid_malformed NAME FIELD VALUE REGEX: /tmp/NAME.img with FIELD set to
# VALUE (crc fixed) is refused by ckptinfo and by restart (error /REGEX/,
# EINVAL): the reader checks identities as the kernel does.
fid_malformed() {
	local n=$1 m
	"$T/imgmut" -c /tmp/$n.img /tmp/$n.bad.img field "$2" "$3" >/dev/null 2>&1 ||
		{ fail "imgmut: no field $2 in /tmp/$n.img"; return 1; }
	if ckptinfo /tmp/$n.bad.img >/tmp/$n.bad.info 2>&1; then
		fail "ckptinfo accepts an image with $2 = $3"
		return 1
	fi
	log "ckptinfo, $2 = $3: $(tail -n 1 /tmp/$n.bad.info)"
	timeout -k 5 20 restart --no-pids -i /tmp/$n.bad.img -l /tmp/$n.bad.log \
		>/dev/null 2>/tmp/$n.bad.err
	m=$(first_line /tmp/$n.bad.err /tmp/$n.bad.log)
	log "restart, $2 = $3: $m"
	cat /tmp/$n.bad.err /tmp/$n.bad.log 2>/dev/null | grep -E -- "$4" | grep -q "errno=22" ||
		{ kill_procs fileid; fail "restart of an image with $2 = $3: expected EINVAL /$4/, got $m"; return 1; }
	rm -f /tmp/$n.bad.img /tmp/$n.bad.info /tmp/$n.bad.log /tmp/$n.bad.err
}

# Identity: an open file, a MAP_PRIVATE and a MAP_SHARED mapping; each
# changed in turn between checkpoint and restart (one byte appended, or only
# a new mtime) makes restart fail naming it, --force-files restarts anyway.
t_fileid_identity() {
	local n=fileid_identity d=/tmp/fileid_a f
	fid_files $d || return 1
	fid_ckpt $n -p $d/p -s $d/s -f $d/f -r $d/o -c $d/c || return 1
	for f in p s f o; do
		grep -q "path=\"$d/$f\" dev=[0-9]*:[0-9]* ino=[1-9][0-9]* size=2 mtime=[1-9]" /tmp/$n.info ||
			{ fail "ckptinfo shows no identity (dev, ino, size 2, mtime) of $d/$f: $(grep "$d/$f" /tmp/$n.info | head -n1 | oneline)"; return 1; }
	done
	# malformed identities (FILE 1 is the stdout, a regular file; VMA 0
	# the program's text)
	fid_malformed $n file.id_pad@1 1 "file [0-9]+: bad identity fields" || return 1
	fid_malformed $n file.id_mtime_nsec@1 1000000000 "file [0-9]+: bad identity fields" || return 1
	fid_malformed $n vma.file_id_mtime_nsec@0 1000000000 "VMA 0x[0-9a-f]+-0x[0-9a-f]+: bad file identity" || return 1
	fid_malformed $n mm.exe_id_mtime_nsec 1000000000 "MM record: bad length or flags" || return 1
	fid_rst_ok $n "nothing changed" || return 1
	fid_rst_ok $n "nothing changed, a second restart of the image" || return 1
	echo >> $d/o
	fid_rst_fails $n "the read-only fd's file one byte longer" \
		"$d/o changed since the checkpoint" || return 1
	fid_rst_ok $n "the read-only fd's file changed, --force-files" --force-files || return 1

	# open for writing: the task may have written it itself (size, mtime),
	# but it must be the same inode
	fid_files $d || return 1
	fid_ckpt $n -p $d/p -s $d/s -f $d/f || return 1
	echo >> $d/f
	fid_rst_ok $n "the O_RDWR fd's file one byte longer (the task may write it)" || return 1
	rm -f $d/f && echo F > $d/f || { fail "recreating $d/f"; return 1; }
	fid_rst_fails $n "the O_RDWR fd's file replaced (a new inode)" \
		"$d/f changed since the checkpoint" || return 1
	fid_rst_ok $n "the fd's file replaced, --force-files" --force-files || return 1

	fid_files $d || return 1
	fid_ckpt $n -p $d/p -s $d/s -f $d/f || return 1
	sleep 0.05
	touch $d/p
	fid_rst_fails $n "the MAP_PRIVATE file with a new mtime" \
		"mapping at 0x[0-9a-f]+-0x[0-9a-f]+: $d/p changed since the checkpoint" || return 1
	fid_rst_ok $n "the MAP_PRIVATE file changed, --force-files" --force-files || return 1

	# shared and writable: like an fd open for writing
	fid_files $d || return 1
	fid_ckpt $n -p $d/p -s $d/s -f $d/f || return 1
	echo >> $d/s
	fid_rst_ok $n "the MAP_SHARED writable file one byte longer (the task may write it)" || return 1
	rm -f $d/s && echo S > $d/s || { fail "recreating $d/s"; return 1; }
	fid_rst_fails $n "the MAP_SHARED file replaced (a new inode)" \
		"mapping at 0x[0-9a-f]+-0x[0-9a-f]+: $d/s changed since the checkpoint" || return 1
	fid_rst_ok $n "the MAP_SHARED file replaced, --force-files" --force-files
}

# One lookup: a FIFO or a symlink put where a saved file was is refused at
# once, --force-files or not (it is not the type saved), never opened.
t_fileid_lookup() {
	local n=fileid_lookup d=/tmp/fileid_b
	fid_files $d || return 1
	# read-only opens: opening a FIFO O_RDONLY would block
	fid_ckpt $n -p $d/p -r $d/f || return 1
	rm -f $d/f && mkfifo $d/f || { fail "mkfifo $d/f"; return 1; }
	fid_rst_fails $n "the fd's file replaced by a FIFO" \
		"$d/f is not the file that was saved" || return 1
	fid_rst_fails $n "the fd's file replaced by a FIFO, --force-files" \
		"$d/f is not the file that was saved" --force-files || return 1
	rm -f $d/f && ln -s $d/o $d/f || { fail "ln -s $d/o $d/f"; return 1; }
	fid_rst_fails $n "the fd's file replaced by a symlink, --force-files" \
		"$d/f is not the file that was saved" --force-files || return 1
	# (new inodes from here on: --force-files)
	rm -f $d/f && echo F > $d/f && rm -f $d/p && mkfifo $d/p ||
		{ fail "mkfifo $d/p"; return 1; }
	fid_rst_fails $n "the mapped file replaced by a FIFO, --force-files" \
		"mapping at 0x[0-9a-f]+-0x[0-9a-f]+: $d/p is not the file that was saved" --force-files || return 1
	rm -f $d/p && ln -s $d/o $d/p || { fail "ln -s $d/o $d/p"; return 1; }
	fid_rst_fails $n "the mapped file replaced by a symlink, --force-files" \
		"mapping at 0x[0-9a-f]+-0x[0-9a-f]+: $d/p is not the file that was saved" --force-files || return 1
	# the files back (new inodes): --force-files restarts it
	rm -f $d/p && echo P > $d/p || { fail "recreating $d/p"; return 1; }
	fid_rst_ok $n "regular files back in place, --force-files" --force-files
}

# fid_start_user NAME ARGS...: fileid NAME ARGS as kcruser in its delegated
# cgroup ($UCG), with KCR_NOPIDS=1 (kcruser restarts with --no-pids).
fid_start_user() {
	local n=$1
	shift
	fid_out "$n"
	[ -f $CG/cgroup.procs ] || { fail "cgroup2 is not mounted at $CG"; return 1; }
	mkdir -p $UCG || { fail "mkdir $UCG failed"; return 1; }
	chown 1000:1000 $UCG $UCG/cgroup.procs $UCG/cgroup.threads $UCG/cgroup.subtree_control 2>/dev/null
	sh -c 'cd /tmp || exit 1; echo $$ > "$1/cgroup.procs" || exit 1; shift; exec "$@"' \
		sh $UCG "$T/runas" 1000 1000 env KCR_NOPIDS=1 "$T/fileid" "$n" "$@" \
		</dev/null >>/tmp/$n.out 2>&1 &
	PID=$!
	wait_ready "$n" "$PID"
}

# fid_ckpt_user NAME PID: kcruser checkpoints (--kill) its process.
fid_ckpt_user() {
	local n=$1 pid=$2 rc
	"$T/runas" 1000 1000 timeout -k 5 $TMO_CKPT checkpoint --kill -o /tmp/$n.img \
		-l /tmp/$n.ckpt.log "$pid" >/dev/null 2>/tmp/$n.ckpt.err
	rc=$?
	if [ $rc != 0 ]; then
		kill -9 "$pid"
		fail "kcruser cannot checkpoint its process: $(tool_msg $rc /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	ckptinfo /tmp/$n.img >/tmp/$n.info 2>&1 ||
		{ fail "ckptinfo rejects the image: $(tail -n 1 /tmp/$n.info)"; return 1; }
	reap_killed "$pid"
}

# Rights: root restarts kcruser's image; every file is opened as kcruser,
# the cwd entered as kcruser.  A file that became root's (0600, same size
# and mtime) is refused with EACCES; kcruser's again, it restarts.  And a
# tree whose root process (root) and child (uid 1000) share an fd of a
# root-only file: the child could not open it, so root may not restart it.
t_fileid_rights() {
	local n=fileid_rights d=/tmp/fileid_c f
	fid_files $d || return 1
	chown -R 1000:1000 $d && chmod 755 $d $d/c || { fail "chown $d"; return 1; }
	fid_start_user $n -s $d/s -f $d/f -c $d/c || return 1
	fid_ckpt_user $n "$PID" || return 1
	chmod 644 /tmp/$n.img
	fid_rst_ok $n "kcruser's image restarted by root" || return 1
	for f in f s; do
		chown root:root $d/$f && chmod 600 $d/$f || { fail "chown root $d/$f"; return 1; }
		fid_rst_fails $n "$d/$f made root's 0600, restarted by root" \
			"$d/$f: the restored task may not open it" || return 1
		cat /tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null | grep -Eq "errno=13|Permission denied" ||
			{ fail "$d/$f made root's: expected EACCES, got $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"; return 1; }
		chown 1000:1000 $d/$f && chmod 644 $d/$f || { fail "chown 1000 $d/$f"; return 1; }
	done
	chown root:root $d/c && chmod 700 $d/c || { fail "chown root $d/c"; return 1; }
	fid_rst_fails $n "the cwd $d/c made root's 0700, restarted by root" \
		"the restored task may not enter $d/c" || return 1
	chown 1000:1000 $d/c && chmod 755 $d/c || { fail "chown 1000 $d/c"; return 1; }
	fid_rst_ok $n "kcruser's files back, restarted by root" || return 1

	# the tree: the fd is the same open file in both processes
	n=fileid_tree
	echo secret > $d/secret && chown root:root $d/secret && chmod 600 $d/secret ||
		{ fail "creating $d/secret"; return 1; }
	fid_ckpt $n -t $d/secret || return 1
	fid_rst_fails $n "a root-only file shared with a uid 1000 child" \
		"secret: the restored task may not open it" || return 1
	chmod 644 $d/secret || { fail "chmod $d/secret"; return 1; }
	fid_rst_ok $n "the shared file readable by the child" || return 1

	# the same with the file deleted: restored from the image (ghost.c),
	# its inode checked for the child as a path would be
	n=fileid_tree_ghost
	echo secret > $d/ghost && chown root:root $d/ghost && chmod 600 $d/ghost ||
		{ fail "creating $d/ghost"; return 1; }
	fid_ckpt $n -T $d/ghost || return 1
	fid_rst_fails $n "a deleted root-only file shared with a uid 1000 child" \
		"the restored task may not open it" || return 1
	echo secret > $d/ghost && chmod 644 $d/ghost || { fail "creating $d/ghost"; return 1; }
	fid_ckpt $n -T $d/ghost || return 1
	fid_rst_ok $n "the shared deleted file readable by the child"
}

# The exe link needs CAP_CHECKPOINT_RESTORE (or CAP_SYS_ADMIN) of the
# restarter, as PR_SET_MM_MAP: kcruser's restart runs without one
# (/proc/self/exe unreadable, said in the log), root's has it.
t_fileid_exe() {
	local n=fileid_exe line
	fid_start_user $n -c /tmp || return 1
	fid_ckpt_user $n "$PID" || return 1
	grep -q "exe=\"$T/fileid\" exe_dev=[0-9]*:[0-9]* exe_ino=[1-9]" /tmp/$n.info ||
		{ fail "ckptinfo shows no exe identity: $(grep ' MM ' /tmp/$n.info | oneline)"; return 1; }
	RST_AS="$T/runas 1000 1000"
	fid_rst_ok $n "kcruser restarts its image"
	RST_AS=
	[ "$RC" = 0 ] || return 1
	line=$(cat /tmp/$n.exe 2>/dev/null)
	case "$line" in
	"ERR "*) ;;
	*) fail "restarted by kcruser: expected /proc/self/exe unreadable, got \"$line\""; return 1 ;;
	esac
	grep -q "no exe link (it needs CAP_CHECKPOINT_RESTORE)" /tmp/$n.rst.log ||
		{ fail "restarted by kcruser: no \"no exe link\" line in the log: $(grep -i exe /tmp/$n.rst.log | head -n1 | oneline)"; return 1; }
	fid_rst_ok $n "root restarts kcruser's image" || return 1
	line=$(cat /tmp/$n.exe 2>/dev/null)
	[ "$line" = "$T/fileid" ] ||
		{ fail "restarted by root: expected /proc/self/exe $T/fileid, got \"$line\""; return 1; }
	! grep -q "no exe link" /tmp/$n.rst.log ||
		{ fail "restarted by root: the log says \"no exe link\""; return 1; }
}

# fid_ckpt_refused NAME PID REGEX: a leave-running checkpoint of PID fails
# with an error matching REGEX; PID is still there, not frozen nor stopped.
fid_ckpt_refused() {
	local n=$1 pid=$2 re=$3 rc m s
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$pid" \
		>/dev/null 2>/tmp/$n.ckpt.err
	rc=$?
	m=$(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)
	log "checkpoint $pid: rc $rc: $m"
	[ $rc != 0 ] || { kill -9 "$pid"; fail "checkpoint of $pid succeeded, expected /$re/"; return 1; }
	cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -Eq -- "$re" ||
		{ kill -9 "$pid"; fail "checkpoint of $pid: expected an error matching /$re/, got rc $rc: $m"; return 1; }
	alive "$pid" || { fail "the refused checkpoint killed $pid"; return 1; }
	s=$(pstate "$pid")
	[ "$s" = S ] || [ "$s" = R ] || { kill -9 "$pid"; fail "after the refused checkpoint $pid is in state $s"; return 1; }
	[ ! -e /tmp/$n.img ] || { kill -9 "$pid"; fail "the refused checkpoint left /tmp/$n.img"; return 1; }
}

# fid_finish NAME PID MOUNT: unmount MOUNT, the go file: the untouched
# program ends with 0 (its files and cwd as they were).
fid_finish() {
	local n=$1 pid=$2
	umount "$3" || { kill -9 "$pid"; fail "umount $3"; return 1; }
	touch /tmp/$n.go
	if ! poll 20 gone "$pid"; then
		kill -9 "$pid"
		fail "$n (pid $pid) did not finish after its go file"
		return 1
	fi
	wait "$pid" || { fail "after a refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
}

# Paths that lead elsewhere at checkpoint (here: over-mounted by a tmpfs
# holding a file of the same name) are refused, for the cwd, a mapping and
# the exe, naming it; the program goes on unchanged.
t_fileid_unreachable() {
	local n=fileid_unreachable d=/tmp/fileid_e
	rm -rf $d
	mkdir -p $d/m $d/x && echo P > $d/m/p && cp "$T/fileid" $d/x/fileid ||
		{ fail "creating $d"; return 1; }
	clean_files $n
	start_prog $n fileid $n -n -c $d/m || return 1
	wait_ready $n "$PID" || return 1
	mount -t tmpfs fileid_e $d/m || { kill -9 "$PID"; fail "mount tmpfs on $d/m"; return 1; }
	fid_ckpt_refused $n "$PID" "the cwd: $d/m leads to another file \(mount namespace, chroot or over-mount\?\)" ||
		{ umount $d/m; return 1; }
	fid_finish $n "$PID" $d/m || return 1

	clean_files $n
	start_prog $n fileid $n -n -p $d/m/p -c / || return 1
	wait_ready $n "$PID" || return 1
	mount -t tmpfs fileid_e $d/m && echo P > $d/m/p ||
		{ kill -9 "$PID"; fail "mount tmpfs on $d/m"; return 1; }
	fid_ckpt_refused $n "$PID" "mapping at 0x[0-9a-f]+-0x[0-9a-f]+: $d/m/p leads to another file" ||
		{ umount $d/m; return 1; }
	fid_finish $n "$PID" $d/m || return 1

	clean_files $n
	$d/x/fileid $n -n -c / </dev/null >/tmp/$n.out 2>&1 &
	PID=$!
	wait_ready $n "$PID" || return 1
	mount -t tmpfs fileid_e $d/x && cp "$T/fileid" $d/x/fileid ||
		{ kill -9 "$PID"; fail "mount tmpfs on $d/x"; return 1; }
	fid_ckpt_refused $n "$PID" "the executable: $d/x/fileid leads to another file" ||
		{ umount $d/x; return 1; }
	fid_finish $n "$PID" $d/x
}

# 64-bit only: x32 and int $0x80 callers of 451/452 get ENOSYS or EINVAL,
# and nothing is written or read (compat.c checks it).
t_compat64() {
	local n=compat64
	clean_files $n
	rm -f /tmp/$n.log
	"$T/compat" $n </dev/null >/tmp/$n.out 2>&1
	RC=$?
	log "compat: rc $RC: $(grep '^#' /tmp/$n.out | oneline)"
	[ $RC = 0 ] || { fail "rc $RC: $(prog_fail /tmp/$n.out)"; return 1; }
}

# ---------------------------------------------------------- SysV IPC
# Objects (ipc.c), SEM_UNDO trees (semundo.c), the /proc semundo and next_id
# interfaces (semundo_proc.c, nextid.c) and the rights around them.  ipctool
# (ipctool.c) stands in for ipcs/ipcrm and reads the IPC part of an image.
# Every test starts with an empty IPC namespace (ipctool rmall): nothing else
# in the guest uses SysV IPC.

# expect_info NAME KEY VALUE [KEY VALUE...]: "ipctool info /tmp/NAME.img" says so.
expect_info() {
	local n=$1 line k v got
	shift
	line=$("$T/ipctool" info /tmp/$n.img 2>&1)
	log "image /tmp/$n.img: $line"
	while [ $# -gt 1 ]; do
		k=$1 v=$2
		shift 2
		got=$(echo "$line" | awk -v k="$k" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }')
		[ "$got" = "$v" ] || { fail "the image's IPC records: expected $k $v, got ${got:-none} ($line)"; return 1; }
	done
	return 0
}

ipc_clean() { # NAME
	clean_files "$1"
	rm -f /tmp/$1.ids /tmp/$1.ids.* /tmp/$1.kfile /tmp/$1.kfile.away /tmp/$1.root /tmp/$1.pids /tmp/$1.final /tmp/$1.img.bad
	"$T/ipctool" rmall
}

# ipc_start NAME MODE: the ipc program, ready.
ipc_start() {
	ipc_clean "$1"
	start_prog "$1" ipc "$1" "$2" || return 1
	wait_ready "$1" "$PID"
}

# restart_must_fail NAME WHAT REGEX [OPTIONS...]: a restart of /tmp/NAME.img
# (without go file) fails, its error matches REGEX (case-insensitive), and
# no ipc program is left running.  $RST_AS: a command prefix (runas).
RST_AS=
restart_must_fail() {
	local n=$1 what=$2 re=$3 m
	shift 3
	timeout -k 5 $TMO_RST $RST_AS restart "$@" -i /tmp/$n.img -l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	m=$(first_line /tmp/$n.rst.err /tmp/$n.rst.log)
	log "restart $* ($what): rc $RC: $m"
	case $RC in
	0) fail "restart $* ($what) succeeded"; return 1 ;;
	124|137|143) fail "restart $* ($what): expected a failure, it hung or ran (rc $RC): $m"; kill_procs ipc semundo_proc; return 1 ;;
	esac
	if ! cat /tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null | grep -Eiq "$re"; then
		fail "restart $* ($what): expected an error matching /$re/, got rc $RC: $m"
		return 1
	fi
	sleep 0.5
	if [ -n "$(find_procs ipc semundo_proc)" ]; then
		fail "restart $* ($what) failed but left tasks running: $(find_procs ipc semundo_proc)"
		kill_procs ipc semundo_proc
		return 1
	fi
	return 0
}

ipc_exist() { # FILE WHAT
	local m
	m=$("$T/ipctool" exist "$1" | oneline) && return 0
	fail "$2: $m"
	return 1
}

ipc_absent() { # FILE WHAT
	local m
	m=$("$T/ipctool" absent "$1" | oneline) && return 0
	fail "$2: $m"
	return 1
}

# The caller's namespace, checkpoint --ipc: everything saved.  A restart
# while the originals still exist fails (EEXIST, naming the object) and
# changes nothing; once they are removed, the program finds them all back.
t_ipc_objs() {
	local n=ipc_objs
	ipc_start $n all || return 1
	checkpoint_to $n "$PID" --ipc --kill || return 1
	reap_killed "$PID" || return 1
	expect_info $n ipcns 0x2 shm 5 msq 3 msg 206 sem 2 newipcns 0 || return 1
	ipc_exist /tmp/$n.ids "the originals after checkpoint --kill (objects outlive their tasks)" || return 1
	restart_must_fail $n "the objects still exist" 'exist|errno=17' || return 1
	ipc_exist /tmp/$n.ids "the originals after a restart refused with EEXIST" || return 1
	"$T/ipctool" rm /tmp/$n.ids
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# A segment locked in memory (SHM_LOCK) keeps its lock (CKPT_SHM_LOCKED).
t_ipc_locked() {
	local n=ipc_locked
	ipc_start $n locked || return 1
	checkpoint_to $n "$PID" --ipc --kill || return 1
	reap_killed "$PID" || return 1
	"$T/ipctool" rm /tmp/$n.ids
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# Plain checkpoint: only the attached segments and the arrays in undo lists.
t_ipc_used() {
	local n=ipc_used
	ipc_start $n used || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	expect_info $n ipcns 0x0 shm 4 msq 0 sem 1 newipcns 0 || return 1
	"$T/ipctool" rm /tmp/$n.ids
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# restart --ipcns: a fresh namespace next to the originals, which stay.
t_ipc_ns() {
	local n=ipc_ns
	ipc_start $n ns || return 1
	checkpoint_to $n "$PID" --ipc --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	restart_from $n --ipcns
	judge $n "$RC" || return 1
	ipc_exist /tmp/$n.ids "the originals in the caller's namespace after restart --ipcns" || return 1
	"$T/ipctool" rm /tmp/$n.ids
	return 0
}

# A failed restart removes the objects it created: (1) the last object of
# the image is taken (EEXIST, after every other one was made), (2) K's
# restore fails after the root made them all (K's open file is gone).
# Then the same image restarts.
t_ipc_fail() {
	local n=ipc_fail last id
	ipc_start $n all || return 1
	checkpoint_to $n "$PID" --ipc --kill || return 1
	reap_killed "$PID" || return 1
	last=$("$T/ipctool" last /tmp/$n.ids)
	id=$(echo "$last" | cut -d' ' -f2)
	grep -vx "$last" /tmp/$n.ids > /tmp/$n.ids.rest
	echo "$last" > /tmp/$n.ids.last
	"$T/ipctool" rm /tmp/$n.ids.rest
	restart_must_fail $n "the image's last object ($last) exists" 'exist|errno=17' || return 1
	if ! cat /tmp/$n.rst.err /tmp/$n.rst.log | grep -i -e exist -e error | grep -qw "$id"; then
		fail "restart with $last taken: expected the error to name id $id, got: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	ipc_absent /tmp/$n.ids.rest "after the restart failed on the last object, the objects it created" || return 1
	ipc_exist /tmp/$n.ids.last "the taken object after the refused restart" || return 1
	"$T/ipctool" rm /tmp/$n.ids.last
	# moved away and back: the same inode, size and mtime (file identity)
	mv /tmp/$n.kfile /tmp/$n.kfile.away
	restart_must_fail $n "K's open file /tmp/$n.kfile is gone" 'kfile|ENOENT|No such file|errno=2' || return 1
	ipc_absent /tmp/$n.ids "after the restart failed in K's turn, the objects the root created" || return 1
	mv /tmp/$n.kfile.away /tmp/$n.kfile
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC" || { WHY="the same image after the failed restarts: $WHY"; return 1; }
}

# A tree with an IPC namespace of its own: saved whole (PRIVATE, NEWIPCNS),
# refused by restart --no-ipcns in the initial namespace, restarted by
# default in a fresh one with the namespace's limits.
t_ipc_private() {
	local n=ipc_private before after
	ipc_start $n private || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	expect_info $n ipcns 0x3 shm 5 msq 3 sem 2 newipcns 1 || return 1
	before=$("$T/ipctool" count)
	restart_must_fail $n "a PRIVATE image in the initial IPC namespace" 'ipc|namespace|EINVAL|EBUSY|errno=' --no-ipcns || return 1
	after=$("$T/ipctool" count)
	[ "$before" = "$after" ] || { fail "restart --no-ipcns of a PRIVATE image changed the initial namespace: $before, then $after"; return 1; }
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# The same inside a container (a pid namespace whose init unshared its IPC
# namespace): checkpoint --container, restart in new pid and IPC namespaces.
t_ipc_container() {
	local n=ipc_container root
	ipc_start $n container || return 1
	root=$(cat /tmp/$n.root 2>/dev/null)
	alive "$root" || { kill -9 "$PID"; fail "no live container init in /tmp/$n.root (\"$root\")"; return 1; }
	checkpoint_to $n "$root" --container --kill || return 1
	reap_killed "$PID" || return 1
	expect_info $n ipcns 0x3 shm 5 msq 3 sem 2 newipcns 1 || return 1
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# A tree in two IPC namespaces is refused, and runs on.
t_ipc_mixed() {
	local n=ipc_mixed rc st
	ipc_start $n mixed || return 1
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$PID" >/dev/null 2>/tmp/$n.ckpt.err
	rc=$?
	log "checkpoint of a tree in two IPC namespaces: rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
	[ $rc != 0 ] || { kill -9 "$PID"; fail "checkpoint of a tree in two IPC namespaces succeeded"; return 1; }
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -Eiq 'IPC namespace'; then
		kill -9 "$PID"
		fail "refusal without naming the IPC namespaces: rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	[ ! -e /tmp/$n.img ] || { kill -9 "$PID"; fail "the image of the failed checkpoint was left behind"; return 1; }
	touch /tmp/$n.go
	if ! poll 30 gone "$PID"; then
		kill -9 "$PID"
		fail "the tree did not run on after the refused checkpoint (left frozen?)"
		return 1
	fi
	wait "$PID"
	st=$?
	[ $st = 0 ] || { fail "exit $st after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	return 0
}

# An undo list shared (CLONE_SYSVSEM) with a process outside the tree is
# a leak: refused, naming it, and the tree runs on.
t_ipc_leak() {
	local n=ipc_leak root rc st
	ipc_clean $n
	start_prog $n semundo_proc $n leak || return 1
	wait_ready $n "$PID" || return 1
	root=$(cat /tmp/$n.root 2>/dev/null)
	alive "$root" || { kill -9 "$PID"; fail "no live tree root in /tmp/$n.root (\"$root\")"; return 1; }
	timeout -k 5 $TMO_CKPT checkpoint -o /tmp/$n.img -l /tmp/$n.ckpt.log "$root" >/dev/null 2>/tmp/$n.ckpt.err
	rc=$?
	log "checkpoint $root (its undo list shared with pid $PID outside): rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
	[ $rc != 0 ] || { kill -9 "$root" "$PID"; fail "checkpoint succeeded, expected a refusal: the undo list is shared with pid $PID outside the tree"; return 1; }
	if ! cat /tmp/$n.ckpt.err /tmp/$n.ckpt.log 2>/dev/null | grep -Eiq 'undo list|CLONE_SYSVSEM'; then
		kill -9 "$root" "$PID"
		fail "refusal without naming the undo list (CLONE_SYSVSEM): rc $rc: $(first_line /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		return 1
	fi
	touch /tmp/$n.go
	if ! poll 30 gone "$PID"; then
		kill -9 "$root" "$PID"
		fail "the tree did not run on after the refused checkpoint (left frozen?)"
		return 1
	fi
	wait "$PID"
	st=$?
	[ $st = 0 ] || { fail "exit $st after the refused checkpoint: $(prog_fail /tmp/$n.out)"; return 1; }
	return 0
}

# semundo_test NAME MODE: the SEM_UNDO tree; after restart every task exits
# and W reports the final values in /tmp/NAME.final.
semundo_test() {
	local n=$1 f TMO_RST=120
	ipc_clean $n
	start_prog $n semundo $n $2 || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	# four undo lists (R's shared with C3, C1's, C2's, T's) with 9 entries
	if [ "$2" = private ]; then
		expect_info $n ipcns 0x3 sem 3 undo 4 adj 9 refs 4 newipcns 1 || return 1
	else
		expect_info $n ipcns 0x0 shm 0 msq 0 sem 3 undo 4 adj 9 refs 4 newipcns 0 || return 1
		"$T/ipctool" rm /tmp/$n.ids
	fi
	wait_pids_free /tmp/$n.pids || return 1
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC" || return 1
	if ! poll 60 test -s /tmp/$n.final; then
		fail "no /tmp/$n.final from W within 60 s after R exited: $(prog_fail /tmp/$n.out)"
		return 1
	fi
	f=$(head -n 1 /tmp/$n.final)
	[ "$f" = ok ] || { fail "${f#FAIL }"; return 1; }
	return 0
}
t_semundo_tree() { semundo_test semundo_tree tree; }
t_semundo_private() { semundo_test semundo_private private; }

# A failed semop(SEM_UNDO) leaves a zero entry for an array the task may
# not even read (vanilla behaviour): such a task still restarts.
t_semundo_zero() {
	local n=semundo_zero
	ipc_clean $n
	prog_test $n "$T/semundo_proc" $n forge-setup || return 1
	clean_files $n
	# uid 1000's stdout: restart reopens it as the restored task
	: > /tmp/$n.out && chown 1000:1000 /tmp/$n.out
	start_prog $n runas 1000 1000 "$T/semundo_proc" $n zero || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	"$T/ipctool" rm /tmp/$n.ids
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC" || return 1
	"$T/ipctool" rm /tmp/$n.ids
	return 0
}

# The extreme adjustment semop() allows (-32768) is saved and restored.
t_semundo_edge() {
	local n=semundo_edge
	ipc_clean $n
	start_prog $n semundo_proc $n edge || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	"$T/ipctool" rm /tmp/$n.ids
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# prog_test NAME PROG ARGS...: a program that checks an interface by itself.
prog_test() {
	local n=$1 rc
	shift
	clean_files $n
	"$@" </dev/null >/tmp/$n.out 2>&1
	rc=$?
	[ $rc = 0 ] && return 0
	fail "$(basename "$1") $2 $3: rc $rc: $(prog_fail /tmp/$n.out)"
	return 1
}
t_semundo_proc() { "$T/ipctool" rmall; prog_test semundo_proc "$T/semundo_proc" semundo_proc iface; }
t_nextid_ipc() { "$T/ipctool" rmall; prog_test nextid_ipc "$T/nextid" nextid_ipc ipc; }
t_nextid_proc() { prog_test nextid_proc "$T/nextid" nextid_proc proc; }
t_nextid_pidns() { prog_test nextid_pidns "$T/nextid" nextid_pidns pidns; }

# An unprivileged user cannot forge undo entries for an array it cannot
# alter (/proc/self/semundo), nor read or write root's semundo, nor write
# its next_id; and "checkpoint --ipc" of its own process does not give it
# the contents of root's mode 0600 segment and queue (checkpoint reads
# only what the caller could read).
t_ipc_rights() {
	local n=ipc_rights u rc
	ipc_clean $n
	prog_test $n "$T/semundo_proc" $n forge-setup || return 1
	prog_test $n "$T/runas" 1000 1000 "$T/semundo_proc" $n forge || { WHY="kcruser: $WHY"; return 1; }
	prog_test $n "$T/semundo_proc" $n forge-check || { WHY="after kcruser's attempts: $WHY"; return 1; }
	prog_test $n "$T/runas" 1000 1000 "$T/nextid" $n user || { WHY="kcruser: $WHY"; return 1; }

	[ -f $CG/cgroup.procs ] || { fail "cgroup2 is not mounted at $CG"; return 1; }
	mkdir -p $UCG || { fail "mkdir $UCG failed"; return 1; }
	chown 1000:1000 $UCG $UCG/cgroup.procs $UCG/cgroup.threads $UCG/cgroup.subtree_control 2>/dev/null
	rm -rf $R
	mkdir -p $R && chmod 1777 $R
	"$T/ipctool" secret /tmp/$n.secret || { fail "ipctool secret failed"; return 1; }
	start_idle ${n}_u user $UCG
	u=$PID
	wait_ready ${n}_u "$u" || return 1
	"$T/runas" 1000 1000 timeout -k 5 $TMO_CKPT checkpoint --ipc -o $R/ipc.img -l $R/ipc.log "$u" \
		>/dev/null 2>$R/ipc.err
	rc=$?
	log "kcruser: checkpoint --ipc of its own pid $u with root's 0600 objects in the namespace: rc $rc: $(first_line $R/ipc.err $R/ipc.log)"
	finish_idle ${n}_u "$u" || return 1
	if [ $rc = 0 ] && grep -q KCR-SECRET $R/ipc.img; then
		"$T/ipctool" rm /tmp/$n.secret
		fail "kcruser's checkpoint --ipc saved the contents of root's mode 0600 SysV segment or queue ($(grep -c KCR-SECRET $R/ipc.img) match(es) in the image)"
		return 1
	fi
	"$T/ipctool" rm /tmp/$n.secret
	return 0
}

# Rights at restart: kcruser's process holds an undo entry on root's 0666
# array.  kcruser may not restart the image (choosing ids needs
# CAP_CHECKPOINT_RESTORE); root may not restart it with the array's mode
# made 0644 in the image (kcruser, the restored credentials, may not
# alter it); root restarts the unchanged image.  No failure leaves the
# array behind.
t_ipc_rights_restart() {
	local n=ipc_rr v rc
	ipc_clean $n
	prog_test $n "$T/semundo_proc" $n forge-setup || return 1
	clean_files $n
	# uid 1000's stdout: restart reopens it as the restored task
	: > /tmp/$n.out && chown 1000:1000 /tmp/$n.out
	start_prog $n runas 1000 1000 "$T/semundo_proc" $n hold || return 1
	chown 1000:1000 /tmp/$n.out	# reopened by kcruser's restart
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	expect_info $n sem 1 undo 1 adj 1 || return 1
	"$T/ipctool" rm /tmp/$n.ids
	chmod 644 /tmp/$n.img
	RST_AS="$T/runas 1000 1000"
	restart_must_fail $n "by kcruser: chosen IPC ids" 'EPERM|not permitted|errno=1\)' --no-pids
	rc=$?
	RST_AS=
	[ $rc = 0 ] || return 1
	ipc_absent /tmp/$n.ids "after kcruser's refused restart" || return 1
	sed -n 2p /tmp/$n.ids > /tmp/$n.ids.f666	# F644, F666, F600
	"$T/ipctool" semmode /tmp/$n.img /tmp/$n.img.bad "$(cut -d' ' -f2 /tmp/$n.ids.f666)" 644 || { fail "ipctool semmode failed"; return 1; }
	mv /tmp/$n.img /tmp/$n.img.good
	mv /tmp/$n.img.bad /tmp/$n.img
	restart_must_fail $n "by root, the array 0644 in the image: kcruser may not alter it" 'EACCES|permission|errno=13' || return 1
	ipc_absent /tmp/$n.ids "after the restart refused for the undo entry" || return 1
	mv /tmp/$n.img.good /tmp/$n.img
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC" || { WHY="root, the unchanged image: $WHY"; return 1; }
	v=$("$T/ipctool" semvals "$(cut -d' ' -f2 /tmp/$n.ids.f666)" 2>&1)
	[ "$v" = 100 ] || { fail "root's 0666 array after the restored task exited: expected 100 (99 at checkpoint, +1 undone), got $v"; return 1; }
	"$T/ipctool" rm /tmp/$n.ids
	return 0
}

# ---------------------------------------------------------- badimage
B=/tmp/bad
BAD_N=0
BAD_FAILS=0

# try_bad DESC: restart --no-pids -i $B/bad.img must fail with a message and
# leave nothing running (a restored idle would append to badimg.done at once:
# its go file exists).
try_bad() {
	local rc reason= p
	rm -f $B/err $B/log
	timeout -k 5 20 restart --no-pids -i $B/bad.img -l $B/log >/dev/null 2>$B/err
	rc=$?
	BAD_N=$((BAD_N + 1))
	case $rc in
	0) reason="restart succeeded (rc 0)" ;;
	124|137|143) reason="restart hung (killed after 20 s)" ;;
	esac
	if [ -z "$reason" ] && [ ! -s $B/err ] && [ ! -s $B/log ]; then
		reason="rc $rc but no error message"
	fi
	if [ -e /tmp/badimg.done ]; then
		reason="${reason:+$reason; }the restored program ran"
		rm -f /tmp/badimg.done
	fi
	p=$(find_procs idle)
	if [ -n "$p" ]; then
		sleep 1
		p=$(find_procs idle)
		if [ -n "$p" ]; then
			reason="${reason:+$reason; }process left running ($p)"
			kill_procs idle
		fi
	fi
	if [ -n "$reason" ]; then
		BAD_FAILS=$((BAD_FAILS + 1))
		echo "$1: $reason" >> $B/failures
		log "bad image $1: $reason"
	fi
}

# bad_field [-c] FIELD VALUE: one field edit; skipped if the image has no such record.
bad_field() {
	local c=
	[ "$1" = -c ] && { c=-c; shift; }
	"$T/imgmut" $c $B/base.img $B/bad.img field "$1" "$2" 2>/dev/null
	case $? in
	0) try_bad "field $1=$2${c:+ (crc fixed)}" ;;
	3) log "no record for $1: skipped" ;;
	*) echo "field $1: imgmut failed" >> $B/failures; BAD_FAILS=$((BAD_FAILS + 1)) ;;
	esac
}

# Transparent huge pages: a leave-running checkpoint keeps them huge (a page
# walk that splits huge pmds would not), the data survives, and the image
# restarts with every byte.
t_thp() {
	local v
	clean_files thp
	rm -f /tmp/thp.go1 /tmp/thp.p1
	start_prog thp thp || return 1
	wait_ready thp "$PID" || return 1
	checkpoint_to thp "$PID" || return 1
	touch /tmp/thp.go1
	poll 30 test -s /tmp/thp.p1 || { kill -9 "$PID"; fail "no verdict after the leave-running checkpoint: $(prog_fail /tmp/thp.out)"; return 1; }
	v=$(cat /tmp/thp.p1)
	log "after the leave-running checkpoint: $v"
	case $v in
	ok*) ;;
	*) kill -9 "$PID"; fail "$v"; return 1 ;;
	esac
	checkpoint_to thp "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/thp.go
	restart_from thp
	judge thp "$RC"
}

t_badimage() {
	local pid size off step i inc rc
	rm -rf $B /tmp/badimg.*
	mkdir -p $B
	: > $B/failures
	start_prog badimg idle badimg 600 || return 1
	pid=$PID
	wait_ready badimg "$pid" || return 1
	timeout -k 5 $TMO_CKPT checkpoint --kill -o $B/base.img -l $B/base.log "$pid" 2>$B/base.err
	rc=$?
	[ $rc = 0 ] || { kill -9 "$pid"; fail "checkpoint of the base image $(tool_msg $rc $B/base.err $B/base.log)"; return 1; }
	reap_killed "$pid" || return 1
	touch /tmp/badimg.go
	size=$(wc -c < $B/base.img)
	"$T/imgmut" list $B/base.img > $B/records 2>&1
	log "base image: $size bytes, $(wc -l < $B/records) records"

	# The base image itself must restart (else the cases below prove little).
	timeout -k 5 $TMO_RST restart --no-pids -i $B/base.img -l $B/base.rst.log >/dev/null 2>$B/base.rst.err
	rc=$?
	if [ $rc != 0 ] || [ ! -s /tmp/badimg.done ]; then
		echo "base image: restart $(tool_msg $rc $B/base.rst.err $B/base.rst.log)" >> $B/failures
		BAD_FAILS=$((BAD_FAILS + 1))
	fi
	rm -f /tmp/badimg.done
	kill_procs idle

	step=8
	[ "$KCR_QUICK" = 1 ] && step=256
	# truncations: every 8th byte up to 4 KiB, then 64 points to the end
	off=0
	while [ $off -le 4096 ] && [ $off -lt "$size" ]; do
		"$T/imgmut" $B/base.img $B/bad.img truncate $off && try_bad "truncate $off"
		off=$((off + step))
	done
	inc=1
	[ "$KCR_QUICK" = 1 ] && inc=8
	i=1
	while [ $i -lt 64 ]; do
		off=$((4096 + (size - 4096) * i / 64))
		[ $off -gt 4096 ] && [ $off -lt "$size" ] &&
			"$T/imgmut" $B/base.img $B/bad.img truncate $off && try_bad "truncate $off"
		i=$((i + inc))
	done
	"$T/imgmut" $B/base.img $B/bad.img truncate $((size - 1)) && try_bad "truncate $((size - 1))"

	# flipped bytes: every 7th of the first KiB, then 192 points to the end
	step=7
	[ "$KCR_QUICK" = 1 ] && step=97
	off=0
	while [ $off -lt 1024 ] && [ $off -lt "$size" ]; do
		"$T/imgmut" $B/base.img $B/bad.img flip $off && try_bad "flip $off"
		off=$((off + step))
	done
	inc=1
	[ "$KCR_QUICK" = 1 ] && inc=16
	i=0
	while [ $i -lt 192 ]; do
		off=$((1024 + (size - 1024) * i / 192))
		[ $off -lt "$size" ] && "$T/imgmut" $B/base.img $B/bad.img flip $off && try_bad "flip $off"
		i=$((i + inc))
	done

	# wrong magic/version/arch, absurd lengths, counts, kinds, addresses;
	# with the crc fixed so only the kernel's validation can reject them.
	while read -r f v; do
		[ -n "$f" ] && bad_field -c "$f" "$v"
	done <<'EOF'
header.magic 0
header.magic ^1
header.version 0
header.version 1
header.version 5
header.version 7
header.version 0xffffffff
header.arch 0
header.arch 2
header.page_size 0
header.page_size 8192
header.page_size 0xffffffff
header.type 0
header.type 64
header.len 0
header.len 7
header.len +8
header.len 0xffffffff
tree.type 63
tree.len 8
tree.len 0xffffffff
tree.nr_tasks 0
tree.nr_tasks 2
tree.nr_tasks 4097
tree.nr_tasks 0xffffffff
tree.pid0 0
tree.pid0 0xffffffff
tree.pid0 0x7fffffff
task.len 8
task.len 0xffffffff
task.pid +1
creds.len 8
creds.ngroups 65537
creds.ngroups 0xffffffff
fs.cwd_len 0
fs.cwd_len 0xffff
fs.root_len 0xffff
files.nr_fds 0x100001
files.nr_fds 0xffffffff
fd.fd 0x7fffffff
fd.fd 0xffffffff
fd.file_ref 0xdeadbeef
file.kind 0
file.kind 99
file.path_len 0
file.path_len 0xffff
file.len 8
mm.len 8
mm.nr_vmas 65531
mm.nr_vmas 0xffffffff
mm.auxv_words 101
mm.auxv_words 0xffffffff
mm.exe_len 0xffff
mm.brk 0xffff800000000000
mm.arg_start 0xffff800000000000
vma.len 8
vma.start 0xffff800000000000
vma.end 0x800000000000
vma.end 0
vma.start +1
vma.kind 0
vma.kind 99
vma.nr_pages 0xffffffffffffffff
vma.nr_pages +1
vma.path_len 0
vma.path_len 0xffff
vma.pgoff 0xffffffffffffffff
pages.len 0xffffffff
pages.nr_pages 0
pages.nr_pages 257
pages.nr_pages 0xffffffff
pages.addr0 0
pages.addr0 +1
sighand.len 8
signal.len 8
signal.nr_pending 65537
signal.nr_pending 0xffffffff
cpu.len 8
cpu.syscall_state 99
cpu.fs_base 0xffff800000000000
cpu.gs_base 0xffff800000000000
cpu.ip 0xffffffff81000000
fpu.len 8
fpu.size 0
fpu.size 0xffffffff
fpu.size +8
fpu.xfeatures 0xffffffffffffffff
fpu.mxcsr 0xffffffff
fpu.xstate_bv 0xffffffffffffffff
fpu.xcomp_bv 0x8000000000000000
fpu.xsave_hdr_reserved 1
tail.len 8
tail.type 0
tail.magic 0
tail.nr_records +1
EOF
	# and a wrong crc
	bad_field tail.crc32 ^1

	log "badimage: $BAD_N bad images tried, $BAD_FAILS not rejected properly"
	[ $BAD_FAILS = 0 ] && return 0
	fail "$BAD_FAILS of $BAD_N bad images not rejected properly (all in $B/failures); first: $(head -n3 $B/failures | tr '\n' ';')"
}

# ---------------------------------------------------------- fuzz
# Record-aware fuzzing (tests/guest/imgfuzz.c): real images of a process
# with pending signals (signals), pipes and fds (files), a tree with threads,
# pipes and a zombie (tree), SysV IPC objects and SEM_UNDO (ipc all, in the
# caller's namespace: a failed restart must leave no object behind) and a
# container (a pid namespace), then KCR_FUZZ_N mutants (default 1200) of
# seed KCR_FUZZ_SEED (default 1) from KCR_FUZZ_FIRST (default 0), each fed to
# restart.  "make fuzz N=... SEED=... [FIRST=...]" runs this test alone with
# a timeout scaled by N; one failing mutant is rerun by
# "make fuzz SEED=S FIRST=K N=1" (same programs, fresh base images).
FZ=/tmp/fuzz

# fuzz_base NAME PID [CHECKPOINT OPTIONS...]: checkpoint --kill PID to $FZ/NAME.img.
fuzz_base() {
	local n=$1 pid=$2 rc
	shift 2
	timeout -k 5 $TMO_CKPT checkpoint "$@" --kill -o $FZ/$n.img -l $FZ/$n.ckpt.log "$pid" \
		>/dev/null 2>$FZ/$n.ckpt.err
	rc=$?
	if [ $rc != 0 ]; then
		kill -9 "$pid" 2>/dev/null
		fail "checkpoint of the base image $n: $(tool_msg $rc $FZ/$n.ckpt.err $FZ/$n.ckpt.log)"
		return 1
	fi
	log "base image $n: $(wc -c < $FZ/$n.img) bytes, $("$T/imgmut" list $FZ/$n.img | wc -l) records"
	return 0
}

t_fuzz() {
	local n=${KCR_FUZZ_N:-1200} seed=${KCR_FUZZ_SEED:-1} first=${KCR_FUZZ_FIRST:-0} rc nf xt
	rm -rf $FZ
	mkdir -p $FZ
	clean_files signals files tree
	rm -rf /tmp/files.rw /tmp/files.app /tmp/files.ro /tmp/files.dir /tmp/tree.pids /tmp/tree.shared
	# the programs wait for their go file up to 10 days, not 300 s: the
	# fuzzer restarts them for longer than that after their checkpoint
	PROG_ENV=KCRTEST_GO_TIMEOUT=864000
	start_prog signals signals || { PROG_ENV=; return 1; }
	wait_ready signals "$PID" || { PROG_ENV=; return 1; }
	fuzz_base signals "$PID" || { PROG_ENV=; return 1; }
	reap_killed "$PID" || { PROG_ENV=; return 1; }
	KCRTEST_GO_TIMEOUT=864000 "$T/files" </dev/null >/dev/null 2>&1 &
	PID=$!
	wait_ready files "$PID" || return 1
	fuzz_base files "$PID" || return 1
	reap_killed "$PID" || return 1
	tree_start KCRTEST_GO_TIMEOUT=864000 || return 1
	PROG_ENV=KCRTEST_GO_TIMEOUT=864000
	fuzz_base tree "$PID" || return 1
	reap_killed "$PID" || return 1
	wait_pids_free /tmp/tree.pids || return 1
	ipc_start fuzz_ipc all || return 1
	fuzz_base fuzz_ipc "$PID" --ipc || return 1
	reap_killed "$PID" || return 1
	"$T/ipctool" rm /tmp/fuzz_ipc.ids
	container_start fuzz_ct flat || return 1
	fuzz_base fuzz_ct "$ROOT" --container || return 1
	reap_killed "$PID" || return 1
	PROG_ENV=
	touch /tmp/signals.go /tmp/files.go /tmp/tree.go /tmp/fuzz_ipc.go /tmp/fuzz_ct.go
	log "imgfuzz run -s $seed -f $first -n $n"
	# restored programs whose registers were fuzzed crash by design: no
	# "traps: ... general protection fault" line in the kernel log for them
	xt=$(cat /proc/sys/debug/exception-trace 2>/dev/null)
	[ -n "$xt" ] && echo 0 > /proc/sys/debug/exception-trace
	"$T/imgfuzz" run -s "$seed" -f "$first" -n "$n" -t $((10 * KCR_SLOW)) -w $FZ -d /tmp \
		$FZ/signals.img $FZ/files.img $FZ/tree.img $FZ/fuzz_ipc.img $FZ/fuzz_ct.img \
		>$FZ/report 2>$FZ/progress </dev/null
	rc=$?
	[ -n "$xt" ] && echo "$xt" > /proc/sys/debug/exception-trace
	sed 's/^/  /' $FZ/report $FZ/progress >&2
	[ $rc = 0 ] && return 0
	nf=$(grep -c '^FAIL' $FZ/report)
	fail "imgfuzz rc $rc, $nf failures (seed $seed; all in $FZ/report); $(tail -n1 $FZ/report); first: $(grep -m1 '^FAIL' $FZ/report)"
}

# ------------------------------------------------------------------ scale and resources
# (issue 7 section 5; tests/guest/scale.c, tests/guest/cycles.c)

# objtable, memcg: open files (one object each; fewer on the slow debug kernel)
SCALE_FDS=${KCR_SCALE_FDS:-$([ $KCR_SLOW = 1 ] && echo 100000 || echo 20000)}
SCALE_CHAIN_MAX=16	# longest chain the object table may have
# lockup (debug kernel only): files, and mappings (below vm.max_map_count)
LOCKUP_FDS=${KCR_LOCKUP_FDS:-50000}
LOCKUP_VMAS=${KCR_LOCKUP_VMAS:-30000}
KMEMLEAK_CYCLES=${KCR_KMEMLEAK_CYCLES:-1000}

# scale_start NAME MODE N: scale NAME MODE N, ready, checkpoint --kill, reaped.
scale_start() {
	local n=$1
	clean_files "$n"
	start_prog "$n" scale "$n" "$2" "$3" || return 1
	wait_ready "$n" "$PID" || return 1
	checkpoint_to "$n" "$PID" --kill || return 1
	reap_killed "$PID"
}

# table_ok LOG WHAT MIN: the log's "object table: N objects, B buckets,
# longest chain C [(by address: B2 buckets, longest chain C2)]" line: at
# least MIN objects, a table grown with them (B >= N / 2 up to its maximum
# of 2^20) and no chain longer than SCALE_CHAIN_MAX.
table_ok() {
	local l v objs bkts chain bkts2 chain2
	l=$(grep -o 'object table: .*' "$1" | tail -n 1)
	[ -n "$l" ] || { fail "$2: no object table line in the log ($(first_line "$1"))"; return 1; }
	log "$2: $l"
	v=$(echo "$l" | sed -n 's/^object table: \([0-9]*\) objects, \([0-9]*\) buckets, longest chain \([0-9]*\)\( (by address: \([0-9]*\) buckets, longest chain \([0-9]*\))\)\{0,1\}$/\1 \2 \3 \5 \6/p')
	[ -n "$v" ] || { fail "$2: unreadable object table line: $l"; return 1; }
	set -- $v "$2" "$3"
	objs=$1 bkts=$2 chain=$3
	if [ $# = 7 ]; then bkts2=$4 chain2=$5; shift 2; fi
	[ "$objs" -ge "$5" ] || { fail "$4: $objs objects in the table, expected >= $5 ($l)"; return 1; }
	for v in "$bkts:$chain" ${bkts2:+"$bkts2:$chain2"}; do
		if [ "${v%:*}" -lt $((objs / 2)) ] && [ "${v%:*}" -lt 1048576 ]; then
			fail "$4: $objs objects in ${v%:*} buckets: the table did not grow ($l)"
			return 1
		fi
		if [ "${v#*:}" -gt $SCALE_CHAIN_MAX ]; then
			fail "$4: longest chain ${v#*:}, expected <= $SCALE_CHAIN_MAX ($l)"
			return 1
		fi
	done
	return 0
}

# The object table stays fast at scale: SCALE_FDS open files, checkpoint and
# restart; the table's log line at the end of each shows it grew with the
# objects (short chains), and the restored process has every fd back.
t_objtable() {
	local n=objtable
	scale_start $n fds $SCALE_FDS || return 1
	touch /tmp/$n.go
	ulimit -n $((SCALE_FDS + 100)) || { fail "ulimit -n $((SCALE_FDS + 100))"; return 1; }
	restart_from $n
	judge $n "$RC" || return 1
	table_ok /tmp/$n.ckpt.log checkpoint $SCALE_FDS || return 1
	table_ok /tmp/$n.rst.log restart $SCALE_FDS
}

# memcg_new NAME MAX: a fresh cgroup with the memory controller, memory.max MAX.
memcg_new() {
	local cg=/sys/fs/cgroup/$1
	if ! grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
		fail "no memory controller in /sys/fs/cgroup/cgroup.controllers (CONFIG_MEMCG)"
		return 1
	fi
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
		echo +memory > /sys/fs/cgroup/cgroup.subtree_control ||
		{ fail "can not enable the memory controller"; return 1; }
	rmdir "$cg" 2>/dev/null
	mkdir "$cg" && echo "$2" > "$cg/memory.max" || { fail "can not make $cg with memory.max $2"; return 1; }
}
memcg_val() { sed -n "s/^$2 //p" "$1"; }	# FILE KEY: "KEY value" line of memory.stat/events

# in_cgroup CG NOFILE CMD...: run CMD in cgroup CG with RLIMIT_NOFILE NOFILE.
in_cgroup() {
	sh -c 'echo $$ > "$1/cgroup.procs" || exit 99; ulimit -n "$2" || exit 98; shift 2; exec "$@"' sh "$@"
}

# A restart's kernel memory is charged to the caller's memory cgroup, and
# an image can not make the kernel allocate past the cgroup's limit:
# 1. SCALE_FDS files restarted (-d) in a cgroup: the restored files are in
#    its slab, and the restart's own buffers (object table, fd array) in
#    its peak: memory.peak - memory.current >= 64 bytes per object;
# 2. a small image whose FILES claims a million fds, restarted in a cgroup
#    of 12 MiB with RLIMIT_NOFILE 1048576: the fd array (16 MiB) is refused
#    with ENOMEM ("no memory for the fd table"), nobody is OOM-killed, and
#    the kernel allocated nothing past memory.max.
t_memcg() {
	local n=memcg cg=/sys/fs/cgroup/kcr-memcg cg2=/sys/fs/cgroup/kcr-memcg-bad
	local rc rpid peak cur slab need ooms max
	scale_start $n fds $SCALE_FDS || return 1
	memcg_new kcr-memcg 512M || return 1
	in_cgroup $cg $((SCALE_FDS + 100)) timeout -k 5 $TMO_RST restart -d -i /tmp/$n.img \
		-l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	rc=$?
	[ $rc = 0 ] || { fail "restart -d in $cg: $(tool_msg $rc /tmp/$n.rst.err /tmp/$n.rst.log)"; return 1; }
	rpid=$(tail -n 1 /tmp/$n.rst.out)
	peak=$(cat $cg/memory.peak) cur=$(cat $cg/memory.current)
	slab=$(memcg_val $cg/memory.stat slab)
	log "restored pid $rpid in $cg: memory.peak $peak, memory.current $cur, slab $slab"
	touch /tmp/$n.go
	if ! poll $TMO_RST gone "$rpid"; then
		kill -9 "$rpid" 2>/dev/null
		fail "restored pid $rpid did not end after its go file"
		return 1
	fi
	[ -z "$(prog_fail /tmp/$n.out)" ] || { fail "restored process: $(prog_fail /tmp/$n.out)"; return 1; }
	need=$((SCALE_FDS * 200))
	[ "${slab:-0}" -ge $need ] || { fail "slab of $cg is ${slab:-?} bytes with $SCALE_FDS restored files, expected >= $need"; return 1; }
	need=$((SCALE_FDS * 64))
	if [ $((peak - cur)) -lt $need ]; then
		fail "memory.peak - memory.current of $cg: $((peak - cur)) bytes, expected >= $need: the restart's buffers (object table, fd array) are not charged to the caller"
		return 1
	fi
	rmdir $cg 2>/dev/null

	# 2. the hostile image: a small process's, FILES nr_fds set to a million
	scale_start ${n}_bad fds 10 || return 1
	"$T/imgmut" -c /tmp/${n}_bad.img /tmp/${n}_bad.img.mut field files.nr_fds 1000000 ||
		{ fail "imgmut files.nr_fds failed"; return 1; }
	memcg_new kcr-memcg-bad 12M || return 1
	in_cgroup $cg2 1048576 timeout -k 5 $TMO_RST restart -i /tmp/${n}_bad.img.mut \
		-l /tmp/${n}_bad.rst.log >/tmp/${n}_bad.rst.out 2>/tmp/${n}_bad.rst.err
	rc=$?
	peak=$(cat $cg2/memory.peak) ooms=$(memcg_val $cg2/memory.events oom_kill)
	max=$(memcg_val $cg2/memory.events max)
	log "hostile image in $cg2 (memory.max 12M): rc $rc, memory.peak $peak, events max $max oom_kill $ooms: $(first_line /tmp/${n}_bad.rst.log)"
	rm -f /tmp/${n}_bad.img.mut
	rmdir $cg2 2>/dev/null
	case $rc in
	0) fail "a FILES record of a million fds was restarted"; return 1 ;;
	98|99) fail "could not run restart in $cg2 (rc $rc)"; return 1 ;;
	124|137|143) fail "restart of the hostile image did not end (rc $rc)"; return 1 ;;
	esac
	[ "${ooms:-0}" = 0 ] || { fail "the hostile image OOM-killed $ooms task(s) in $cg2: image-sized buffers must fail with ENOMEM"; return 1; }
	grep -q 'no memory for the fd table' /tmp/${n}_bad.rst.log ||
		{ fail "hostile image: expected ENOMEM for the fd table (charged, over memory.max), got: $(first_line /tmp/${n}_bad.rst.log /tmp/${n}_bad.rst.err)"; return 1; }
	[ "$peak" -le $((12 * 1048576)) ] || { fail "memory.peak $peak of $cg2 above its memory.max 12M"; return 1; }
	return 0
}

# Long loops reschedule: with the soft lockup detector at its most
# sensitive (kernel.watchdog_thresh 1: a CPU held 2 s is reported), the
# checkpoint and restart of LOCKUP_FDS files, then of LOCKUP_VMAS mappings,
# add no soft lockup report to the kernel log.  Needs the detector
# (CONFIG_SOFTLOCKUP_DETECTOR: make KCR_DEBUG=1); SKIP without it.
lockup_run() { # NAME MODE N
	local n=$1
	scale_start "$@" || return 1
	touch /tmp/$n.go
	ulimit -n $((LOCKUP_FDS + 100)) || { fail "ulimit -n $((LOCKUP_FDS + 100))"; return 1; }
	restart_from $n
	judge $n "$RC" || return 1
	rm -f /tmp/$n.img
}
t_lockup() {
	local w=/proc/sys/kernel/watchdog_thresh old before after rc
	[ -w $w ] || { skip "no kernel.watchdog_thresh: this kernel has no lockup detector (the debug guest kernel, kernel/configs/kcr-debug.config, has it)"; return 2; }
	old=$(cat $w)
	before=$(dmesg | grep -c 'soft lockup')
	echo 1 > $w
	lockup_run lockup_fds fds $LOCKUP_FDS && lockup_run lockup_vmas vmas $LOCKUP_VMAS
	rc=$?
	echo "$old" > $w
	after=$(dmesg | grep -c 'soft lockup')
	[ $rc = 0 ] || return 1
	[ "$after" = "$before" ] || { fail "$((after - before)) soft lockup report(s): $(dmesg | grep 'soft lockup' | tail -n 1)"; return 1; }
	return 0
}

# No kernel memory is lost: KMEMLEAK_CYCLES checkpoint/restart cycles of a
# process, of a tree with threads and pipes holding data, and of SysV IPC
# in its own namespace (tests/guest/cycles.c), then two kmemleak scans (the
# second after 6 s: kmemleak reports only objects older than 5 s) find no
# unreferenced object, since boot: the earlier tests are covered too.
# Needs kmemleak (CONFIG_DEBUG_KMEMLEAK: make KCR_DEBUG=1); SKIP without it.
t_kmemleak() {
	local k=/sys/kernel/debug/kmemleak rc nleak
	[ -e $k ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	[ -e $k ] || { skip "no /sys/kernel/debug/kmemleak: this kernel has no kmemleak (the debug guest kernel, kernel/configs/kcr-debug.config, has it)"; return 2; }
	rm -f /tmp/kmemleak.out /tmp/kmemleak.report
	"$T/cycles" run $KMEMLEAK_CYCLES /tmp/cycles.img </dev/null >/tmp/kmemleak.out 2>&1
	rc=$?
	log "$(grep -h '^# ' /tmp/kmemleak.out | oneline)"
	[ $rc = 0 ] || { fail "cycles run $KMEMLEAK_CYCLES: rc $rc: $(prog_fail /tmp/kmemleak.out)"; return 1; }
	echo scan > $k || { fail "kmemleak scan failed"; return 1; }
	sleep 6
	echo scan > $k || { fail "kmemleak scan failed"; return 1; }
	cat $k > /tmp/kmemleak.report
	nleak=$(grep -c '^unreferenced object' /tmp/kmemleak.report)
	[ "$nleak" = 0 ] && return 0
	sed 's/^/# /' /tmp/kmemleak.report | head -n 60 >&2
	fail "kmemleak: $nleak unreferenced object(s) after $KMEMLEAK_CYCLES cycles; first allocated by: $(grep -m1 -A12 '^unreferenced object' /tmp/kmemleak.report | sed -n 's/^ *\[<[^>]*>\] //p' | head -n 6 | tr '\n' ' ')"
}

# ------------------------------------------------------------------ main
if [ "$1" = --list ]; then
	echo $ALL_TESTS
	exit 0
fi

if [ "$1" = --one ]; then
	WHY= SKIPPED=
	cd /tmp || exit 1
	if "t_$2"; then
		echo PASS
	elif [ -n "$SKIPPED" ]; then
		echo "SKIP ${WHY:-unknown}"
	else
		echo "FAIL ${WHY:-unknown}"
	fi
	exit 0
fi

tests=${*:-$ALL_TESTS}
for t in $tests; do
	case " $ALL_TESTS " in
	*" $t "*) ;;
	*) echo "run-tests.sh: unknown test $t (tests: $ALL_TESTS)" >&2; exit 2 ;;
	esac
done

# Device nodes the tests use (devtmpfs may not be mounted).
[ -c /dev/zero ] || mknod -m 666 /dev/zero c 1 5 2>/dev/null
[ -c /dev/null ] || mknod -m 666 /dev/null c 1 3 2>/dev/null

passed=0
failed=0
skipped=0
for t in $tests; do
	res=/tmp/kcr-test-$t.result
	tlog=/tmp/kcr-test-$t.log
	rm -f "$res"
	t0=$(cut -d' ' -f1 /proc/uptime)
	timeout -k 10 "$(test_timeout $t)" sh "$SELF" --one "$t" >"$res" 2>"$tlog" </dev/null
	rc=$?
	dur=$(awk -v a="$t0" '{ printf "%.1f", $1 - a }' /proc/uptime)
	line=$(tail -n1 "$res" 2>/dev/null)
	kill_procs $PROCS
	case "$line" in
	PASS)
		echo "PASS: $t"
		passed=$((passed + 1))
		;;
	FAIL*)
		echo "FAIL: $t: ${line#FAIL }"
		failed=$((failed + 1))
		;;
	SKIP*)
		echo "SKIP: $t: ${line#SKIP }"
		skipped=$((skipped + 1))
		;;
	*)
		echo "FAIL: $t: test did not finish (rc $rc; hard timeout $(test_timeout $t) s)"
		failed=$((failed + 1))
		;;
	esac
	if [ "$KCR_TEST_VERBOSE" = 1 ]; then
		echo "# $t: $dur s"
		[ "$line" = PASS ] || sed 's/^/# /' "$tlog"
	fi
	if [ "$KCR_KEEP" != 1 ]; then
		rm -f /tmp/$t.img /tmp/$t.img.mut /tmp/memory.img /tmp/memory.img.mut
		[ "$line" = PASS ] && rm -rf /tmp/bad /tmp/rights /tmp/fuzz
	fi
done
sk=
[ $skipped = 0 ] || sk=", $skipped skipped"
echo "guest: $passed passed, $failed failed$sk"
[ $failed = 0 ]
