// SPDX-License-Identifier: GPL-2.0
/*
 * A fake of the kcr system calls for host tests of the tools' protocol
 * handling (linked instead of libkcr's syscall.o into restart-fake and
 * checkpoint-fake).  KCR_FAKE selects the behaviour of restart():
 *   ok    read and validate the whole image, log "restart done", close the
 *         fds (as restoring the fd table does), then behave like the
 *         restored program: sleep 200 ms and exit with KCR_FAKE_EXIT (7)
 *   sig   like ok, but the program kills itself with SIGTERM
 *   fail  fail before the point of no return: log an error, return ENOENT
 *   die   fail after it: log "restart failed: errno=14: ...", SIGKILL self
 * Any image error makes it fail with EINVAL and log the reader's reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "kcr.h"

long kcr_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	(void)pid;
	(void)fd;
	(void)flags;
	dprintf(logfd, "checkpoint: error: fake kernel\n");
	errno = EOPNOTSUPP;
	return -1;
}

long kcr_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	const char *mode = getenv("KCR_FAKE");
	const char *code = getenv("KCR_FAKE_EXIT");
	const struct kcr_record *rec;
	struct timespec ts = { 0, 200000000L };
	struct kcr_reader r;
	int ret;

	(void)flags;
	if (!mode)
		mode = "ok";
	if (pid != 0) {		/* not the root: nothing to fake yet */
		errno = ENOSYS;
		return -1;
	}
	kcr_reader_init_fd(&r, fd);
	while ((ret = kcr_reader_next(&r, &rec)) > 0)
		;
	if (ret < 0) {
		dprintf(logfd, "restart: error: image: offset %llu: %s\n",
			(unsigned long long)r.err_offset, r.reason);
		errno = EINVAL;
		return -1;
	}
	if (!strcmp(mode, "fail")) {
		dprintf(logfd, "restart: task %d\nrestart: error: files: cannot open /tmp/x\n",
			r.tasks[0].pid);
		errno = ENOENT;
		return -1;
	}
	if (!strcmp(mode, "die")) {
		dprintf(logfd, "restart failed: errno=14: mm: bad address\n");
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
	dprintf(logfd, "restart done: %u tasks\n", r.nr_tasks);
	close_range(3, ~0U, 0);
	nanosleep(&ts, NULL);
	if (!strcmp(mode, "sig"))
		kill(getpid(), SIGTERM);
	_exit(code ? atoi(code) : 7);
}
