# kinds-fifo.sh: FIFOs, pipes reopened through /proc, O_PATH files
# (sourced by run-tests.sh; the program is tests/guest/fifo.c).

ALL_TESTS="$ALL_TESTS fifo_data fifo_shared fifo_rdwr fifo_unlinked fifo_outside fifo_flags fifo_busy fifo_notfifo fifo_hostile fifo_rights pipe_reopen opath proc_outside"
KIND_PROCS="$KIND_PROCS fifo"

# fifo_test NAME MODE: a fresh /tmp/NAME.fifo, then the standard test.
fifo_test() {
	local n=$1
	rm -rf /tmp/$n.fifo /tmp/$n.file /tmp/$n.dir /tmp/$n.link /tmp/$n.sock
	mkfifo /tmp/$n.fifo || { fail "mkfifo /tmp/$n.fifo"; return 1; }
	std_test $n fifo $2 $n
}

# A FIFO with 10000 buffered bytes, read end in the root, write end in its
# child: the data comes back, the child writes more and exits, the root
# reads it, then EOF.
t_fifo_data() { fifo_test fifo_data data; }

# One open file of a FIFO shared by the root and its child (fork), and
# one of the child's own: the child's F_SETFL after restart shows in the
# root's fd, its data written before and after reaches the root.
t_fifo_shared() { fifo_test fifo_shared shared; }

# One process, three open files of a FIFO (O_RDWR with a flock() lock,
# O_RDONLY|O_NONBLOCK, O_WRONLY|O_APPEND), data written by two of them.
t_fifo_rdwr() { fifo_test fifo_rdwr rdwr; }

# The same with the FIFO's name unlinked: an anonymous pipe after restart.
t_fifo_unlinked() { fifo_test fifo_unlinked unlinked; }

# A pipe whose ends were reopened through /proc/self/fd (a second read
# end, a read-write file).
t_pipe_reopen() { std_test pipe_reopen fifo reopen pipe_reopen; }

# O_PATH files of a regular file, a directory, a symlink, a FIFO, a socket
# node and /dev/null.
t_opath() { fifo_test opath opath; }

# fifo_refused NAME MODE PATTERN [HOLD]: fifo MODE NAME runs; with HOLD the
# shell opens the FIFO too (outside the tree); the checkpoint must be
# refused with a reason matching PATTERN, and the process run on.
fifo_refused() {
	local n=$1 mode=$2 pat=$3 hold=$4 ret
	clean_files $n
	rm -f /tmp/$n.fifo
	mkfifo /tmp/$n.fifo || { fail "mkfifo"; return 1; }
	start_prog $n fifo $mode $n || return 1
	wait_ready $n "$PID" || return 1
	[ -n "$hold" ] && exec 7<>/tmp/$n.fifo
	refused_checkpoint $n "$PID" "$pat" "($mode)"
	ret=$?
	[ -n "$hold" ] && exec 7<&-
	return $ret
}

# A FIFO of the tree also open outside it (here by the shell): the
# checkpoint is refused naming it, and the process runs on.
t_fifo_outside() {
	fifo_refused fifo_outside hold \
		"FIFO .*fifo_outside.fifo has 2 readers and 2 writers.*open outside the tree" 1
}

# A FIFO opened with a flag a reopen can not give back (O_DSYNC): refused.
t_fifo_flags() {
	fifo_refused fifo_flags sync "fd [0-9]*: FIFO with flags .* not supported yet"
}

# A file under /proc/<pid> of a process outside the tree: refused naming it.
t_proc_outside() {
	fifo_refused proc_outside proc1 "procfs file /proc/1/stat (a process outside the tree)"
}

# At restart the FIFO is open by another process (the shell): refused
# naming it; once closed, the same image restarts.
t_fifo_busy() {
	local n=fifo_busy holder
	clean_files $n
	rm -f /tmp/$n.fifo
	mkfifo /tmp/$n.fifo || { fail "mkfifo"; return 1; }
	start_prog $n fifo rdwr $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	# held by a process of its own: the restart's tasks must not inherit it
	sleep 600 7<>/tmp/$n.fifo &
	holder=$!
	restart_from $n
	kill -9 $holder
	wait $holder 2>/dev/null
	if [ "$RC" = 0 ]; then
		fail "restart succeeded with the FIFO open outside the tree"; return 1
	fi
	if ! grep -q "FIFO /tmp/$n.fifo is open outside the restarted tree" \
		/tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null; then
		fail "restart refused without the reason: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	restart_from $n
	judge $n "$RC"
}

# A hostile image, or the node replaced since: the FIFO's path names a
# regular file, a directory, a socket node, or a FIFO of another inode.
# Restart refuses each on its one lookup, before anything is opened (the
# type and identity are checked on the inode found), then, the real FIFO
# back, the same image restarts.
t_fifo_notfifo() {
	local n=fifo_notfifo f=/tmp/fifo_notfifo.fifo what
	clean_files $n
	rm -rf $f $f.saved
	mkfifo $f || { fail "mkfifo"; return 1; }
	start_prog $n fifo rdwr $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	mv $f $f.saved
	for what in file dir sock fifo; do
		rm -rf $f
		case $what in
		file) echo data > $f ;;
		dir) mkdir $f ;;
		sock) "$T/fifo" mksock $f || { fail "mksock"; return 1; } ;;
		fifo) mkfifo $f ;;
		esac
		restart_from $n
		if [ "$RC" = 0 ]; then
			fail "$what at the FIFO's path: restart succeeded"; return 1
		fi
		if ! grep -q "$f is not the file that was saved\|$f changed since the checkpoint" \
			/tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null; then
			fail "$what at the FIFO's path: refused without the reason: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
			return 1
		fi
		log "$what: refused: $(grep -m1 "$f" /tmp/$n.rst.log)"
	done
	rm -rf $f
	mv $f.saved $f
	restart_from $n
	judge $n "$RC"
}

# A uid 1000 reader of root's FIFO (0644) with data the shell wrote and
# closed: restart (by root) refuses to put the data back with the
# restored task's rights, which can not write it (EACCES); made 0600, it
# refuses to open it; made 0666, the same image restarts and the reader
# gets the data, then EOF.
t_fifo_rights() {
	local n=fifo_rights f=/tmp/fifo_rights.fifo
	clean_files $n
	rm -f $f
	mkfifo -m 644 $f || { fail "mkfifo"; return 1; }
	start_prog $n runas 1000 1000 "$T/fifo" reader $n || return 1
	# its stdout, reopened by path for uid 1000 at restart
	chown 1000:1000 /tmp/$n.out
	wait_ready $n "$PID" || return 1
	echo hello > $f || { kill -9 "$PID"; fail "writing into $f"; return 1; }
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	restart_from $n
	if [ "$RC" = 0 ]; then
		fail "restart succeeded: the restored task may not write $f"; return 1
	fi
	if ! grep -q "FIFO $f: the restored task may not write its data" \
		/tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null; then
		fail "refused without the reason: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	# made root's 0600: the reader may not even open it
	chmod 600 $f
	restart_from $n
	if [ "$RC" = 0 ] || ! grep -q "$f: the restored task may not open it" \
		/tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null; then
		fail "root's 0600 FIFO: expected a refusal (may not open it), got rc $RC: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
		return 1
	fi
	chmod 666 $f
	restart_from $n
	judge $n "$RC"
}

# fh_refused NAME IMG WHAT PATTERN [OPTIONS...]: restart of the crafted
# image IMG must fail with a reason matching PATTERN.
fh_refused() {
	local n=$1 img=$2 what=$3 pat=$4
	shift 4
	timeout -k 5 $TMO_RST restart "$@" -i $img -l /tmp/$n.rst.log \
		>/tmp/$n.rst.out 2>/tmp/$n.rst.err
	RC=$?
	log "$what: restart $*: rc $RC: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
	if [ "$RC" = 0 ]; then
		fail "$what: the crafted image restarted"; return 1
	fi
	grep -q "$pat" /tmp/$n.rst.err /tmp/$n.rst.log 2>/dev/null && return 0
	fail "$what: refused without the reason /$pat/: $(first_line /tmp/$n.rst.err /tmp/$n.rst.log)"
}

# Crafted images (imgmut, TAIL crc fixed): the FIFO FILE's path made to
# name a regular file or a directory (refused by type even with
# --force-files, nothing opened), O_PATH in a FIFO's flags, a FIFO FILE
# turned into a pipe FILE (with the FIFO's identity, then with its path
# only). Then the untouched image restarts.
t_fifo_hostile() {
	local n=fifo_hostile f=/tmp/fifo_hostile.fifo x=/tmp/fifo_hostile.fifx
	local img=/tmp/fifo_hostile.img mut=/tmp/fifo_hostile.mut i k fifo= off
	clean_files $n
	rm -rf $f $x $mut
	mkfifo $f || { fail "mkfifo"; return 1; }
	start_prog $n fifo rdwr $n || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill || return 1
	reap_killed "$PID" || return 1
	touch /tmp/$n.go
	for i in 0 1 2 3 4 5 6 7 8 9; do
		k=$("$T/imgmut" $img get file.kind@$i 2>/dev/null) || break
		[ $k = 4 ] && [ -z "$fifo" ] && fifo=$i
	done
	[ -n "$fifo" ] || { fail "no FIFO FILE in the image"; return 1; }
	# the path's last byte, "o" of .fifo, becomes "x" (0x78)
	off=$(( $("$T/imgmut" $img where file.objref@$fifo) + 80 + ${#f} - 1 ))
	"$T/imgmut" -c $img $mut set $off 0x78 || { fail "imgmut set"; return 1; }
	echo data > $x
	fh_refused $n $mut "path to a regular file" "$x is not the file that was saved" --force-files || return 1
	[ "$(cat $x)" = data ] || { fail "the regular file changed"; return 1; }
	rm -f $x; mkdir $x
	fh_refused $n $mut "path to a directory" "$x is not the file that was saved" --force-files || return 1
	rmdir $x
	"$T/imgmut" -c $img $mut field file.f_flags@$fifo ^0x200000 || { fail "imgmut"; return 1; }
	fh_refused $n $mut "O_PATH in a FIFO's flags" "bad pipe or FIFO file" || return 1
	"$T/imgmut" -c $img $mut field file.kind@$fifo 3 || { fail "imgmut"; return 1; }
	fh_refused $n $mut "a pipe FILE with a path and an identity" "file [0-9]*: bad identity fields" || return 1
	"$T/imgmut" -c $mut $mut.2 field file.id_dev@$fifo 0 &&
	"$T/imgmut" -c $mut.2 $mut field file.id_ino@$fifo 0 || { fail "imgmut"; return 1; }
	rm -f $mut.2
	fh_refused $n $mut "a pipe FILE with a path" "a pipe has no path" || return 1
	restart_from $n
	judge $n "$RC"
}
