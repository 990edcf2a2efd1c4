#!/bin/bash
# Run the host unit tests and the guest test suite, then print ONE final line
# "N passed, N failed" covering both.  Used by "make check".
#   tests/summary.sh --build DIR --user DIR --user-o DIR --vm PATH
# Host results: Check's "Checks: X, Failures: Y, Errors: Z" lines (summed).
# Guest results: console lines starting with "PASS:" / "FAIL:", plus the
# host-side check that the guest has both CPUs and keeps host time.
# Exits non-zero if anything failed, a stage failed (build error, kernel
# problem on the console, timeout), or no test ran at all.
set -uo pipefail
build= user= user_o= vm=
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2 ;; --user) user=$2 ;; --user-o) user_o=$2 ;; --vm) vm=$2 ;;
	*) echo "summary.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
hostlog=$build/host-check.log
guestlog=$build/check-console.log
notes=()

echo "== host unit tests (make -C user check)"
make -C "$user" O="$user_o" check 2>&1 | tee "$hostlog"
hrc=${PIPESTATUS[0]}

echo "== guest tests (kcr-vm -- /tests/run-tests.sh)"
"$vm" --timeout "${KCR_CHECK_TIMEOUT:-5400}" --log "$guestlog" -- /tests/run-tests.sh
grc=$?

echo "== guest CPUs and clock (tests/vm/clock-check)"
clocklog=$build/clock-check.log
"$(dirname "$0")/vm/clock-check" 2>&1 | tee "$clocklog"

read -r hp hf hn < <(sed -n 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\).*/\1 \2 \3/p' "$hostlog" |
	awk '{ c += $1; f += $2 + $3; n++ } END { print c - f + 0, f + 0, n + 0 }')
gp=$(grep -c '^PASS:' "$guestlog" 2>/dev/null); gp=${gp:-0}
gf=$(grep -c '^FAIL:' "$guestlog" 2>/dev/null); gf=${gf:-0}
# tests this kernel can not run (e.g. kmemleak without the debug kernel):
# not passed, not failed, named in a note
gs=$(sed -n 's/^SKIP: \([^:]*\):.*/\1/p' "$guestlog" 2>/dev/null | tr '\n' ' ')
[ -z "$gs" ] || notes+=("guest: skipped (not checked by this kernel): $gs(see $guestlog)")
cp=$(grep -c '^PASS:' "$clocklog" 2>/dev/null); cf=$(grep -c '^FAIL:' "$clocklog" 2>/dev/null)
[ "${cp:-0}" -gt 0 ] || [ "${cf:-0}" -gt 0 ] || cf=1
gp=$((gp + ${cp:-0})) gf=$((gf + ${cf:-0}))

passed=$((hp + gp)) failed=$((hf + gf)) bad=0
echo "== host: $hp passed, $hf failed (make status $hrc); guest: $gp passed, $gf failed (kcr-vm status $grc)"
if [ "$hrc" != 0 ] && [ "$hf" = 0 ]; then notes+=("host unit tests: make failed with status $hrc (see $hostlog)"); bad=1; fi
[ "$hn" -gt 0 ] || { notes+=("host unit tests: no Check summary line in $hostlog"); bad=1; }
case $grc in
0) ;;
90) notes+=("guest: kernel problem on the console (see $guestlog)"); bad=1 ;;
124) notes+=("guest: timeout (see $guestlog)"); bad=1 ;;
*) [ "$gf" -gt 0 ] || { notes+=("guest: run-tests.sh/kcr-vm exited $grc without FAIL lines (see $guestlog)"); bad=1; } ;;
esac
[ "$gp" -gt 0 ] || [ "$gf" -gt 0 ] || { notes+=("guest: no PASS:/FAIL: lines"); bad=1; }
for n in "${notes[@]}"; do echo "check: $n"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$bad" = 0 ] && [ "$passed" -gt 0 ]
