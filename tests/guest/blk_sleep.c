// SPDX-License-Identifier: GPL-2.0
/*
 * blk_sleep [clock]: checkpointed about 1 s into a 3 s sleep (3 s times
 * KCR_SLOW from the environment: the debug kernel's driver scales its
 * timeouts, and a checkpoint that takes over 2 s would find it awake).
 *
 * Without argument: the nanosleep() system call; with "clock":
 * clock_nanosleep(CLOCK_MONOTONIC, relative) (what glibc's nanosleep uses).
 * Inside the kernel the sleep is -ERESTART_RESTARTBLOCK with an absolute
 * expiry; restart must resume it for the remaining time (as after
 * SIGSTOP/SIGCONT), not return EINTR and not return early.
 * After restart:
 *  - the call returns 0;
 *  - the total CLOCK_MONOTONIC time from the call to its return is >= 3 s
 *    (minus 50 ms of slack);
 *  - the time asleep after the go file was created (its mtime; the driver
 *    creates it after the checkpoint, just before restart) is at least the
 *    time that was left at checkpoint.  That is bounded from below with the
 *    image header's time_ns (CLOCK_REALTIME when checkpoint() ran, after the
 *    freeze), which the driver writes into the go file: left >= 3 s -
 *    (time_ns - start of the sleep).  So a sleep that returns at once on
 *    restart fails even if checkpoint and restart themselves were slow.
 */
#define _GNU_SOURCE
#include "kcrtest.h"

#define SLACK 0.05

int main(int argc, char **argv)
{
	int clock_mode = argc > 1 && !strcmp(argv[1], "clock");
	const char *slow = getenv("KCR_SLOW");
	int factor = slow && atoi(slow) > 0 && atoi(slow) <= 100 ? atoi(slow) : 1;
	const double sleep_s = 3.0 * factor;
	struct timespec ts = { 3 * factor, 0 }, rem = { 0, 0 };
	double m0, r0, m1, r1, t_go, t_ckpt, left;
	unsigned long long time_ns = 0;
	struct stat st;
	char buf[128] = "";
	long r;
	int err;

	kt_start(clock_mode ? "blk_sleep_clock" : "blk_sleep");
	kt_ready();
	m0 = kt_now(CLOCK_MONOTONIC);
	r0 = kt_now(CLOCK_REALTIME);
	if (clock_mode)
		r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, &rem);
	else
		r = syscall(SYS_nanosleep, &ts, &rem);
	err = errno;
	m1 = kt_now(CLOCK_MONOTONIC);
	r1 = kt_now(CLOCK_REALTIME);

	/* ---- after restart ---- */
	kt_after_restart();
	if (!kt_go_exists())
		kt_fail("sleep returned before the go file existed (before restart), after %.3f s",
			m1 - m0);
	if (r != 0)
		kt_fail("%s: expected 0, got %ld (%s), rem %ld.%09ld",
			clock_mode ? "clock_nanosleep" : "nanosleep", r, strerror(err),
			(long)rem.tv_sec, rem.tv_nsec);
	if (m1 - m0 < sleep_s - SLACK)
		kt_fail("total time asleep: expected >= %.2f s, got %.3f s", sleep_s, m1 - m0);
	if (kt_read_file(kt_go_path, buf, sizeof(buf)) > 0 && sscanf(buf, "%llu", &time_ns) == 1 &&
	    time_ns && !stat(kt_go_path, &st)) {
		t_go = st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
		t_ckpt = time_ns / 1e9;
		left = sleep_s - (t_ckpt - r0);
		kt_msg("# %s: slept %.3f s in total, %.3f s after the go file; %.3f s or more were left at checkpoint",
		       kt_name, m1 - m0, r1 - t_go, left);
		if (left > 0.2 && r1 - t_go < left - SLACK)
			kt_fail("time asleep after restart: expected >= %.3f s (what was left), got %.3f s",
				left, r1 - t_go);
	} else if (!kt_selfcheck) {
		kt_fail("go file: expected the image's header.time_ns, got \"%s\"", buf);
	}
	kt_done();
}
