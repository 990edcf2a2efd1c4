# kinds-zlib.sh: compressed images (checkpoint -z / --level), sourced by
# run-tests.sh.  The program (tests/guest/zimage.c) holds 16 MiB of
# log-like text, 1 MiB of random bytes and sparse pages, and compares every
# byte from inside after restart.
ALL_TESTS="$ALL_TESTS zimage zimage_pipe zimage_corrupt"
KIND_PROCS="$KIND_PROCS zimage"

# z_magic FILE: the first two bytes in hex ("1f8b" for gzip)
z_magic() { od -An -tx1 -N2 "$1" 2>/dev/null | tr -d ' \n'; }

# z_ratio_ok NAME: ckptinfo's "compressed:" line of /tmp/NAME.img says
# gzip and a compressed size at most half the image's.
z_ratio_ok() {
	local l zb pb
	l=$(grep '^compressed: gzip, ' /tmp/$1.info)
	[ -n "$l" ] || { fail "ckptinfo does not report a gzip image: $(head -n 1 /tmp/$1.info)"; return 1; }
	set -- $l
	zb=$3 pb=$6
	log "$l"
	[ $((zb * 2)) -le "$pb" ] || { fail "compressed image of $zb bytes for $pb bytes: less than 2x"; return 1; }
	return 0
}

# checkpoint -z to a file (replacing an older file), ckptinfo on it (from
# the file, from stdin, as JSON, and on the zcat'ed plain image), restart.
t_zimage() {
	local n=zimage crc zcrc
	clean_files $n
	echo "not an image" > /tmp/$n.img
	start_prog $n zimage $n 16 || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill -z || return 1
	reap_killed "$PID" || return 1
	[ "$(z_magic /tmp/$n.img)" = 1f8b ] ||
		{ fail "checkpoint -z -o: the image starts with $(z_magic /tmp/$n.img), not the gzip magic 1f8b"; return 1; }
	z_ratio_ok $n || return 1
	crc=$(sed -n 's/^valid: .*crc32 //p' /tmp/$n.info)
	zcrc=$(cat /tmp/$n.img | ckptinfo - 2>&1 | sed -n 's/^valid: .*crc32 //p')
	[ -n "$crc" ] && [ "$crc" = "$zcrc" ] ||
		{ fail "ckptinfo - of the image on stdin: crc '$zcrc', from the file '$crc'"; return 1; }
	zcrc=$(zcat /tmp/$n.img | ckptinfo - 2>&1 | sed -n 's/^valid: .*crc32 //p')
	[ "$crc" = "$zcrc" ] ||
		{ fail "zcat IMAGE | ckptinfo -: crc '$zcrc', expected '$crc'"; return 1; }
	ckptinfo --json /tmp/$n.img > /tmp/$n.json 2>&1
	grep -q '"compression":"gzip","compressed_bytes":[0-9]*,"valid":true' /tmp/$n.json ||
		{ fail "ckptinfo --json: no compression and valid: $(tail -c 200 /tmp/$n.json)"; return 1; }
	touch /tmp/$n.go
	restart_from $n
	judge $n "$RC"
}

# checkpoint --level 6 --kill PID | restart --no-pids: compressed through a
# pipe, inflated from stdin.
t_zimage_pipe() {
	local n=zimage_pipe pid bg
	clean_files $n
	rm -f /tmp/$n.ckpt.rc /tmp/$n.rst.rc
	PROG_ENV=KCR_NOPIDS=1
	start_prog $n zimage $n 16 || return 1
	PROG_ENV=
	pid=$PID
	wait_ready $n "$pid" || return 1
	( timeout -k 5 $TMO_CKPT checkpoint --level 6 --kill -l /tmp/$n.ckpt.log "$pid" 2>/tmp/$n.ckpt.err
	  echo $? > /tmp/$n.ckpt.rc ) |
	( tee /tmp/$n.img | timeout -k 5 $TMO_RST restart --no-pids -l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	  echo $? > /tmp/$n.rst.rc ) &
	bg=$!
	if ! poll $((TMO_CKPT + 10)) test -s /tmp/$n.ckpt.rc; then
		kill -9 "$pid"
		fail "checkpoint -z into the pipe did not end"
		return 1
	fi
	if [ "$(cat /tmp/$n.ckpt.rc)" != 0 ]; then
		kill -9 "$pid"
		fail "checkpoint -z | restart: checkpoint $(tool_msg "$(cat /tmp/$n.ckpt.rc)" /tmp/$n.ckpt.err /tmp/$n.ckpt.log)"
		wait "$bg"
		return 1
	fi
	reap_killed "$pid" || return 1
	touch /tmp/$n.go
	poll $((TMO_RST + 10)) test -s /tmp/$n.rst.rc
	wait "$bg"
	RC=$(cat /tmp/$n.rst.rc 2>/dev/null)
	log "restart --no-pids from the pipe: rc $RC, $(wc -c < /tmp/$n.img) bytes went through it"
	[ "$(z_magic /tmp/$n.img)" = 1f8b ] ||
		{ fail "checkpoint --level 6 to a pipe: the stream starts with $(z_magic /tmp/$n.img), not 1f8b"; return 1; }
	judge $n "${RC:-none}"
}

# z_refused NAME IMG PATTERN WHAT: restart of IMG fails with PATTERN first
# on stderr, nothing of the tree is left, ckptinfo refuses it too.
z_refused() {
	local n=$1 img=$2 pat=$3 what=$4 rc
	timeout -k 5 $TMO_RST restart -i $img -l /tmp/$n.rst.log >/tmp/$n.rst.out 2>/tmp/$n.rst.err
	rc=$?
	log "restart of the $what image: rc $rc: $(first_line /tmp/$n.rst.err)"
	case $rc in
	0) fail "restart of the $what compressed image succeeded"; kill -9 "$PID" 2>/dev/null; return 1 ;;
	124|137|143) fail "restart of the $what compressed image hung (rc $rc)"; kill -9 "$PID" 2>/dev/null; return 1 ;;
	esac
	first_line /tmp/$n.rst.err | grep -q "$pat" ||
		{ fail "restart of the $what image: expected first '$pat', got: $(first_line /tmp/$n.rst.err)"; return 1; }
	if ! poll 20 eval "gone $PID && [ -z \"\$(find_procs zimage)\" ]"; then
		fail "the restored process (pid $PID) is left running after the refused $what image"
		kill -9 "$PID" $(find_procs zimage) 2>/dev/null
		return 1
	fi
	if ckptinfo $img > /tmp/$n.info2 2>&1; then
		fail "ckptinfo accepts the $what image"; return 1
	fi
	grep -q "compressed image: .*$pat" /tmp/$n.info2 ||
		{ fail "ckptinfo of the $what image: expected '$pat', got: $(tail -n 1 /tmp/$n.info2)"; return 1; }
	return 0
}

# A corrupt (16 bytes zeroed in the middle of the compressed stream) and a
# truncated (the last 4 bytes, the gzip length, cut) compressed image are
# refused, naming the stream, with nothing left running; then the intact
# image restarts.  And a refused checkpoint -z leaves no file.
t_zimage_corrupt() {
	local n=zimage_corrupt size
	clean_files $n
	rm -f /tmp/$n.bad.img /tmp/$n.cut.img
	start_prog $n zimage $n 16 || return 1
	wait_ready $n "$PID" || return 1
	checkpoint_to $n "$PID" --kill -z || return 1
	reap_killed "$PID" || return 1
	size=$(wc -c < /tmp/$n.img)
	cp /tmp/$n.img /tmp/$n.bad.img
	dd if=/dev/zero of=/tmp/$n.bad.img bs=1 seek=$((size / 2)) count=16 conv=notrunc 2>/dev/null
	head -c $((size - 4)) /tmp/$n.img > /tmp/$n.cut.img
	touch /tmp/$n.go
	z_refused $n /tmp/$n.bad.img "gzip stream is corrupt" corrupt || return 1
	z_refused $n /tmp/$n.cut.img "gzip stream is truncated" truncated || return 1
	restart_from $n
	judge $n "$RC" || return 1
	# a refused checkpoint -z -o FILE leaves neither FILE nor a temporary
	clean_files $n refuse
	rm -f /tmp/.$n.img.*
	start_prog refuse refuse netlink || return 1
	wait_ready refuse "$PID" || return 1
	timeout -k 5 $TMO_CKPT checkpoint -z -o /tmp/$n.img "$PID" >/tmp/$n.ckpt.out 2>/tmp/$n.ckpt.err
	RC=$?
	kill -9 "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
	[ "$RC" != 0 ] || { fail "checkpoint -z of the refused program succeeded"; return 1; }
	grep -qi "netlink" /tmp/$n.ckpt.err ||
		{ fail "checkpoint -z refused without naming the netlink socket: $(first_line /tmp/$n.ckpt.err)"; return 1; }
	if [ -e /tmp/$n.img ] || ls /tmp/.$n.img.* >/dev/null 2>&1; then
		fail "a refused checkpoint -z left a file: $(ls /tmp/$n.img /tmp/.$n.img.* 2>/dev/null)"; return 1
	fi
	return 0
}
