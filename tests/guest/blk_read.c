// SPDX-License-Identifier: GPL-2.0
/*
 * blk_read: checkpointed while blocked in read() on an empty pipe.
 *
 * The frozen read() returned -ERESTARTSYS inside the kernel; restart must
 * put the task back into the same read().  After restart the driver sends
 * SIGUSR1; the handler (SA_RESTART) writes "wake" into the pipe; the read
 * is restarted and returns "wake".  Fails if the read returns early (EINTR,
 * 0, garbage), before the go file exists, or if the handler did not run
 * exactly once.  (SIGPWR has a no-op handler so the driver can recognise the
 * restored signal handlers in /proc/PID/status SigCgt.)
 */
#define _GNU_SOURCE
#include "kcrtest.h"
#include <signal.h>

static int pfd[2];
static volatile int usr1_count;

static void h_usr1(int sig)
{
	(void)sig;
	usr1_count++;
	if (write(pfd[1], "wake", 4) != 4)
		usr1_count += 100;
}

static void h_pwr(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa;
	char buf[64];
	ssize_t n;
	int err;

	kt_start("blk_read");
	if (pipe(pfd))
		kt_die_errno("pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = h_pwr;
	sa.sa_flags = 0;
	sigaction(SIGPWR, &sa, NULL);

	kt_ready();
	n = read(pfd[0], buf, sizeof(buf) - 1);	/* blocks; checkpointed here */
	err = errno;

	/* ---- after restart ---- */
	kt_after_restart();
	if (!kt_go_exists())
		kt_fail("read returned before the go file existed (before restart): n=%zd", n);
	if (n < 0) {
		kt_fail("read: expected 4 bytes \"wake\", got -1 (%s)", strerror(err));
	} else {
		buf[n] = 0;
		KT_EXPECT_STR("read data", "wake", buf);
	}
	KT_EXPECT_INT("SIGUSR1 handler runs", 1, usr1_count);
	kt_done();
}
