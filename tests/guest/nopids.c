// SPDX-License-Identifier: GPL-2.0
/*
 * nopids: restart --no-pids while the original still runs.
 *
 * The driver checkpoints us WITHOUT --kill and restarts the image with
 * --no-pids: the copy gets a new pid and must run next to the original.
 * The copy announces itself in /tmp/nopids.copy (its pid) while it waits for
 * the go file.  After go, each instance checks its own situation and
 * appends a line to /tmp/nopids.done:
 *   original: pid and parent unchanged           -> "original PID ok"
 *   copy:     new pid, new parent (restart tool),
 *             memory and file offset intact      -> "copy PID ok"
 * The driver requires both lines and both exit statuses 0.
 */
#define _GNU_SOURCE
#include "kcrtest.h"

static uint64_t data[4096];

int main(void)
{
	struct timespec step = { 0, 10 * 1000 * 1000 };
	double deadline;
	int i, fd, announced = 0, copy;
	char line[128];
	off_t pos;

	kt_start("nopids");
	for (i = 0; i < 4096; i++)
		data[i] = 0x9e3779b97f4a7c15ULL * (i + 1);
	fd = open("/tmp/nopids.file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "0123456789", 10) != 10 || lseek(fd, 3, SEEK_SET) != 3)
		kt_die_errno("/tmp/nopids.file");

	kt_ready();
	deadline = kt_now(CLOCK_MONOTONIC) + KT_GO_TIMEOUT_S;
	while (!kt_go_exists()) {
		if (!announced && getpid() != kt_pid0) {
			int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());

			if (kt_write_file("/tmp/nopids.copy", line, n))
				kt_fail("writing /tmp/nopids.copy: %s", strerror(errno));
			announced = 1;
		}
		if (kt_now(CLOCK_MONOTONIC) > deadline)
			kt_die("go file: expected it within %d s, got timeout", KT_GO_TIMEOUT_S);
		nanosleep(&step, NULL);
	}

	copy = getpid() != kt_pid0;
	if (copy) {
		if (getppid() == kt_ppid0)
			kt_fail("copy: expected a new parent, got the original parent %d", (int)kt_ppid0);
		if (!announced)
			kt_fail("copy: expected to see the go file only after announcing, got it at once");
		for (i = 0; i < 4096; i++)
			if (data[i] != 0x9e3779b97f4a7c15ULL * (i + 1)) {
				kt_fail("copy: data[%d] expected 0x%llx, got 0x%llx", i,
					(unsigned long long)(0x9e3779b97f4a7c15ULL * (i + 1)),
					(unsigned long long)data[i]);
				break;
			}
		/* the copy reopened the file: its own offset, still 3 */
		pos = lseek(fd, 0, SEEK_CUR);
		KT_EXPECT_INT("copy: file offset", 3, pos);
	} else {
		KT_EXPECT_INT("original: parent", kt_ppid0, getppid());
	}
	if (!kt_nfail) {
		int n = snprintf(line, sizeof(line), "%s %d ok\n", copy ? "copy" : "original",
				 (int)getpid());
		int dfd = open("/tmp/nopids.done", O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (dfd < 0 || write(dfd, line, n) != n || close(dfd))
			kt_fail("writing /tmp/nopids.done: %s", strerror(errno));
	}
	kt_done();
}
