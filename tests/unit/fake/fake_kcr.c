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
 *   die   fail after it: log "error: ..." and "restart failed: errno=14",
 *         SIGKILL self
 * Log lines follow Documentation/checkpoint/restart-protocol.rst.
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

/*
 * checkpoint(): KCR_FAKE_CKPT=ok checks that pid's cgroup is frozen,
 * writes a small stand-in image and returns 42; otherwise it fails with
 * EOPNOTSUPP and a log line.
 */
long kcr_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	const char *mode = getenv("KCR_FAKE_CKPT");
	char path[4200], buf[4096], *cg, *nl;
	FILE *f;
	size_t n;

	(void)flags;
	if (!mode || strcmp(mode, "ok")) {
		dprintf(logfd, "[%d] checkpoint of %d\n[%d] error: fake kernel (errno=95)\n",
			(int)getpid(), (int)pid, (int)getpid());
		errno = EOPNOTSUPP;
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "r");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	cg = strstr(buf, "0::");
	if (!cg) {
		errno = ESRCH;
		return -1;
	}
	cg += 3;
	nl = strchr(cg, '\n');
	if (nl)
		*nl = '\0';
	/* The tests only run where cgroup2 is at one of these. */
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.events", cg);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/unified%s/cgroup.events", cg);
		f = fopen(path, "r");
	}
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	if (!strstr(buf, "frozen 1")) {
		dprintf(logfd, "checkpoint: error: pid %d is not frozen\n", (int)pid);
		errno = EBUSY;
		return -1;
	}
	if (write(fd, "fake image\n", 11) != 11)
		return -1;
	return 42;
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
		dprintf(logfd, "[%d] error: image: offset %llu: %s (errno=22)\n",
			(int)getpid(), (unsigned long long)r.err_offset, r.reason);
		dprintf(logfd, "[%d] restart failed: errno=22\n", (int)getpid());
		errno = EINVAL;
		return -1;
	}
	if (!strcmp(mode, "fail")) {
		dprintf(logfd, "[%d] restart of checkpoint 42 taken on 6.1\n"
			"[%d] error: files: cannot open /tmp/x (errno=2)\n"
			"[%d] restart failed: errno=2\n",
			(int)getpid(), (int)getpid(), (int)getpid());
		errno = ENOENT;
		return -1;
	}
	if (!strcmp(mode, "die")) {
		dprintf(logfd, "[%d] error: mm: bad address (errno=14)\n"
			"[%d] restart failed: errno=14\n", (int)getpid(), (int)getpid());
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
	dprintf(logfd, "[%d] restart done: %u task(s)\n", (int)getpid(), r.nr_tasks);
	close_range(3, ~0U, 0);
	nanosleep(&ts, NULL);
	if (!strcmp(mode, "sig"))
		kill(getpid(), SIGTERM);
	_exit(code ? atoi(code) : 7);
}
