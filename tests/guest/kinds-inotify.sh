# kinds-inotify.sh: inotify instances, sourced by run-tests.sh.  The program
# is tests/guest/inotify.c (one mode per test); it checks its own state
# after restart (wds, watches, queued events, new events).
ALL_TESTS="$ALL_TESTS inotify_watch inotify_shared inotify_deleted inotify_overmount inotify_limits inotify_rights inotify_badimage"
KIND_PROCS="$KIND_PROCS inotify"

t_inotify_watch() { std_test inotify_watch inotify watch inotify_watch; }
t_inotify_shared() { std_test inotify_shared inotify shared inotify_shared; }

# A watch on a file unlinked while still open: refused, naming the watch.
t_inotify_deleted() {
	local n=inotify_deleted
	clean_files $n
	start_prog $n inotify deleted $n || return 1
	wait_ready $n "$PID" || return 1
	refused_checkpoint $n "$PID" "inotify watch 1: the watched inode [0-9]* was deleted" \
		"naming the watch of a deleted file"
}

# A watched file no path reaches any more (its directory over-mounted):
# refused, naming the watch.
t_inotify_overmount() {
	local n=inotify_overmount rc
	clean_files $n
	start_prog $n inotify hold $n || return 1
	wait_ready $n "$PID" || return 1
	mount -t tmpfs none /tmp/$n.d || { kill -9 "$PID"; fail "mount over /tmp/$n.d failed"; return 1; }
	refused_checkpoint $n "$PID" "inotify watch 1: /$n.d/f in its file system (inode [0-9]*) is not reachable by path" \
		"naming the watch no path reaches"
	rc=$?
	umount /tmp/$n.d
	return $rc
}

# restart_expect NAME REGEX WHAT [runas...]: restart of /tmp/NAME.img fails
# with a reason matching REGEX logged, and leaves no process behind.
inotify_restart_fails() {
	local n=$1 re=$2 what=$3 rc
	shift 3
	rm -f /tmp/$n.rst.log
	timeout -k 5 $TMO_RST "$@" restart --no-pids -i /tmp/$n.img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err
	rc=$?
	log "restart ($what): rc $rc: $(grep -m1 -E "$re" /tmp/$n.rst.log)"
	case $rc in
	0) kill_procs inotify; fail "$what: restart succeeded, expected a refusal"; return 1 ;;
	124|137|143) kill_procs inotify; fail "$what: restart hung"; return 1 ;;
	esac
	grep -Eq "$re" /tmp/$n.rst.log || { kill_procs inotify; fail "$what: no reason /$re/ logged: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"; return 1; }
	sleep 0.5
	[ -z "$(find_procs inotify)" ] || { kill_procs inotify; fail "$what: a process was left running"; return 1; }
	return 0
}

# max_user_watches and max_user_instances apply at restart; with the
# limits back the same image restarts.
t_inotify_limits() {
	local n=inotify_limits s=/proc/sys/fs/inotify w i rc=0
	clean_files $n
	PROG_ENV="KCR_NOPIDS=1" start_prog $n inotify plain $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	w=$(cat $s/max_user_watches) i=$(cat $s/max_user_instances)
	echo 1 > $s/max_user_watches
	inotify_restart_fails $n "max_user_watches" "max_user_watches 1" || rc=1
	echo "$w" > $s/max_user_watches
	echo 0 > $s/max_user_instances
	[ $rc = 0 ] && { inotify_restart_fails $n "max_user_instances" "max_user_instances 0" || rc=1; }
	echo "$i" > $s/max_user_instances
	[ $rc = 0 ] || return 1
	touch /tmp/$n.go
	restart_from $n --no-pids
	judge $n "$RC"
}

# The watches are added with the restored task's rights: kcruser may not
# read f any more (chmod by root between checkpoint and restart): refused;
# readable again, the image restarts as kcruser.
t_inotify_rights() {
	local n=inotify_rights
	clean_files $n
	: >/tmp/$n.out && chown 1000:1000 /tmp/$n.out
	PROG_ENV="KCR_NOPIDS=1" start_prog $n runas 1000 1000 "$T/inotify" plain $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	chmod 644 /tmp/$n.img
	chown 0:0 /tmp/$n.d/f && chmod 600 /tmp/$n.d/f
	inotify_restart_fails $n "watch 2: /tmp/$n.d/f: the restored task may not watch it" \
		"f unreadable by kcruser" "$T/runas" 1000 1000 || return 1
	chmod 644 /tmp/$n.d/f
	touch /tmp/$n.go
	timeout -k 5 $TMO_RST "$T/runas" 1000 1000 restart --no-pids -i /tmp/$n.img \
		-l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	log "kcruser restart: rc $RC"
	judge $n "$RC"
}

# Hostile INOTIFY records: restart fails with a reason, nothing is left;
# the unmodified images restart.
inotify_bad_try() { # IMG FIELD VALUE EXPECTED-LOG-REGEX
	local n=inotify_bad
	"$T/imgmut" -c "$1" /tmp/$n.img field "$2" "$3" || { fail "imgmut $2 $3 failed"; return 1; }
	inotify_restart_fails $n "$4" "$2=$3"
}
t_inotify_badimage() {
	local n=inotify_bad img=/tmp/inotify_bad.orig
	# watches: the plain image (wd 1 the directory, wd 2 the file)
	clean_files $n inotify_badw
	PROG_ENV="KCR_NOPIDS=1" start_prog inotify_badw inotify plain inotify_badw || return 1
	wait_ready inotify_badw "$PID" || return 1
	checkpoint_to inotify_badw "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	cp /tmp/inotify_badw.img $img
	inotify_bad_try $img inotify_watch.wd@1 1 "watch 1: bad wd \(not above 1" || return 1
	inotify_bad_try $img inotify_watch.wd@0 0 "watch 0: bad wd" || return 1
	inotify_bad_try $img inotify_watch.mask@0 0x20000100 "watch 1: bad mask 0x20000100" || return 1
	inotify_bad_try $img inotify_watch.mode@1 0 "watch 2: bad mask 0x2 or mode 0" || return 1
	inotify_bad_try $img inotify_watch.path_len@0 4000 "watch 1: bad length or path" || return 1
	inotify_bad_try $img inotify_watch.ino@1 +1 "watch 2: .* is not the inode that was watched" || return 1
	inotify_bad_try $img inotify.nr_watches 4000000000 "inotify [0-9]+: bad record \(4000000000 watches" || return 1
	inotify_bad_try $img inotify.nr_events 4000000000 "inotify [0-9]+: bad record" || return 1
	inotify_bad_try $img inotify.next_wd 0 "inotify [0-9]+: bad record .*next wd 0" || return 1
	inotify_bad_try $img inotify.nr_watches 3 "expected a INOTIFY_WATCH record, found" || return 1
	# events: the watch image (4 queued events)
	clean_files inotify_bade
	PROG_ENV="KCR_NOPIDS=1" start_prog inotify_bade inotify watch inotify_bade || return 1
	wait_ready inotify_bade "$PID" || return 1
	checkpoint_to inotify_bade "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	cp /tmp/inotify_bade.img $img.e
	inotify_bad_try $img.e inotify_event.name_len@1 300 "event: bad length or name" || return 1
	inotify_bad_try $img.e inotify_event.mask@1 0x1000000 "event: bad wd 1 or mask 0x1000000" || return 1
	inotify_bad_try $img.e inotify_event.wd@1 0 "event: bad wd 0" || return 1
	inotify_bad_try $img.e inotify_event.mask@0 0x4000 "event: bad wd 3 or mask 0x4000" || return 1
	# the unmodified images restart and their checks pass
	touch /tmp/inotify_badw.go /tmp/inotify_bade.go
	restart_from inotify_badw --no-pids
	judge inotify_badw "$RC" || return 1
	restart_from inotify_bade --no-pids
	judge inotify_bade "$RC"
}
