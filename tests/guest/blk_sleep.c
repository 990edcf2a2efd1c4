// SPDX-License-Identifier: GPL-2.0
/*
 * blk_sleep [clock]: checkpointed about 1 s into a 3 s sleep.
 *
 * Without argument: the nanosleep() system call; with "clock":
 * clock_nanosleep(CLOCK_MONOTONIC, relative) (what glibc's nanosleep uses).
 * Inside the kernel the sleep is -ERESTART_RESTARTBLOCK with an absolute
 * expiry; restart must resume it for the remaining time (as after
 * SIGSTOP/SIGCONT), not return EINTR and not return early.
 * After restart: the call returns 0; the total CLOCK_MONOTONIC time from the
 * call to its return is >= 3 s (minus 50 ms of slack); and the time slept
 * after the driver created the go file (just before running restart) is at
 * least the remaining time at checkpoint, estimated from the uptime the
 * driver wrote into the go file when it started the checkpoint (allowing up
 * to 1 s between that and the freeze).  A sleep that returned at once on
 * restart therefore fails even if checkpoint+restart themselves took long.
 */
#define _GNU_SOURCE
#include "kcrtest.h"

#define SLEEP_S 3.0
#define SLACK 0.05
#define FREEZE_SLACK 1.0

int main(int argc, char **argv)
{
	int clock_mode = argc > 1 && !strcmp(argv[1], "clock");
	struct timespec ts = { 3, 0 }, rem = { 0, 0 };
	double m0, b0, m1, b1, t_cks = -1, t_go = -1, rem_lb;
	char buf[128];
	long r;
	int err;

	kt_start(clock_mode ? "blk_sleep_clock" : "blk_sleep");
	kt_ready();
	m0 = kt_now(CLOCK_MONOTONIC);
	b0 = kt_now(CLOCK_BOOTTIME);
	if (clock_mode)
		r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, &rem);
	else
		r = syscall(SYS_nanosleep, &ts, &rem);
	err = errno;
	m1 = kt_now(CLOCK_MONOTONIC);
	b1 = kt_now(CLOCK_BOOTTIME);

	/* ---- after restart ---- */
	kt_after_restart();
	if (!kt_go_exists())
		kt_fail("sleep returned before the go file existed (before restart), after %.3f s",
			m1 - m0);
	if (r != 0)
		kt_fail("%s: expected 0, got %ld (%s), rem %ld.%09ld",
			clock_mode ? "clock_nanosleep" : "nanosleep", r, strerror(err),
			(long)rem.tv_sec, rem.tv_nsec);
	if (m1 - m0 < SLEEP_S - SLACK)
		kt_fail("total time asleep: expected >= %.2f s, got %.3f s", SLEEP_S, m1 - m0);
	if (kt_read_file(kt_go_path, buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%lf %lf", &t_cks, &t_go) == 2) {
		rem_lb = SLEEP_S - (t_cks + FREEZE_SLACK - b0);
		kt_msg("# %s: slept %.3f s in total, %.3f s after the go file; remaining at checkpoint >= %.3f s",
		       kt_name, m1 - m0, b1 - t_go, rem_lb);
		if (rem_lb > 0.3 && b1 - t_go < rem_lb - SLACK)
			kt_fail("time asleep after restart: expected >= %.3f s (the remaining time), got %.3f s",
				rem_lb, b1 - t_go);
	} else if (!kt_selfcheck) {
		kt_fail("go file: expected \"UPTIME_AT_CHECKPOINT UPTIME_AT_GO\", got \"%s\"", buf);
	}
	kt_done();
}
