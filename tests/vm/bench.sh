#!/bin/sh
# kcr benchmark (runs in the guest via "make bench"): checkpoint and restart
# time, image size and throughput for processes with 64, 256 and 512 MiB of
# touched memory, next to the guest's own dd bandwidth into tmpfs for the
# same sizes; then the same for trees of processes and threads, and for
# SysV IPC namespaces with many segments or queued messages, and for
# compressed images (checkpoint -z).  Figures,
# not a test: every run prints what it measured.
sizes=${BENCH_SIZES:-"64 256 512"}
img=/tmp/bench.img
now() { bench_mem now; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
mibs() { # MiB over nanoseconds
	[ "$2" -gt 0 ] && echo $(( $1 * 1000000000 / $2 )) || echo 0
}
status=0
echo "bench: size | checkpoint ms (MiB/s) | restart ms (MiB/s) | image MiB | dd to tmpfs ms (MiB/s) | ckpt/dd restart/dd"
for mb in $sizes; do
	rm -f /tmp/bench.ready /tmp/bench.go $img
	bench_mem $mb &
	pid=$!
	n=0
	while [ ! -e /tmp/bench.ready ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
	t0=$(now)
	if ! checkpoint --kill -o $img $pid; then
		echo "bench: checkpoint of $mb MiB failed"; status=1; continue
	fi
	t1=$(now)
	wait $pid 2>/dev/null
	size=$(wc -c < $img)
	touch /tmp/bench.go
	t2=$(now)
	if ! restart -i $img -d > /tmp/bench.rpid; then
		echo "bench: restart of $mb MiB failed"; status=1; continue
	fi
	t3=$(now)
	rpid=$(tail -n 1 /tmp/bench.rpid)
	# the restored process verifies its memory and exits
	n=0
	while kill -0 $rpid 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
	rm -f $img
	sync
	t4=$(now)
	dd if=/dev/zero of=/tmp/bench.dd bs=1M count=$mb 2>/dev/null
	t5=$(now)
	rm -f /tmp/bench.dd
	ck=$((t1 - t0)); rs=$((t3 - t2)); dd=$((t5 - t4))
	echo "bench: $mb MiB | $(ms $t0 $t1) ($(mibs $mb $ck)) | $(ms $t2 $t3) ($(mibs $mb $rs)) | $((size >> 20)) | $(ms $t4 $t5) ($(mibs $mb $dd)) | $((ck * 100 / (dd + 1)))% $((rs * 100 / (dd + 1)))%"
done

# Compression: one process with realistic heap data (bench_mem text: log-
# like text records, neither zeros nor random) checkpointed plain and with
# -z at each level of $BENCH_ZLEVELS (default 1); the image sizes and their
# ratio, the time of each next to the plain one, and the restart of each
# image (the restored process compares its records: /tmp/bench.ok).  The
# goal (speed issue): at level 1, -z costs at most 2x the plain checkpoint
# time and shrinks the image at least 2x.
zsizes=${BENCH_ZSIZES:-"256"}
zlevels=${BENCH_ZLEVELS:-"1"}
echo "bench: zlib | MiB | level | checkpoint ms (MiB/s) | vs plain | image MiB (KiB) | size ratio | restart ms | restored ok"
for mb in $zsizes; do
	rm -f /tmp/bench.ready /tmp/bench.go $img $img.z*
	bench_mem text $mb &
	pid=$!
	n=0
	while [ ! -e /tmp/bench.ready ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n+1)); done
	t0=$(now)
	if ! checkpoint -o $img $pid; then
		echo "bench: zlib: plain checkpoint of $mb MiB failed"; status=1; kill -9 $pid; continue
	fi
	t1=$(now)
	plain=$((t1 - t0)); psize=$(wc -c < $img)
	done_levels=
	for l in $zlevels; do
		t0=$(now)
		if ! checkpoint --level $l -o $img.z$l $pid; then
			echo "bench: zlib: checkpoint --level $l of $mb MiB failed"; status=1; continue
		fi
		t1=$(now)
		eval "zt_$l=$((t1 - t0))"
		done_levels="$done_levels $l"
	done
	kill -9 $pid; wait $pid 2>/dev/null
	touch /tmp/bench.go
	for l in plain $done_levels; do
		if [ $l = plain ]; then f=$img; ck=$plain; else f=$img.z$l; eval "ck=\$zt_$l"; fi
		size=$(wc -c < $f)
		[ "$size" -gt 0 ] || size=1
		rm -f /tmp/bench.ok
		t2=$(now)
		if ! restart -i $f -d > /tmp/bench.rpid; then
			echo "bench: zlib: restart of the $l image failed"; status=1; continue
		fi
		t3=$(now)
		rpid=$(tail -n 1 /tmp/bench.rpid)
		n=0
		while kill -0 $rpid 2>/dev/null && [ $n -lt 1200 ]; do sleep 0.1; n=$((n+1)); done
		ok=no; [ -e /tmp/bench.ok ] && ok=yes
		[ $ok = yes ] || status=1
		echo "bench: zlib | $mb | $l | $(ms 0 $ck) ($(mibs $mb $ck)) | $((ck * 100 / (plain + 1)))% | $((size >> 20)) ($((size >> 10))) | $((psize * 100 / size / 100)).$((psize * 100 / size % 100 / 10))$((psize * 100 / size % 10)) | $(ms $t2 $t3) | $ok"
	done
	rm -f $img $img.z*
done

# Trees: checkpoint and restart time for trees of 1, 10, 100 and 500
# processes and for one process with 100 threads, in total and per task.
trees=${BENCH_TREES:-"procs:1 procs:10 procs:100 procs:500 threads:100"}
echo "bench: tree | tasks | checkpoint ms (per task us) | restart ms (per task us) | image KiB"
for t in $trees; do
	kind=${t%%:*}; nr=${t##*:}
	rm -f /tmp/bench.ready /tmp/bench.go $img
	bench_tree $kind $nr &
	pid=$!
	n=0
	while [ ! -e /tmp/bench.ready ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
	t0=$(now)
	if ! checkpoint --kill -o $img $pid; then
		echo "bench: checkpoint of $kind $nr failed"; status=1; continue
	fi
	t1=$(now)
	wait $pid 2>/dev/null
	size=$(wc -c < $img)
	touch /tmp/bench.go
	t2=$(now)
	if ! restart --wait 10 -i $img -d > /tmp/bench.rpid; then
		echo "bench: restart of $kind $nr failed"; status=1; continue
	fi
	t3=$(now)
	rpid=$(tail -n 1 /tmp/bench.rpid)
	n=0
	while kill -0 $rpid 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
	rm -f $img
	ck=$((t1 - t0)); rs=$((t3 - t2))
	echo "bench: $kind | $nr | $(ms $t0 $t1) ($((ck / 1000 / nr))) | $(ms $t2 $t3) ($((rs / 1000 / nr))) | $((size >> 10))"
done
# SysV IPC: checkpoint and restart time of an IPC namespace of its own
# (bench_ipc unshares one, so the image is PRIVATE and restart makes a fresh
# namespace) holding 1000 one-page segments, or 10,000 messages of 64 bytes
# in 1 queue or spread over 100 queues (kernel.msgmnb raised in the guest's
# namespace as needed).  The restored program checks every page and message.
ipcs=${BENCH_IPC:-"shm:1000 msg:1:10000:64 msg:100:10000:64"}
echo "bench: ipc | objects | messages | checkpoint ms (per object or message us) | restart ms (per object or message us) | image KiB"
for t in $ipcs; do
	set -- $(echo "$t" | tr : ' ')
	kind=$1
	if [ "$kind" = shm ]; then
		nobj=$2; nmsg=0; args="shm $2"; per=$2
	else
		nobj=$2; nmsg=$3; args="msg $2 $3 $4"; per=$3
	fi
	rm -f /tmp/bench.ready /tmp/bench.go /tmp/bench.ipc.ok $img
	bench_ipc $args &
	pid=$!
	n=0
	while [ ! -e /tmp/bench.ready ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
	t0=$(now)
	if ! checkpoint --kill -o $img $pid; then
		echo "bench: checkpoint of ipc $t failed"; status=1; continue
	fi
	t1=$(now)
	wait $pid 2>/dev/null
	size=$(wc -c < $img)
	touch /tmp/bench.go
	t2=$(now)
	if ! restart -i $img -d > /tmp/bench.rpid; then
		echo "bench: restart of ipc $t failed"; status=1; continue
	fi
	t3=$(now)
	rpid=$(tail -n 1 /tmp/bench.rpid)
	# the restored program checks everything and exits; its status is lost
	# with -d, so it leaves /tmp/bench.ipc.ok behind on success
	n=0
	while kill -0 $rpid 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
	rm -f $img
	if [ ! -e /tmp/bench.ipc.ok ]; then
		echo "bench: ipc $t: the restored program did not find its objects intact"; status=1
	fi
	ck=$((t1 - t0)); rs=$((t3 - t2))
	echo "bench: ipc $kind | $nobj | $nmsg | $(ms $t0 $t1) ($((ck / 1000 / per))) | $(ms $t2 $t3) ($((rs / 1000 / per))) | $((size >> 10))"
done
exit $status
