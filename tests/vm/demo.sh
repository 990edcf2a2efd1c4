#!/bin/sh
# kcr demo (runs in the guest via "make demo"): checkpoint a counting process,
# kill it, restart it from the image, check that the count continues.
out=/tmp/counter.out
img=/tmp/counter.img
say() { echo "demo: $*"; }

: > $out
counter >> $out &
pid=$!
tail -f $out &
tailpid=$!
say "started counter, pid $pid"
sleep 2

say "checkpoint --kill -o $img $pid"
if ! checkpoint --kill -o $img $pid; then
	say "checkpoint failed"; kill $tailpid; exit 1
fi
wait $pid 2>/dev/null
sleep 0.5
nbefore=$(wc -l < $out)
last=$(tail -n 1 $out | sed 's/^count //')
say "counter killed after 'count $last'; image is $(wc -c < $img) bytes"
say "ckptinfo $img | head"
ckptinfo $img | head

say "restart -i $img -d"
if ! restart -i $img -d; then
	say "restart failed"; kill $tailpid; exit 1
fi
sleep 2
kill $pid 2>/dev/null || say "warning: could not kill restarted pid $pid"
sleep 0.5
kill $tailpid 2>/dev/null

first=$(sed -n "$((nbefore + 1))p" $out | sed 's/^count //')
lastafter=$(tail -n 1 $out | sed 's/^count //')
say "before: ...$last; after restart: $first...$lastafter"
if [ -n "$first" ] && [ -n "$last" ] && [ "$first" -eq $((last + 1)) ] && [ "$lastafter" -gt "$first" ]; then
	say "OK: the restarted counter continued the sequence"
	exit 0
fi
say "FAILED: the sequence did not continue"
exit 1
