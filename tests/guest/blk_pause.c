// SPDX-License-Identifier: GPL-2.0
/*
 * blk_pause: checkpointed while blocked in pause().
 *
 * pause() sleeps with -ERESTARTNOHAND pending inside the kernel; restart
 * must put the task back into pause().  After restart the driver sends
 * SIGUSR1: the handler runs (once, with the driver's pid in si_pid) and
 * pause() returns -1/EINTR.  Fails if pause() returns without the handler
 * having run (restart turned it into a bare EINTR), before the go file
 * exists, or with anything but EINTR.
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <signal.h>

static volatile int usr1_count;
static volatile pid_t usr1_from;

static void h_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	usr1_count++;
	usr1_from = si->si_pid;
}

static void h_pwr(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa;
	int r, err;

	kt_start("blk_pause");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = h_pwr;
	sa.sa_flags = 0;
	sigaction(SIGPWR, &sa, NULL);

	kt_ready();
	r = pause();			/* checkpointed here */
	err = errno;

	/* ---- after restart ---- */
	kt_after_restart();
	if (!kt_go_exists())
		kt_fail("pause returned before the go file existed (before restart)");
	KT_EXPECT_INT("pause() return", -1, r);
	if (r == -1 && err != EINTR)
		kt_fail("pause() errno: expected EINTR, got %s", strerror(err));
	KT_EXPECT_INT("SIGUSR1 handler runs before pause returns", 1, usr1_count);
	if (usr1_count && (usr1_from == getpid() || usr1_from <= 0))
		kt_fail("SIGUSR1 si_pid: expected the driver's pid, got %d", (int)usr1_from);
	kt_done();
}
